"""Reads of the reviewing side, and the review rules, each defined once here:

- reviewable: `is_reviewable()`: an open claim takes verdicts (rejected and final ones do not,
  nor do the claims of a deleted article);
- reviewed by me: `reviewed_by(reviewer)`: the reviewer's verdict judged the claim's current
  source, cue and content (a verdict on an earlier version no longer counts);
- waiting for me: reviewable and not reviewed by me;
- takes my verdict: `takes_verdict_from(reviewer)`: exactly-N review lets the reviewer save a
  verdict on the claim (their own current verdict, their lease, or a free slot);
- which claim comes next: `review_queue` (waiting for me, with a free slot: what
  /review/next/ leases through annotations.assignment.lease_next, and what home counts), and
  `claim_next_in_article`, in reading order;
- the progress counts: `progress_annotations` (lists) and `article_progress` (one article).

Screens, the admin, the API and exports call these; the browser shows what they computed.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual, LessThan
from django.utils import timezone

from annotations.models import FinalVerdictChange, Lease, LeaseChange, Verdict, VerdictRevision
from annotations.read_models import (
    ClaimForReview,
    ClaimListPage,
    ColleagueVerdict,
    HistoryEntry,
    ReviewProgress,
)
from claims.changes import claim_change_summary
from claims.highlight import text_preview
from claims.models import Article, Claim, ClaimChange, Source, Span
from claims.prepared import Param, Prepared
from claims.selectors import (
    SpanRow,
    article_is_live,
    articles_live,
    claim_stands,
    count_per_article,
    span_rows_by_claim,
    spans_by_role,
)
from claims.spans import spans_text


# --- The rules ------------------------------------------------------------------------------
def is_reviewable() -> Q:
    return Q(status=Claim.Status.OPEN) & article_is_live("article__")


def verdict_is_current(attribution_version=None) -> Q:
    """On a Verdict queryset: the verdict judged its claim's current source, cue and content
    (the claim's attribution_version has not moved on since). A subquery correlated on the
    claim passes the outer claim's version, `OuterRef("attribution_version")`, which spares it
    a join back to the claim."""
    if attribution_version is None:
        attribution_version = F("claim__attribution_version")
    return Q(claim_version=attribution_version)


def current_verdicts_on(claim: str = "pk") -> QuerySet[Verdict]:
    """In a subquery on a queryset of claims (or of rows that point at a claim: `claim` names
    the field, e.g. "claim" on verdicts): the current verdicts on the outer claim."""
    version = "attribution_version" if claim == "pk" else f"{claim}__attribution_version"
    return Verdict.objects.filter(verdict_is_current(OuterRef(version)), claim=OuterRef(claim))


def verdict_row_is_current(*, claim_version: int, attribution_version: int) -> bool:
    """verdict_is_current for a verdict and its claim already read into Python (the exports:
    joining every verdict to its claim again made PostgreSQL scan all the claims)."""
    return claim_version == attribution_version


def reviewed_by(reviewer, *, claim: str = "pk") -> Exists:
    """On a Claim queryset: the reviewer has a current verdict on the claim (on rows that
    point at a claim, `claim` names the field, e.g. "claim" on verdicts)."""
    return Exists(current_verdicts_on(claim).filter(reviewer=reviewer))


def waiting_for(reviewer) -> Q:
    return is_reviewable() & ~Q(reviewed_by(reviewer))


def lease_active(now=None) -> Q:
    """On a Lease queryset: not released and not expired."""
    return Q(released_at__isnull=True, expires_at__gt=now or timezone.now())


def _per_claim(rows: QuerySet) -> Coalesce:
    """A correlated COUNT of `rows` (filtered on claim=OuterRef("pk")), 0 when none."""
    counted = rows.order_by().values("claim").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _slots_taken(*, reviewer, now) -> Coalesce:
    """On a Claim queryset: its current verdicts plus the active leases of others."""
    leases = Lease.objects.filter(lease_active(now), claim=OuterRef("pk")).exclude(
        reviewer=reviewer)
    return _per_claim(current_verdicts_on()) + _per_claim(leases)


def slot_free_for(reviewer, *, now) -> Q:
    """On a Claim queryset: its current verdicts and colleagues' active leases leave the
    reviewer one of its CLAIMDESK_REVIEWS_PER_CLAIM review slots (the number is read when the
    condition is built)."""
    return Q(LessThan(_slots_taken(reviewer=reviewer, now=now),
                      settings.CLAIMDESK_REVIEWS_PER_CLAIM))


def verdicts_complete(current=None) -> Q:
    """On a Claim queryset: it has the CLAIMDESK_REVIEWS_PER_CLAIM current verdicts it needs
    (an open one then waits for a lead's decision: annotations.consensus). `current`: its
    count of current verdicts, when the queryset has it annotated already."""
    if current is None:
        current = _per_claim(current_verdicts_on())
    return Q(GreaterThanOrEqual(current, settings.CLAIMDESK_REVIEWS_PER_CLAIM))


def lease_held_by(reviewer, *, now) -> Exists:
    """On a Claim queryset: the reviewer holds an active lease on the claim."""
    return Exists(Lease.objects.filter(lease_active(now), reviewer=reviewer,
                                       claim=OuterRef("pk")))


def takes_verdict_from(reviewer, *, now) -> Q:
    """On a Claim queryset: exactly-N review lets the reviewer save a verdict on the claim:
    they are changing their own current verdict, or hold the claim's lease, or its current
    verdicts and colleagues' active leases leave a slot. The verdict service refuses a verdict
    on it (annotations.assignment.verdict_slot_open), the review panel offers its form and the
    claim list its "To review" badge on it. Whether the claim takes verdicts at all is
    is_reviewable's."""
    return Q(reviewed_by(reviewer)) | Q(lease_held_by(reviewer, now=now)) | slot_free_for(
        reviewer, now=now)


def _has_current_verdict() -> Exists:
    return Exists(current_verdicts_on())


# --- Progress -------------------------------------------------------------------------------
def _progress_counted(*, reviewer) -> dict[str, Q]:
    """What each progress count counts among an article's claims: n_claims (standing),
    n_reviewable (open), n_reviewed (standing, with anyone's current verdict), n_mine
    (reviewable, reviewed by `reviewer`)."""
    stands = claim_stands()
    reviewable = stands & is_reviewable()
    return {"n_claims": stands, "n_reviewable": reviewable,
            "n_reviewed": stands & Q(_has_current_verdict()),
            "n_mine": reviewable & Q(reviewed_by(reviewer))}


def progress_annotations(*, reviewer) -> dict:
    """Annotations for an Article queryset: the counts of _progress_counted."""
    return {name: count_per_article(Claim.objects.filter(counted, article=OuterRef("pk")))
            for name, counted in _progress_counted(reviewer=reviewer).items()}


def articles_with_progress(*, reviewer) -> QuerySet[Article]:
    """Articles (not deleted) without their text, newest first, with the progress
    annotations."""
    return (articles_live().defer("text").annotate(**progress_annotations(reviewer=reviewer))
            .order_by("-created_at", "-id"))


def article_progress(*, article_id: int, reviewer) -> ReviewProgress:
    """One article's counts of _progress_counted, counted over its claims in one pass."""
    counted = _progress_counted(reviewer=reviewer)
    row = Claim.objects.filter(article_id=article_id).aggregate(
        **{name: Count("pk", filter=counted[name])
           for name in ("n_claims", "n_reviewable", "n_mine")})
    return ReviewProgress(claims=row["n_claims"], reviewable=row["n_reviewable"],
                          mine=row["n_mine"])


def article_progress_shown(*, page: ClaimListPage, article_id: int, reviewer) -> ReviewProgress:
    """article_progress for the article page: counted from the list page's rows when they are
    all the article's claims (most articles; the page was only reached through the article's
    access check, so the article is live), else in the database. The rows carry the same
    rules' answers: `reviewable` (is_reviewable), `reviewed_by_me` (reviewed_by), `rejected`
    (the one status claim_stands leaves out)."""
    if page.earlier is not None or page.later is not None:
        return article_progress(article_id=article_id, reviewer=reviewer)
    return _progress_counted_in((c.status, c.reviewable, c.reviewed_by_me) for c in page.claims)


def _progress_counted_in(rows: Iterable[tuple[str, bool, bool]]) -> ReviewProgress:
    """_progress_counted over all of a live article's claims read into Python, each as
    (status, reviewable: is_reviewable, reviewed by the reviewer: reviewed_by)."""
    claims = reviewable = mine = 0
    for status, is_open, reviewed in rows:
        claims += status != Claim.Status.REJECTED
        reviewable += is_open
        mine += is_open and reviewed
    return ReviewProgress(claims=claims, reviewable=reviewable, mine=mine)


PROGRESS_CHOICES = [
    ("todo", "Waiting for me"),
    ("not_started", "Not reviewed yet"),
    ("in_progress", "Partly reviewed"),
    ("complete", "Fully reviewed"),
    ("no_claims", "No claims"),
]
# The stages that say nothing of colleagues' verdicts (blind review: what reviewers may use).
PROGRESS_CHOICES_OWN = [(key, label) for key, label in PROGRESS_CHOICES
                        if key in ("todo", "no_claims")]


def article_progress_condition(*, progress: str, reviewer) -> Q | None:
    """Articles at one stage of review, as EXISTS tests: unlike comparing the list's counts,
    they stop at the first matching claim, which keeps the filtered list fast on a large desk.
    A stage counts reviewable claims: rejected and final ones are not waiting for anyone.
    None for an unknown stage."""
    standing = Claim.objects.filter(claim_stands(), article=OuterRef("pk"))
    claims = standing.filter(is_reviewable())
    with_verdict = _has_current_verdict()
    reviewed, unreviewed = Exists(claims.filter(with_verdict)), Exists(claims.exclude(with_verdict))
    conditions = {
        "todo": Q(Exists(claims.filter(waiting_for(reviewer)))),
        "not_started": Q(unreviewed) & ~Q(reviewed),
        "in_progress": Q(reviewed) & Q(unreviewed),
        "complete": Q(Exists(standing)) & ~Q(unreviewed),
        "no_claims": ~Q(Exists(standing)),
    }
    return conditions.get(progress)


# --- Training the extractor -----------------------------------------------------------------
def claim_attribution_settled() -> Q:
    """On a Claim queryset: a reviewer has settled whether the claim's attribution (source, cue,
    content) is right as it stands, so it can teach the extractor: rejected as not a claim (a
    negative), or kept as it is (a positive) because it has its final verdict, a reviewer added
    it or corrected it, or a current verdict marked its source and content right; a kept claim
    that a current verdict marks wrong (source or content) is not settled until corrected."""
    verdicts = current_verdicts_on()
    marked_right = Exists(verdicts.filter(source_correct=True, content_correct=True))
    marked_wrong = Exists(verdicts.filter(Q(source_correct=False) | Q(content_correct=False)))
    kept = (Q(status=Claim.Status.FINAL) | Q(origin=Claim.Origin.REVIEWER)
            | Q(edited_at__isnull=False) | Q(marked_right))
    return Q(status=Claim.Status.REJECTED) | (kept & ~Q(marked_wrong))


def articles_reviewed_for_training() -> QuerySet[Article]:
    """Articles whose claims a reviewer has all settled (claim_attribution_settled): the
    extractor's training and held-out examples. One unsettled claim leaves its article out,
    since a right attribution nobody confirmed yet would be counted as a wrong one; an article
    with no claim is left out too (nothing shows anyone read it). Deleted articles and those
    not segmented are never examples. In arrival order, without their text."""
    claims = Claim.objects.filter(article=OuterRef("pk"))
    return (articles_live().defer("text")
            .filter(segmentation_status=Article.Segmentation.DONE)
            .filter(Exists(claims))
            .exclude(Exists(claims.exclude(claim_attribution_settled())))
            .order_by("created_at", "id"))


# --- The review page ------------------------------------------------------------------------
# What a reviewer's row of a claim holds (_claims_for_reviewer): only what ClaimForReview
# shows. Named value rows, not model instances: building twenty Claims and their Sources, and
# parsing their timestamps nobody reads, took two thirds of reading an article's rows.
REVIEW_ROW = ("id", "article_id", "position", "kind", "status", "origin", "confidence",
              "version", "attribution_version", "source_id", "source__name", "source__kind",
              "my_label", "my_revision", "my_claim_version", "is_reviewable",
              "is_reviewed_by_me", "takes_my_verdict", "has_verdicts_complete")
ReviewRow = tuple  # a named row of REVIEW_ROW's fields, as _claims_for_reviewer reads it


def _claims_for_reviewer(claims: QuerySet[Claim], *, reviewer, now=None) -> QuerySet:
    """The claims as rows of REVIEW_ROW (named tuples) in reading order, with the reviewer's
    verdict and the review rules' answers for them (at `now`, for the leases): one LEFT JOIN
    for the reviewer's verdict (at most one per claim), EXISTS and COUNT for the rules."""
    now = now or timezone.now()
    return claims.annotate(
        mine=FilteredRelation("verdicts", condition=Q(verdicts__reviewer=reviewer)),
        my_label=F("mine__label"),
        my_revision=F("mine__revision"),
        my_claim_version=F("mine__claim_version"),
        is_reviewable=Q(is_reviewable()),
        is_reviewed_by_me=reviewed_by(reviewer),
        takes_my_verdict=takes_verdict_from(reviewer, now=now),
        has_verdicts_complete=verdicts_complete(),
    ).order_by("position", "id").values_list(*REVIEW_ROW, named=True)


def _article_rows_build(limit: int, per_claim: int) -> QuerySet:
    # per_claim (CLAIMDESK_REVIEWS_PER_CLAIM) is not read here: the review rules write it
    # into the SQL, so it is part of the compiled statement's key and a changed setting
    # compiles anew.
    return _claims_for_reviewer(
        Claim.objects.filter(article=Param("article", IntegerField())),
        reviewer=Param("reviewer", IntegerField()), now=Param("now", DateTimeField()))[:limit]


_ARTICLE_ROWS = Prepared(_article_rows_build)


def _article_rows(*, article: Article, reviewer, limit: int) -> list:
    """The first `limit` of the article's claims in reading order, as _claims_for_reviewer
    reads them (compiled once: claims.prepared)."""
    return _ARTICLE_ROWS.rows(limit, settings.CLAIMDESK_REVIEWS_PER_CLAIM, article=article.pk,
                              reviewer=reviewer.pk, now=timezone.now())


CHUNK = 2000


def claims_for_review(*, article: Article, reviewer) -> Iterator[ClaimForReview]:
    """The article's claims as ClaimForReview, in reading order, read in chunks (keyset
    pagination: a query for the claims and one for their spans per CHUNK claims), so a caller
    that iterates, an export, never holds more than a chunk of rows."""
    claims = _claims_for_reviewer(Claim.objects.filter(article=article), reviewer=reviewer)
    number, last = 0, None
    while True:
        page = claims if last is None else claims.filter(_after(last))
        rows = list(page[:CHUNK])
        if not rows:
            return
        yield from _built(rows, article, number + 1)
        number += len(rows)
        if len(rows) < CHUNK:
            return
        last = rows[-1]


def _built(rows: list[ReviewRow], article: Article, first_number: int
           ) -> Iterator[ClaimForReview]:
    """`rows` (consecutive in reading order, the first numbered `first_number`) as
    ClaimForReview, their spans read in one query."""
    spans = span_rows_by_claim([claim.id for claim in rows])
    url = article.get_absolute_url()
    for number, claim in enumerate(rows, start=first_number):
        yield _for_review(claim, article.text, url, spans[claim.id], number)


LIST_PAGE = 100


def _key(cursor: tuple[int, int]) -> Claim:
    position, claim_id = cursor
    return Claim(pk=claim_id, position=position)


def _count_before(article: Article, claims: list[Claim | ReviewRow]) -> tuple[dict[int, int], int]:
    """How many of the article's claims come before each of `claims` in reading order (by
    claim id), and how many it has: one query."""
    counts = Claim.objects.filter(article=article).aggregate(
        total=Count("id"), **{f"before_{claim.id}": Count("id", filter=_before(claim))
                              for claim in claims})
    return {claim.id: counts[f"before_{claim.id}"] for claim in claims}, counts["total"]


def claim_list_around(*, article: Article, reviewer, claim_id: int | None,
                      size: int = LIST_PAGE) -> tuple[ClaimListPage, ClaimForReview | None]:
    """The list page a reviewer opens the article on, and the claim selected in it: the claim
    asked for, else the first waiting for the reviewer, else the first. The page holds up to
    `size` claims, about half of them before the selected one (more near the end), so the
    selected claim is always in it."""
    # One more than a page: does the whole list fit?
    whole = _article_rows(article=article, reviewer=reviewer, limit=size + 1)
    if len(whole) <= size:
        # Most articles: the whole list is the page, read at once and numbered in order; the
        # selected claim is picked from it by the same rules as below.
        rows = list(_built(whole, article, 1))
        selected = (next((c for c in rows if c.id == claim_id), None)
                    or next((c for c in rows if c.waiting_for_me), None)
                    or (rows[0] if rows else None))
        return ClaimListPage(claims=rows, earlier=None, later=None, total=len(rows)), selected
    claims = Claim.objects.filter(article=article).order_by("position", "id")
    reviewing = _claims_for_reviewer(Claim.objects.filter(article=article), reviewer=reviewer)
    anchor = claims.filter(pk=claim_id).first() if claim_id is not None else None
    if anchor is None:
        anchor = claim_next_in_article(article_id=article.pk, reviewer=reviewer) or claims.first()
    # One claim more than the page needs each way: the claims one past either edge name
    # where the earlier and later pages start.
    after = list(reviewing.filter(Q(pk=anchor.pk) | _after(anchor))[:size + 1])
    wanted_before = max(size // 2, size - len(after))
    before = list(reviewing.filter(_before(anchor)).order_by("-position", "-id")
                  [:wanted_before + 1])
    n_before = min(len(before), wanted_before)
    n_after = min(len(after), size - n_before)
    n_earlier, total = _count_before(article, [anchor])
    n_earlier = n_earlier[anchor.pk]
    rows = before[:n_before][::-1] + after[:n_after]
    page = ClaimListPage(
        claims=list(_built(rows, article, n_earlier - n_before + 1)),
        earlier=before[n_before].id if len(before) > n_before else None,
        later=after[n_after].id if len(after) > n_after else None, total=total)
    return page, page.claims[n_before]


def claim_list_page(*, article: Article, reviewer, after: tuple[int, int] | None = None,
                    before: tuple[int, int] | None = None, size: int = LIST_PAGE
                    ) -> ClaimListPage:
    """The `size` claims right after the (position, id) cursor `after`, or right before the
    cursor `before`, in reading order (keyset pagination: no claim repeated or lost)."""
    reviewing = _claims_for_reviewer(Claim.objects.filter(article=article), reviewer=reviewer)
    earlier = later = None
    if after is not None:
        rows = list(reviewing.filter(_after(_key(after)))[:size + 1])
        if len(rows) > size:
            later = rows.pop().id
    else:
        assert before is not None
        rows = list(reviewing.filter(_before(_key(before)))
                    .order_by("-position", "-id")[:size + 1])[::-1]
        if len(rows) > size:
            earlier = rows.pop(0).id
    if not rows:
        return ClaimListPage(claims=[], earlier=None, later=None, total=0)
    n_earlier, total = _count_before(article, [rows[0]])
    return ClaimListPage(claims=list(_built(rows, article, n_earlier[rows[0].id] + 1)),
                         earlier=earlier, later=later, total=total)


def source_names_in_article(*, article_id: int,
                            claims: Iterable[ClaimForReview] | None = None) -> list[str]:
    """The names of the source entities the article's claims name, sorted; from `claims` when
    given (all of the article's claims, read already)."""
    if claims is not None:
        return sorted({claim.source_name for claim in claims if claim.source_id is not None})
    return list(Source.objects.filter(claims__article_id=article_id).order_by("name")
                .values_list("name", flat=True).distinct())


def claims_for_review_by_id(*, article: Article, claim_ids: Iterable[int], reviewer
                            ) -> tuple[dict[int, ClaimForReview], int]:
    """Some of the article's claims as ClaimForReview, by id (an id that is not the article's
    is left out), and how many claims the article has: three queries, e.g. for the panel of
    a claim."""
    rows = list(_claims_for_reviewer(Claim.objects.filter(article=article, pk__in=claim_ids),
                                     reviewer=reviewer))
    before, total = _count_before(article, rows)
    return _built_by_id(rows, article, {claim.id: before[claim.id] + 1 for claim in rows}), total


def _built_by_id(rows: list[ReviewRow], article: Article, numbers: dict[int, int]
                 ) -> dict[int, ClaimForReview]:
    spans = span_rows_by_claim([claim.id for claim in rows])
    url = article.get_absolute_url()
    return {claim.id: _for_review(claim, article.text, url, spans[claim.id], numbers[claim.id])
            for claim in rows}


@dataclass(frozen=True)
class AfterSave:
    """What the review panel shows after a verdict is saved (claims_after_save)."""

    saved: ClaimForReview  # the saved claim's list row
    shown: ClaimForReview  # the next claim waiting in the article, else the saved one
    following: bool  # whether a claim of the article is still waiting for the reviewer
    n_claims: int
    progress: ReviewProgress


_CLAIM_PAST = Prepared(lambda size: Claim.objects.filter(article=Param("article", IntegerField()))
                       .order_by().values_list("pk")[size:size + 1])


def claims_after_save(*, article: Article, saved: Claim, reviewer,
                      size: int = LIST_PAGE) -> AfterSave:
    """The saved claim, the next claim of the article waiting for the reviewer (as
    claim_next_in_article: after the saved one in reading order, wrapping round), the number of
    the article's claims and its article_progress. Most articles have at most `size` claims:
    all of them are read at once (the same rows the article page lists) and the rest is
    counted from them, three queries in all; longer ones take the queries it takes to ask the
    database each question. (Reading the rows of a long article to find out it is long cost
    more than asking: hence the first query.)"""
    long = _CLAIM_PAST.rows(size, article=article.pk)
    whole = [] if long else _article_rows(article=article, reviewer=reviewer, limit=size)
    index = next((i for i, claim in enumerate(whole) if claim.id == saved.pk), None)
    if index is None:
        following = claim_next_in_article(article_id=article.pk, reviewer=reviewer,
                                          after=saved)
        target = following or saved
        rows, n_claims = claims_for_review_by_id(article=article, reviewer=reviewer,
                                                 claim_ids={saved.pk, target.pk})
        return AfterSave(saved=rows[saved.pk], shown=rows[target.pk],
                         following=following is not None, n_claims=n_claims,
                         progress=article_progress(article_id=article.pk, reviewer=reviewer))
    # claim_next_in_article's filter, as the rows carry it: waiting_for (is_reviewable and
    # not reviewed_by) and takes_verdict_from.
    waiting = [i for i, claim in enumerate(whole) if i != index and claim.is_reviewable
               and not claim.is_reviewed_by_me and claim.takes_my_verdict]
    following = next((i for i in waiting if i > index), waiting[0] if waiting else None)
    target = index if following is None else following
    rows = _built_by_id([whole[index], whole[target]], article,
                        {whole[index].id: index + 1, whole[target].id: target + 1})
    return AfterSave(
        saved=rows[saved.pk], shown=rows[whole[target].id], following=following is not None,
        n_claims=len(whole),
        progress=_progress_counted_in((c.status, c.is_reviewable, c.is_reviewed_by_me)
                                      for c in whole))


def _after(claim: Claim | ReviewRow) -> Q:
    """Claims after `claim` in reading order."""
    return Q(position__gt=claim.position) | Q(position=claim.position, id__gt=claim.id)


def _before(claim: Claim | ReviewRow) -> Q:
    return Q(position__lt=claim.position) | Q(position=claim.position, id__lt=claim.id)


def _for_review(claim: ReviewRow, text: str, article_url: str, span_rows: list[SpanRow],
                number: int) -> ClaimForReview:
    by_role = spans_by_role(span_rows)
    return ClaimForReview(
        id=claim.id, article_id=claim.article_id, article_url=article_url, number=number,
        position=claim.position,
        kind=claim.kind,
        status=claim.status, origin=claim.origin, confidence=claim.confidence,
        version=claim.version, attribution_version=claim.attribution_version,
        source_id=claim.source_id, source_name=claim.source__name or "",
        source_kind=claim.source__kind or "",
        span_rows=tuple(span_rows),
        source_text=spans_text(text, by_role[Span.Role.SOURCE]),
        cue_text=spans_text(text, by_role[Span.Role.CUE]),
        content_text=spans_text(text, by_role[Span.Role.CONTENT]),
        my_label=claim.my_label, my_revision=claim.my_revision or 0,
        my_claim_version=claim.my_claim_version,
        reviewable=claim.is_reviewable, reviewed_by_me=claim.is_reviewed_by_me,
        takes_my_verdict=claim.takes_my_verdict, verdicts_complete=claim.has_verdicts_complete,
    )


def reviewer_verdict() -> QuerySet[Verdict]:
    """The reviewer's verdict on the claim (at most one), for claims.prepared: Params "claim"
    and "reviewer" (ids)."""
    return Verdict.objects.filter(claim_id=Param("claim", IntegerField()),
                                  reviewer=Param("reviewer", IntegerField()))


_VERDICT_OF = Prepared(reviewer_verdict)


def verdict_of(*, claim_id: int, reviewer) -> Verdict | None:
    return _VERDICT_OF.first(claim=claim_id, reviewer=reviewer.pk)


_CLAIM_CHANGES = Prepared(lambda limit: ClaimChange.objects.filter(
    claim_id=Param("claim", IntegerField())).select_related("actor").order_by("-at", "-id")[:limit])


def claim_history(*, claim_id: int, text: str, viewer, show_names: bool,
                  limit: int = 20) -> list[HistoryEntry]:
    """The claim's latest recorded changes, newest first, each saying what changed in words.
    Who made each change is named only with `show_names` (leads); others read "you" for their
    own changes and "a reviewer" for anyone else's."""
    changes = _CLAIM_CHANGES.rows(limit, claim=claim_id)
    ids = {side.get("source_id") for c in changes for side in (c.before, c.after)} - {None}
    names = dict(Source.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    return [HistoryEntry(at=c.at, actor=_actor_name(c.actor, viewer, show_names),
                         action=c.get_action_display(),
                         summary=claim_change_summary(c, text, source_names=names))
            for c in changes]


def claim_full_history(*, claim_id: int, text: str, limit: int = 100) -> list[HistoryEntry]:
    """Everything recorded about a claim, newest first, for leads: its edits, every revision
    of every verdict, its final verdicts and reopenings, and the leases that handed it out."""
    entries = claim_history(claim_id=claim_id, text=text, viewer=None, show_names=True,
                            limit=limit)
    for revision in (VerdictRevision.objects.filter(verdict__claim_id=claim_id)
                     .select_related("recorded_by", "verdict__reviewer")
                     .order_by("-recorded_at", "-id")[:limit]):
        summary = f"revision {revision.revision}, on claim version {revision.claim_version}"
        if revision.rationale:
            summary += f": “{text_preview(revision.rationale, 140)}”"
        entries.append(HistoryEntry(
            at=revision.recorded_at, actor=_username(revision.recorded_by),
            action=f"verdict {revision.get_label_display().lower()}", summary=summary))
    for change in (FinalVerdictChange.objects.filter(claim_id=claim_id)
                   .select_related("actor").order_by("-at", "-id")[:limit]):
        label = (change.after or {}).get("label") or (change.before or {}).get("label") or ""
        reason = " — ".join(part for part in (change.get_reason_code_display(), change.reason)
                            if part)
        entries.append(HistoryEntry(
            at=change.at, actor=_username(change.actor), action=change.get_action_display(),
            summary="; ".join(part for part in (label, reason) if part)))
    for change in (LeaseChange.objects.filter(lease__claim_id=claim_id)
                   .select_related("actor", "lease__reviewer").order_by("-at", "-id")[:limit]):
        entries.append(HistoryEntry(
            at=change.at, actor=_username(change.actor),
            action=f"lease {change.get_action_display().lower()}",
            summary="; ".join(part for part in (
                f"for {change.lease.reviewer.get_username()}", change.reason) if part)))
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit]


def _username(user) -> str:
    return user.get_username() if user is not None else "system"


def _actor_name(actor, viewer, show_names: bool) -> str:
    if actor is None:
        return "system"
    if show_names:
        return actor.get_username()
    return "you" if viewer is not None and actor.pk == viewer.pk else "a reviewer"


def colleagues_verdicts(*, claim_id: int, viewer, show_names: bool) -> list[ColleagueVerdict]:
    """Other reviewers' verdicts on the claim, current ones first. Call it only when blind
    review allows the viewer to see them (annotations.access.may_see_others_verdicts)."""
    return [ColleagueVerdict(
        reviewer=v.name if show_names else f"Reviewer {chr(65 + i)}",
        label=v.label, rationale=v.rationale, evidence_links=tuple(v.evidence_links),
        source_correct=v.source_correct, content_correct=v.content_correct,
        current=v.current, updated_at=v.updated_at,
    ) for i, v in enumerate(_COLLEAGUES.rows(claim=claim_id, viewer=viewer.pk))]


def _colleagues_build() -> QuerySet:
    return (Verdict.objects.filter(claim_id=Param("claim", IntegerField()))
            .exclude(reviewer=Param("viewer", IntegerField()))
            .annotate(current=ExpressionWrapper(verdict_is_current(), output_field=BooleanField()),
                      name=F(f"reviewer__{get_user_model().USERNAME_FIELD}"))
            .order_by("-current", "created_at", "id")
            .values_list("name", "label", "rationale", "evidence_links", "source_correct",
                         "content_correct", "current", "updated_at", named=True))


# Compiled once (claims.prepared): the ORM built this query in a millisecond, the rows come back
# in a fifth of that.
_COLLEAGUES = Prepared(_colleagues_build)


# --- What comes next ------------------------------------------------------------------------
READING_ORDER = ("article__created_at", "article_id", "position", "id")


def review_queue(*, reviewer, now=None) -> QuerySet[Claim]:
    """The claims Next claim may hand the reviewer: waiting for them with a free review slot
    (slot_free_for), oldest article first, each in reading order. /review/next/ leases from
    it (annotations.assignment.lease_next) and home counts it, so the two cannot disagree: a
    claim with its verdicts complete, e.g. one waiting for a lead's decision, is in neither."""
    return (
        Claim.objects.filter(waiting_for(reviewer), slot_free_for(reviewer,
                                                                  now=now or timezone.now()))
        .order_by(*READING_ORDER)
    )


def claim_next_in_article(*, article_id: int, reviewer, after: Claim | None = None
                          ) -> Claim | None:
    """The first claim of the article waiting for the reviewer that takes their verdict
    (takes_verdict_from: not one whose verdicts are complete) after `after` in reading order,
    wrapping round to the start (from the start without `after`); None when none waits."""
    todo = Claim.objects.filter(waiting_for(reviewer),
                                takes_verdict_from(reviewer, now=timezone.now()),
                                article_id=article_id).order_by("position", "id")
    if after is None:
        return todo.first()
    # The claims after `after` first, then from the start: one query.
    return todo.exclude(pk=after.pk).order_by(
        Case(When(_after(after), then=Value(0)), default=Value(1)), "position", "id").first()


# --- Home -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ReviewerSummary:
    waiting: int
    done_today: int
    last_verdict: Verdict | None


def reviewer_summary(*, reviewer) -> ReviewerSummary:
    start_of_day = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    mine = Verdict.objects.filter(article_is_live("claim__article__"), reviewer=reviewer)
    return ReviewerSummary(
        waiting=review_queue(reviewer=reviewer).count(),
        done_today=mine.filter(updated_at__gte=start_of_day).count(),
        last_verdict=verdict_last(reviewer=reviewer),
    )


def _verdicts_latest_first(*, reviewer) -> QuerySet[Verdict]:
    return (Verdict.objects.filter(article_is_live("claim__article__"), reviewer=reviewer)
            .order_by("-updated_at", "-id"))


def verdict_last(*, reviewer) -> Verdict | None:
    """The reviewer's most recently saved verdict: where they left off."""
    return (_verdicts_latest_first(reviewer=reviewer).select_related("claim__article")
            .defer("claim__article__text").first())


_LEFT_OFF = Prepared(lambda: _verdicts_latest_first(reviewer=Param("reviewer", IntegerField()))
                     .values_list("claim__article_id", flat=True))


def article_left_off(*, reviewer) -> int | None:
    """The id of the article of verdict_last: one value, no model instances (compiled once:
    /review/next/ asks on every request)."""
    return _LEFT_OFF.first(reviewer=reviewer.pk)
