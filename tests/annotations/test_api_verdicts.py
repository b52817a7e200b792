"""/api/verdicts/ through HTTP: a reviewer gives and changes their own verdict through the
review page's service (stale input 409, bad input 400, nothing saved either way, a retried POST
no duplicate), and blind review decides which verdicts each caller may read."""

import pytest
from rest_framework.test import APIClient

from annotations.assignment import lease_next
from annotations.models import Lease, Verdict, VerdictRevision
from annotations.services import verdict_submit
from claims.models import Claim
from claims.services import article_delete, claim_reject, claim_spans_update
from tests.conftest import all_pages, queries_per_page
from tests.factories import UserFactory, article_with_claims

pytestmark = pytest.mark.django_db

VERDICTS = "/api/verdicts/"
CLAIMS = "/api/claims/"
MISSING = object()


def _claims(article) -> list[Claim]:
    return list(article.claims.order_by("position", "id"))


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def _submit(client, claim, **data):
    body = {"claim": claim.pk, "label": "confirmed", "expected_revision": 0,
            "claim_version": claim.attribution_version, **data}
    return client.post(VERDICTS, body, format="json")


@pytest.fixture
def claim(db):
    return _claims(article_with_claims(2))[0]


def test_a_reviewer_gives_a_verdict_201_with_its_url(api_as, reviewer, claim):
    response = _submit(api_as(reviewer), claim, label="contested",
                       rationale="The pier was open.", source_correct=True,
                       evidence_links=["https://port.example/log", "https://port.example/log"])
    assert response.status_code == 201, response.content
    body = response.json()
    verdict = Verdict.objects.get()
    assert body["id"] == verdict.pk
    assert response["Location"].endswith(f"{VERDICTS}{verdict.pk}/")
    assert (body["label"], body["revision"], body["claim"]) == ("contested", 1, claim.pk)
    assert body["evidence_links"] == ["https://port.example/log"]
    assert body["source_correct"] is True
    assert body["content_correct"] is None
    assert body["reviewer"] == {"id": reviewer.pk, "username": reviewer.username}
    assert body["mine"] is True
    assert body["current"] is True
    assert verdict.reviewer == reviewer
    assert VerdictRevision.objects.filter(verdict=verdict).count() == 1


def test_a_retried_identical_post_answers_200_and_saves_nothing_more(api_as, reviewer, claim):
    client = api_as(reviewer)
    assert _submit(client, claim, rationale="Logged.").status_code == 201
    again = _submit(client, claim, rationale="Logged.")
    assert again.status_code == 200
    assert again.json()["revision"] == 1
    assert Verdict.objects.count() == 1
    assert VerdictRevision.objects.count() == 1


def test_changing_the_verdict_with_the_revision_last_seen(api_as, reviewer, claim):
    client = api_as(reviewer)
    _submit(client, claim)
    changed = _submit(client, claim, label="unverifiable", expected_revision=1)
    assert changed.status_code == 200
    assert (changed.json()["label"], changed.json()["revision"]) == ("unverifiable", 2)
    assert VerdictRevision.objects.count() == 2


def test_a_stale_revision_answers_409_and_keeps_the_verdict(api_as, reviewer, claim):
    client = api_as(reviewer)
    _submit(client, claim)
    _submit(client, claim, label="contested", expected_revision=1)  # another tab
    stale = _submit(client, claim, label="unverifiable", expected_revision=1)
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale"
    assert "now revision 2, you saw 1" in stale.json()["detail"]
    assert Verdict.objects.get().label == "contested"


def test_a_claim_changed_since_it_was_read_answers_409(api_as, reviewer, lead, claim):
    seen = claim.attribution_version
    claim_spans_update(claim=claim, role="content", spans=[(32, 40)], actor=lead,
                       expected_version=None)
    stale = _submit(api_as(reviewer), claim, claim_version=seen)
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale"
    assert "source, cue or content was changed" in stale.json()["detail"]
    assert not Verdict.objects.exists()


@pytest.mark.parametrize(("data", "field"), [
    ({"label": MISSING}, "label"),
    ({"label": "true"}, "label"),
    ({"evidence_links": ["ftp://files.example/x"]}, "evidence_links"),
    ({"evidence_links": "https://one.example"}, "evidence_links"),
    ({"expected_revision": MISSING}, "expected_revision"),
    ({"claim_version": MISSING}, "claim_version"),
    ({"expected_revision": -1}, "expected_revision"),
    ({"claim_version": 0}, "claim_version"),
    ({"claim": 10**9}, "claim"),
    ({"claim": "first"}, "claim"),
    ({"source_correct": "perhaps"}, "source_correct"),
    ({"rationale": "x" * 10_001}, "rationale"),
    ({"rationale": "nul \x00 byte"}, "rationale"),
])
def test_bad_input_answers_400_with_the_field_and_saves_nothing(api_as, reviewer, claim, data,
                                                                field):
    body = {"claim": claim.pk, "label": "confirmed", "expected_revision": 0,
            "claim_version": 1, **data}
    body = {key: value for key, value in body.items() if value is not MISSING}
    response = api_as(reviewer).post(VERDICTS, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Verdict.objects.exists()


def test_a_claim_of_a_deleted_article_is_no_claim_to_give_a_verdict_on(api_as, reviewer, lead,
                                                                       claim):
    article_delete(article=claim.article, actor=lead, reason="Posted twice")
    response = _submit(api_as(reviewer), claim)
    assert response.status_code == 400
    assert "claim" in response.json()


def test_a_final_or_rejected_claim_takes_no_verdict_409(api_as, reviewer, other_reviewer, lead,
                                                        settings):
    settings.CLAIMDESK_REVIEWS_PER_CLAIM = 1
    final, rejected = _claims(article_with_claims(2))
    verdict_submit(claim=final, reviewer=other_reviewer, label="confirmed")
    claim_reject(claim=rejected, actor=lead, expected_version=None)
    for claim in (final, rejected):
        claim.refresh_from_db()
        response = _submit(api_as(reviewer), claim)
        assert response.status_code == 409
        assert response.json()["code"] == "not_reviewable"
    assert not Verdict.objects.filter(reviewer=reviewer).exists()


def test_a_claim_with_its_verdicts_takes_no_more_409(api_as, other_reviewer, settings):
    settings.CLAIMDESK_REVIEWS_PER_CLAIM = 2
    claim = _claims(article_with_claims(1))[0]
    verdict_submit(claim=claim, reviewer=other_reviewer, label="confirmed")
    verdict_submit(claim=claim, reviewer=UserFactory(username="third"), label="contested")
    response = _submit(api_as(UserFactory(username="late")), claim)
    assert response.status_code == 409
    assert response.json()["code"] == "reviews_complete"


def test_saving_through_the_api_releases_the_reviewers_lease(api_as, reviewer):
    article_with_claims(1)
    claim = lease_next(reviewer=reviewer)
    assert _submit(api_as(reviewer), claim).status_code == 201
    assert Lease.objects.get(claim=claim, reviewer=reviewer).released_at is not None


def test_blind_review_hides_colleagues_verdicts_until_the_reviewers_own(api_as, reviewer,
                                                                        other_reviewer, claim):
    theirs = verdict_submit(claim=claim, reviewer=other_reviewer, label="contested",
                            rationale="Open on Monday.")
    client = api_as(reviewer)
    # Not in the list, not by claim, not by id, not on the claim.
    assert _ids(client.get(VERDICTS)) == []
    assert _ids(client.get(VERDICTS, {"claim": claim.pk})) == []
    assert client.get(f"{VERDICTS}{theirs.pk}/").status_code == 404
    assert client.get(f"{CLAIMS}{claim.pk}/").json()["final_verdict"] is None
    mine = _submit(client, claim, label="confirmed").json()
    rows = client.get(VERDICTS, {"claim": claim.pk}).json()["results"]
    assert {row["id"] for row in rows} == {mine["id"], theirs.pk}
    colleague = next(row for row in rows if row["id"] == theirs.pk)
    assert colleague["reviewer"] is None  # names are for leads
    assert colleague["mine"] is False
    assert colleague["label"] == "contested"
    assert client.get(f"{VERDICTS}{theirs.pk}/").status_code == 200


def test_an_outdated_own_verdict_does_not_open_the_colleagues_verdicts(api_as, reviewer,
                                                                       other_reviewer, lead,
                                                                       claim):
    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
    claim_spans_update(claim=claim, role="content", spans=[(32, 40)], actor=lead,
                       expected_version=None)
    claim.refresh_from_db()
    verdict_submit(claim=claim, reviewer=other_reviewer, label="contested")
    rows = api_as(reviewer).get(VERDICTS).json()["results"]
    assert [(row["mine"], row["current"]) for row in rows] == [(True, False)]


def test_leads_see_every_verdict_with_names_and_may_filter_by_reviewer(
        api_as, reviewer, other_reviewer, lead, claim):
    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
    theirs = verdict_submit(claim=claim, reviewer=other_reviewer, label="contested")
    client = api_as(lead)
    rows = client.get(VERDICTS).json()["results"]
    assert {row["reviewer"]["username"] for row in rows} == {"rev1", "rev2"}
    assert _ids(client.get(VERDICTS, {"reviewer": other_reviewer.pk})) == [theirs.pk]


def test_a_reviewer_may_filter_by_their_own_verdicts_only(api_as, reviewer, other_reviewer):
    client = api_as(reviewer)
    assert client.get(VERDICTS, {"reviewer": reviewer.pk}).status_code == 200
    assert client.get(VERDICTS, {"reviewer": other_reviewer.pk}).status_code == 400


def test_verdicts_of_a_deleted_article_are_not_listed(api_as, reviewer, lead, claim):
    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
    article_delete(article=claim.article, actor=lead, reason="Posted twice")
    assert _ids(api_as(reviewer).get(VERDICTS)) == []


def test_most_recently_changed_first_and_pages_cover_each_verdict_once(api_as, reviewer):
    claims = _claims(article_with_claims(5))
    for claim in claims:
        verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
    Verdict.objects.filter(claim__in=claims[1:4]).update(
        updated_at=Verdict.objects.get(claim=claims[1]).updated_at)
    expected = list(Verdict.objects.order_by("-updated_at", "-id").values_list("id", flat=True))
    assert all_pages(api_as(reviewer), f"{VERDICTS}?page_size=2") == expected


def test_query_count_does_not_grow_with_page_size(api_as, reviewer, other_reviewer):
    for claim in _claims(article_with_claims(30)):
        verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
        verdict_submit(claim=claim, reviewer=other_reviewer, label="contested")
    few, many = queries_per_page(api_as(reviewer), VERDICTS)
    assert few == many


def test_without_credentials_401_and_without_a_role_403(api_as, claim):
    anonymous = APIClient()
    assert anonymous.get(VERDICTS).status_code == 401
    assert _submit(anonymous, claim).status_code == 401
    nobody = UserFactory(username="former")
    nobody.groups.clear()
    client = api_as(nobody)
    assert client.get(VERDICTS).status_code == 403
    assert _submit(client, claim).status_code == 403
    assert not Verdict.objects.exists()


def test_a_session_post_needs_the_csrf_token(reviewer, claim):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(reviewer)
    assert _submit(browser, claim).status_code == 403
    assert not Verdict.objects.exists()
