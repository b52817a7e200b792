from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Count, DateTimeField, IntegerField, Q
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from claims.models import Article, Claim
from claims.prepared import Param, Prepared, numbered, params
from tests.factories import ArticleFactory, SourceFactory, make_claim

pytestmark = pytest.mark.django_db


def _claims_of_article(min_claims: int = 0):
    return (Claim.objects.filter(article=Param("article", IntegerField()))
            .select_related("source", "article").annotate(n_spans=Count("spans"))
            .filter(n_spans__gte=min_claims).order_by("position", "id"))


def _two_articles():
    first, second = ArticleFactory(), ArticleFactory()
    claims = [make_claim(first, source="The port authority"), make_claim(first, occurrence=1),
              make_claim(second)]
    claims[0].source = SourceFactory(name="Harbour office")
    claims[0].save(update_fields=["source"])
    return first, second, claims


def test_rows_match_the_queryset_run_with_each_calls_values():
    first, second, _ = _two_articles()
    prepared = Prepared(_claims_of_article)
    for article in (first, second, first):
        expected = list(Claim.objects.filter(article=article).select_related("source", "article")
                        .annotate(n_spans=Count("spans")).order_by("position", "id"))
        rows = prepared.rows(0, article=article.pk)
        assert [(c.pk, c.article_id, c.n_spans, c.source and c.source.name, c.article.title)
                for c in rows] == [
            (c.pk, c.article_id, c.n_spans, c.source and c.source.name, c.article.title)
            for c in expected]
        assert rows


def test_the_same_sql_runs_again_with_new_values():
    first, second, _ = _two_articles()
    prepared = Prepared(_claims_of_article)
    with CaptureQueriesContext(connection) as seen:
        prepared.rows(0, article=first.pk)
        prepared.rows(0, article=second.pk)
        prepared.rows(3, article=second.pk)
    sqls = [query["sql"] for query in seen.captured_queries]
    assert sqls[0].replace(f"({first.pk})", "(?)") == sqls[1].replace(f"({second.pk})", "(?)")
    assert sqls[2] != sqls[1]  # another shape: another query


def test_shape_arguments_reach_the_build():
    article, _, claims = _two_articles()
    prepared = Prepared(_claims_of_article)
    assert len(prepared.rows(0, article=article.pk)) == 2
    assert prepared.rows(99, article=article.pk) == []


def test_first_and_exists():
    article, second, claims = _two_articles()
    prepared = Prepared(_claims_of_article)
    assert prepared.first(0, article=article.pk).pk == claims[0].pk
    assert prepared.first(0, article=second.pk).pk == claims[2].pk
    assert prepared.first(0, article=second.pk + 1000) is None
    assert prepared.exists(0, article=article.pk)
    assert not prepared.exists(0, article=second.pk + 1000)


def test_values_list_rows():
    article, _, claims = _two_articles()
    prepared = Prepared(lambda: Claim.objects.filter(article_id=Param("article", IntegerField()))
                        .order_by("id").values_list("id", flat=True))
    assert prepared.rows(article=article.pk) == [claims[0].pk, claims[1].pk]
    assert prepared.first(article=article.pk) == claims[0].pk


def test_datetime_values_are_adapted_for_the_database():
    older, newer = ArticleFactory(), ArticleFactory()
    now = timezone.now()
    Article.objects.filter(pk=older.pk).update(created_at=now - timedelta(days=3))
    Article.objects.filter(pk=newer.pk).update(created_at=now - timedelta(hours=1))
    since = Prepared(lambda: Article.objects.filter(
        created_at__gt=Param("since", DateTimeField())).order_by("id"))
    assert [a.pk for a in since.rows(since=now - timedelta(days=1))] == [newer.pk]
    assert [a.pk for a in since.rows(since=now - timedelta(days=5))] == [older.pk, newer.pk]
    assert since.rows(since=now) == []


def test_a_list_of_values_is_a_shape_of_its_own():
    articles = [ArticleFactory() for _ in range(3)]

    def build(n: int):
        return Article.objects.filter(
            Q(pk__in=params("pk", n, IntegerField())) if n else Q()).order_by("id")

    chosen = Prepared(build)
    ids = [a.pk for a in articles]
    assert [a.pk for a in chosen.rows(2, **numbered("pk", ids[1:]))] == ids[1:]
    assert [a.pk for a in chosen.rows(1, **numbered("pk", ids[:1]))] == ids[:1]
    assert [a.pk for a in chosen.rows(0)] == ids


def test_a_query_that_matches_nothing_runs_no_sql():
    ArticleFactory()
    nothing = Prepared(lambda: Article.objects.none())
    with CaptureQueriesContext(connection) as seen:
        assert nothing.rows() == []
        assert nothing.first() is None
        assert nothing.exists() is False
    assert seen.captured_queries == []


def test_a_missing_value_is_an_error_not_a_guess():
    prepared = Prepared(_claims_of_article)
    with pytest.raises(KeyError):
        prepared.rows(0)


@pytest.mark.django_db(transaction=True)
def test_select_for_update_still_needs_a_transaction_where_it_locks():
    article = ArticleFactory()
    locked = Prepared(lambda: Article.objects.select_for_update().filter(
        pk=Param("pk", IntegerField())))
    with transaction.atomic():
        assert locked.first(pk=article.pk).pk == article.pk
        assert locked.exists(pk=article.pk)
    if not connection.features.has_select_for_update:
        assert locked.first(pk=article.pk).pk == article.pk  # as Django: a no-op there
        return
    with pytest.raises(TransactionManagementError):
        locked.first(pk=article.pk)
    with pytest.raises(TransactionManagementError):
        locked.exists(pk=article.pk)


def test_an_id_out_of_the_databases_range_matches_nothing():
    article = ArticleFactory()
    by_id = Prepared(lambda: Article.objects.filter(pk=Param("pk", IntegerField())))
    assert by_id.first(pk=article.pk).pk == article.pk
    for impossible in (2**63, -(2**63) - 1):
        assert by_id.rows(pk=impossible) == []
        assert by_id.first(pk=impossible) is None
        assert by_id.exists(pk=impossible) is False


def test_row_converters_are_worked_out_once_and_still_convert_every_run():
    """Converted columns (the source's and article's select_related rows, a datetime on
    SQLite, the annotation) come out converted on each run, with the converters the first run
    worked out."""
    first, second, _ = _two_articles()
    prepared = Prepared(_claims_of_article)
    rows = prepared.rows(0, article=first.pk)
    compiled = prepared._get("rows", (0,))
    remembered = dict(compiled.converters)
    assert remembered  # the datetime and the related rows' columns need converters
    for article in (second, first):
        again = prepared.rows(0, article=article.pk)
        expected = list(Claim.objects.filter(article=article).select_related("source", "article")
                        .annotate(n_spans=Count("spans")).order_by("position", "id"))
        assert [(c.pk, c.created_at, c.article.created_at, c.n_spans) for c in again] == [
            (c.pk, c.created_at, c.article.created_at, c.n_spans) for c in expected]
        assert all(isinstance(c.created_at, type(timezone.now())) for c in again)
    assert compiled.converters.keys() == remembered.keys()
    assert all(compiled.converters[key] is remembered[key] for key in remembered)
    assert rows
