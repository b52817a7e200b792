"""Every way an article comes in stores the same text: line ends as LF, nothing else changed;
pasted text that was not valid UTF-8 is refused instead of stored with U+FFFD in it."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from claims.models import Article

pytestmark = pytest.mark.django_db

# Fictional, with trailing spaces and a tab that must survive untouched.
LINES = ["Tidewater ferry resumes  ", "",
         "\tThe ferry company said the crossing resumes on Tuesday."]


@pytest.fixture
def logged_in(client, reviewer):
    client.force_login(reviewer)
    return client


def test_text_pasted_with_crlf_and_uploaded_with_lf_is_one_article(logged_in):
    pasted = logged_in.post(reverse("claims:article-create"), {"text": "\r\n".join(LINES)})
    upload = SimpleUploadedFile("ferry.txt", "\n".join(LINES).encode())
    uploaded = logged_in.post(reverse("claims:article-create"), {"upload": upload}, follow=True)
    article = Article.objects.get()
    assert pasted.status_code == 302
    assert uploaded.redirect_chain[-1][0] == article.get_absolute_url()
    assert b"already stored" in uploaded.content
    assert article.text == "\n".join(LINES)
    assert article.submitted_via == Article.Via.WEB


def test_pasted_text_with_lone_cr_line_ends_is_stored_with_lf(logged_in):
    logged_in.post(reverse("claims:article-create"), {"text": "\r".join(LINES) + "\r"})
    article = Article.objects.get()
    assert "\r" not in article.text
    assert article.text == "\n".join(LINES) + "\n"
    assert article.content_hash == hashlib.sha256(article.text.encode()).hexdigest()


def test_uploaded_file_with_crlf_line_ends_is_stored_with_lf(logged_in):
    upload = SimpleUploadedFile("ferry.txt", "\r\n".join(LINES).encode("utf-8-sig"))
    logged_in.post(reverse("claims:article-create"), {"upload": upload})
    assert Article.objects.get().text == "\n".join(LINES)


def test_admin_add_article_stores_crlf_text_with_lf(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("admin:claims_article_add"), {
        "title": "Ferry", "text": "\r\n".join(LINES), "language": "en",
        "outlet": "", "url": "", "published_on": "",
    })
    assert response.status_code == 302
    article = Article.objects.get()
    assert article.text == "\n".join(LINES)
    assert article.content_hash == hashlib.sha256("\n".join(LINES).encode()).hexdigest()
    assert article.submitted_via == Article.Via.ADMIN


INVALID_UTF8 = b"The mill owner said the Caf\xff would close."
BOUNDARY = "ClaimdeskTestBoundary"


def _multipart(text: bytes) -> tuple[bytes, str]:
    body = (
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n".encode()
        + text + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={BOUNDARY}"


def _urlencoded(text: bytes) -> tuple[bytes, str]:
    quoted = "".join(f"%{byte:02X}" for byte in text).encode()
    return b"title=Mill&text=" + quoted, "application/x-www-form-urlencoded"


@pytest.mark.parametrize("encode", [_multipart, _urlencoded], ids=["multipart", "urlencoded"])
def test_pasted_text_that_is_not_valid_utf8_is_refused_and_saves_nothing(logged_in, encode):
    body, content_type = encode(INVALID_UTF8)
    response = logged_in.generic("POST", reverse("claims:article-create"), body,
                                 content_type=content_type)
    assert response.status_code == 422
    page = response.content.decode()
    assert "The pasted text is not valid UTF-8" in page
    assert "nothing was saved" in page
    assert not Article.objects.exists()


@pytest.mark.parametrize("encode", [_multipart, _urlencoded], ids=["multipart", "urlencoded"])
def test_pasted_text_in_valid_utf8_sent_as_raw_bytes_is_stored(logged_in, encode):
    text = "The mill owner said the café would close.\r\nNobody else said anything."
    body, content_type = encode(text.encode())
    response = logged_in.generic("POST", reverse("claims:article-create"), body,
                                 content_type=content_type)
    assert response.status_code == 302
    assert Article.objects.get().text == text.replace("\r\n", "\n")
