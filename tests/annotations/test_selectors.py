from datetime import timedelta

import pytest
from django.utils import timezone

from annotations.assignment import lease_next
from annotations.models import Verdict
from annotations.selectors import (
    article_progress,
    article_progress_condition,
    articles_with_progress,
    claim_list_around,
    claim_next_in_article,
    claims_after_save,
    claims_for_review,
    claims_for_review_by_id,
    review_queue,
    reviewer_summary,
    source_names_in_article,
)
from annotations.services import verdict_submit
from claims.highlight import article_text_in_blocks
from claims.models import Article, Claim
from claims.selectors import spans_by_role
from claims.services import claim_reject, claim_spans_update, source_resolve
from tests.factories import ArticleFactory, UserFactory, make_claim

pytestmark = pytest.mark.django_db

TEXT = "A said one. B said two. C said three. D said four."


def four_claims(**article_kwargs) -> list[Claim]:
    article = ArticleFactory(text=article_kwargs.pop("text", TEXT), **article_kwargs)
    return [make_claim(article, cue="said", occurrence=i, content=word)
            for i, word in enumerate(["one", "two", "three", "four"])]


def test_claims_for_review_annotates_the_reviewers_own_verdict(reviewer, other_reviewer):
    claims = four_claims()
    verdict_submit(claim=claims[0], reviewer=reviewer, label="contested")
    verdict_submit(claim=claims[0], reviewer=reviewer, label="confirmed", expected_revision=1)
    verdict_submit(claim=claims[1], reviewer=other_reviewer, label="confirmed")
    rows = list(claims_for_review(article=claims[0].article, reviewer=reviewer))
    assert [(c.my_label, c.my_revision) for c in rows] == [
        ("confirmed", 2), (None, 0), (None, 0), (None, 0)]


def test_claims_for_review_takes_two_queries_whatever_the_number_of_claims(
    reviewer, django_assert_num_queries
):
    claims = four_claims()
    with django_assert_num_queries(2):
        rows = list(claims_for_review(article=claims[0].article, reviewer=reviewer))
        spans = [spans_by_role(c.span_rows) for c in rows]
        [c.source_name for c in rows]
    assert [TEXT[slice(*s["content"][0])] for s in spans] == ["one", "two", "three", "four"]


def test_claim_next_in_article_skips_reviewed_and_rejected_and_wraps_round(
    reviewer, other_reviewer
):
    a, b, c, d = four_claims()
    verdict_submit(claim=c, reviewer=reviewer, label="confirmed")
    claim_reject(claim=d, actor=other_reviewer, expected_version=1)
    article_id = a.article_id
    # c reviewed, d rejected:
    assert claim_next_in_article(article_id=article_id, after=b, reviewer=reviewer) == a
    assert claim_next_in_article(article_id=article_id, after=a, reviewer=reviewer) == b
    assert claim_next_in_article(article_id=article_id, reviewer=reviewer) == a
    verdict_submit(claim=a, reviewer=reviewer, label="confirmed")
    verdict_submit(claim=b, reviewer=reviewer, label="confirmed")
    assert claim_next_in_article(article_id=article_id, after=b, reviewer=reviewer) is None


def test_claim_next_in_article_ignores_other_reviewers_verdicts(reviewer, other_reviewer):
    a, b, *_ = four_claims()
    verdict_submit(claim=b, reviewer=other_reviewer, label="confirmed")
    assert claim_next_in_article(article_id=a.article_id, after=a, reviewer=reviewer) == b


def test_review_queue_walks_oldest_article_first_without_reviewed_or_rejected(
    reviewer, other_reviewer
):
    new = four_claims(text="New: A said one. B said two. C said three. D said four.")
    old = four_claims()
    Article.objects.filter(pk=old[0].article_id).update(
        created_at=timezone.now() - timedelta(days=2))
    verdict_submit(claim=old[0], reviewer=reviewer, label="confirmed")
    claim_reject(claim=old[1], actor=other_reviewer, expected_version=1)
    Claim.objects.filter(pk=old[2].pk).update(status=Claim.Status.FINAL)
    assert list(review_queue(reviewer=reviewer)) == [old[3], *new]
    assert lease_next(reviewer=reviewer) == old[3]


def test_nothing_comes_next_when_everything_is_reviewed(reviewer):
    for claim in four_claims():
        verdict_submit(claim=claim, reviewer=reviewer, label="unverifiable")
    assert lease_next(reviewer=reviewer) is None


def test_articles_with_progress_counts_claims_reviewed_and_mine(reviewer, other_reviewer):
    claims = four_claims()
    empty = ArticleFactory(text="Nothing claimed.")
    verdict_submit(claim=claims[0], reviewer=reviewer, label="confirmed")
    # They disagree, so the claim stays open (agreeing, it would be final: not reviewable).
    verdict_submit(claim=claims[0], reviewer=other_reviewer, label="contested")
    verdict_submit(claim=claims[1], reviewer=other_reviewer, label="confirmed")
    claim_reject(claim=claims[3], actor=reviewer, expected_version=1)
    rows = {a.pk: a for a in articles_with_progress(reviewer=reviewer)}
    article = rows[claims[0].article_id]
    assert (article.n_claims, article.n_reviewed, article.n_mine) == (3, 2, 1)
    assert (rows[empty.pk].n_claims, rows[empty.pk].n_reviewed) == (0, 0)


def test_reviewer_summary_counts_waiting_and_today_and_finds_the_last_verdict(reviewer):
    claims = four_claims()
    verdict_submit(claim=claims[0], reviewer=reviewer, label="confirmed")
    latest = verdict_submit(claim=claims[1], reviewer=reviewer, label="contested")
    Verdict.objects.filter(claim=claims[0]).update(
        updated_at=timezone.now() - timedelta(days=3))
    summary = reviewer_summary(reviewer=reviewer)
    assert summary.waiting == 2
    assert summary.done_today == 1
    assert summary.last_verdict == latest


def test_article_progress_condition_sorts_articles_into_stages(reviewer, other_reviewer):
    four_claims(title="Untouched")
    partly = four_claims(text=TEXT + " ", title="Partly")
    complete = four_claims(text=TEXT + "  ", title="Complete")
    ArticleFactory(title="Empty")
    only_rejected = four_claims(text=TEXT + "   ", title="Only rejected")
    verdict_submit(claim=partly[0], reviewer=other_reviewer, label="confirmed")
    for claim in complete:
        verdict_submit(claim=claim, reviewer=other_reviewer, label="contested")
    verdict_submit(claim=complete[0], reviewer=reviewer, label="confirmed")
    for claim in only_rejected:
        claim_reject(claim=claim, actor=other_reviewer, expected_version=1)

    def stage(progress, who=reviewer):
        condition = article_progress_condition(progress=progress, reviewer=who)
        return sorted(Article.objects.filter(condition).values_list("title", flat=True))

    assert stage("not_started") == ["Untouched"]
    assert stage("in_progress") == ["Partly"]
    assert stage("complete") == ["Complete"]
    assert stage("no_claims") == ["Empty", "Only rejected"]
    assert stage("todo") == ["Complete", "Partly", "Untouched"]  # 3 of Complete's 4 are not mine
    assert stage("todo", who=other_reviewer) == ["Partly", "Untouched"]
    assert article_progress_condition(progress="nonsense", reviewer=reviewer) is None


def test_claims_for_review_follow_reading_order_not_ids(reviewer):
    article = ArticleFactory(text=TEXT)
    last = make_claim(article, cue="said", occurrence=3, content="four")
    first = make_claim(article, cue="said", occurrence=0, content="one")
    rows = list(claims_for_review(article=article, reviewer=reviewer))
    assert [(c.id, c.number) for c in rows] == [(first.pk, 1), (last.pk, 2)]
    by_id, total = claims_for_review_by_id(article=article, claim_ids=[last.pk],
                                           reviewer=reviewer)
    assert (by_id[last.pk].number, total) == (2, 2)
    assert claim_next_in_article(article_id=article.pk, reviewer=reviewer) == first


def test_claims_for_review_by_id_numbers_several_claims_in_three_queries(
        reviewer, other_reviewer, django_assert_num_queries):
    first, second, third, fourth = four_claims()
    claim_reject(claim=second, actor=other_reviewer, expected_version=second.version)
    other = make_claim(ArticleFactory(text="E said five."), cue="said", content="five")
    with django_assert_num_queries(3):
        by_id, total = claims_for_review_by_id(
            article=first.article, claim_ids=[fourth.pk, second.pk, other.pk],
            reviewer=reviewer)
    assert total == 4  # rejected claims keep their number
    assert {pk: c.number for pk, c in by_id.items()} == {second.pk: 2, fourth.pk: 4}
    assert (by_id[fourth.pk].content_text, by_id[second.pk].rejected) == ("four", True)


def test_claims_for_review_reads_in_chunks_without_losing_or_repeating(reviewer, monkeypatch):
    import annotations.selectors

    monkeypatch.setattr(annotations.selectors, "CHUNK", 3)
    claims = four_claims() + [make_claim(ArticleFactory(), cue="said")]
    rows = list(claims_for_review(article=claims[0].article, reviewer=reviewer))
    assert [c.id for c in rows] == [c.pk for c in claims[:4]]
    assert [c.number for c in rows] == [1, 2, 3, 4]


def test_a_rejected_claim_with_my_verdict_is_neither_reviewable_nor_counted(reviewer):
    """The bug: "1 of 1 reviewed by you" while the only open claim was unreviewed."""
    reviewed_then_rejected, still_open, *others = four_claims()
    article = still_open.article
    for claim in others:
        claim_reject(claim=claim, actor=reviewer, expected_version=1)
    verdict_submit(claim=reviewed_then_rejected, reviewer=reviewer, label="confirmed")
    claim_reject(claim=reviewed_then_rejected, actor=reviewer, expected_version=1)
    progress = article_progress(article_id=article.pk, reviewer=reviewer)
    assert (progress.claims, progress.reviewable, progress.mine, progress.waiting) == (1, 1, 0, 1)
    rows = {c.id: c for c in claims_for_review(article=article, reviewer=reviewer)}
    rejected = rows[reviewed_then_rejected.pk]
    assert (rejected.reviewable, rejected.badge, rejected.waiting_for_me) == (
        False, "rejected", False)
    assert rows[still_open.pk].badge == "todo"
    assert list(review_queue(reviewer=reviewer)) == [still_open]


@pytest.mark.parametrize(("status", "reviewable", "badge"), [
    (Claim.Status.OPEN, True, "todo"),
    (Claim.Status.FINAL, False, "none"),
    (Claim.Status.REJECTED, False, "rejected"),
])
def test_every_claim_status_under_the_rules(reviewer, status, reviewable, badge):
    claim, *_ = four_claims()
    Claim.objects.filter(pk=claim.pk).update(status=status)
    row = next(claims_for_review(article=claim.article, reviewer=reviewer))
    assert (row.reviewable, row.badge, row.waiting_for_me) == (reviewable, badge, reviewable)
    assert (claim in review_queue(reviewer=reviewer)) is reviewable
    progress = article_progress(article_id=claim.article_id, reviewer=reviewer)
    assert progress.claims == (3 if status == Claim.Status.REJECTED else 4)
    assert progress.reviewable == (4 if reviewable else 3)


def test_a_verdict_on_an_earlier_version_no_longer_counts_and_returns_to_the_queue(
    reviewer, other_reviewer
):
    claim, *_ = four_claims()
    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed")
    assert claim not in review_queue(reviewer=reviewer)
    start = TEXT.index("one")
    claim_spans_update(claim=claim, role="content", spans=[(start, start + 2)],
                       actor=other_reviewer, expected_version=None)
    row = next(claims_for_review(article=claim.article, reviewer=reviewer))
    assert (row.my_label, row.reviewed_by_me, row.my_verdict_outdated, row.badge) == (
        "confirmed", False, True, "outdated")
    assert claim in review_queue(reviewer=reviewer)
    assert article_progress(article_id=claim.article_id, reviewer=reviewer).mine == 0
    rows = {a.pk: a for a in articles_with_progress(reviewer=reviewer)}
    assert (rows[claim.article_id].n_mine, rows[claim.article_id].n_reviewed) == (0, 0)


def test_the_article_pages_highlights_and_source_names_from_its_rows_equal_those_read_anew(
    reviewer, other_reviewer
):
    """The article page builds both from its list's rows when they are all the article's
    claims: what it shows must be what reading them from the database shows, overlapping,
    nested and rejected claims included."""
    article = ArticleFactory(text="Ann said the quay shut. Ann said the quay shut twice. "
                                  "Bo said it did not. " * 3)
    claims = [make_claim(article, cue="said", occurrence=i, source=name)
              for i, name in enumerate(["Ann", "Ann", "Bo", "Ann", "Bo"])]
    make_claim(article, cue="said", occurrence=1, content="the quay shut")  # nested
    for claim, name in zip(claims, ["Ann", "Ann", "Bo", "Ann", "Bo"], strict=True):
        Claim.objects.filter(pk=claim.pk).update(source=source_resolve(name=name))
    claim_reject(claim=claims[2], actor=other_reviewer, expected_version=1)
    page, _ = claim_list_around(article=article, reviewer=reviewer, claim_id=None)
    assert (page.earlier, page.later, len(page.claims)) == (None, None, 6)
    for selected in (claims[2], claims[3]):
        spans = next(c.span_rows for c in page.claims if c.id == selected.pk)
        assert (article_text_in_blocks(article, selected_id=selected.pk, selected_spans=spans,
                                       claims=page.claims)
                == article_text_in_blocks(article, selected_id=selected.pk,
                                          selected_spans=spans))
    assert (source_names_in_article(article_id=article.pk, claims=page.claims)
            == source_names_in_article(article_id=article.pk) == ["Ann", "Bo"])


@pytest.mark.parametrize("size", [10, 1])
def test_after_a_save_the_panel_moves_past_a_claim_whose_verdicts_are_complete(
    reviewer, other_reviewer, size
):
    """The claim after the saved one has its two verdicts from colleagues: it waits for a lead,
    so the save moves on to the one after it, from the list's rows as from the database."""
    a, b, c, _ = four_claims()
    third = UserFactory(username="rev3")
    verdict_submit(claim=b, reviewer=other_reviewer, label="confirmed")
    verdict_submit(claim=b, reviewer=third, label="contested")
    verdict_submit(claim=a, reviewer=reviewer, label="confirmed")
    after = claims_after_save(article=a.article, saved=Claim.objects.get(pk=a.pk),
                              reviewer=reviewer, size=size)
    assert after.shown.id == c.pk
    assert claim_next_in_article(article_id=a.article_id, reviewer=reviewer, after=a) == c


@pytest.mark.parametrize("saved_index", [0, 2, 3])
def test_after_a_save_the_whole_list_answers_as_the_database_would(
    reviewer, other_reviewer, saved_index
):
    """claims_after_save counts the next claim, numbers and progress from the article's rows
    when they fit one list page (size 10 here), and asks the database each question when
    they do not (size 1): both give the same answers."""
    claims = four_claims()
    verdict_submit(claim=claims[1], reviewer=other_reviewer, label="confirmed")
    verdict_submit(claim=claims[2], reviewer=reviewer, label="contested")
    claim_reject(claim=claims[3], actor=other_reviewer, expected_version=1)
    if saved_index != 3:  # the rejected one takes no verdict
        verdict_submit(claim=claims[saved_index], reviewer=reviewer, label="confirmed")
    article = claims[0].article
    saved = Claim.objects.get(pk=claims[saved_index].pk)
    from_rows, asked = (claims_after_save(article=article, saved=saved, reviewer=reviewer,
                                          size=size) for size in (10, 1))
    assert from_rows == asked
    assert from_rows.progress == article_progress(article_id=article.pk, reviewer=reviewer)
    following = claim_next_in_article(article_id=article.pk, reviewer=reviewer, after=saved)
    assert from_rows.following == (following is not None)
    assert from_rows.shown.id == (following or saved).pk
    assert (from_rows.saved.id, from_rows.saved.number, from_rows.n_claims) == (
        saved.pk, saved_index + 1, 4)
