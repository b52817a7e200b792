from datetime import timedelta

import pytest
from django.utils import timezone

from annotations.models import Verdict
from annotations.selectors import (
    article_progress_condition,
    articles_with_progress,
    claim_next_for_reviewer,
    claim_next_in_article,
    claims_for_review,
    review_queue,
    reviewer_summary,
)
from annotations.services import verdict_submit
from claims.models import Article, Claim
from claims.selectors import claim_spans_by_role
from claims.services import claim_reject
from tests.factories import ArticleFactory, make_claim

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
        rows = claims_for_review(article=claims[0].article, reviewer=reviewer)
        spans = [claim_spans_by_role(c) for c in rows]
        [c.source for c in rows]
    assert [TEXT[slice(*s["content"][0])] for s in spans] == ["one", "two", "three", "four"]


def test_claim_next_in_article_skips_reviewed_and_rejected_and_wraps_round(
    reviewer, other_reviewer
):
    a, b, c, d = four_claims()
    verdict_submit(claim=c, reviewer=reviewer, label="confirmed")
    claim_reject(claim=d, actor=other_reviewer, expected_version=1)
    assert claim_next_in_article(claim=b, reviewer=reviewer) == a  # c reviewed, d rejected
    assert claim_next_in_article(claim=a, reviewer=reviewer) == b
    verdict_submit(claim=a, reviewer=reviewer, label="confirmed")
    verdict_submit(claim=b, reviewer=reviewer, label="confirmed")
    assert claim_next_in_article(claim=b, reviewer=reviewer) is None


def test_claim_next_in_article_ignores_other_reviewers_verdicts(reviewer, other_reviewer):
    a, b, *_ = four_claims()
    verdict_submit(claim=b, reviewer=other_reviewer, label="confirmed")
    assert claim_next_in_article(claim=a, reviewer=reviewer) == b


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
    assert claim_next_for_reviewer(reviewer=reviewer) == old[3]
    assert claim_next_for_reviewer(reviewer=reviewer,
                                   prefer_article_id=new[0].article_id) == new[0]


def test_claim_next_for_reviewer_is_none_when_everything_is_reviewed(reviewer):
    for claim in four_claims():
        verdict_submit(claim=claim, reviewer=reviewer, label="unverifiable")
    assert claim_next_for_reviewer(reviewer=reviewer) is None


def test_articles_with_progress_counts_claims_reviewed_and_mine(reviewer, other_reviewer):
    claims = four_claims()
    empty = ArticleFactory(text="Nothing claimed.")
    verdict_submit(claim=claims[0], reviewer=reviewer, label="confirmed")
    verdict_submit(claim=claims[0], reviewer=other_reviewer, label="confirmed")
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
