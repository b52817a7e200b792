"""Every non-trivial read of articles, sources and claims."""

from django.db.models import Prefetch, QuerySet

from claims.models import Article, Claim, Span
from claims.spans import spans_text


def claim_spans_by_role(claim: Claim) -> dict[str, list[tuple[int, int]]]:
    """The claim's spans grouped by role; uses prefetched spans when present."""
    grouped: dict[str, list[tuple[int, int]]] = {role: [] for role in Span.Role.values}
    for span in claim.spans.all():
        grouped[span.role].append((span.start, span.end))
    for spans in grouped.values():
        spans.sort()
    return grouped


def claim_texts(claim: Claim, text: str | None = None) -> dict[str, str]:
    """Source, cue and content as written in the article."""
    text = claim.article.text if text is None else text
    return {role: spans_text(text, spans) for role, spans in claim_spans_by_role(claim).items()}


def claims_for_article(*, article: Article) -> QuerySet[Claim]:
    return (
        article.claims.select_related("source")
        .prefetch_related(Prefetch("spans", queryset=Span.objects.order_by("start")))
        .order_by("id")
    )
