"""Reads for the annotations admin."""

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from annotations.models import Verdict
from annotations.selectors import verdict_is_current
from claims.selectors import claims_prefetch_covered_texts


def verdict_out_of_date() -> Q:
    """A verdict on words the claim no longer says (see selectors.verdict_is_current)."""
    return ~verdict_is_current()


def verdicts_with_claim(verdicts: QuerySet[Verdict]) -> QuerySet[Verdict]:
    """The verdicts with reviewer, claim and article (without its text), the claim's content
    as written (see claims_prefetch_covered_texts) and `out_of_date`."""
    return (verdicts.select_related("reviewer", "claim__article").defer("claim__article__text")
            .prefetch_related(claims_prefetch_covered_texts("claim__spans", roles=["content"]))
            .annotate(out_of_date=ExpressionWrapper(verdict_out_of_date(),
                                                    output_field=BooleanField())))
