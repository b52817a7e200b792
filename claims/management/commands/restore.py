from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from claims.backup import BackupError, backup_restore, table_counts, table_counts_report


class Command(BaseCommand):
    help = ("Restore a file written by `manage.py backup` into the database DATABASE_URL names, "
            "which must be empty (a new database) unless --replace is given. Stop the web "
            "processes and workers before replacing a database in use.")

    def add_arguments(self, parser):
        parser.add_argument("path", help="the backup file")
        parser.add_argument(
            "--replace", action="store_true",
            help="overwrite a database that already has tables (everything in it is lost)")

    def handle(self, *args, path, replace=False, verbosity=1, **options):
        try:
            backup_restore(path=Path(path), replace=replace)
        except BackupError as error:
            raise CommandError(str(error)) from error
        report = table_counts_report(table_counts(), per_table=verbosity > 1)
        self.stdout.write(self.style.SUCCESS(
            f"Restored {path} into {connection.settings_dict['NAME']}: {report}"))
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            self.stdout.write(self.style.WARNING(
                f"The backup predates this code by {len(pending)} migrations: run "
                "`manage.py migrate` before starting the app."))
