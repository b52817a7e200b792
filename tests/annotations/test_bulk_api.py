"""POST /api/articles/bulk (annotations/api/bulk.py): JSONL, CSV or an uploaded file, each line
on its own, through the bulk import service."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from annotations.api import bulk
from claims.models import Article, Claim
from claims.services import article_create

pytestmark = pytest.mark.django_db

BULK = "/api/articles/bulk/"
# Fictional.
FERRY = "The harbour master of Tidewater said on Monday that the ferry would resume in May."
QUOTA = "The fisheries board of Lowmere announced that the quota would be cut by a fifth."
BRIDGE = "Mayor Ada Quill said that the Orrin bridge would reopen before the winter fair."


def _jsonl(*records) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)


def _post(api, body: bytes, content_type: str = "application/x-ndjson", url: str = BULK):
    return api.generic("POST", url, body, content_type=content_type)


def test_a_title_over_500_characters_fails_its_line_as_post_articles_refuses_it(api):
    title = "Ferry " * 102 + "res"  # 615 characters
    single = api.post("/api/articles/", {"text": FERRY, "title": title}, format="json")
    assert single.status_code == 400
    assert list(single.json()) == ["title"]

    response = _post(api, _jsonl({"text": FERRY, "title": title},
                                 {"text": BRIDGE, "title": "Bridge"}))

    assert response.status_code == 207
    summary = response.json()
    assert summary["detail"] == "Imported 1 article; 0 duplicates; 1 line failed"
    assert summary["errors"] == [
        {"line": 1, "message": "title: is 615 characters long; the limit is 500"}]
    assert list(Article.objects.values_list("title", flat=True)) == ["Bridge"]


def test_jsonl_body_stores_every_line_and_segments_it(
        api, reviewer, django_capture_on_commit_callbacks):
    body = _jsonl({"title": "Ferry resumes", "text": FERRY, "outlet": "Tidewater Gazette",
                   "url": "https://news.example/ferry", "published": "2025-03-14"},
                  {"text": QUOTA})
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(api, body)

    assert response.status_code == 200
    summary = response.json()
    ferry, quota = Article.objects.order_by("id")
    assert summary == {"detail": "Imported 2 articles; 0 duplicates; 0 lines failed",
                       "imported": 2, "duplicates": 0, "failed": 0, "errors": [],
                       "articles": [ferry.pk, quota.pk], "duplicate_articles": []}
    assert (ferry.title, ferry.outlet, str(ferry.published_on)) == (
        "Ferry resumes", "Tidewater Gazette", "2025-03-14")
    for article in (ferry, quota):
        assert article.submitted_by == reviewer
        assert article.submitted_via == Article.Via.IMPORT
        assert article.segmentation_status == Article.Segmentation.DONE
        assert article.claims.filter(origin=Claim.Origin.MACHINE).exists()


def test_application_jsonl_and_the_url_without_its_slash_work_too(api):
    response = _post(api, _jsonl({"text": FERRY}), "application/jsonl", url=BULK.rstrip("/"))
    assert response.status_code == 200
    assert Article.objects.get().text == FERRY


def test_csv_body_with_crlf_and_a_multiline_text(api):
    body = ("title,text,published\r\n"
            f'Ferry,"{FERRY}\r\n\r\n{QUOTA}",2024-11-02\r\n'
            f"Bridge,{BRIDGE},\r\n").encode("utf-8-sig")
    response = _post(api, body, "text/csv; charset=utf-8")
    assert response.status_code == 200
    assert response.json()["imported"] == 2
    assert list(Article.objects.order_by("id").values_list("text", flat=True)) == [
        f"{FERRY}\n\n{QUOTA}", BRIDGE]


@pytest.mark.parametrize(("name", "content"), [
    ("desk.jsonl", _jsonl({"text": FERRY}, {"text": QUOTA})),
    ("desk.ndjson", _jsonl({"text": FERRY}, {"text": QUOTA})),
    ("desk.csv", f"text\n{FERRY}\n{QUOTA}\n".encode()),
])
def test_multipart_upload_takes_the_format_from_the_extension(api, name, content):
    response = api.post(BULK, {"file": SimpleUploadedFile(name, content)}, format="multipart")
    assert response.status_code == 200
    assert response.json()["imported"] == 2
    assert set(Article.objects.values_list("text", flat=True)) == {FERRY, QUOTA}


def test_multipart_upload_with_an_unknown_extension_is_refused_unless_the_format_is_given(api):
    content = _jsonl({"text": FERRY})
    refused = api.post(BULK, {"file": SimpleUploadedFile("desk.txt", content)},
                       format="multipart")
    assert refused.status_code == 400
    assert "Cannot tell the format of “desk.txt”" in refused.json()["detail"]
    assert not Article.objects.exists()

    accepted = api.post(BULK, {"file": SimpleUploadedFile("desk.txt", content),
                               "format": "jsonl"}, format="multipart")
    assert accepted.status_code == 200
    assert Article.objects.get().text == FERRY


def test_multipart_without_a_file_field_says_where_the_file_goes(api):
    response = api.post(BULK, {"upload": SimpleUploadedFile("a.jsonl", b"{}")},
                        format="multipart")
    assert response.status_code == 400
    assert "field “file”" in response.json()["detail"]


def test_mixed_good_and_bad_lines_answer_207_with_each_bad_line_and_its_reason(api):
    body = b"".join([
        _jsonl({"text": FERRY, "title": "Ferry"}),            # 1 good
        b"{not json}\n",                                        # 2 invalid JSON
        _jsonl({"title": "No text"}),                           # 3 no text
        b"\n",                                                  # 4 blank: skipped
        _jsonl({"text": BRIDGE, "published": "14/03/2025"}),    # 5 bad date
        b'{"text": "The caf\xe9 owner said it would close."}\n',  # 6 not UTF-8
        _jsonl({"text": QUOTA}),                                # 7 good
    ])
    response = _post(api, body)

    assert response.status_code == 207
    summary = response.json()
    assert summary["detail"] == "Imported 2 articles; 0 duplicates; 4 lines failed"
    assert (summary["imported"], summary["duplicates"], summary["failed"]) == (2, 0, 4)
    assert [error["line"] for error in summary["errors"]] == [2, 3, 5, 6]
    messages = [error["message"] for error in summary["errors"]]
    assert "not valid JSON" in messages[0]
    assert "no text" in messages[1]
    assert "14/03/2025" in messages[2]
    assert "not valid UTF-8" in messages[3]
    stored = Article.objects.order_by("id")
    assert list(stored.values_list("text", flat=True)) == [FERRY, QUOTA]
    assert summary["articles"] == [a.pk for a in stored]


def test_duplicates_of_the_desk_and_within_the_body_are_counted_and_store_nothing(api):
    existing = article_create(text=QUOTA, title="Already here").article
    body = _jsonl({"text": FERRY},                     # 1 new
                  {"text": QUOTA},                     # 2 already stored
                  {"text": f"{BRIDGE}\r\n{FERRY}"},    # 3 new
                  {"text": f"{BRIDGE}\n{FERRY}"},      # 4 line 3 but for its line end
                  {"text": FERRY})                     # 5 line 1 again
    response = _post(api, body)

    assert response.status_code == 200
    summary = response.json()
    ferry, both = Article.objects.get(text=FERRY), Article.objects.get(text=f"{BRIDGE}\n{FERRY}")
    assert (summary["imported"], summary["duplicates"], summary["failed"]) == (2, 3, 0)
    assert summary["articles"] == [ferry.pk, both.pk]
    assert summary["duplicate_articles"] == [existing.pk, both.pk, ferry.pk]
    assert Article.objects.count() == 3

    again = _post(api, body)  # sending the same body again stores nothing more
    assert (again.status_code, again.json()["imported"], again.json()["duplicates"]) == (
        200, 0, 5)
    assert Article.objects.count() == 3


def test_when_every_line_fails_the_answer_is_400_with_the_errors(api):
    response = _post(api, b"{oops\n" + _jsonl({"title": "No text"}))
    assert response.status_code == 400
    summary = response.json()
    assert summary["detail"] == "No line could be imported (2 failed): see errors."
    assert [error["line"] for error in summary["errors"]] == [1, 2]
    assert not Article.objects.exists()


@pytest.mark.parametrize(("body", "content_type", "detail"), [
    (b"", "application/x-ndjson", "The body is empty."),
    (b"\n\n \n", "application/x-ndjson", "The body has no article"),
    (b"title,text\n", "text/csv", "The body has no article"),
    (b"title,body\nFerry,The ferry resumes.\n", "text/csv", "has no “text” column"),
])
def test_a_body_with_no_article_answers_400_with_a_message(api, body, content_type, detail):
    response = _post(api, body, content_type)
    assert response.status_code == 400
    assert detail in response.json()["detail"]
    assert response.json()["imported"] == 0
    assert not Article.objects.exists()


@pytest.mark.parametrize("content_type", [
    "application/json", "text/plain", "application/x-www-form-urlencoded",
    "text/csv; charset=latin-1",
])
def test_other_content_types_answer_415_and_store_nothing(api, content_type):
    response = _post(api, _jsonl({"text": FERRY}), content_type)
    assert response.status_code == 415
    assert "detail" in response.json()
    assert not Article.objects.exists()


def test_a_body_over_the_limit_answers_413_before_reading_it(api, settings):
    settings.CLAIMDESK_BULK_MAX_BYTES = 100
    body = _jsonl({"text": FERRY}, {"text": QUOTA})
    response = _post(api, body)
    assert response.status_code == 413
    assert response.json()["detail"] == (
        f"The request body is {len(body):,} bytes; the limit is 100 bytes. Nothing was saved. "
        "Split the file, or import it on the server with manage.py import_articles.")
    assert not Article.objects.exists()

    upload = api.post(BULK, {"file": SimpleUploadedFile("a.jsonl", body)}, format="multipart")
    assert upload.status_code == 413


def test_the_errors_listed_are_bounded_but_all_are_counted(api, monkeypatch):
    monkeypatch.setattr(bulk, "ERRORS_LISTED", 3)
    response = _post(api, b"{bad\n" * 5 + _jsonl({"text": FERRY}))
    assert response.status_code == 207
    assert response.json()["failed"] == 5
    assert [error["line"] for error in response.json()["errors"]] == [1, 2, 3]


def test_session_without_csrf_is_refused(reviewer):
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(reviewer)
    response = browser.generic("POST", BULK, _jsonl({"text": FERRY}),
                               content_type="application/x-ndjson")
    assert response.status_code == 403
    assert not Article.objects.exists()
