"""Bulk import: a JSONL or CSV file of articles, read line by line, each line on its own.

Every good line goes through article_create (validation, line ends, deduplication, segmentation
queued on commit), each in its own transaction; a bad line is reported with its line number and
why, and stores nothing. The caller hands over bytes lines (an open binary file, a request
body's lines, stdin's buffer), so the command and the API share this code and one bad byte
stops only its own line.
"""

import codecs
import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError

from claims.models import Article
from claims.services.articles import article_create

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

IMPORT_FORMATS = ("jsonl", "csv")
IMPORT_FIELDS = ("title", "text", "url", "outlet", "published")
# The API names the date published_on (POST /api/articles/ and every article it returns): a
# file written from the API's articles would otherwise lose its dates without a word.
PUBLISHED_ALIAS = "published_on"
_EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_AFTER_LONE_CR = re.compile(rb"(?<=\r)(?!\n)")


@dataclass
class ArticleImportResult:
    imported: int = 0
    duplicates: int = 0
    # (line number, reason); for CSV the line where the record starts (the header is line 1).
    # At most articles_import's `failures_listed` of them; failed_count counts them all.
    failed: list[tuple[int, str]] = field(default_factory=list)
    failed_count: int = 0
    # The articles the good lines stored, in line order, and those the duplicates matched.
    article_ids: list[int] = field(default_factory=list)
    duplicate_ids: list[int] = field(default_factory=list)

    def summary(self) -> str:
        """“Imported 9,998 articles; 1 duplicate; 1 line failed”."""
        return (f"Imported {_plural(self.imported, 'article')}; "
                f"{_plural(self.duplicates, 'duplicate')}; "
                f"{_plural(self.failed_count, 'line')} failed")


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def articles_import_format(filename: str) -> str:
    """The import format named by a file's extension, or a ValidationError saying which exist."""
    suffix = PurePath(filename).suffix.lower()
    if suffix not in _EXTENSIONS:
        raise ValidationError(
            f"Cannot tell the format of “{filename}” from its extension: name it .jsonl or "
            ".csv, or give the format (jsonl or csv)."
        )
    return _EXTENSIONS[suffix]


def articles_import(
    *,
    lines: Iterable[bytes],
    format: str,  # noqa: A002 - the word users type (--format)
    submitted_by: "AbstractBaseUser | None" = None,
    progress: Callable[[int], None] | None = None,
    failures_listed: int | None = None,
) -> ArticleImportResult:
    """Import every good line of a JSONL or CSV file given as bytes lines (e.g. a file opened
    in binary mode); never loads the whole file.

    `progress`, if given, is called with the size in bytes of each line as it is read. A CSV
    file without a `text` column raises ValidationError before anything is stored.
    `failures_listed` bounds the failed lines kept with their reason (a body of nothing but bad
    lines would otherwise hold millions in memory); all are counted.
    """
    if format not in IMPORT_FORMATS:
        raise ValidationError(f"Unknown import format “{format}”: use jsonl or csv.")
    records = _jsonl_records(lines, progress) if format == "jsonl" else _csv_records(
        lines, progress)
    result = ArticleImportResult()
    for number, record in records:
        try:
            if isinstance(record, str):
                raise ValidationError(record)
            fields = _article_fields(record)
            stored = article_create(**fields, submitted_by=submitted_by,
                                    submitted_via=Article.Via.IMPORT)
        except ValidationError as exc:
            result.failed_count += 1
            if failures_listed is None or len(result.failed) < failures_listed:
                result.failed.append((number, _reason(exc)))
            continue
        if stored.created:
            result.imported += 1
            result.article_ids.append(stored.article.pk)
        else:
            result.duplicates += 1
            result.duplicate_ids.append(stored.article.pk)
    return result


def _lines_ended_by_lone_cr_too(lines: Iterable[bytes]) -> Iterator[bytes]:
    """The lines split after a lone CR as well: a file with old Mac line ends (CR only) is
    read line by line like any other; CRLF stays one line end."""
    for raw in lines:
        yield from (piece for piece in _AFTER_LONE_CR.split(raw) if piece)


def _decoded(lines: Iterable[bytes], progress, errors: dict[int, str]) -> Iterator[str]:
    """Each line as text; a line that is not UTF-8 is recorded in `errors` and read with
    U+FFFD in place of its bad bytes, so the lines after it are still parsed in step. A file
    that starts with a UTF-16 byte-order mark is refused as a whole before anything is read
    from it (its lines cannot even be told apart as UTF-8 bytes)."""
    for number, raw in enumerate(_lines_ended_by_lone_cr_too(lines), start=1):
        if number == 1 and raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise ValidationError(
                "The file is UTF-16 (it starts with a UTF-16 byte-order mark): save it as UTF-8 "
                "and import it again; nothing was imported.")
        if progress is not None:
            progress(len(raw))
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            errors[number] = (f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at position "
                              f"{exc.start + 1} of the line); save the file as UTF-8")
            yield raw.decode("utf-8", errors="replace")


def _jsonl_records(lines, progress) -> Iterator[tuple[int, dict | str]]:
    """(line number, object) per non-blank line, or (line number, reason) for a bad one."""
    errors: dict[int, str] = {}
    # The line whose string a raw line break left open, while the lines after it fail too and
    # do not start a new object: they are most likely the rest of that text (blank lines
    # inside it are skipped anyway).
    broken_at = None
    for number, line in enumerate(_decoded(lines, progress, errors), start=1):
        if number in errors:
            broken_at = None
            yield number, errors.pop(number)
            continue
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            if broken_at is not None and not line.lstrip().startswith("{"):
                yield number, f"not valid JSON ({json_problem(exc, continues=broken_at)})"
            else:
                yield number, f"not valid JSON ({json_problem(exc)}){_hint(exc)}"
                broken_at = number if _string_left_open(exc) else None
            continue
        broken_at = None
        if not isinstance(record, dict):
            yield number, "not a JSON object; each line must be one article {\"text\": ...}"
            continue
        yield number, record


def _string_left_open(exc: json.JSONDecodeError) -> bool:
    """The line ends inside a string: a raw line break in a text."""
    return exc.msg.startswith("Invalid control character") and exc.doc[exc.pos] in "\r\n"


def json_problem(exc: json.JSONDecodeError, *, continues: int | None = None) -> str:
    """What is wrong with one line of JSON and at which column, in words a person can act on.

    Python's messages end in "at" ("Invalid control character at"), being written to be
    followed by ": line 1 column 55"; the commonest of them is a text whose line breaks were
    written raw, which leaves the string open at the end of its line. `continues`: the number
    of the line (before this one) whose string was left open so, of which this line is then
    most likely the rest.
    """
    column = exc.colno
    if continues is not None:
        return (f"{json_problem(exc)}; this line probably continues line {continues}, whose "
                "string is not closed: a line break inside a text must be written as \\n")
    if exc.msg.startswith("Invalid control character"):
        character = exc.doc[exc.pos]
        if _string_left_open(exc):
            return (f"a string is not closed before the end of the line, at column {column}; "
                    "a line break inside a text must be written as \\n")
        return (f"a string holds a raw control character (U+{ord(character):04X}) at column "
                f"{column}; write it escaped, e.g. \\t for a tab")
    if exc.msg.startswith("Unterminated string"):
        return f"the string that starts at column {column} is not closed"
    return f"{exc.msg.removesuffix(' at')} at column {column}"


def _hint(exc: json.JSONDecodeError) -> str:
    if exc.msg == "Extra data":
        # Several articles on one line: most often a file whose line ends were lost on the
        # way (curl -d drops them; --data-binary keeps them).
        return ": more follows the end of the object; put one article on each line"
    return ""


def _csv_records(lines, progress) -> Iterator[tuple[int, dict | str]]:
    """(first line number, row) per CSV record (a quoted text may span several lines)."""
    # A text may be as long as the article limit (csv's own default is 131,072 characters);
    # anything longer is refused either way, with the size in the message up to twice that.
    csv.field_size_limit(max(csv.field_size_limit(), 2 * settings.CLAIMDESK_MAX_ARTICLE_BYTES))
    errors: dict[int, str] = {}
    reader = csv.reader(_decoded(lines, progress, errors))
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise ValidationError(f"The CSV header (line 1) cannot be read: {exc}.") from None
    if 1 in errors:
        raise ValidationError(f"The CSV header (line 1) is {errors[1]}.")
    header = [name.strip().lower() for name in header]
    if "text" not in header:
        raise ValidationError(
            "The CSV header (line 1) has no “text” column; the columns are "
            f"{', '.join(IMPORT_FIELDS)} (only text is required).")
    last = reader.line_num
    while True:
        first = last + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            row = f"not valid CSV ({exc})"
        last = reader.line_num
        bad = [errors.pop(n) for n in range(first, last + 1) if n in errors]
        if bad:
            yield first, bad[0]
        elif isinstance(row, str):
            yield first, row
        elif not any(cell.strip() for cell in row):
            continue
        elif len(row) > len(header):
            yield first, f"{len(row)} fields, but the header has {len(header)}"
        else:
            yield first, dict(zip(header, row, strict=False))


def _article_fields(record: dict) -> dict:
    """article_create's keyword arguments from one line's fields, or a ValidationError."""
    values = {}
    for name in (*IMPORT_FIELDS, PUBLISHED_ALIAS):
        value = record.get(name)
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise ValidationError(f"“{name}” must be a string, not {type(value).__name__}")
        values[name] = value.strip() if name in ("published", PUBLISHED_ALIAS) else value
    if not values["text"].strip():
        raise ValidationError("no text (“text” is required and must not be empty)")
    published, alias = values.pop("published"), values.pop(PUBLISHED_ALIAS)
    if published and alias and published != alias:
        raise ValidationError(f"“published” ({published[:40]}) and “{PUBLISHED_ALIAS}” "
                              f"({alias[:40]}) differ: give the date once")
    name = "published" if published else PUBLISHED_ALIAS
    published = published or alias
    values["published_on"] = _published_date(published, name) if published else None
    return values


def _published_date(value: str, name: str) -> date:
    try:
        if _ISO_DATE.fullmatch(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise ValidationError(f"“{name}” must be a date as YYYY-MM-DD, not “{value[:40]}”")


def _reason(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{name}: {' '.join(messages)}"
                         for name, messages in exc.message_dict.items())
    return " ".join(exc.messages)
