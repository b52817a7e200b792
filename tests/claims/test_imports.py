"""Bulk import (claims.services.imports and manage.py import_articles): every line on its own."""

import datetime
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from claims.models import Article, Claim
from claims.services import article_create, articles_import, articles_import_format

pytestmark = pytest.mark.django_db

# Fictional.
FERRY = "The harbour master of Tidewater said on Monday that the ferry would resume in May."
QUOTA = "The fisheries board of Lowmere announced that the quota would be cut by a fifth."
BRIDGE = "Mayor Ada Quill said that the Orrin bridge would reopen before the winter fair."


def _jsonl(*records) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)


def _import(data: bytes, format: str):  # noqa: A002
    return articles_import(lines=io.BytesIO(data), format=format)


def _run(tmp_path, name: str, data: bytes, *args):
    """call_command on a file; returns (stdout, stderr, the CommandError or None)."""
    path = tmp_path / name
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_articles", str(path), "--quiet", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc
    return out.getvalue(), err.getvalue(), None


def test_jsonl_import_stores_fields_and_segments_each_article(django_capture_on_commit_callbacks):
    data = _jsonl(
        {"title": "Ferry resumes", "text": FERRY, "url": "https://news.example/ferry",
         "outlet": "Tidewater Gazette", "published": "2025-03-14", "id": "ignored"},
        {"text": QUOTA},
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = _import(data, "jsonl")

    assert (result.imported, result.duplicates, result.failed) == (2, 0, [])
    ferry, quota = Article.objects.order_by("id")
    assert (ferry.title, ferry.text, ferry.url, ferry.outlet) == (
        "Ferry resumes", FERRY, "https://news.example/ferry", "Tidewater Gazette")
    assert ferry.published_on == datetime.date(2025, 3, 14)
    assert quota.published_on is None
    assert quota.title == QUOTA[:120]
    for article in (ferry, quota):
        assert article.submitted_via == Article.Via.IMPORT
        assert article.segmentation_status == Article.Segmentation.DONE
        assert article.claims.filter(origin=Claim.Origin.MACHINE).exists()


def test_csv_import_with_crlf_line_ends_and_a_multiline_text(django_capture_on_commit_callbacks):
    two_paragraphs = FERRY + "\r\n\r\n" + QUOTA
    data = (
        "title,text,url,outlet,published\r\n"
        f'Ferry,"{two_paragraphs}",https://news.example/f,Gazette,2024-11-02\r\n'
        f"Bridge,{BRIDGE},,,\r\n"
    ).encode("utf-8-sig")
    with django_capture_on_commit_callbacks(execute=True):
        result = _import(data, "csv")

    assert (result.imported, result.duplicates, result.failed) == (2, 0, [])
    ferry, bridge = Article.objects.order_by("id")
    assert ferry.text == FERRY + "\n\n" + QUOTA
    assert (ferry.title, ferry.url, ferry.outlet) == ("Ferry", "https://news.example/f", "Gazette")
    assert ferry.published_on == datetime.date(2024, 11, 2)
    assert (bridge.text, bridge.url, bridge.published_on) == (BRIDGE, "", None)
    assert {a.submitted_via for a in (ferry, bridge)} == {Article.Via.IMPORT}
    assert ferry.segmentation_status == Article.Segmentation.DONE


def test_mixed_jsonl_file_imports_good_lines_reports_bad_ones_and_counts_duplicates(
    tmp_path, settings
):
    settings.CLAIMDESK_MAX_ARTICLE_BYTES = 300
    article_create(text=QUOTA, title="Already stored")
    data = b"".join([
        _jsonl({"text": FERRY, "title": "Ferry"}),               # 1 good
        b"{not json}\n",                                           # 2 invalid JSON
        _jsonl({"title": "No text here"}),                         # 3 missing text
        _jsonl({"text": BRIDGE, "published": "14/03/2025"}),       # 4 bad date
        _jsonl({"text": BRIDGE, "url": "not a url"}),              # 5 bad URL
        _jsonl({"text": "Lowmere " * 60}),                         # 6 text too long
        b'{"text": "The caf\xe9 owner said that it would close."}\n',  # 7 not UTF-8
        b"\n",                                                     # 8 blank: skipped
        _jsonl({"text": FERRY}),                                   # 9 duplicate in the file
        _jsonl({"text": QUOTA}),                                   # 10 duplicate of the database
        _jsonl(["a list"]),                                        # 11 not an object
        _jsonl({"text": BRIDGE, "published": "2025-02-30"}),       # 12 impossible date
        _jsonl({"text": BRIDGE, "title": 7}),                      # 13 title not a string
        _jsonl({"text": BRIDGE, "published": "2025-02-28"}),       # 14 good
    ])
    out, err, error = _run(tmp_path, "mixed.jsonl", data)

    assert error is not None
    assert error.returncode == 1
    assert out.strip() == "Imported 2 articles; 2 duplicates; 9 lines failed"
    failed = dict(line.split(": ", 1) for line in err.splitlines())
    assert sorted(int(key.removeprefix("line ")) for key in failed) == [
        2, 3, 4, 5, 6, 7, 11, 12, 13]
    assert "not valid JSON" in failed["line 2"]
    assert "no text" in failed["line 3"]
    assert "YYYY-MM-DD" in failed["line 4"]
    assert "14/03/2025" in failed["line 4"]
    assert failed["line 5"] == "url: Enter a valid URL."
    assert "the limit is 300 bytes" in failed["line 6"]
    assert "not valid UTF-8" in failed["line 7"]
    assert "0xe9" in failed["line 7"]
    assert "not a JSON object" in failed["line 11"]
    assert "2025-02-30" in failed["line 12"]
    assert "“title” must be a string" in failed["line 13"]
    stored = Article.objects.filter(submitted_via=Article.Via.IMPORT)
    assert sorted(stored.values_list("text", flat=True)) == sorted([FERRY, BRIDGE])
    assert stored.get(text=BRIDGE).published_on == datetime.date(2025, 2, 28)


def test_a_title_over_500_characters_fails_its_line_with_the_reason_and_is_not_cut(tmp_path):
    data = _jsonl({"text": FERRY, "title": "Ferry " * 102 + "res"},  # 615 characters
                  {"text": BRIDGE, "title": "Bridge"})
    out, err, error = _run(tmp_path, "long-title.jsonl", data)

    assert error is not None
    assert error.returncode == 1
    assert out.strip() == "Imported 1 article; 0 duplicates; 1 line failed"
    assert err.strip() == "line 1: title: is 615 characters long; the limit is 500"
    assert list(Article.objects.values_list("title", flat=True)) == ["Bridge"]


def test_mixed_csv_file_reports_record_start_lines(tmp_path):
    data = (
        b"text,title,published\n"                                   # 1 header, any order
        + b'"' + FERRY.encode() + b'\nsecond line",Ferry,\n'       # 2-3 good
        + b",Only a title,\n"                                      # 4 missing text
        + b'"The owner\nof the caf\xe9 said it would close.",Cafe,\n'  # 5-6 not UTF-8 (6)
        + b'"' + QUOTA.encode() + b'\nmore",Quota,2025-1-5\n'      # 7-8 bad date
        + BRIDGE.encode() + b",Bridge,,extra\n"                    # 9 too many fields
        + b'"' + FERRY.encode() + b'\nsecond line",Again,\n'       # 10-11 duplicate of 2-3
    )
    result = _import(data, "csv")

    assert (result.imported, result.duplicates) == (1, 1)
    assert [line for line, _ in result.failed] == [4, 5, 7, 9]
    reasons = [reason for _, reason in result.failed]
    assert "no text" in reasons[0]
    assert "not valid UTF-8" in reasons[1]
    assert "YYYY-MM-DD" in reasons[2]
    assert "4 fields, but the header has 3" in reasons[3]
    assert Article.objects.get().text == FERRY + "\nsecond line"


def test_csv_without_a_text_column_stores_nothing_and_says_why(tmp_path):
    out, err, error = _run(tmp_path, "bad.csv", b"title,body\nFerry," + FERRY.encode() + b"\n")
    assert error is not None
    assert "no “text” column" in str(error)
    assert not Article.objects.exists()


def test_empty_file_imports_nothing_and_succeeds(tmp_path):
    for name in ("empty.jsonl", "empty.csv"):
        out, err, error = _run(tmp_path, name, b"")
        assert error is None
        assert out.strip() == "Imported 0 articles; 0 duplicates; 0 lines failed"
        assert err == ""
    assert not Article.objects.exists()


def test_command_on_a_three_line_file_prints_the_summary_and_exits_zero(
    tmp_path, django_capture_on_commit_callbacks
):
    data = _jsonl({"text": FERRY}, {"text": QUOTA}, {"text": FERRY})
    with django_capture_on_commit_callbacks(execute=True):
        out, err, error = _run(tmp_path, "three.txt", data, "--format", "jsonl")
    assert error is None
    assert out == "Imported 2 articles; 1 duplicate; 0 lines failed\n"
    assert err == ""
    assert set(Article.objects.values_list("segmentation_status", flat=True)) == {"done"}


def test_command_refuses_a_file_it_cannot_read_or_name(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_articles", str(tmp_path / "missing.jsonl"), "--quiet")
    (tmp_path / "articles.txt").write_bytes(_jsonl({"text": FERRY}))
    with pytest.raises(CommandError, match="extension"):
        call_command("import_articles", str(tmp_path / "articles.txt"), "--quiet")
    assert not Article.objects.exists()


def test_import_format_from_the_file_name():
    assert articles_import_format("a/b/Articles.JSONL") == "jsonl"
    assert articles_import_format("export.csv") == "csv"
    with pytest.raises(ValidationError):
        articles_import_format("articles.xlsx")


def test_command_reads_jsonl_from_standard_input(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(_jsonl({"text": BRIDGE}))))
    out = io.StringIO()
    call_command("import_articles", "-", "--quiet", stdout=out)
    assert out.getvalue() == "Imported 1 article; 0 duplicates; 0 lines failed\n"
    assert Article.objects.get().text == BRIDGE


def test_the_date_may_be_named_published_on_as_the_api_names_it():
    data = _jsonl(
        {"text": FERRY, "published_on": "2025-03-14"},
        {"text": QUOTA, "published": "2025-04-01", "published_on": "2025-04-01"},
        {"text": BRIDGE, "published": "2025-04-01", "published_on": "2025-04-02"},
        {"text": BRIDGE + " Again.", "published_on": "14/03/2025"},
    )
    result = _import(data, "jsonl")

    assert (result.imported, result.failed) == (2, [
        (3, "“published” (2025-04-01) and “published_on” (2025-04-02) differ: give the date "
            "once"),
        (4, "“published_on” must be a date as YYYY-MM-DD, not “14/03/2025”")])
    assert dict(Article.objects.values_list("text", "published_on")) == {
        FERRY: datetime.date(2025, 3, 14), QUOTA: datetime.date(2025, 4, 1)}
    csv_file = f"text,published_on\n{BRIDGE},2025-05-06\n".encode()
    assert _import(csv_file, "csv").imported == 1
    assert Article.objects.get(text=BRIDGE).published_on == datetime.date(2025, 5, 6)


def test_a_text_broken_by_a_raw_line_break_is_told_its_string_is_not_closed():
    # A text whose line break was written raw rather than as \n: its line ends mid-string.
    data = (b'{"title": "Ferry", "text": "The harbour master said on Monday\n'
            b'that the ferry would resume."}\n'
            + b'{"text": "The quota\twould be cut."}\r\n'
            + b'{"text": "The bridge\r\n'
            + b'{"text": "Mayor Ada Quill said so.", "title": "Quill}\n')
    result = _import(data, "jsonl")

    assert result.imported == 0
    assert result.failed == [
        (1, "not valid JSON (a string is not closed before the end of the line, at column 62; "
            "a line break inside a text must be written as \\n)"),
        (2, "not valid JSON (Expecting value at column 1; this line probably continues line 1, "
            "whose string is not closed: a line break inside a text must be written as \\n)"),
        (3, "not valid JSON (a string holds a raw control character (U+0009) at column 20; "
            "write it escaped, e.g. \\t for a tab)"),
        (4, "not valid JSON (a string is not closed before the end of the line, at column 21; "
            "a line break inside a text must be written as \\n)"),
        (5, "not valid JSON (a string is not closed before the end of the line, at column 54; "
            "a line break inside a text must be written as \\n)"),
    ]
    assert not any(" at at " in reason for _, reason in result.failed)


def test_every_line_of_a_text_broken_twice_is_told_which_line_it_continues():
    data = (b'{"text": "The harbour master said\n'
            b'\n'  # a paragraph break written raw: a blank line, skipped
            b'that the ferry would resume\n'
            b'5 days later."}\n'
            + _jsonl({"text": FERRY})
            + b'that line is simply wrong\n')
    result = _import(data, "jsonl")

    assert result.imported == 1
    continues = ("; this line probably continues line 1, whose string is not closed: a line "
                 "break inside a text must be written as \\n)")
    assert result.failed == [
        (1, "not valid JSON (a string is not closed before the end of the line, at column 34; "
            "a line break inside a text must be written as \\n)"),
        (3, "not valid JSON (Expecting value at column 1" + continues),
        (4, "not valid JSON (Extra data at column 3" + continues),
        (6, "not valid JSON (Expecting value at column 1)"),
    ]


def test_articles_run_together_on_one_line_are_told_to_go_one_per_line():
    # What curl -d makes of a JSONL file: it drops the line ends.
    data = _jsonl({"text": FERRY}, {"text": QUOTA}).replace(b"\n", b"") + b"\n"
    result = _import(data, "jsonl")

    assert result.imported == 0
    assert result.failed == [(1, f"not valid JSON (Extra data at column {len(FERRY) + 13}): "
                                 "more follows the end of the object; put one article on each "
                                 "line")]
