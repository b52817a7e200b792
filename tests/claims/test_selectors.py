"""claims.selectors."""

import pytest

from claims.models import Span
from claims.selectors import PREPARED_IDS, span_rows_by_claim
from tests.factories import ArticleFactory, make_claim


@pytest.mark.django_db
@pytest.mark.parametrize("n_claims", [1, 2, 3, 5, 8, 9])
def test_span_rows_by_claim_through_the_compiled_shapes_match_the_orm(n_claims):
    """Lists padded to a power of two: every claim's spans, in text order, none twice, none
    of a claim not asked for; a list longer than PREPARED_IDS reads the same."""
    article = ArticleFactory()
    claims = [make_claim(article, occurrence=i % 2) for i in range(n_claims + 1)]
    asked = [c.pk for c in claims[:n_claims]]
    expected = {pk: list(Span.objects.filter(claim_id=pk).order_by("start", "end", "id")
                         .values_list("role", "start", "end")) for pk in asked}
    rows = span_rows_by_claim(asked)
    assert {pk: rows[pk] for pk in asked} == expected
    assert set(rows) == set(asked)
    assert all(expected.values())
    assert span_rows_by_claim([]) == {}
    padded = asked * (PREPARED_IDS // len(asked) + 1)  # over the bound: the ORM's query
    assert {pk: span_rows_by_claim(padded)[pk] for pk in asked} == expected
