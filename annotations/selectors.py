"""Reads that combine claims with reviewers' verdicts: progress, the review queue, the panel."""

from dataclasses import dataclass
from datetime import datetime, time

from django.db.models import (
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from annotations.models import Verdict
from claims.models import Article, Claim, ClaimChange
from claims.selectors import claims_for_article, claims_with_spans, count_per_article


def _reviewed_by(reviewer) -> Exists:
    return Exists(Verdict.objects.filter(claim=OuterRef("pk"), reviewer=reviewer))


def _reviewable() -> Q:
    return Q(status=Claim.Status.OPEN)


def articles_with_progress(*, reviewer) -> QuerySet[Article]:
    """Articles without their text, each with n_claims (not rejected), n_reviewed (with a
    verdict from anyone) and n_mine (with a verdict from `reviewer`)."""
    claims = Claim.objects.filter(article=OuterRef("pk")).exclude(status=Claim.Status.REJECTED)
    return (
        Article.objects.defer("text")
        .annotate(
            n_claims=count_per_article(claims),
            n_reviewed=count_per_article(claims.filter(Exists(Verdict.objects.filter(claim=OuterRef("pk"))))),
            n_mine=count_per_article(claims.filter(_reviewed_by(reviewer))),
        )
        .order_by("-created_at", "-id")
    )


def _claims_with_my_verdict(*, article: Article, reviewer) -> QuerySet[Claim]:
    # One LEFT JOIN (a reviewer has at most one verdict per claim), not a subquery per column.
    return claims_for_article(article=article).annotate(
        mine=FilteredRelation("verdicts", condition=Q(verdicts__reviewer=reviewer)),
        my_label=F("mine__label"),
        my_revision=Coalesce(F("mine__revision"), Value(0)),
    )


PROGRESS_CHOICES = [
    ("todo", "Waiting for me"),
    ("not_started", "Not reviewed yet"),
    ("in_progress", "Partly reviewed"),
    ("complete", "Fully reviewed"),
    ("no_claims", "No claims"),
]


def article_progress_condition(*, progress: str, reviewer) -> Q | None:
    """Articles at one stage of review (claims rejected as not a claim do not count), as
    EXISTS tests: unlike comparing the list's counts, they stop at the first matching claim,
    which keeps the filtered list fast on a large desk. None for an unknown stage."""
    claims = Claim.objects.filter(article=OuterRef("pk")).exclude(status=Claim.Status.REJECTED)
    with_verdict = Exists(Verdict.objects.filter(claim=OuterRef("pk")))
    reviewed, unreviewed = Exists(claims.filter(with_verdict)), Exists(claims.exclude(with_verdict))
    conditions = {
        "todo": Q(Exists(claims.exclude(_reviewed_by(reviewer)))),
        "not_started": Q(Exists(claims)) & ~Q(reviewed),
        "in_progress": Q(reviewed) & Q(unreviewed),
        "complete": Q(Exists(claims)) & ~Q(unreviewed),
        "no_claims": ~Q(Exists(claims)),
    }
    return conditions.get(progress)


def claims_for_review(*, article: Article, reviewer) -> list[Claim]:
    """The article's claims with source, spans (`span_rows`) and the reviewer's verdict as
    my_label and my_revision (None / 0 without one): one query for the claims, one for the
    spans."""
    return claims_with_spans(_claims_with_my_verdict(article=article, reviewer=reviewer))


def claim_for_review(*, claim_id: int, article: Article, reviewer) -> Claim | None:
    found = _claims_with_my_verdict(article=article, reviewer=reviewer).filter(pk=claim_id)
    return next(iter(claims_with_spans(found)), None)


def verdict_of(*, claim: Claim, reviewer) -> Verdict | None:
    return Verdict.objects.filter(claim=claim, reviewer=reviewer).first()


def claim_changes(*, claim: Claim, limit: int = 20) -> list[ClaimChange]:
    return list(claim.changes.select_related("actor").order_by("-at", "-id")[:limit])


def claim_next_in_article(*, claim: Claim, reviewer) -> Claim | None:
    """The next open claim of the same article the reviewer has not reviewed, after `claim`
    in reading order, wrapping round to the start; None when the article is done."""
    todo = (
        Claim.objects.filter(_reviewable(), article_id=claim.article_id)
        .exclude(pk=claim.pk)
        .exclude(_reviewed_by(reviewer))
        .order_by("id")
    )
    return todo.filter(pk__gt=claim.pk).first() or todo.first()


def review_queue(*, reviewer) -> QuerySet[Claim]:
    """Open claims the reviewer has not reviewed, oldest article first, in reading order."""
    return (
        Claim.objects.filter(_reviewable())
        .exclude(_reviewed_by(reviewer))
        .order_by("article__created_at", "article_id", "id")
    )


def claim_next_for_reviewer(*, reviewer, prefer_article_id: int | None = None) -> Claim | None:
    """The claim to review next: in the preferred article (where the reviewer left off) if it
    still has one, else the first of the queue."""
    queue = review_queue(reviewer=reviewer)
    if prefer_article_id is not None:
        claim = queue.filter(article_id=prefer_article_id).first()
        if claim is not None:
            return claim
    return queue.first()


@dataclass(frozen=True)
class ReviewerSummary:
    waiting: int
    done_today: int
    last_verdict: Verdict | None


def reviewer_summary(*, reviewer) -> ReviewerSummary:
    start_of_day = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    mine = Verdict.objects.filter(reviewer=reviewer)
    return ReviewerSummary(
        waiting=review_queue(reviewer=reviewer).count(),
        done_today=mine.filter(updated_at__gte=start_of_day).count(),
        last_verdict=verdict_last(reviewer=reviewer),
    )


def verdict_last(*, reviewer) -> Verdict | None:
    """The reviewer's most recently saved verdict: where they left off."""
    return (
        Verdict.objects.filter(reviewer=reviewer)
        .select_related("claim__article").defer("claim__article__text")
        .order_by("-updated_at", "-id").first()
    )
