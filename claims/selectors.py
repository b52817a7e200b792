"""Every non-trivial read of articles, sources and claims."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, Substr

from claims.models import Article, Claim, ClaimChange, Source, Span

SpanRow = tuple[str, int, int]  # role, start, end


@dataclass(frozen=True, slots=True)
class ClaimHighlight:
    """What the text's highlights need of a claim: its id, status and spans."""

    id: int
    status: str
    span_rows: list[SpanRow]


def article_is_live(prefix: str = "") -> Q:
    """The article is not (soft) deleted: the one rule that keeps a deleted article, and with
    it its claims, off every reviewer's page, queue and count. `prefix` reaches the article
    from another model ("article__" on claims, "claim__article__" on verdicts)."""
    return Q(**{f"{prefix}deleted_at__isnull": True})


def articles_live() -> QuerySet[Article]:
    return Article.objects.filter(article_is_live())


def claim_stands() -> Q:
    """A claim that stands as a claim: not rejected as "not a claim", in an article that is
    not deleted. Every claim count (article list, admin, progress, agreement) counts these and
    only these."""
    return ~Q(status=Claim.Status.REJECTED) & article_is_live("article__")


def span_rows_by_claim(claim_ids: Iterable[int]) -> dict[int, list[SpanRow]]:
    """The claims' spans as (role, start, end) tuples in text order, in one query.

    Plain tuples rather than Span instances: a long article's page reads thousands of spans,
    and model instances (which point back at their claim) cost time to build and leave
    reference cycles for the garbage collector, which showed as slow outlier requests.
    """
    rows: dict[int, list[SpanRow]] = defaultdict(list)
    spans = (Span.objects.filter(claim__in=list(claim_ids)).order_by("start", "end", "id")
             .values_list("claim_id", "role", "start", "end"))
    for claim_id, role, start, end in spans:
        rows[claim_id].append((role, start, end))
    return rows


def spans_by_role(rows: Iterable[SpanRow]) -> dict[str, list[tuple[int, int]]]:
    """Span rows grouped by role, each list in the rows' order."""
    grouped: dict[str, list[tuple[int, int]]] = {role: [] for role in Span.Role.values}
    for role, start, end in rows:
        grouped[role].append((start, end))
    return grouped


def claim_spans_by_role(claim: Claim) -> dict[str, list[tuple[int, int]]]:
    """The claim's current spans grouped by role, each list in text order (read now)."""
    return spans_by_role(span_rows_by_claim([claim.pk])[claim.pk])


def count_per_article(claims: QuerySet[Claim]) -> Coalesce:
    """A correlated COUNT(*) of `claims` (already filtered on article=OuterRef("pk")), 0 when
    none. Unlike Count() over a join it needs no GROUP BY on the articles, is computed only for
    the rows a page shows, and stays out of a paginator's COUNT."""
    counted = claims.order_by().values("article").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def claims_prefetch_covered_texts(lookup: str = "spans", *,
                                  roles: Iterable[str] = Span.Role.values) -> Prefetch:
    """A prefetch of the claims' spans of `roles` (lookup "spans" on claims, "claim__spans" on
    rows that point at a claim), each with `covered`: the text it covers, cut out by the
    database. A list of claims from many articles then reads a few words per span instead of
    every article's whole text. Read them with `claim_texts_covered`."""
    spans = (Span.objects.filter(role__in=list(roles))
             .annotate(covered=Substr("claim__article__text", F("start") + 1,
                                      F("end") - F("start")))
             .order_by("start", "end", "id"))
    return Prefetch(lookup, queryset=spans, to_attr="covered_spans")


def claim_texts_covered(claim: Claim) -> dict[str, str]:
    """Source, cue and content as written, as the spans cover them, from a claim read with
    `claims_prefetch_covered_texts` (roles it did not read come out empty)."""
    pieces: dict[str, list[str]] = {role: [] for role in Span.Role.values}
    for span in claim.covered_spans:
        pieces[span.role].append(span.covered)
    return {role: " … ".join(role_pieces) for role, role_pieces in pieces.items()}  # as spans_text


def claim_changes_with_source_names(changes: QuerySet[ClaimChange]) -> QuerySet[ClaimChange]:
    """The changes, each with `source_names`-ready annotations: before_source_id/_name and
    after_source_id/_name, the entity each side recorded by id and its current name (None when
    there is none, or it has since been merged away); see claim_change_source_names."""
    for side in ("before", "after"):
        source_id = Cast(KT(f"{side}__source_id"), IntegerField())
        names = Source.objects.filter(pk=OuterRef(f"{side}_source_id")).values("name")[:1]
        changes = changes.annotate(**{f"{side}_source_id": source_id}).annotate(
            **{f"{side}_source_name": Subquery(names)})
    return changes


def claim_change_source_names(change: ClaimChange) -> dict[int, str]:
    """{entity id: current name} for a change read with claim_changes_with_source_names."""
    return {getattr(change, f"{side}_source_id"): getattr(change, f"{side}_source_name")
            for side in ("before", "after") if getattr(change, f"{side}_source_name", None)}


def claim_highlights(*, article_id: int, start: int, end: int) -> list[ClaimHighlight]:
    """The claims with a span in text[start:end], each with those spans: what highlighting
    that stretch of the text needs, in one query."""
    rows: dict[int, ClaimHighlight] = {}
    spans = (Span.objects.filter(claim__article_id=article_id, start__lt=end, end__gt=start)
             .order_by("start", "end", "id")
             .values_list("claim_id", "claim__status", "role", "start", "end"))
    for claim_id, status, role, span_start, span_end in spans:
        if claim_id not in rows:
            rows[claim_id] = ClaimHighlight(id=claim_id, status=status, span_rows=[])
        rows[claim_id].span_rows.append((role, span_start, span_end))
    return list(rows.values())
