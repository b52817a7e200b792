from django.db.models import BooleanField, ExpressionWrapper, OuterRef, QuerySet

from annotations import access
from annotations.exports import ExportClaim, export_rows
from annotations.models import Verdict
from annotations.selectors import verdict_is_current
from claims.models import Article, Claim, Source
from claims.selectors import claim_stands, count_per_article


def articles_for_api(user, *, with_text: bool = False) -> QuerySet[Article]:
    """The articles `user` may see (annotations.access), with n_claims counted per row in a
    correlated subquery, so a page costs one query whatever its size."""
    articles = access.articles_visible_to(user)
    if not with_text:
        articles = articles.defer("text")
    standing = Claim.objects.filter(claim_stands(), article=OuterRef("pk"))
    return articles.annotate(n_claims=count_per_article(standing))


def claims_for_api(user) -> QuerySet[Claim]:
    """The claims `user` may see (annotations.access: deleted articles out, rejected claims
    in), with only the columns a page of them is ordered and cut by; `claims_as_seen` reads
    the rest."""
    return access.claims_visible_to(user).only("id", "article_id", "position")


def claims_as_seen(user, claim_ids: list[int]) -> list[ExportClaim]:
    """The claims as `user` may see them, in the order of `claim_ids`: the exports' read model
    and blind-review rules (annotations.exports.export_rows), four queries for up to a chunk
    of claims. A claim that went in between is left out."""
    rows = {claim.id: claim for claim in export_rows(user, Claim.objects.filter(pk__in=claim_ids))}
    return [rows[pk] for pk in claim_ids if pk in rows]


def verdicts_for_api(user) -> QuerySet[Verdict]:
    """The verdicts `user` may see (annotations.access.verdicts_visible_to), each with its
    reviewer and `current` (it judged the claim's current source, cue and content)."""
    return (access.verdicts_visible_to(user).select_related("reviewer")
            .annotate(current=ExpressionWrapper(verdict_is_current(),
                                                output_field=BooleanField())))


def sources_for_api(user) -> QuerySet[Source]:
    """The source entities with their aliases (one query per page for all of them)."""
    return access.sources_visible_to(user).prefetch_related("aliases")
