"""The leads' dashboard: the desk's claims by state, who reviewed how much each day, the
claims waiting longest. Each state is defined by the rules of annotations.selectors and
annotations.consensus, counted here in one query."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from annotations.consensus import consensus_annotations, disagreed, reviews_per_claim
from annotations.models import FinalVerdict, Verdict
from annotations.selectors import is_reviewable
from claims.models import Claim
from claims.selectors import article_is_live, claim_stands


@dataclass(frozen=True, slots=True)
class ClaimStates:
    unreviewed: int  # open, no current verdict
    in_review: int  # open, fewer current verdicts than the desk needs
    needs_adjudication: int  # open, enough current verdicts, and they disagree
    final_by_label: dict[str, int]  # label -> claims whose final verdict it is
    rejected: int

    @property
    def final(self) -> int:
        return sum(self.final_by_label.values())


def claim_states() -> ClaimStates:
    n = reviews_per_claim()
    claims = Claim.objects.filter(article_is_live("article__")).annotate(
        **consensus_annotations())
    open_ = claim_stands() & is_reviewable()
    counts = claims.aggregate(
        unreviewed=Count("pk", filter=open_ & Q(n_current=0)),
        in_review=Count("pk", filter=open_ & Q(n_current__gt=0, n_current__lt=n)),
        needs_adjudication=Count("pk", filter=claim_stands() & disagreed()),
        rejected=Count("pk", filter=~claim_stands()),
    )
    finals = dict(FinalVerdict.objects.filter(claim__in=Claim.objects.filter(claim_stands()))
                  .values_list("label").annotate(n=Count("pk")).order_by())
    return ClaimStates(final_by_label={label: finals.get(label, 0)
                                       for label in Verdict.Label.values}, **counts)


@dataclass(frozen=True, slots=True)
class ReviewerDays:
    days: list[date]  # oldest first
    rows: list[tuple[str, list[int]]]  # reviewer's username, verdicts given each day


def verdicts_per_reviewer_per_day(*, days: int = 14) -> ReviewerDays:
    """First verdicts given on each of the last `days` days (a change of mind is not a new
    verdict), per reviewer; one query."""
    today = timezone.localdate()
    span = [today - timedelta(days=i) for i in range(days - 1, -1, -1)]
    counts = (Verdict.objects.filter(article_is_live("claim__article__"),
                                     created_at__date__gte=span[0])
              .annotate(day=TruncDate("created_at")).values_list("reviewer", "day")
              .annotate(n=Count("pk")).order_by())
    by_reviewer: dict[int, dict[date, int]] = {}
    for reviewer_id, day, n in counts:
        by_reviewer.setdefault(reviewer_id, {})[day] = n
    names = dict(get_user_model().objects.filter(pk__in=by_reviewer)
                 .values_list("pk", "username"))
    rows = sorted((names[pk], [per_day.get(day, 0) for day in span])
                  for pk, per_day in by_reviewer.items())
    return ReviewerDays(days=span, rows=rows)


def oldest_waiting(*, limit: int = 10):
    """Open claims still short of verdicts, the longest waiting first (by their article's
    arrival, then reading order), with their article."""
    n = reviews_per_claim()
    return (Claim.objects.filter(claim_stands() & is_reviewable())
            .annotate(**consensus_annotations()).filter(n_current__lt=n)
            .select_related("article").defer("article__text")
            .order_by("article__created_at", "article_id", "position", "id")[:limit])
