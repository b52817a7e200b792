import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from annotations.models import Verdict, VerdictRevision
from annotations.services import StaleVerdict, evidence_links_clean, verdict_submit
from claims.models import Claim
from claims.services import claim_reject, claim_spans_update
from tests.factories import ArticleFactory, make_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim():
    article = ArticleFactory(text="The council said the bridge was safe.")
    return make_claim(article, content="the bridge was safe")


def test_verdict_submit_creates_verdict_and_first_history_row(claim, reviewer):
    verdict = verdict_submit(claim=claim, reviewer=reviewer, label="confirmed",
                             rationale=" Checked the minutes. ",
                             evidence_links=["https://example.org/minutes", ""],
                             source_correct=True, content_correct=True)
    assert verdict.rationale == "Checked the minutes."
    assert verdict.evidence_links == ["https://example.org/minutes"]
    assert list(verdict.history.values_list("revision", "label")) == [(1, "confirmed")]


def test_verdict_submit_keeps_history_when_label_changes(claim, reviewer):
    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed", expected_revision=0)
    verdict = verdict_submit(claim=claim, reviewer=reviewer, label="contested",
                             rationale="New report", expected_revision=1)
    assert verdict.revision == 2
    assert Verdict.objects.count() == 1
    assert list(verdict.history.values_list("revision", "label", "rationale")) == [
        (1, "confirmed", ""), (2, "contested", "New report")]


def test_verdict_resubmitted_unchanged_is_a_no_op(claim, reviewer):
    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed", expected_revision=0)
    again = verdict_submit(claim=claim, reviewer=reviewer, label="confirmed", expected_revision=0)
    assert again.revision == 1
    assert VerdictRevision.objects.count() == 1


def test_stale_verdict_is_refused_and_nothing_is_overwritten(claim, reviewer):
    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed", expected_revision=0)
    verdict_submit(claim=claim, reviewer=reviewer, label="contested", expected_revision=1)
    with pytest.raises(StaleVerdict, match="Reload"):
        verdict_submit(claim=claim, reviewer=reviewer, label="unverifiable", expected_revision=1)
    assert Verdict.objects.get().label == "contested"
    assert VerdictRevision.objects.count() == 2


def test_two_reviewers_each_get_their_own_verdict(claim, reviewer, other_reviewer):
    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
    verdict_submit(claim=claim, reviewer=other_reviewer, label="contested")
    assert claim.verdicts.count() == 2


def test_database_allows_one_verdict_per_reviewer_per_claim(claim, reviewer):
    Verdict.objects.create(claim=claim, reviewer=reviewer, label="confirmed")
    with pytest.raises(IntegrityError), transaction.atomic():
        Verdict.objects.create(claim=claim, reviewer=reviewer, label="contested")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"label": "true"}, "Unknown label"),
        ({"label": "confirmed", "evidence_links": ["ftp://example.org/x"]}, "http or https"),
        ({"label": "confirmed", "evidence_links": ["javascript:alert(1)"]}, "http or https"),
        ({"label": "confirmed", "evidence_links": ["not a url"]}, "http or https"),
    ],
)
def test_invalid_verdict_is_refused_and_saves_nothing(claim, reviewer, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        verdict_submit(claim=claim, reviewer=reviewer, **kwargs)
    assert Verdict.objects.count() == 0
    assert VerdictRevision.objects.count() == 0


def test_rejected_claim_cannot_get_a_verdict(claim, reviewer):
    Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.REJECTED)
    claim.refresh_from_db()
    with pytest.raises(ValidationError, match="rejected"):
        verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")


def test_verdict_history_rows_cannot_be_rewritten(claim, reviewer):
    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
    row = VerdictRevision.objects.get()
    row.label = "contested"
    with pytest.raises(ValueError, match="append-only"):
        row.save()


def _content_edited(claim, actor):
    text = claim.article.text
    start = text.index("the bridge")
    return claim_spans_update(claim=claim, role="content", spans=[(start, start + 10)],
                              actor=actor, expected_version=None)


def test_verdict_records_the_claim_version_it_judged(claim, reviewer, other_reviewer):
    verdict = verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
    assert verdict.claim_version == 1
    edited = _content_edited(claim, other_reviewer)
    assert edited.attribution_version == 2
    verdict.refresh_from_db()
    assert verdict.claim_version == 1  # still the words it judged: now out of date


def test_verdict_resubmitted_unchanged_after_an_edit_is_a_new_revision(claim, reviewer,
                                                                        other_reviewer):
    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed", expected_revision=0)
    _content_edited(claim, other_reviewer)
    verdict = verdict_submit(claim=claim, reviewer=reviewer, label="confirmed",
                             expected_revision=1, claim_version=2)
    assert (verdict.revision, verdict.claim_version) == (2, 2)
    assert list(verdict.history.values_list("revision", "claim_version")) == [(1, 1), (2, 2)]


def test_verdict_on_words_that_changed_since_the_page_loaded_is_refused(claim, reviewer,
                                                                         other_reviewer):
    _content_edited(claim, other_reviewer)
    with pytest.raises(StaleVerdict, match="changed since you opened it"):
        verdict_submit(claim=claim, reviewer=reviewer, label="confirmed",
                       expected_revision=0, claim_version=1)
    assert not Verdict.objects.exists()


def test_rejecting_or_merging_leaves_the_attribution_version(claim, reviewer):
    rejected = claim_reject(claim=claim, actor=reviewer, expected_version=1)
    assert (rejected.version, rejected.attribution_version) == (2, 1)


# --- Exactly N independent verdicts ------------------------------------------------------------
def test_a_verdict_beyond_the_n_a_claim_needs_is_refused(claim, reviewer, other_reviewer):
    from annotations.services import ReviewsComplete
    from tests.factories import UserFactory

    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
    verdict_submit(claim=claim, reviewer=other_reviewer, label="contested")
    late = UserFactory(username="late")
    with pytest.raises(ReviewsComplete, match="already has the 2 independent verdicts"):
        verdict_submit(claim=claim, reviewer=late, label="confirmed")
    assert not Verdict.objects.filter(reviewer=late).exists()
    # The two who reviewed may still change their minds.
    assert verdict_submit(claim=claim, reviewer=reviewer, label="unverifiable",
                          expected_revision=1).revision == 2


def test_a_colleagues_lease_holds_the_last_slot_for_them(claim, reviewer, other_reviewer):
    from annotations.assignment import lease_next
    from annotations.services import ReviewsComplete
    from tests.factories import UserFactory

    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
    assert lease_next(reviewer=other_reviewer) == claim  # the last slot, reserved
    with pytest.raises(ReviewsComplete):
        verdict_submit(claim=claim, reviewer=UserFactory(username="browser"), label="confirmed")
    verdict_submit(claim=claim, reviewer=other_reviewer, label="contested")
    assert Verdict.objects.filter(claim=claim).count() == 2


def test_evidence_links_clean_names_every_invalid_link_at_once():
    with pytest.raises(ValidationError) as refused:
        evidence_links_clean(["https://ok.example/a", "ftp://files.example/x", "",
                              "javascript:alert(1)", "ftp://files.example/x"])
    assert refused.value.messages == [
        "“ftp://files.example/x”, “javascript:alert(1)” are not valid http or https links."]


def test_evidence_links_clean_strips_and_drops_blank_and_repeated_links():
    assert evidence_links_clean([" https://a.example/1 ", "", "https://a.example/1",
                                 "https://b.example/2"]) == ["https://a.example/1",
                                                             "https://b.example/2"]
