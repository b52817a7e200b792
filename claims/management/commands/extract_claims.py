"""Run the claim extractor over a JSONL file; needs no database (used by the benchmarks)."""

import json
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from claims.services.imports import json_problem


class Command(BaseCommand):
    help = (
        "Read JSONL lines with 'id' and 'text' (other keys ignored) and write one line per "
        "input: {'id': ..., 'attributions': [{'source', 'cue', 'content', 'kind', "
        "'confidence'}, ...]}."
    )
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("input", help="JSONL file, or - for standard input")
        parser.add_argument("--output", "-o", default="-", help="JSONL file (default: stdout)")
        parser.add_argument("--model", default=None, help="spaCy model (default: the setting)")
        parser.add_argument("--batch-size", type=int, default=16)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        from claims.extraction import ModelNotAvailable, get_extractor

        records = list(self._read(options["input"]))
        try:
            extractor = get_extractor(options["model"] or settings.CLAIMDESK_SPACY_MODEL or None)
        except ModelNotAvailable as exc:
            raise CommandError(str(exc)) from exc
        out = (sys.stdout if options["output"] == "-"
               else Path(options["output"]).open("w", encoding="utf-8"))  # noqa: SIM115
        progress = tqdm(total=len(records), unit="article", file=sys.stderr,
                        disable=options["no_progress"])
        try:
            results = extractor.extract_many((r["text"] for r in records),
                                             batch_size=options["batch_size"])
            for record, attributions in zip(records, results, strict=True):
                line = {"id": record["id"], "attributions": [
                    {key: a.to_json()[key]
                     for key in ("source", "cue", "content", "kind", "confidence")}
                    for a in attributions]}
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
                progress.update()
        finally:
            progress.close()
            if out is not sys.stdout:
                out.close()

    def _read(self, path: str):
        # Bytes, decoded line by line, so a bad byte is reported with its line number.
        handle = sys.stdin.buffer if path == "-" else self._open(path)
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise CommandError(f"line {number}: not valid UTF-8 ({exc.reason}).") from exc
            yield from self._parse(number, line)

    def _parse(self, number: int, raw: str):
        if raw.strip():
            try:
                record = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise CommandError(
                    f"line {number}: not valid JSON ({json_problem(exc)}).") from exc
            if not isinstance(record, dict) or "id" not in record or "text" not in record:
                raise CommandError(f"line {number}: needs the keys 'id' and 'text'.")
            if not isinstance(record["text"], str):
                raise CommandError(f"line {number}: 'text' must be a string.")
            yield record

    def _open(self, path: str):
        try:
            return Path(path).open("rb")
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}.") from exc
