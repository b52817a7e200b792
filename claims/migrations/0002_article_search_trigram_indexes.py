"""Trigram indexes for the article list's search on PostgreSQL.

The search is a case-insensitive substring match (`icontains`, which PostgreSQL runs as
`UPPER(col) LIKE UPPER('%…%')`); a GIN index of trigrams over exactly those expressions lets
it skip articles that cannot match instead of reading every text. Same results on every
backend; SQLite, the embedded default, keeps scanning. pg_trgm ships with PostgreSQL
(contrib); creating the extension needs the database owner's rights, which the app's user has
in the compose stack and CI.
"""

from django.db import migrations

INDEXES = {
    "claims_article_title_trgm": "UPPER(title) gin_trgm_ops",
    "claims_article_text_trgm": "UPPER(text) gin_trgm_ops",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON claims_article USING gin ({expression})")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("claims", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
