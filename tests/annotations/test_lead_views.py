import re

import pytest
from django.urls import reverse

from annotations.consensus import verdicts_token
from annotations.models import FinalVerdict, FinalVerdictChange
from annotations.services import verdict_submit
from claims.models import Claim
from tests.factories import ArticleFactory, UserFactory, make_claim

pytestmark = pytest.mark.django_db

TEXT = ("The ferry operator said the crossing would resume on Friday. A union spokesperson "
        "said no sailor had agreed to the new rota.")
QUEUE = reverse("annotations:lead-disagreements")


@pytest.fixture
def disputed(reviewer, other_reviewer):
    article = ArticleFactory(text=TEXT, title="Harbour <news>")
    claim = make_claim(article, content="the crossing would resume on Friday",
                       source="The ferry operator")
    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed",
                   rationale="The timetable lists a <Friday> sailing.",
                   evidence_links=["https://example.org/timetable"], source_correct=True)
    verdict_submit(claim=claim, reviewer=other_reviewer, label="contested",
                   rationale="The harbour notice says the berth is closed.",
                   content_correct=False)
    return claim


def adjudicate(client, claim, **data):
    values = {"label": "contested", "reason_code": "new_evidence", "reason": "",
              "token": verdicts_token(claim_id=claim.pk), **data}
    return client.post(reverse("annotations:lead-adjudicate", args=[claim.pk]), values)


def test_the_queue_shows_each_verdict_side_by_side(logged_in_lead, disputed,
                                                    django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = logged_in_lead.get(QUEUE)
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="claim-{disputed.pk}"' in body
    assert "“the crossing would resume on Friday”" in body
    assert "as written: “The ferry operator”" in body
    assert "Harbour &lt;news&gt;" in body
    cards = re.findall(r'<section class="verdict-card l-(\w+)".*?</section>', body, flags=re.S)
    assert cards == ["confirmed", "contested"]
    assert '<span class="reviewer">rev1</span>: <span class="label">Confirmed</span>' in body
    assert '<span class="reviewer">rev2</span>: <span class="label">Contested</span>' in body
    assert "The timetable lists a &lt;Friday&gt; sailing." in body
    assert ('<a href="https://example.org/timetable" rel="noopener noreferrer nofollow" '
            'target="_blank">https://example.org/timetable</a>') in body
    assert "Who said it: right · What was said: not checked" in body
    assert "Who said it: not checked · What was said: wrong" in body
    assert f'name="token" value="{verdicts_token(claim_id=disputed.pk)}"' in body


def test_the_queue_reads_a_fixed_number_of_queries_however_many_claims(
        logged_in_lead, reviewer, other_reviewer, django_assert_max_num_queries):
    for n in range(6):
        article = ArticleFactory(text=f"Bulletin {n}. {TEXT}")
        claim = make_claim(article, content="the crossing would resume on Friday")
        verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
        verdict_submit(claim=claim, reviewer=other_reviewer, label="unverifiable")
    with django_assert_max_num_queries(12):
        response = logged_in_lead.get(QUEUE)
    assert response.content.decode().count('class="card disagreement"') == 6


def test_a_lead_adjudicates_and_the_claim_leaves_the_queue(logged_in_lead, lead, disputed):
    response = adjudicate(logged_in_lead, disputed, label="unverifiable",
                          reason_code="guideline_gap",
                          reason="The guidelines say nothing about suspended timetables.")
    assert response.status_code == 302
    assert response.url == QUEUE
    final = FinalVerdict.objects.get(claim=disputed)
    assert (final.label, final.provenance, final.reason_code, final.decided_by) == (
        "unverifiable", "adjudicated", "guideline_gap", lead)
    disputed.refresh_from_db()
    assert disputed.status == Claim.Status.FINAL
    body = logged_in_lead.get(QUEUE).content.decode()
    assert f'id="claim-{disputed.pk}"' not in body
    assert "Recently decided" in body
    assert "<strong>Unverifiable</strong> (adjudicated by lead1, guideline gap" in body


@pytest.mark.parametrize(("data", "message"), [
    ({"reason_code": ""}, "Pick a reason for the decision."),
    ({"reason_code": "coin_toss"}, "Unknown reason"),
    ({"label": "probably"}, "Unknown label"),
    ({"label": ""}, "Pick the final label."),
    ({"reason_code": "guideline_gap", "reason": " "}, "needs an explanation"),
])
def test_bad_adjudication_input_is_refused_with_a_message_and_saves_nothing(
        logged_in_lead, disputed, data, message):
    response = adjudicate(logged_in_lead, disputed, **data)
    assert response.status_code == 422
    body = response.content.decode()
    assert 'data-testid="adjudication-refused"' in body
    assert message in body
    assert not FinalVerdict.objects.exists()
    assert not FinalVerdictChange.objects.exists()
    disputed.refresh_from_db()
    assert disputed.status == Claim.Status.OPEN


def test_a_stale_adjudication_is_refused_and_saves_nothing(logged_in_lead, disputed,
                                                            other_reviewer):
    token = verdicts_token(claim_id=disputed.pk)
    # A reviewer changes their mind after the lead's page loaded.
    verdict_submit(claim=disputed, reviewer=other_reviewer, label="unverifiable",
                   expected_revision=1)
    response = adjudicate(logged_in_lead, disputed, token=token)
    assert response.status_code == 409
    assert "changed since you opened the page" in response.content.decode()
    assert not FinalVerdict.objects.exists()


def test_a_duplicate_adjudication_is_refused(logged_in_lead, disputed):
    token = verdicts_token(claim_id=disputed.pk)
    assert adjudicate(logged_in_lead, disputed, token=token).status_code == 302
    response = adjudicate(logged_in_lead, disputed, token=token, label="confirmed")
    assert response.status_code == 409
    assert "already has a final verdict" in response.content.decode()
    assert FinalVerdict.objects.get(claim=disputed).label == "contested"
    assert FinalVerdictChange.objects.count() == 1


def test_a_lead_reopens_a_final_verdict_from_the_claim_page(logged_in_lead, disputed):
    adjudicate(logged_in_lead, disputed)
    page = logged_in_lead.get(disputed.get_absolute_url()).content.decode()
    assert 'data-testid="final-verdict"' in page
    assert "Final verdict: Contested" in page
    assert "by lead1" in page
    assert reverse("annotations:lead-reopen", args=[disputed.pk]) in page
    response = logged_in_lead.post(reverse("annotations:lead-reopen", args=[disputed.pk]),
                                   {"reason": "The operator corrected its notice."})
    assert response.status_code == 302
    disputed.refresh_from_db()
    assert disputed.status == Claim.Status.OPEN
    assert not FinalVerdict.objects.exists()
    assert f'id="claim-{disputed.pk}"' in logged_in_lead.get(QUEUE).content.decode()


def test_a_final_claim_offers_no_span_edits_until_it_is_reopened(logged_in_lead, disputed):
    """The service refuses every edit of a final claim, so its page offers none and says why;
    reopened, the claim can be fixed again."""
    spans_url = reverse("annotations:claim-spans", args=[disputed.pk])
    reject_url = reverse("annotations:claim-reject", args=[disputed.pk])
    assert spans_url in logged_in_lead.get(disputed.get_absolute_url()).content.decode()
    adjudicate(logged_in_lead, disputed)
    page = logged_in_lead.get(disputed.get_absolute_url()).content.decode()
    assert 'data-testid="frozen"' in page
    assert "stay as they are until a lead reopens the verdict" in page
    assert spans_url not in page
    assert reject_url not in page
    logged_in_lead.post(reverse("annotations:lead-reopen", args=[disputed.pk]),
                        {"reason": "The operator corrected its notice."})
    page = logged_in_lead.get(disputed.get_absolute_url()).content.decode()
    assert 'data-testid="frozen"' not in page
    assert spans_url in page
    assert reject_url in page


def test_reopening_without_a_reason_is_refused(logged_in_lead, disputed):
    adjudicate(logged_in_lead, disputed)
    response = logged_in_lead.post(reverse("annotations:lead-reopen", args=[disputed.pk]),
                                   {"reason": ""})
    assert response.status_code == 422
    assert "Not reopened: Why reopen: Say why the final verdict is reopened." in \
        response.content.decode()
    assert FinalVerdict.objects.filter(claim=disputed).exists()


def test_a_refused_reopen_shows_the_claim_page_again_with_the_typed_reason(logged_in_lead,
                                                                          disputed):
    adjudicate(logged_in_lead, disputed)
    typed = "The operator\ufffds notice changed <twice>."  # pasted with bytes lost
    response = logged_in_lead.post(reverse("annotations:lead-reopen", args=[disputed.pk]),
                                   {"reason": typed})
    assert response.status_code == 422
    page = response.content.decode()
    assert '<div class="alert" role="alert" id="reopen-error">Not reopened: Why reopen: ' in page
    assert ('aria-invalid="true" aria-describedby="reopen-error">'
            "The operator\ufffds notice changed &lt;twice&gt;.</textarea>") in page
    assert FinalVerdict.objects.filter(claim=disputed).exists()


def test_a_reviewer_sees_the_final_verdict_without_names_or_the_reopen_form(
        client, reviewer, disputed, lead):
    from annotations.consensus import final_verdict_adjudicate

    final_verdict_adjudicate(claim=disputed, lead=lead, label="contested",
                             reason_code="reviewer_error",
                             token=verdicts_token(claim_id=disputed.pk))
    client.force_login(reviewer)
    page = client.get(disputed.get_absolute_url()).content.decode()
    [final] = re.findall(r'<div class="final-verdict card".*?</div>', page, flags=re.S)
    assert "Final verdict: Contested" in final
    assert "Adjudicated" in final
    assert "lead1" not in final
    assert reverse("annotations:lead-reopen", args=[disputed.pk]) not in page


def test_a_reviewer_without_a_verdict_does_not_see_the_final_verdict(client, disputed, lead):
    from annotations.consensus import final_verdict_adjudicate

    final_verdict_adjudicate(claim=disputed, lead=lead, label="contested",
                             reason_code="reviewer_error",
                             token=verdicts_token(claim_id=disputed.pk))
    client.force_login(UserFactory(username="newcomer"))
    page = client.get(disputed.get_absolute_url()).content.decode()
    assert 'data-testid="final-verdict"' not in page


def test_reviewers_get_403_on_every_lead_page(logged_in, disputed):
    assert logged_in.get(QUEUE).status_code == 403
    assert adjudicate(logged_in, disputed).status_code == 403
    assert logged_in.post(reverse("annotations:lead-reopen", args=[disputed.pk]),
                          {"reason": "x"}).status_code == 403
    assert not FinalVerdict.objects.exists()


def test_anonymous_users_are_sent_to_log_in(client, disputed):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- A reopened claim with its verdicts complete goes back to adjudication --------------------
REOPEN_REASON = "The operator's second notice names another day."


@pytest.fixture
def agreed_then_reopened(logged_in_lead, reviewer, other_reviewer):
    """Two agreeing verdicts (2 of 2) set the final verdict; a lead reopens it on its page."""
    article = ArticleFactory(text=TEXT, title="Ferry bulletin")
    claim = make_claim(article, content="the crossing would resume on Friday")
    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
    verdict_submit(claim=claim, reviewer=other_reviewer, label="confirmed")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.FINAL
    response = logged_in_lead.post(reverse("annotations:lead-reopen", args=[claim.pk]),
                                   {"reason": REOPEN_REASON}, follow=True)
    claim.refresh_from_db()
    return claim, response


def test_a_reopened_claim_with_its_verdicts_complete_waits_for_a_lead_on_every_surface(
        logged_in_lead, agreed_then_reopened):
    claim, response = agreed_then_reopened
    page = response.content.decode()
    assert "waits on the disagreements page for a lead&#x27;s decision" in page
    assert "takes verdicts again" not in page
    # The panel offers no verdict form the service would refuse, and says why.
    assert 'id="verdict-form"' not in page
    assert 'data-testid="no-verdict-slot"' in page
    assert "has the 2 independent verdicts it needs" in page
    assert f'{QUEUE}#claim-{claim.pk}' in page
    assert ('<span class="badge v-adjudication">Needs adjudication</span>'
            in page.split(f'id="claim-item-{claim.pk}"', 1)[1].split("</li>", 1)[0])
    # What the page said holds: a verdict from the lead is refused, the claim is on the queue.
    refused = logged_in_lead.post(reverse("annotations:verdict-submit", args=[claim.pk]), {
        "label": "confirmed", "expected_revision": 0})
    assert refused.status_code == 409
    assert f'id="claim-{claim.pk}"' in logged_in_lead.get(QUEUE).content.decode()


def test_a_reopened_claim_takes_no_verdict_from_a_reviewer_who_had_none(
        client, api_as, agreed_then_reopened):
    claim, _ = agreed_then_reopened
    newcomer = UserFactory(username="newcomer")
    client.force_login(newcomer)
    page = client.get(claim.get_absolute_url()).content.decode()
    assert 'id="verdict-form"' not in page
    assert 'data-testid="no-verdict-slot"' in page
    assert "disagreements" not in page  # the lead's page is not a reviewer's way out
    assert "Take the next claim waiting for you" in page
    assert "To review" not in page.split(f'id="claim-item-{claim.pk}"', 1)[1].split("</li>")[0]
    response = api_as(newcomer).post("/api/verdicts/", {
        "claim": claim.pk, "label": "confirmed", "expected_revision": 0,
        "claim_version": claim.attribution_version}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "reviews_complete"


def test_a_reviewer_who_gave_a_verdict_may_still_revise_it_after_a_reopen(
        client, reviewer, agreed_then_reopened):
    claim, _ = agreed_then_reopened
    client.force_login(reviewer)
    page = client.get(claim.get_absolute_url()).content.decode()
    assert 'id="verdict-form"' in page
    response = client.post(reverse("annotations:verdict-submit", args=[claim.pk]), {
        "label": "contested", "expected_revision": 1, "claim_version": claim.attribution_version})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.OPEN  # still the lead's to decide, not settled again


# --- The disagreements page says why a claim was reopened ---------------------------------------
def test_the_queue_shows_the_reopen_reason_and_the_final_verdict_taken_back(
        logged_in_lead, agreed_then_reopened, django_assert_max_num_queries):
    claim, _ = agreed_then_reopened
    reopened_at = FinalVerdictChange.objects.get(claim=claim, action="reopen").at
    with django_assert_max_num_queries(13):
        body = logged_in_lead.get(QUEUE).content.decode()
    [card] = re.findall(rf'<article class="card disagreement" id="claim-{claim.pk}".*?</article>',
                        body, flags=re.S)
    [note] = re.findall(r'<div class="alert alert-stale reopened".*?</div>', card, flags=re.S)
    assert f"Reopened</strong> by lead1, {reopened_at:%Y-%m-%d %H:%M}" in note
    assert "The operator&#x27;s second notice names another day." in note
    assert "Final verdict taken back: <strong>Confirmed</strong> (unanimous, " in note


def test_the_queue_names_the_lead_whose_adjudication_was_reopened(logged_in_lead, disputed):
    adjudicate(logged_in_lead, disputed, label="contested")
    logged_in_lead.post(reverse("annotations:lead-reopen", args=[disputed.pk]),
                        {"reason": "A third notice."})
    body = logged_in_lead.get(QUEUE).content.decode()
    assert "Final verdict taken back: <strong>Contested</strong> (adjudicated by lead1, " in body
    assert "A third notice." in body


def test_a_claim_never_reopened_carries_no_reopen_note(logged_in_lead, disputed):
    assert 'data-testid="reopened"' not in logged_in_lead.get(QUEUE).content.decode()
