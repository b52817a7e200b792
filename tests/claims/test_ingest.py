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
