import pytest

from annotations.agreement import agreement
from annotations.agreement_selectors import LABELS, agreement_report, ratings_by_article
from annotations.services import verdict_submit
from claims.services import claim_reject, claim_spans_update
from tests.factories import UserFactory, article_with_claims

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(reviewer, other_reviewer):
    """Two articles of three claims; rev1 and rev2 on the first, rev1 and rev3 on the second.
    Claim c2's content was edited after rev1's verdict (rev1's no longer counts) and d1 was
    rejected as not a claim after both verdicts."""
    third = UserFactory(username="rev3")
    first = article_with_claims(3, title="Harbour dispatch")
    second = article_with_claims(3, title="Bridge dispatch")
    c0, c1, c2 = first.claims.order_by("position")
    d0, d1, d2 = second.claims.order_by("position")
    for claim, one, two in [(c0, "confirmed", "confirmed"), (c1, "contested", "confirmed")]:
        verdict_submit(claim=claim, reviewer=reviewer, label=one)
        verdict_submit(claim=claim, reviewer=other_reviewer, label=two)
    verdict_submit(claim=c2, reviewer=reviewer, label="contested")
    start = first.text.index("the pier number 2")
    claim_spans_update(claim=c2, role="content", spans=[(start, start + 15)],
                       actor=other_reviewer, expected_version=None)
    verdict_submit(claim=c2, reviewer=other_reviewer, label="unverifiable")
    # d1 disagrees (agreeing verdicts would make it final, and a final claim cannot be rejected)
    for claim, one, two in [(d0, "confirmed", "contested"), (d1, "confirmed", "unverifiable"),
                            (d2, "contested", "contested")]:
        verdict_submit(claim=claim, reviewer=reviewer, label=one)
        verdict_submit(claim=claim, reviewer=third, label=two)
    claim_reject(claim=d1, actor=reviewer, expected_version=None)
    return {"first": first, "second": second, "users": (reviewer, other_reviewer, third),
            "claims": (c0, c1, c2, d0, d1, d2)}


def test_ratings_count_current_verdicts_on_standing_claims_only(desk):
    rev1, rev2, rev3 = (user.pk for user in desk["users"])
    c0, c1, c2, d0, _d1, d2 = (claim.pk for claim in desk["claims"])
    assert ratings_by_article() == {
        desk["first"].pk: {c0: {rev1: "confirmed", rev2: "confirmed"},
                           c1: {rev1: "contested", rev2: "confirmed"},
                           c2: {rev2: "unverifiable"}},  # rev1's judged the earlier version
        desk["second"].pk: {d0: {rev1: "confirmed", rev3: "contested"},
                            d2: {rev1: "contested", rev3: "contested"}},  # d1 rejected
    }


def test_agreement_report_gives_overall_per_article_and_per_pair_figures(desk):
    report = agreement_report()
    assert (report.overall.items, report.overall.percent) == (4, 50.0)
    assert report.overall.alpha == pytest.approx(agreement({
        1: {"a": "confirmed", "b": "confirmed"}, 2: {"a": "contested", "b": "confirmed"},
        3: {"a": "confirmed", "c": "contested"}, 4: {"a": "contested", "c": "contested"},
    }, value_domain=LABELS).alpha)
    by_title = {row.title: row for row in report.articles}
    assert [row.title for row in report.articles] == ["Bridge dispatch", "Harbour dispatch"]
    harbour = by_title["Harbour dispatch"]
    assert (harbour.article_id, harbour.figures.items, harbour.figures.percent) == (
        desk["first"].pk, 2, 50.0)
    assert [(p.reviewer_a, p.reviewer_b, p.figures.items, p.figures.percent)
            for p in report.pairs] == [("rev1", "rev2", 2, 50.0), ("rev1", "rev3", 2, 50.0)]
    # rev1: confirmed, contested; rev2: confirmed twice: p_o = 1/2 = p_e, kappa 0.
    assert report.pairs[0].figures.kappa == pytest.approx(0.0)
    assert report.confusion.count("confirmed", "confirmed") == 1
    assert report.confusion.count("confirmed", "contested") == 2
    assert report.confusion.count("contested", "contested") == 1
    assert report.confusion.total == 4


def test_agreement_report_reads_in_three_queries_however_many_articles(
    desk, django_assert_max_num_queries, settings
):
    settings.CLAIMDESK_REVIEWS_PER_CLAIM = 3  # all three reviewers on each new claim
    more = article_with_claims(2)
    for claim in more.claims.all():
        for user in desk["users"]:
            verdict_submit(claim=claim, reviewer=user, label="confirmed")
    with django_assert_max_num_queries(3):
        report = agreement_report()
    assert len(report.articles) == 3


def test_agreement_report_with_no_verdicts_is_undefined_everywhere(db):
    report = agreement_report()
    assert (report.overall.items, report.overall.percent, report.overall.alpha) == (
        0, None, None)
    assert (report.articles, report.pairs, report.confusion.total) == ([], [], 0)
