"""Backup and restore (manage.py backup / restore), one round trip per backend: a database
with data in every table that matters (history tables with their append-only triggers
included) is backed up, restored into an empty database, and the two compared table by table,
row by row. Each runs the commands as an operator would, in their own processes, against
scratch databases of its own."""

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from claims.backup import backup_default_name
from tests.conftest import require_or_skip

ROOT = Path(__file__).resolve().parents[2]


def populate() -> None:
    """Data in every history table, a decided then reopened disagreement, a rejected claim,
    personal API tokens and text beyond ASCII. Runs in a subprocess on a migrated scratch
    database (see _populated)."""
    from django.contrib.auth.models import Group
    from knox.models import AuthToken

    from annotations.consensus import (
        final_verdict_adjudicate,
        final_verdict_reopen,
        verdicts_token,
    )
    from annotations.models import ApiTokenName
    from annotations.services import verdict_submit
    from claims.access import LEAD
    from claims.services import claim_reject
    from tests.factories import (
        ArticleFactory,
        UserFactory,
        article_with_claims,
        history_in_every_table,
        make_claim,
    )

    reviewer, other = UserFactory(username="rev1"), UserFactory(username="rev2")
    lead = UserFactory(username="lead1")
    lead.groups.add(Group.objects.get_or_create(name=LEAD)[0])
    history_in_every_table(reviewer=reviewer, lead=lead)

    article = ArticleFactory(title="Zoë's café reopens — prices up 3 €",
                             text="The owner said that the café « reopens » on Monday 🎉. "
                                  "A neighbour said the terrace stays closed.")
    disputed = make_claim(article, content="the café « reopens » on Monday 🎉")
    verdict_submit(claim=disputed, reviewer=reviewer, label="confirmed",
                   rationale="The sign on the door says so.",
                   evidence_links=["https://example.org/cafe-sign"])
    verdict_submit(claim=disputed, reviewer=other, label="contested",
                   rationale="The owner told us Tuesday.")
    final_verdict_adjudicate(claim=disputed, lead=lead, label="contested",
                             reason_code="new_evidence", reason="The owner's own word.",
                             token=verdicts_token(claim_id=disputed.pk))
    final_verdict_reopen(claim=disputed, lead=lead, reason="A second source came in.")
    spare = article_with_claims(3).claims.order_by("position").first()
    claim_reject(claim=spare, actor=reviewer, expected_version=None)
    for user, name in ((reviewer, "Newsroom CMS"), (lead, "Nightly export")):
        token, _key = AuthToken.objects.create(user=user)
        ApiTokenName.objects.create(token=token, name=name)


def _env(database_url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in {"REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    return {**env, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings.test"}


def _manage(*args, database_url: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, text=True,
                          capture_output=True, timeout=600, check=False,
                          env=_env(database_url))


def _ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _populated(database_url: str) -> None:
    _ok(_manage("migrate", "--noinput", "-v0", database_url=database_url))
    script = ("import django; django.setup()\n"
              "from tests.claims.test_backup import populate; populate()\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, text=True,
                            capture_output=True, timeout=600, check=False,
                            env=_env(database_url))
    _ok(result)


def _history_tables() -> list[str]:
    from tests.factories import history_models

    return [model._meta.db_table for model in history_models()]


def _snapshot(cursor, tables: list[str]) -> dict[str, list[tuple]]:
    """Every row of every table, in the order of its first column (the primary key)."""
    rows = {}
    for table in tables:
        cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')  # noqa: S608 - a table name
        rows[table] = [tuple(row) for row in cursor.fetchall()]
    return rows


def _assert_same(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> None:
    assert sorted(after) == sorted(before)
    assert {t: len(r) for t, r in after.items()} == {t: len(r) for t, r in before.items()}
    for table, rows in before.items():
        assert after[table] == rows, table
    for table in _history_tables():
        assert before[table], f"{table} has rows to compare"


# --- SQLite ---------------------------------------------------------------------------------
def _sqlite_rows(path: Path) -> dict[str, list[tuple]]:
    database = sqlite3.connect(path)
    try:
        cursor = database.cursor()
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                       "AND name NOT LIKE 'sqlite_%' ORDER BY name")
        return _snapshot(cursor, [row[0] for row in cursor.fetchall()])
    finally:
        database.close()


def test_sqlite_round_trip_restores_every_row_into_an_empty_database(tmp_path):
    live, backup, restored = (tmp_path / "live.sqlite3", tmp_path / "backup.sqlite3",
                              tmp_path / "restored.sqlite3")
    _populated(f"sqlite:///{live}")
    out = _ok(_manage("backup", str(backup), database_url=f"sqlite:///{live}"))
    assert f"to {backup}" in out
    assert not backup.with_name(backup.name + "-wal").exists()  # one self-contained file

    out = _ok(_manage("restore", str(backup), database_url=f"sqlite:///{restored}"))
    assert "Restored" in out
    assert "migrate" not in out  # nothing pending: same code
    _assert_same(_sqlite_rows(live), _sqlite_rows(restored))

    # The restored database is a working one: the app writes to it.
    _ok(_manage("createsuperuser", "--noinput", "--username", "after-restore",
                "--email", "a@example.org", database_url=f"sqlite:///{restored}"))
    # And it is not overwritten by accident.
    again = _manage("restore", str(backup), database_url=f"sqlite:///{restored}")
    assert again.returncode != 0
    assert "already has" in again.stderr
    assert "--replace" in again.stderr
    replaced = _manage("restore", "--replace", str(backup),
                       database_url=f"sqlite:///{restored}")
    _ok(replaced)
    _assert_same(_sqlite_rows(live), _sqlite_rows(restored))


# --- PostgreSQL -----------------------------------------------------------------------------
def _postgres_server() -> tuple[str, str]:
    """(URL of the server without a database name, a prefix for scratch database names): the
    server DATABASE_URL names when it is PostgreSQL, else the local default."""
    import dj_database_url

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = "postgres://postgres@127.0.0.1:5432/claimdesk"
    base, _, name = url.rpartition("/")
    name = name.split("?")[0]
    try:
        import psycopg

        settings = dj_database_url.parse(f"{base}/postgres")
        psycopg.connect(dbname="postgres", host=settings["HOST"], port=settings["PORT"] or 5432,
                        user=settings["USER"], password=settings["PASSWORD"] or None,
                        connect_timeout=5).close()
    except Exception as error:  # noqa: BLE001 - any failure means no server to use
        require_or_skip(f"no PostgreSQL server at {base}: {error}")
    return base, f"{name}_backup_{os.getpid()}"


def _pg_connect(base: str, name: str):
    import dj_database_url
    import psycopg

    settings = dj_database_url.parse(f"{base}/{name}")
    return psycopg.connect(dbname=name, host=settings["HOST"], port=settings["PORT"] or 5432,
                           user=settings["USER"], password=settings["PASSWORD"] or None,
                           autocommit=True)


def _pg_rows(base: str, name: str) -> dict[str, list[tuple]]:
    with _pg_connect(base, name) as database, database.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                       "ORDER BY tablename")
        rows = _snapshot(cursor, [row[0] for row in cursor.fetchall()])
        cursor.execute("SELECT sequencename, last_value FROM pg_sequences "
                       "WHERE schemaname = 'public' ORDER BY 1")
        rows["(sequences)"] = cursor.fetchall()
        cursor.execute("SELECT tgrelid::regclass::text, tgname FROM pg_trigger "
                       "WHERE NOT tgisinternal ORDER BY 1, 2")
        rows["(triggers)"] = cursor.fetchall()
    return rows


@pytest.fixture
def scratch_postgres():
    base, prefix = _postgres_server()
    names = [f"{prefix}_live", f"{prefix}_restored"]
    with _pg_connect(base, "postgres") as server:
        for name in names:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            server.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base, names
    finally:
        with _pg_connect(base, "postgres") as server:
            for name in names:
                server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_postgresql_round_trip_restores_every_row_and_the_history_triggers(
        tmp_path, scratch_postgres):
    base, (live, restored) = scratch_postgres
    backup = tmp_path / "claimdesk.pgdump"
    _populated(f"{base}/{live}")
    out = _ok(_manage("backup", str(backup), database_url=f"{base}/{live}"))
    assert f"to {backup}" in out
    assert backup.read_bytes().startswith(b"PGDMP")

    out = _ok(_manage("restore", str(backup), database_url=f"{base}/{restored}"))
    assert "Restored" in out
    before, after = _pg_rows(base, live), _pg_rows(base, restored)
    _assert_same(before, after)
    history = _history_tables()
    assert {table for table, _trigger in after["(triggers)"]} >= set(history)

    # The restored history is still append-only, and new rows get fresh ids.
    import psycopg

    with _pg_connect(base, restored) as database:
        with pytest.raises(psycopg.errors.RestrictViolation, match="append-only"):
            database.execute('UPDATE "annotations_verdictrevision" SET id = id')
        next_id = database.execute("SELECT nextval('claims_article_id_seq')").fetchone()[0]
        assert next_id > max(row[0] for row in before["claims_article"])

    again = _manage("restore", str(backup), database_url=f"{base}/{restored}")
    assert again.returncode != 0
    assert "already has" in again.stderr
    _ok(_manage("restore", "--replace", str(backup), database_url=f"{base}/{restored}"))
    after_replace = _pg_rows(base, restored)
    after_replace["(sequences)"] = before["(sequences)"]  # nextval above moved one on
    _assert_same(before, after_replace)


# --- What restore refuses, whatever the backend -------------------------------------------
@pytest.mark.django_db
def test_restore_refuses_a_file_that_is_no_backup(tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database")
    with pytest.raises(CommandError, match="not a Claimdesk backup"):
        call_command("restore", str(junk))
    with pytest.raises(CommandError, match="No backup file"):
        call_command("restore", str(tmp_path / "missing.pgdump"))


@pytest.mark.django_db
def test_restore_refuses_a_backup_of_the_other_backend(tmp_path):
    other = tmp_path / "other"
    other.write_bytes(b"SQLite format 3\x00" if connection.vendor == "postgresql"
                      else b"PGDMP\x01\x0e")
    with pytest.raises(CommandError, match=f"but the database to restore into is "
                                           f"{connection.vendor}"):
        call_command("restore", str(other))


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_has_tables(tmp_path):
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    assert backup.stat().st_size > 0
    assert not backup.with_name("backup.partial").exists()
    with pytest.raises(CommandError, match="already has .* tables"):
        call_command("restore", str(backup))


@pytest.mark.django_db
def test_backup_into_a_folder_that_does_not_exist_says_so(tmp_path):
    target = tmp_path / "backups" / "claimdesk.pgdump"
    with pytest.raises(CommandError) as refused:
        call_command("backup", str(target))
    message = str(refused.value)
    assert message.startswith(f"Cannot write {target}: the folder {target.parent} does not "
                              "exist.")
    assert ".partial" not in message
    assert not target.parent.exists()


@pytest.mark.django_db
def test_backup_into_an_existing_folder_writes_the_default_name_inside_it(tmp_path, capsys):
    call_command("backup", str(tmp_path))
    suffix = "pgdump" if connection.vendor == "postgresql" else "sqlite3"
    written = list(tmp_path.iterdir())
    assert len(written) == 1, written  # no .partial left beside it
    assert re.fullmatch(rf"claimdesk-{connection.vendor}-\d{{8}}-\d{{6}}\.{suffix}",
                        written[0].name)
    assert written[0].stat().st_size > 0
    assert f"to {written[0]} " in capsys.readouterr().out


def test_restore_into_a_postgresql_database_that_does_not_exist_says_how_to_create_it(
        tmp_path):
    base, prefix = _postgres_server()
    missing = f"{prefix}_missing"
    with _pg_connect(base, "postgres") as server:
        server.execute(f'DROP DATABASE IF EXISTS "{missing}" WITH (FORCE)')
    backup = tmp_path / "claimdesk.pgdump"
    backup.write_bytes(b"PGDMP\x01\x0e")  # read no further than its kind
    result = _manage("restore", str(backup), database_url=f"{base}/{missing}")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr  # was django.db.utils.OperationalError
    assert f"The database {missing} does not exist: create it" in result.stderr
    assert re.search(rf"\(createdb (--[a-z]+=\S+ )*{missing};", result.stderr)


def test_backups_written_where_the_command_runs_are_ignored_by_git():
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        require_or_skip("not a git checkout: no .gitignore to ask")
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    names = [backup_default_name(vendor=vendor, now=now) for vendor in ("postgresql", "sqlite")]
    names += [f"{name}.partial" for name in names]  # left by a backup killed midway
    ignored = subprocess.run(["git", "check-ignore", "--no-index", *names], cwd=ROOT,
                             capture_output=True, text=True, timeout=60, check=False)
    assert sorted(ignored.stdout.split()) == sorted(names)
