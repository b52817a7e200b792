"""Append-only history tables, enforced twice: in code on every backend, by the database on
PostgreSQL.

- `AppendOnlyQuerySet` (the manager of every history model) refuses `.update()` and
  `.delete()`; the models' `save()` refuses to rewrite a saved row and their `delete()` to
  delete one (`refuse_delete`), and their foreign keys PROTECT, so no cascade removes or
  rewrites a row either.
- `AppendOnly(model_name)`, a migration operation, adds a trigger that refuses UPDATE and
  DELETE on the model's table on PostgreSQL (a no-op on other backends); its reverse drops the
  trigger. A history model added later gets a migration with `AppendOnly("<model>")` beside
  its CreateModel. TRUNCATE (how test runs empty the database) is not refused.
"""

from django.db import models
from django.db.migrations.operations.base import Operation


class AppendOnlyError(Exception):
    """A history row was about to be changed or removed."""


def refuse_delete(instance) -> None:
    raise AppendOnlyError(f"{instance._meta.verbose_name_plural.capitalize()} are append-only: "
                          "rows are never deleted.")


class AppendOnlyQuerySet(models.QuerySet):
    def _refuse(self, what: str):
        raise AppendOnlyError(f"{self.model._meta.verbose_name_plural.capitalize()} are "
                              f"append-only: rows are never {what}.")

    def update(self, **kwargs):
        self._refuse("updated")

    def bulk_update(self, objs, fields, batch_size=None):
        self._refuse("updated")

    def update_or_create(self, defaults=None, create_defaults=None, **kwargs):
        self._refuse("updated")

    def delete(self):
        self._refuse("deleted")

    delete.queryset_only = True
    delete.alters_data = True


AppendOnlyManager = models.Manager.from_queryset(AppendOnlyQuerySet)

FUNCTION = "claimdesk_refuse_history_change"

FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% on %: history tables are append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql
"""


class AppendOnly(Operation):
    """Refuse UPDATE and DELETE on the model's table, in the database (PostgreSQL only)."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str):
        self.model_name = model_name

    def deconstruct(self):
        return self.__class__.__name__, [], {"model_name": self.model_name}

    def state_forwards(self, app_label, state):
        pass  # no change to the models' state: the trigger lives in the database only

    def _table(self, app_label, state) -> str:
        return state.apps.get_model(app_label, self.model_name)._meta.db_table

    def _trigger(self, table: str) -> str:
        return f"{table}_append_only"

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        table = self._table(app_label, to_state)
        quote = schema_editor.quote_name
        schema_editor.execute(FUNCTION_SQL, params=None)  # its % are plpgsql's, not ours
        schema_editor.execute(
            f"CREATE TRIGGER {quote(self._trigger(table))} BEFORE UPDATE OR DELETE ON "
            f"{quote(table)} FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        table = self._table(app_label, from_state)
        quote = schema_editor.quote_name
        # The function stays: other tables' triggers may still use it.
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS {quote(self._trigger(table))} ON {quote(table)}")

    def describe(self):
        return f"Refuse UPDATE and DELETE on {self.model_name} (PostgreSQL trigger)"

    @property
    def migration_name_fragment(self):
        return f"{self.model_name.lower()}_append_only"
