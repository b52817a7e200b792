from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from claims.backup import (
    BackupError,
    backup_default_name,
    backup_write,
    table_counts,
    table_counts_report,
)


class Command(BaseCommand):
    help = ("Back up the whole database to one file: pg_dump's custom format on PostgreSQL, "
            "a consistent copy through SQLite's online backup API on SQLite. Safe while the "
            "app runs. Restore with `manage.py restore FILE`.")

    def add_arguments(self, parser):
        parser.add_argument(
            "path", nargs="?",
            help="the file to write, or an existing folder to write it in (default: "
                 "claimdesk-<backend>-<UTC time>.{pgdump,sqlite3} here)")

    def handle(self, *args, path=None, verbosity=1, **options):
        if path is None or Path(path).is_dir():
            # A folder gets the default name inside it, as most backup tools do.
            path = Path(path or ".") / backup_default_name(vendor=connection.vendor,
                                                           now=timezone.now())
        try:
            written = backup_write(path=Path(path))
        except BackupError as error:
            raise CommandError(str(error)) from error
        report = table_counts_report(table_counts(), per_table=verbosity > 1)
        self.stdout.write(self.style.SUCCESS(
            f"Backed up {connection.settings_dict['NAME']} ({connection.vendor}) to {written} "
            f"({written.stat().st_size:,} bytes): {report}"))
