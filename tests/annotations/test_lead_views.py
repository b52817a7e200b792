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
