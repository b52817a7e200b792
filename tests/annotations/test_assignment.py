"""Leases handed out by /review/next/ and articles leads assign, through HTTP where a reviewer
would go (any database; the same moment on PostgreSQL is in test_assignment_concurrency.py)."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from annotations.assignment import assignments_set, lease_next
from annotations.models import Assignment, AssignmentChange, Lease, LeaseChange
from annotations.services import StaleVerdict, verdict_submit
from claims.models import Claim
from claims.services import claim_reject
from tests.factories import ArticleFactory, UserFactory, article_with_claims

pytestmark = pytest.mark.django_db

NEXT = reverse("annotations:review-next")


def _client(client_class, username):
    client = client_class()
    user = UserFactory(username=username)
    client.force_login(user)
    return client, user


@pytest.fixture
def desk(client):
    """Three signed-in reviewers as (client, user) pairs."""
    return [_client(type(client), f"checker{i}") for i in range(3)]


def _claim_from(response) -> Claim:
    assert response.status_code == 302, response.status_code
    return Claim.objects.get(pk=int(response.url.rsplit("claim=", 1)[1]))


def _nothing_waiting(response) -> bool:
    return response.status_code == 200 and b"Nothing waiting for you" in response.content


def _save(client, claim, label="confirmed"):
    return client.post(reverse("annotations:verdict-submit", args=[claim.pk]),
                       {"label": label, "rationale": "", "evidence_links": "",
                        "source_correct": "", "content_correct": "", "expected_revision": 0})


def test_review_next_leases_the_claim_and_gives_it_back_while_the_lease_holds(desk):
    article = article_with_claims(2)
    (client, user), _, _ = desk
    first = _claim_from(client.get(NEXT))
    again = _claim_from(client.get(NEXT))
    assert first == again == article.claims.order_by("position").first()
    lease = Lease.objects.get()
    assert (lease.claim, lease.reviewer, lease.released_at) == (first, user, None)
    assert list(LeaseChange.objects.values_list("action", flat=True)) == ["grant", "renew"]


def test_a_claim_goes_to_no_more_reviewers_at_once_than_it_needs_verdicts(desk, settings):
    settings.CLAIMDESK_REVIEWS_PER_CLAIM = 2
    article = article_with_claims(1)
    (a, _), (b, _), (c, _) = desk
    claim = article.claims.get()
    assert _claim_from(a.get(NEXT)) == claim
    assert _claim_from(b.get(NEXT)) == claim
    assert _nothing_waiting(c.get(NEXT))


def test_an_expired_lease_returns_the_claim_to_the_pool(desk, settings):
    settings.CLAIMDESK_REVIEWS_PER_CLAIM = 1
    claim = article_with_claims(1).claims.get()
    (a, first_user), (b, second_user), _ = desk
    assert _claim_from(a.get(NEXT)) == claim
    assert _nothing_waiting(b.get(NEXT))
    Lease.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert _claim_from(b.get(NEXT)) == claim
    assert Lease.objects.get(reviewer=second_user, released_at=None).claim == claim
    # The first reviewer comes back too late: their lease is closed as expired, the claim is
    # with the second one now.
    assert _nothing_waiting(a.get(NEXT))
    expired = Lease.objects.get(reviewer=first_user)
    assert expired.released_at == expired.expires_at
    assert LeaseChange.objects.filter(lease=expired, action="expire").count() == 1


def test_opening_the_claim_renews_the_lease_and_shows_it(desk, settings):
    settings.CLAIMDESK_LEASE_SECONDS = 900
    article_with_claims(1)
    (client, _), _, _ = desk
    claim = _claim_from(client.get(NEXT))
    Lease.objects.update(expires_at=timezone.now() + timedelta(seconds=10))

    response = client.get(claim.get_absolute_url())

    lease = Lease.objects.get()
    assert lease.expires_at > timezone.now() + timedelta(seconds=800)
    assert LeaseChange.objects.filter(lease=lease, action="renew").count() == 1
    local = timezone.localtime(lease.expires_at).strftime("%H:%M")
    assert f"Reserved for you until {local}" in response.content.decode()


def test_the_verdict_service_releases_the_lease_with_the_verdict_and_a_refused_one_keeps_it(
        desk):
    claims = list(article_with_claims(2).claims.order_by("position"))
    (client, user), _, _ = desk
    assert _claim_from(client.get(NEXT)) == claims[0]
    with pytest.raises(StaleVerdict):
        verdict_submit(claim=claims[0], reviewer=user, label="confirmed", expected_revision=3)
    assert Lease.objects.get(claim=claims[0], reviewer=user).released_at is None
    verdict_submit(claim=claims[0], reviewer=user, label="confirmed", expected_revision=0)
    lease = Lease.objects.get(claim=claims[0], reviewer=user)
    assert lease.released_at is not None
    assert LeaseChange.objects.get(lease=lease, action="release").reason == "saved"


def test_opening_a_claim_the_reviewer_holds_no_lease_on_writes_nothing(desk):
    claims = list(article_with_claims(2).claims.order_by("position"))
    (client, _), _, _ = desk
    assert _claim_from(client.get(NEXT)) == claims[0]
    response = client.get(claims[1].get_absolute_url())
    assert "Reserved for you" not in response.content.decode()
    assert LeaseChange.objects.count() == 1  # the grant


def test_saving_the_verdict_releases_the_lease(desk, settings):
    settings.CLAIMDESK_REVIEWS_PER_CLAIM = 2
    claims = list(article_with_claims(2).claims.order_by("position"))
    (a, _), (b, _), (c, _) = desk
    assert _claim_from(a.get(NEXT)) == claims[0]
    assert _claim_from(b.get(NEXT)) == claims[0]
    assert _save(a, claims[0]).status_code == 302

    lease = Lease.objects.get(claim=claims[0], reviewer__username="checker0")
    assert lease.released_at is not None
    assert LeaseChange.objects.get(lease=lease, action="release").reason == "saved"
    # One verdict and one lease: the claim is full until the second reviewer is done.
    assert _claim_from(c.get(NEXT)) == claims[1]
    assert _claim_from(a.get(NEXT)) == claims[1]


def test_a_claim_with_enough_current_verdicts_is_never_handed_out(desk, settings):
    settings.CLAIMDESK_REVIEWS_PER_CLAIM = 2
    claims = list(article_with_claims(2).claims.order_by("position"))
    for name in ("early", "earlier"):
        verdict_submit(claim=claims[0], reviewer=UserFactory(username=name), label="confirmed")
    (client, _), _, _ = desk
    assert _claim_from(client.get(NEXT)) == claims[1]
    Lease.objects.update(released_at=timezone.now())  # the reviewer lets it go
    verdict_submit(claim=claims[1], reviewer=UserFactory(username="early"), label="confirmed")
    verdict_submit(claim=claims[1], reviewer=UserFactory(username="earlier"), label="confirmed")
    assert _nothing_waiting(client.get(NEXT))


def test_verdicts_on_an_earlier_version_of_the_claim_do_not_count(desk, settings):
    settings.CLAIMDESK_REVIEWS_PER_CLAIM = 2
    claim = article_with_claims(1).claims.get()
    # Two labels: agreeing verdicts would make the claim final, out of review altogether.
    for name, label in (("early", "confirmed"), ("earlier", "contested")):
        verdict_submit(claim=claim, reviewer=UserFactory(username=name), label=label)
    (client, _), _, _ = desk
    assert _nothing_waiting(client.get(NEXT))
    Claim.objects.filter(pk=claim.pk).update(attribution_version=F("attribution_version") + 1)
    assert _claim_from(client.get(NEXT)) == claim


def test_a_leased_claim_that_is_rejected_meanwhile_is_released_for_the_next(desk):
    claims = list(article_with_claims(2).claims.order_by("position"))
    (client, user), _, _ = desk
    assert _claim_from(client.get(NEXT)) == claims[0]
    claim_reject(claim=claims[0], actor=user, expected_version=claims[0].version)
    assert _claim_from(client.get(NEXT)) == claims[1]
    closed = Lease.objects.get(claim=claims[0])
    assert closed.released_at is not None
    assert LeaseChange.objects.get(lease=closed, action="release").reason == (
        "no longer waiting for you")


def test_lease_records_are_append_only(reviewer):
    article_with_claims(1)
    lease_next(reviewer=reviewer)
    change = LeaseChange.objects.get()
    change.reason = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        change.save()


# --- Leads assign articles ------------------------------------------------------------------
def test_reviewers_get_their_assigned_article_first(client, desk, logged_in_lead):
    older = article_with_claims(1)
    assigned = article_with_claims(1)
    (a, first_user), (b, _), _ = desk
    response = logged_in_lead.post(reverse("annotations:article-assign", args=[assigned.pk]),
                                   {"reviewers": [first_user.pk], "reason": "knows the port"})
    assert response.status_code == 302
    assert _claim_from(a.get(NEXT)).article == assigned
    assert _claim_from(b.get(NEXT)).article == older


@pytest.mark.parametrize(("assigned", "left_off", "expected"), [
    ("", None, "A"),  # the oldest article first
    ("", "B", "B"),  # where the reviewer left off
    ("C", "B", "C"),  # an assigned article before the one left off
    ("CD", "D", "D"),  # among the assigned, the one left off first
    ("CD", "B", "C"),  # else the oldest assigned
    ("", "E", "A"),  # nothing waits in the article left off: the oldest again
])
def test_the_next_claim_comes_from_assigned_then_left_off_then_oldest_articles(
        reviewer, lead, assigned, left_off, expected):
    articles = {name: article_with_claims(2) for name in "ABCDE"}
    for claim in articles["E"].claims.all():
        verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
    for name in assigned:
        assignments_set(article=articles[name], reviewers=[reviewer], actor=lead)
    prefer = articles[left_off].pk if left_off else None
    claim = lease_next(reviewer=reviewer, prefer_article_id=prefer)
    assert claim == articles[expected].claims.order_by("position").first()


def test_the_assign_page_lists_reviewers_with_their_assignment_checked(logged_in_lead, desk):
    article = ArticleFactory()
    url = reverse("annotations:article-assign", args=[article.pk])
    logged_in_lead.post(url, {"reviewers": [desk[1][1].pk]})
    body = logged_in_lead.get(url).content.decode()
    for _, user in desk:
        assert user.username in body
    assert body.count('type="checkbox"') >= 3
    assert body.count("checked") == 1


def test_a_lead_unassigns_a_reviewer_and_both_steps_are_recorded(logged_in_lead, lead, desk):
    article = ArticleFactory()
    url = reverse("annotations:article-assign", args=[article.pk])
    (_, first), (_, second), _ = desk
    logged_in_lead.post(url, {"reviewers": [first.pk, second.pk]})
    response = logged_in_lead.post(url, {"reviewers": [second.pk], "reason": "on leave"},
                                   follow=True)
    assert "Assigned to checker1." in response.content.decode()
    assert set(Assignment.objects.filter(unassigned_at=None).values_list(
        "reviewer__username", flat=True)) == {"checker1"}
    gone = Assignment.objects.get(reviewer=first)
    assert gone.unassigned_at is not None
    assert list(AssignmentChange.objects.filter(assignment=gone).values_list(
        "action", "reason", "actor")) == [("assign", "", lead.pk),
                                         ("unassign", "on leave", lead.pk)]


def test_assigning_an_unknown_reviewer_is_refused_and_saves_nothing(logged_in_lead):
    article = ArticleFactory()
    response = logged_in_lead.post(reverse("annotations:article-assign", args=[article.pk]),
                                   {"reviewers": ["999999"]})
    assert response.status_code == 422
    assert "999999 is not a reviewer of this desk." in response.content.decode()
    assert "Nothing was changed." in response.content.decode()
    assert not Assignment.objects.exists()


def test_only_leads_may_assign(client, logged_in, reviewer):
    article = ArticleFactory()
    url = reverse("annotations:article-assign", args=[article.pk])
    assert logged_in.get(url).status_code == 403
    assert logged_in.post(url, {"reviewers": [reviewer.pk]}).status_code == 403
    assert not Assignment.objects.exists()
    logged_in.logout()
    assert client.get(url).status_code == 302
    assert "/accounts/login/" in client.get(url).url


def test_leads_see_the_assign_link_on_the_article_page(logged_in_lead, client, reviewer):
    article = ArticleFactory()
    link = reverse("annotations:article-assign", args=[article.pk])
    assert link in logged_in_lead.get(article.get_absolute_url()).content.decode()
    client.force_login(reviewer)
    assert link not in client.get(article.get_absolute_url()).content.decode()


# --- A deactivated reviewer's work goes back to the pool ---------------------------------------
@pytest.fixture
def held_by_checker0(desk, settings):
    """checker0 holds the lease on an article's only claim (one review per claim: nobody else
    gets it meanwhile) and is assigned the article."""
    settings.CLAIMDESK_REVIEWS_PER_CLAIM = 1
    article = article_with_claims(1)
    (client0, user0), (client1, _user1) = desk[:2]
    assignments_set(article=article, reviewers=[user0], actor=None)
    claim = _claim_from(client0.get(NEXT))
    assert _nothing_waiting(client1.get(NEXT))
    return claim, user0


def _withdrawn(claim, user, admin_user, reason: str) -> None:
    lease = Lease.objects.get(reviewer=user)
    assert lease.released_at is not None
    released = lease.changes.get(action=LeaseChange.Action.RELEASE)
    assert (released.actor, released.reason) == (admin_user, reason)
    assert released.before["released_at"] is None
    assignment = Assignment.objects.get(reviewer=user)
    assert assignment.unassigned_at is not None
    unassigned = assignment.changes.get(action=AssignmentChange.Action.UNASSIGN)
    assert (unassigned.actor, unassigned.reason) == (admin_user, reason)


def test_the_deactivate_action_releases_the_users_leases_and_assignments(
        client, admin_user, desk, held_by_checker0):
    claim, user0 = held_by_checker0
    client.force_login(admin_user)
    response = client.post(reverse("admin:auth_user_changelist"), {
        "action": "deactivate", "_selected_action": [user0.pk]})
    assert response.status_code == 302
    _withdrawn(claim, user0, admin_user, "account deactivated: Deactivated in the admin")
    # The claim is back in the pool at once, not when the lease would have run out.
    client1 = desk[1][0]
    assert _claim_from(client1.get(NEXT)) == claim


def test_unticking_active_on_the_user_page_releases_the_users_leases_and_assignments(
        client, admin_user, desk, held_by_checker0):
    claim, user0 = held_by_checker0
    client.force_login(admin_user)
    response = client.post(reverse("admin:auth_user_change", args=[user0.pk]), {
        "username": user0.username, "first_name": "", "last_name": "", "email": "",
        "date_joined_0": "2026-01-05", "date_joined_1": "09:00:00", "roles": ["reviewer"],
        "role_reason": "Left the desk", "role_changes-TOTAL_FORMS": "0",
        "role_changes-INITIAL_FORMS": "0"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    user0.refresh_from_db()
    assert not user0.is_active
    _withdrawn(claim, user0, admin_user, "account deactivated: Left the desk")
    assert _claim_from(desk[1][0].get(NEXT)) == claim


def test_an_expired_lease_of_a_deactivated_user_is_recorded_as_expired(
        client, admin_user, desk, held_by_checker0):
    claim, user0 = held_by_checker0
    Lease.objects.filter(reviewer=user0).update(expires_at=timezone.now() - timedelta(minutes=1))
    client.force_login(admin_user)
    client.post(reverse("admin:auth_user_changelist"), {
        "action": "deactivate", "_selected_action": [user0.pk]})
    lease = Lease.objects.get(reviewer=user0)
    assert lease.released_at == lease.expires_at
    assert lease.changes.filter(action=LeaseChange.Action.EXPIRE).count() == 1


def _roles_posted(client, user, roles, reason=""):
    """The admin's user page saved with `user` active and holding `roles`."""
    response = client.post(reverse("admin:auth_user_change", args=[user.pk]), {
        "username": user.username, "first_name": "", "last_name": "", "email": "",
        "is_active": "on", "date_joined_0": "2026-01-05", "date_joined_1": "09:00:00",
        "roles": roles, "role_reason": reason, "role_changes-TOTAL_FORMS": "0",
        "role_changes-INITIAL_FORMS": "0"})
    assert response.status_code == 302, response.context["adminform"].form.errors


def test_removing_the_reviewer_role_of_an_active_user_releases_their_leases_and_assignments(
        client, admin_user, desk, held_by_checker0):
    claim, user0 = held_by_checker0
    client.force_login(admin_user)
    _roles_posted(client, user0, [], reason="Moved to the newsroom")
    user0.refresh_from_db()
    assert user0.is_active
    _withdrawn(claim, user0, admin_user, "reviewer role removed: Moved to the newsroom")
    assert _claim_from(desk[1][0].get(NEXT)) == claim


def test_a_lead_who_loses_the_reviewer_role_keeps_their_leases_since_leads_review_too(
        client, admin_user, held_by_checker0):
    claim, user0 = held_by_checker0
    client.force_login(admin_user)
    _roles_posted(client, user0, ["reviewer", "lead"])
    _roles_posted(client, user0, ["lead"])
    assert Lease.objects.get(reviewer=user0).released_at is None
    assert Assignment.objects.get(reviewer=user0).unassigned_at is None


def test_changing_roles_of_an_active_user_leaves_their_leases_and_assignments(
        client, admin_user, held_by_checker0):
    claim, user0 = held_by_checker0
    client.force_login(admin_user)
    response = client.post(reverse("admin:auth_user_change", args=[user0.pk]), {
        "username": user0.username, "first_name": "", "last_name": "", "email": "",
        "is_active": "on", "date_joined_0": "2026-01-05", "date_joined_1": "09:00:00",
        "roles": ["reviewer", "lead"], "role_changes-TOTAL_FORMS": "0",
        "role_changes-INITIAL_FORMS": "0"})
    assert response.status_code == 302
    assert Lease.objects.get(reviewer=user0).released_at is None
    assert Assignment.objects.get(reviewer=user0).unassigned_at is None
