"""Request bodies over their limit are refused before they are read (config/uploads.py,
config.middleware.RequestBodyLimitMiddleware): a client declares 50 MB and sends a few bytes;
the answer is 413 with the size and the limit, nothing is read from the connection, nothing
spooled to a temporary file, nothing stored."""

import io
import tempfile

import pytest
from django.core.exceptions import RequestDataTooBig
from django.test import Client, RequestFactory
from django.urls import resolve, reverse

from claims.models import Article
from config.middleware import RequestBodyLimitMiddleware

pytestmark = pytest.mark.django_db

article_list_view = resolve("/api/articles/").func

FIFTY_MB = 50 * 1024 * 1024
BOUNDARY = "Xb0undary"
UPLOAD = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"upload\"; "
          f"filename=\"report.txt\"\r\nContent-Type: text/plain\r\n\r\n"
          "The mayor said the bridge is safe.\r\n"
          f"--{BOUNDARY}--\r\n").encode()
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


class Connection(io.RawIOBase):
    """The request's body as a server hands it to Django (wsgi.input), counting what is
    read."""

    def __init__(self, data: bytes):
        self.data, self.read_bytes = io.BytesIO(data), 0

    def read(self, size=-1):
        chunk = self.data.read(size)
        self.read_bytes += len(chunk)
        return chunk

    def readline(self, size=-1):
        chunk = self.data.readline(size)
        self.read_bytes += len(chunk)
        return chunk


def _declared(client, url: str, body: bytes, content_type: str, length: int, **headers):
    """POST `body` to `url` saying it is `length` bytes long."""
    connection = Connection(body)
    response = client.generic("POST", url, body, content_type=content_type,
                              CONTENT_LENGTH=str(length), **{"wsgi.input": connection},
                              **headers)
    return response, connection


@pytest.fixture
def temporary_files(monkeypatch, tmp_path):
    """Where Django spools uploads; empty unless something was spooled."""
    folder = tmp_path / "spool"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_a_web_upload_declared_over_the_limit_is_refused_unread(
        client, reviewer, settings, temporary_files):
    client.force_login(reviewer)
    response, connection = _declared(client, reverse("claims:article-create"), UPLOAD,
                                     MULTIPART, FIFTY_MB)
    assert response.status_code == 413
    page = response.content.decode()
    assert "That request was too large" in page
    assert "(3.8\xa0MB), so\n    nothing was saved." in page
    assert connection.read_bytes == 0
    assert list(temporary_files.iterdir()) == []
    assert not Article.objects.exists()


def test_the_form_check_is_not_skipped_for_a_body_under_the_limit(client, reviewer,
                                                                  temporary_files):
    """The limit is on the declared size only: the same small upload, declared truly, is
    stored (and the CSRF check, after the limit, still runs)."""
    client.force_login(reviewer)
    response, connection = _declared(client, reverse("claims:article-create"), UPLOAD,
                                     MULTIPART, len(UPLOAD))
    assert response.status_code == 302
    assert connection.read_bytes == len(UPLOAD)
    assert Article.objects.get().text == "The mayor said the bridge is safe."

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(reviewer)
    refused, _ = _declared(strict, reverse("claims:article-create"), UPLOAD, MULTIPART,
                           FIFTY_MB)
    assert refused.status_code == 413  # refused before the CSRF check would read the form


def test_an_api_article_declared_over_the_limit_is_refused_unread(api, settings):
    body = b'{"text": "The mayor said the bridge is safe."}'
    response, connection = _declared(api, "/api/articles/", body, "application/json", FIFTY_MB)
    assert response.status_code == 413
    assert response.json() == {"detail": (
        f"The request body is {FIFTY_MB:,} bytes; the limit is "
        f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes. Nothing was saved.")}
    assert connection.read_bytes == 0
    assert not Article.objects.exists()


@pytest.mark.parametrize(("body", "content_type"), [
    (b'{"text": "The mayor said the bridge is safe."}\n', "application/x-ndjson"),
    (UPLOAD.replace(b'"upload"', b'"file"').replace(b"report.txt", b"a.jsonl"), MULTIPART),
])
def test_a_bulk_import_declared_over_its_own_limit_is_refused_unread(
        api, settings, temporary_files, body, content_type):
    settings.CLAIMDESK_BULK_MAX_BYTES = 1_000_000
    response, connection = _declared(api, "/api/articles/bulk/", body, content_type,
                                     1_000_001)
    assert response.status_code == 413
    assert response.json()["detail"] == (
        "The request body is 1,000,001 bytes; the limit is 1,000,000 bytes. Nothing was saved. "
        "Split the file, or import it on the server with manage.py import_articles.")
    assert connection.read_bytes == 0
    assert list(temporary_files.iterdir()) == []
    assert not Article.objects.exists()


def test_an_unauthenticated_oversized_body_is_refused_unread_too(client):
    response, connection = _declared(client, "/api/articles/", b"{}", "application/json",
                                     FIFTY_MB)
    assert response.status_code == 413
    assert connection.read_bytes == 0


def test_a_body_without_content_length_is_left_to_djangos_limit_which_stops_reading_there(
        settings):
    """Chunked (no Content-Length): no size to judge beforehand, so the middleware lets it
    through, and Django reads at most DATA_UPLOAD_MAX_MEMORY_SIZE + 1 bytes of it before
    refusing (RequestDataTooBig: the same 413). Under gunicorn (WSGI), Django reads no body at
    all without a Content-Length."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    body = b'{"text": "' + b"a" * 50_000 + b'"}'
    request = RequestFactory().post("/api/articles/", body, content_type="application/json")
    del request.META["CONTENT_LENGTH"]
    request._stream = connection = Connection(body)  # unbounded, as an ASGI body is
    middleware = RequestBodyLimitMiddleware(lambda request: None)
    assert middleware.process_view(request, article_list_view, (), {}) is None
    with pytest.raises(RequestDataTooBig):
        request.body  # noqa: B018
    assert connection.read_bytes == 1_001
