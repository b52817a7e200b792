"""Import articles from a JSONL or CSV file; exit status 1 if any line failed."""

import os
import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from claims import services
from claims.services.imports import IMPORT_FORMATS


class Command(BaseCommand):
    help = (
        "Import articles from FILE (- for standard input): JSONL, one object per line, or CSV "
        "with a header line; fields title, text (required), url, outlet, published "
        "(YYYY-MM-DD; or published_on, as the API names it). Good lines are imported and "
        "queued for segmentation, bad lines are listed with their line number; the exit "
        "status is 1 if any line failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .jsonl or .csv file, or - for standard input")
        parser.add_argument("--format", choices=IMPORT_FORMATS,
                            help="jsonl or csv (default: from the file's extension)")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        path = options["file"]
        try:
            format_ = options["format"] or (
                "jsonl" if path == "-" else services.articles_import_format(path))
        except ValidationError as exc:
            raise CommandError(exc.messages[0]) from None
        handle = sys.stdin.buffer if path == "-" else self._open(path)
        size = os.fstat(handle.fileno()).st_size if path != "-" else None
        progress = tqdm(total=size or None, unit="B", unit_scale=True, file=sys.stderr,
                        desc="import", disable=options["quiet"])
        try:
            result = services.articles_import(lines=handle, format=format_,
                                              progress=progress.update)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        finally:
            progress.close()
            if handle is not sys.stdin.buffer:
                handle.close()

        self.stdout.write(result.summary())
        for number, reason in result.failed:
            self.stderr.write(f"line {number}: {reason}")
        if result.failed_count:
            raise CommandError("The failed lines stored nothing; the other lines were imported.",
                               returncode=1)

    def _open(self, path: str):
        try:
            return Path(path).open("rb")
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}.") from exc
