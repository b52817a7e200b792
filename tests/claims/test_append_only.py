"""History tables are append-only: refused in code on every backend, and by a trigger on
PostgreSQL (claims.db)."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import F, ProtectedError

from annotations.assignment import lease_next
from annotations.models import (
    AssignmentChange,
    FinalVerdictChange,
    LeaseChange,
    VerdictRevision,
    WebhookChange,
)
from claims.db import AppendOnlyError
from claims.models import ArticleChange, ClaimChange, RoleChange, SourceChange
from claims.services import (
    claim_reject,
    claims_replace_machine,
)
from tests.conftest import require_or_skip
from tests.factories import (
    ArticleFactory,
    history_in_every_table,
    history_models,
    make_claim,
)

pytestmark = pytest.mark.django_db

TEXT = "The mayor said the ferry runs daily. The guild said it does not."


@pytest.fixture
def history(reviewer, lead):
    return history_in_every_table(reviewer=reviewer, lead=lead)


def test_history_models_are_the_ones_expected():
    assert set(history_models()) == {ClaimChange, SourceChange, ArticleChange, RoleChange,
                                     VerdictRevision, LeaseChange, AssignmentChange,
                                     FinalVerdictChange, WebhookChange}


@pytest.mark.parametrize("model", history_models(), ids=lambda m: m._meta.model_name)
def test_the_orm_refuses_to_update_or_delete_history(history, model):
    rows = model.objects.all()
    before = list(rows.values())
    assert before
    with pytest.raises(AppendOnlyError, match="append-only"):
        rows.update(id=F("id"))
    with pytest.raises(AppendOnlyError, match="append-only"):
        model.objects.filter(pk=rows.first().pk).delete()
    with pytest.raises(AppendOnlyError, match="append-only"):
        rows.first().delete()
    assert list(rows.values()) == before


def test_a_saved_history_row_is_never_saved_again(history):
    change = ClaimChange.objects.filter(claim=history).first()
    change.after = {}
    with pytest.raises(ValueError, match="append-only"):
        change.save()


def test_no_cascade_removes_history(history, reviewer):
    with pytest.raises(ProtectedError):
        history.delete()  # a claim with history: rejected, never deleted
    with pytest.raises(ProtectedError):
        history.article.delete()
    with pytest.raises(ProtectedError):
        reviewer.delete()  # an actor is deactivated, never deleted
    assert ClaimChange.objects.filter(claim=history).exists()


def test_re_segmentation_deletes_only_claims_without_history(reviewer):
    article = ArticleFactory(text=TEXT)
    machine = make_claim(article, content="the ferry runs daily", origin="machine")
    edited = make_claim(article, content="it does not", occurrence=1, origin="machine")
    claim_reject(claim=edited, actor=reviewer, expected_version=None)
    claims_replace_machine(article_id=article.pk, attributions=[], extractor_version="test")
    assert not article.claims.filter(pk=machine.pk).exists()
    assert article.claims.filter(pk=edited.pk).exists()
    assert ClaimChange.objects.filter(claim=edited).count() == 1


def test_re_segmentation_keeps_a_claim_handed_to_a_reviewer(reviewer):
    article = ArticleFactory(text=TEXT)
    leased = make_claim(article, content="the ferry runs daily", origin="machine")
    assert lease_next(reviewer=reviewer) == leased
    claims_replace_machine(article_id=article.pk, attributions=[], extractor_version="test")
    assert article.claims.filter(pk=leased.pk).exists()
    assert LeaseChange.objects.filter(lease__claim=leased).exists()


# --- PostgreSQL: the database refuses too ----------------------------------------------------
def _require_postgresql():
    if connection.vendor != "postgresql":
        require_or_skip("the append-only triggers exist on PostgreSQL only (DATABASE_URL)")


@pytest.mark.parametrize("model", history_models(), ids=lambda m: m._meta.model_name)
@pytest.mark.parametrize("statement", ["UPDATE {table} SET id = id", "DELETE FROM {table}"])
def test_postgresql_refuses_raw_update_and_delete_on_history(history, model, statement):
    _require_postgresql()
    table = connection.ops.quote_name(model._meta.db_table)
    count = model.objects.count()
    assert count
    with (pytest.raises(DatabaseError, match="append-only"), transaction.atomic(),
          connection.cursor() as cursor):
        cursor.execute(statement.format(table=table))
    assert model.objects.count() == count


@pytest.mark.parametrize("model", history_models(), ids=lambda m: m._meta.model_name)
def test_every_history_table_has_its_trigger_on_postgresql(model):
    """A new ChangeRecord subclass needs a migration with claims.db.AppendOnly."""
    _require_postgresql()
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass "
                       "AND NOT tgisinternal", [model._meta.db_table])
        assert [row[0] for row in cursor.fetchall()] == [f"{model._meta.db_table}_append_only"]
