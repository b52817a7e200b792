"""Backing up the whole database to one file, and restoring it into an empty one.

PostgreSQL: `pg_dump --format=custom` (compressed, restored table by table with its indexes,
sequences, the append-only history triggers and their function) and `pg_restore` in a single
transaction, so a failed restore leaves the target as it was.

SQLite: the online backup API of Python's sqlite3 module, not dumpdata/loaddata: it copies
one consistent snapshot of every page while reviewers and the worker keep writing (WAL), takes
every table (sessions, tokens, throttling included) byte for byte, and needs no migrations or
fixtures ordering on the way back. The copy is a plain SQLite file (rollback journal, no -wal
beside it) that the sqlite3 shell opens too.

A restore goes into an empty database unless `replace` is given, and is checked: the file is
what it claims to be before anything is touched.
"""

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.db import OperationalError, connections

PG_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"


class BackupError(Exception):
    """Something the person running the command can act on; nothing was changed."""


@dataclass(frozen=True)
class TableCount:
    table: str
    rows: int


def backup_kind(path: Path) -> str:
    """"postgresql" or "sqlite", from the file's first bytes."""
    with open(path, "rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    if head.startswith(PG_MAGIC):
        return "postgresql"
    if head == SQLITE_MAGIC:
        return "sqlite"
    raise BackupError(f"{path} is neither a PostgreSQL custom-format dump nor a SQLite "
                      "database: not a Claimdesk backup.")


def table_counts(using: str = "default") -> list[TableCount]:
    """Rows per table of the database, by table name."""
    connection = connections[using]
    quote = connection.ops.quote_name
    counts = []
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - a table name
            counts.append(TableCount(table, cursor.fetchone()[0]))
    return counts


def table_counts_report(counts: list[TableCount], *, per_table: bool) -> str:
    """"N tables, M rows", after a line per table when `per_table`: what the commands print."""
    lines = [f"{count.rows:>10,}  {count.table}" for count in counts] if per_table else []
    return "\n".join([*lines, f"{len(counts)} tables, {sum(c.rows for c in counts):,} rows"])


def backup_default_name(*, vendor: str, now: datetime) -> str:
    """The file `manage.py backup` writes without a path, in the folder it runs in (ignored by
    git, so a backup made in a checkout is never committed)."""
    suffix = "pgdump" if vendor == "postgresql" else "sqlite3"
    return f"claimdesk-{vendor}-{now.strftime('%Y%m%d-%H%M%S')}.{suffix}"


def backup_write(*, path: Path, using: str = "default") -> Path:
    """Write a backup of the database to `path`: written beside it under a temporary name and
    checked, then renamed, so `path` is never a half-written backup."""
    connection = connections[using]
    path = Path(path)
    if not path.parent.is_dir():
        # Said before pg_dump runs, which would name the temporary file it could not open.
        raise BackupError(f"Cannot write {path}: the folder {path.parent} does not exist. "
                          f"Create it (mkdir -p {path.parent}) or name another path.")
    partial = path.with_name(path.name + ".partial")
    try:
        if connection.vendor == "postgresql":
            _pg_dump(connection.settings_dict, partial)
        elif connection.vendor == "sqlite":
            _sqlite_copy(source=_sqlite_file(connection.settings_dict), target=partial)
        else:
            raise BackupError(f"No backup for a {connection.vendor} database.")
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def backup_restore(*, path: Path, replace: bool = False, using: str = "default") -> None:
    """Restore the backup at `path` into the database. Refused when the database already has
    tables, unless `replace`: then they are dropped first (PostgreSQL) or overwritten whole
    (SQLite). Stop the web processes and workers before replacing a database in use."""
    connection = connections[using]
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    kind = backup_kind(path)
    if kind != connection.vendor:
        raise BackupError(f"{path} is a {kind} backup, but the database to restore into is "
                          f"{connection.vendor} (DATABASE_URL): restore it into a {kind} "
                          "database.")
    tables = _tables_to_restore_into(connection, using)
    if tables and not replace:
        name = connection.settings_dict["NAME"]
        raise BackupError(
            f"The database {name} already has {len(tables)} tables: restore into an empty "
            "database (createdb a new one, or point DATABASE_URL at a new SQLite file), or "
            "pass --replace to overwrite it.")
    connection.close()
    if kind == "postgresql":
        _pg_restore(connection.settings_dict, path, clean=bool(tables))
    else:
        _sqlite_check(path)
        _sqlite_copy(source=path, target=_sqlite_file(connection.settings_dict))


def _tables_to_restore_into(connection, using: str) -> list[TableCount]:
    """The target's tables (the first time it is connected to), or a BackupError saying why it
    cannot be reached: a PostgreSQL database that does not exist yet, with how to create it."""
    try:
        return table_counts(using)
    except OperationalError as error:
        settings_dict = connection.settings_dict
        name = settings_dict["NAME"]
        reason = str(error).strip().splitlines()[-1] if str(error).strip() else repr(error)
        if connection.vendor == "postgresql" and f'database "{name}" does not exist' in reason:
            options = [f"--{option}={settings_dict[key]}" for option, key in
                       (("host", "HOST"), ("port", "PORT"), ("username", "USER"))
                       if settings_dict.get(key)]
            raise BackupError(
                f"The database {name} does not exist: create it, empty, then restore into it "
                f"(createdb {' '.join([*options, str(name)])}; on the compose stack, docker "
                f"compose exec -T postgres createdb -U claimdesk {name}).") from error
        raise BackupError(f"Cannot connect to the database {name} to restore into "
                          f"(DATABASE_URL): {reason}") from error


# --- PostgreSQL -----------------------------------------------------------------------------
def _pg_program(name: str) -> str:
    """The client program, from PATH, else the newest in Debian's /usr/lib/postgresql."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                      key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if versions:
        return str(versions[-1])
    raise BackupError(f"{name} is not installed (apt-get install postgresql-client).")


def _pg_env(settings_dict: dict) -> dict[str, str]:
    """libpq's environment for the database: the password never on a command line."""
    env = dict(os.environ)
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"),
                          ("PGPASSWORD", "PASSWORD"), ("PGDATABASE", "NAME")):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    options = settings_dict.get("OPTIONS") or {}
    for variable, key in (("PGSSLMODE", "sslmode"), ("PGSSLROOTCERT", "sslrootcert")):
        if options.get(key):
            env[variable] = str(options[key])
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode:
        raise BackupError(f"{Path(command[0]).name} failed (exit {result.returncode}): "
                          f"{result.stderr.strip()[-2000:]}")


def _pg_dump(settings_dict: dict, target: Path) -> None:
    env = _pg_env(settings_dict)
    _run([_pg_program("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
          f"--file={target}"], env)
    _run([_pg_program("pg_restore"), "--list", str(target)], env)  # a readable archive


def _pg_restore(settings_dict: dict, source: Path, *, clean: bool) -> None:
    command = [_pg_program("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
               "--single-transaction", f"--dbname={settings_dict['NAME']}"]
    if clean:
        command += ["--clean", "--if-exists"]
    _run([*command, str(source)], _pg_env(settings_dict))


# --- SQLite ---------------------------------------------------------------------------------
def _sqlite_file(settings_dict: dict) -> Path:
    name = str(settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:"):
        raise BackupError("An in-memory SQLite database has no file to back up or restore.")
    return Path(name)


def _sqlite_check(path: Path) -> None:
    with _sqlite_open(path) as database:
        problems = [row[0] for row in database.execute("PRAGMA integrity_check")]
    if problems != ["ok"]:
        raise BackupError(f"{path} is damaged: {'; '.join(problems[:5])}")


def _sqlite_open(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, timeout=60, isolation_level=None)


def _sqlite_copy(*, source: Path, target: Path) -> None:
    """Every page of `source` into `target`, as one consistent snapshot (the backup API takes
    a read lock on the source and the write lock on the target). The target keeps its own
    journal mode, so the live database stays in WAL and a backup file needs no -wal beside
    it."""
    if not source.is_file():
        raise BackupError(f"No SQLite database at {source}.")
    src = _sqlite_open(source)
    dst = _sqlite_open(target)
    try:
        mode = dst.execute("PRAGMA journal_mode").fetchone()[0]
        src.backup(dst)
        dst.execute(f"PRAGMA journal_mode={'WAL' if mode == 'wal' else 'DELETE'}")
        problems = [row[0] for row in dst.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise BackupError(f"The copy in {target} failed its check: {problems[:5]}")
    finally:
        dst.close()
        src.close()
