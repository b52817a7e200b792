import pytest
from django.core.exceptions import ValidationError

from annotations.consensus import (
    StaleAdjudication,
    claims_needing_adjudication,
    disagreements,
    final_verdict_adjudicate,
    final_verdict_reopen,
    verdicts_token,
)
from annotations.models import FinalVerdict, FinalVerdictChange, Verdict
from annotations.selectors import review_queue
from annotations.services import ReviewsComplete, verdict_submit
from claims.models import Claim, ClaimChange
from claims.services import claim_spans_update
from tests.factories import ArticleFactory, UserFactory, make_claim

pytestmark = pytest.mark.django_db

TEXT = ("The ferry operator said the crossing would resume on Friday. A union spokesperson "
        "said no sailor had agreed to the new rota.")


@pytest.fixture
def claim():
    article = ArticleFactory(text=TEXT)
    return make_claim(article, content="the crossing would resume on Friday",
                      source="The ferry operator")


@pytest.fixture
def third_reviewer(db):
    return UserFactory(username="rev3")


def _disagree(claim, reviewer, other_reviewer) -> Claim:
    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed",
                   rationale="The timetable lists a Friday sailing.")
    verdict_submit(claim=claim, reviewer=other_reviewer, label="contested",
                   rationale="The harbour notice says the berth is closed.")
    claim.refresh_from_db()
    return claim


def test_two_agreeing_verdicts_make_the_claim_final_unanimous(claim, reviewer, other_reviewer):
    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.OPEN
    assert not FinalVerdict.objects.exists()
    verdict_submit(claim=claim, reviewer=other_reviewer, label="confirmed")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.FINAL
    final = FinalVerdict.objects.get(claim=claim)
    assert (final.label, final.provenance, final.reason_code, final.decided_by) == (
        "confirmed", "unanimous", "", None)
    assert final.claim_version == claim.attribution_version
    change = FinalVerdictChange.objects.get(claim=claim)
    assert (change.action, change.actor, change.after["label"]) == ("finalise", None,
                                                                    "confirmed")
    status_change = ClaimChange.objects.get(claim=claim, action=ClaimChange.Action.FINALISE)
    assert (status_change.before, status_change.after["status"]) == ({"status": "open"}, "final")
    third = UserFactory(username="rev3")
    assert claim not in review_queue(reviewer=third)
    assert claim not in claims_needing_adjudication()


def test_a_final_claim_refuses_further_verdicts(claim, reviewer, other_reviewer):
    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
    verdict_submit(claim=claim, reviewer=other_reviewer, label="confirmed")
    claim.refresh_from_db()
    with pytest.raises(ValidationError, match="final verdict"):
        verdict_submit(claim=claim, reviewer=reviewer, label="contested")
    assert Verdict.objects.get(claim=claim, reviewer=reviewer).label == "confirmed"


def test_disagreeing_verdicts_put_the_claim_in_the_adjudication_queue(
        claim, reviewer, other_reviewer):
    claim = _disagree(claim, reviewer, other_reviewer)
    assert claim.status == Claim.Status.OPEN
    assert list(claims_needing_adjudication()) == [claim]
    assert not FinalVerdict.objects.exists()
    [row] = disagreements()
    assert (row.source_text, row.cue_text, row.content_text) == (
        "The ferry operator", "said", "the crossing would resume on Friday")
    assert [(v.reviewer, v.label, v.rationale) for v in row.verdicts] == [
        ("rev1", "confirmed", "The timetable lists a Friday sailing."),
        ("rev2", "contested", "The harbour notice says the berth is closed.")]
    assert row.token == verdicts_token(claim_id=claim.pk)


def test_adjudication_sets_the_final_verdict_with_its_reason_and_history(
        claim, reviewer, other_reviewer, lead):
    claim = _disagree(claim, reviewer, other_reviewer)
    final = final_verdict_adjudicate(claim=claim, lead=lead, label="unverifiable",
                                     reason_code="ambiguous_evidence",
                                     reason="  Both sources are undated.  ",
                                     token=verdicts_token(claim_id=claim.pk))
    claim.refresh_from_db()
    assert claim.status == Claim.Status.FINAL
    final.refresh_from_db()
    assert (final.label, final.provenance, final.reason_code, final.reason,
            final.decided_by) == ("unverifiable", "adjudicated", "ambiguous_evidence",
                                  "Both sources are undated.", lead)
    change = FinalVerdictChange.objects.get(claim=claim)
    assert (change.action, change.actor, change.reason_code, change.reason) == (
        "adjudicate", lead, "ambiguous_evidence", "Both sources are undated.")
    assert change.before == {}
    assert change.after["provenance"] == "adjudicated"
    assert ClaimChange.objects.filter(claim=claim, action="finalise", actor=lead).exists()
    assert not claims_needing_adjudication().exists()


def test_a_verdict_on_an_earlier_claim_version_does_not_count(
        claim, reviewer, other_reviewer, third_reviewer):
    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
    start = TEXT.index("the crossing")
    claim = claim_spans_update(claim=claim, role="content", actor=third_reviewer,
                               expected_version=None,
                               spans=[[start, start + len("the crossing would resume")]])
    verdict_submit(claim=claim, reviewer=other_reviewer, label="confirmed")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.OPEN  # one current verdict: not enough
    verdict_submit(claim=claim, reviewer=third_reviewer, label="contested")
    claim.refresh_from_db()
    # Two current verdicts now, disagreeing; the out-of-date "confirmed" is not counted.
    assert list(claims_needing_adjudication()) == [claim]
    # The first reviewer's out-of-date verdict would be a third current one: exactly N.
    with pytest.raises(ReviewsComplete):
        verdict_submit(claim=claim, reviewer=reviewer, label="contested")
    assert Verdict.objects.get(claim=claim, reviewer=reviewer).claim_version == 1


def test_with_three_reviews_per_claim_two_agreeing_verdicts_are_not_enough(
        settings, claim, reviewer, other_reviewer, third_reviewer):
    settings.CLAIMDESK_REVIEWS_PER_CLAIM = 3
    verdict_submit(claim=claim, reviewer=reviewer, label="contested")
    verdict_submit(claim=claim, reviewer=other_reviewer, label="contested")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.OPEN
    assert not FinalVerdict.objects.exists()
    verdict_submit(claim=claim, reviewer=third_reviewer, label="contested")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.FINAL
    assert FinalVerdict.objects.get(claim=claim).provenance == "unanimous"


def test_with_three_reviews_per_claim_two_disagreeing_verdicts_wait_for_the_third(
        settings, claim, reviewer, other_reviewer):
    settings.CLAIMDESK_REVIEWS_PER_CLAIM = 3
    _disagree(claim, reviewer, other_reviewer)
    assert not claims_needing_adjudication().exists()


def test_reopening_an_adjudicated_claim_returns_it_to_the_queue_and_keeps_the_history(
        claim, reviewer, other_reviewer, lead):
    claim = _disagree(claim, reviewer, other_reviewer)
    final_verdict_adjudicate(claim=claim, lead=lead, label="contested",
                             reason_code="new_evidence", reason="",
                             token=verdicts_token(claim_id=claim.pk))
    final_verdict_reopen(claim=claim, lead=lead, reason="The operator published a correction.")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.OPEN
    assert not FinalVerdict.objects.filter(claim=claim).exists()
    assert list(claims_needing_adjudication()) == [claim]
    actions = list(FinalVerdictChange.objects.filter(claim=claim).order_by("id")
                   .values_list("action", "reason"))
    assert actions == [("adjudicate", ""),
                       ("reopen", "The operator published a correction.")]
    reopen = FinalVerdictChange.objects.get(claim=claim, action="reopen")
    assert (reopen.before["label"], reopen.after) == ("contested", {})
    assert ClaimChange.objects.filter(claim=claim, action="reopen", actor=lead).exists()


def test_reopening_needs_a_reason_and_a_final_claim(claim, reviewer, other_reviewer, lead):
    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
    verdict_submit(claim=claim, reviewer=other_reviewer, label="confirmed")
    with pytest.raises(ValidationError, match="Say why"):
        final_verdict_reopen(claim=claim, lead=lead, reason="   ")
    assert FinalVerdict.objects.filter(claim=claim).exists()
    final_verdict_reopen(claim=claim, lead=lead, reason="Checking the crossing again.")
    with pytest.raises(StaleAdjudication, match="no final verdict"):
        final_verdict_reopen(claim=claim, lead=lead, reason="Twice.")
    assert FinalVerdictChange.objects.filter(action="reopen").count() == 1


@pytest.mark.parametrize(("label", "reason_code", "reason", "message"), [
    ("maybe", "reviewer_error", "", "Unknown label"),
    ("confirmed", "", "", "Pick a reason"),
    ("confirmed", "coin_toss", "", "Pick a reason"),
    ("confirmed", "guideline_gap", "  ", "needs an explanation"),
])
def test_adjudication_with_bad_input_saves_nothing(claim, reviewer, other_reviewer, lead,
                                                    label, reason_code, reason, message):
    claim = _disagree(claim, reviewer, other_reviewer)
    with pytest.raises(ValidationError, match=message):
        final_verdict_adjudicate(claim=claim, lead=lead, label=label, reason_code=reason_code,
                                 reason=reason, token=verdicts_token(claim_id=claim.pk))
    claim.refresh_from_db()
    assert claim.status == Claim.Status.OPEN
    assert not FinalVerdict.objects.exists()
    assert not FinalVerdictChange.objects.exists()


def test_adjudication_is_refused_when_the_verdicts_changed_since_the_page_loaded(
        claim, reviewer, other_reviewer, third_reviewer, lead):
    claim = _disagree(claim, reviewer, other_reviewer)
    token = verdicts_token(claim_id=claim.pk)
    verdict_submit(claim=claim, reviewer=other_reviewer, label="unverifiable",
                   expected_revision=1)  # a reviewer changes their mind meanwhile
    with pytest.raises(StaleAdjudication, match="changed since you opened"):
        final_verdict_adjudicate(claim=claim, lead=lead, label="confirmed",
                                 reason_code="reviewer_error", token=token)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.OPEN
    assert not FinalVerdict.objects.exists()


def test_a_second_adjudication_of_the_same_claim_is_refused(
        claim, reviewer, other_reviewer, lead):
    claim = _disagree(claim, reviewer, other_reviewer)
    token = verdicts_token(claim_id=claim.pk)
    final_verdict_adjudicate(claim=claim, lead=lead, label="confirmed",
                             reason_code="reviewer_error", token=token)
    with pytest.raises(StaleAdjudication, match="already has a final verdict"):
        final_verdict_adjudicate(claim=claim, lead=lead, label="contested",
                                 reason_code="new_evidence", token=token)
    assert FinalVerdict.objects.get(claim=claim).label == "confirmed"
    assert FinalVerdictChange.objects.count() == 1


def test_a_claim_whose_reviewers_agree_cannot_be_adjudicated(
        settings, claim, reviewer, other_reviewer, lead):
    settings.CLAIMDESK_REVIEWS_PER_CLAIM = 3
    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
    with pytest.raises(StaleAdjudication, match="no longer needs adjudication"):
        final_verdict_adjudicate(claim=claim, lead=lead, label="contested",
                                 reason_code="new_evidence",
                                 token=verdicts_token(claim_id=claim.pk))
    assert not FinalVerdict.objects.exists()


def test_history_rows_are_append_only(claim, reviewer, other_reviewer):
    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
    verdict_submit(claim=claim, reviewer=other_reviewer, label="confirmed")
    change = FinalVerdictChange.objects.get(claim=claim)
    change.reason = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        change.save()


def test_a_reopened_unanimous_claim_waits_for_a_lead_instead_of_settling_again(
        claim, reviewer, other_reviewer, lead):
    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
    verdict_submit(claim=claim, reviewer=other_reviewer, label="confirmed")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.FINAL
    claim = final_verdict_reopen(claim=claim, lead=lead, reason="A correction was published.")
    assert list(claims_needing_adjudication()) == [claim]  # not in limbo
    # A reviewer re-saving the same label does not make it unanimous again by itself.
    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed", rationale="Still.",
                   expected_revision=1)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.OPEN
    final = final_verdict_adjudicate(claim=claim, lead=lead, label="contested",
                                     reason_code="new_evidence",
                                     token=verdicts_token(claim_id=claim.pk))
    assert (final.provenance, final.label) == ("adjudicated", "contested")
