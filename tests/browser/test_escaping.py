"""No script runs from what people or the extractor stored: hostile markup in an article's
title, outlet and text, a claim, a source's name, verdict rationales and evidence links is
shown as the text it is, in a real browser, on the review page, the leads' dashboard and
disagreement page, and the admin's change lists."""

import pytest

from annotations.models import Verdict
from annotations.services import verdict_submit
from claims.models import Article, Claim
from claims.services import source_resolve
from tests.browser.conftest import csp_violations
from tests.factories import ArticleFactory, UserFactory, make_claim

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
SVG = '"><svg onload="window.__pwned=1">'
HOSTILE = f"{SCRIPT} {IMG} {SVG}"
JAVASCRIPT_LINK = "javascript:window.__pwned=1"

TEXT = (f"Pier closure {SCRIPT}\n\n"
        f"The harbour board said that the north pier {IMG} will close in May. "
        "A ferry captain said the pier was safe.")

# Anything the page would have built from the stored strings, had it not escaped them.
_INJECTED = """() => ({
  pwned: window.__pwned,
  scripts: [...document.scripts].filter((s) => s.text.includes("__pwned")).length,
  images: document.querySelectorAll('img[src="x"]').length,
  svgs: document.querySelectorAll("svg[onload]").length,
  handlers: [...document.querySelectorAll("*")].filter((el) =>
      [...el.attributes].some((a) => a.name.startsWith("on"))).length,
  jsLinks: document.querySelectorAll('a[href^="javascript:" i]').length,
})"""


@pytest.fixture
def hostile(reviewer, other_reviewer):
    article = ArticleFactory(title=f"Pier closure {HOSTILE}", outlet=f"Gazette {IMG}",
                             text=TEXT, url="https://example.org/pier")
    claim = make_claim(article, source="The harbour board",
                       content=f"the north pier {IMG} will close in May")
    Claim.objects.filter(pk=claim.pk).update(
        source=source_resolve(name=f"Harbour board {HOSTILE}"))
    claim.refresh_from_db()
    # Another claim, waiting for verdicts: the leads' dashboard lists its article's title.
    make_claim(article, source="A ferry captain", occurrence=1, content="the pier was safe")
    for who, label in ((reviewer, "confirmed"), (other_reviewer, "contested")):
        verdict_submit(claim=claim, reviewer=who, label=label,
                       rationale=f"Checked by {who.username}: {HOSTILE}",
                       evidence_links=["https://example.org/notice?q=<script>"])
    # A link no form would accept, as if it reached the database some other way.
    Verdict.objects.update(evidence_links=[JAVASCRIPT_LINK, "https://example.org/notice"])
    Article.objects.filter(pk=article.pk).update(url=JAVASCRIPT_LINK)
    return claim


def _assert_inert(page, url, *literals):
    response = page.goto(url)  # returns after the load event: every script has run
    assert response.status == 200, url
    assert page.evaluate(_INJECTED) == {"pwned": None, "scripts": 0, "images": 0, "svgs": 0,
                                        "handlers": 0, "jsLinks": 0}, url
    text = page.locator("body").inner_text()
    for literal in literals:
        assert literal in text, (url, literal)
    assert csp_violations(page) == [], url


def test_stored_markup_is_shown_as_text_to_reviewers(watched, live_server, hostile, reviewer):
    page = watched(reviewer)
    _assert_inert(page, f"{live_server.url}{hostile.get_absolute_url()}",
                  SCRIPT, IMG, f"Harbour board {HOSTILE}", f"Checked by rev2: {HOSTILE}",
                  JAVASCRIPT_LINK)
    for path in ("/", "/articles/"):
        _assert_inert(page, live_server.url + path, f"Pier closure {HOSTILE}")


def test_stored_markup_is_shown_as_text_to_leads(watched, live_server, hostile, lead):
    page = watched(lead)
    _assert_inert(page, f"{live_server.url}/lead/", f"Pier closure {HOSTILE}")
    _assert_inert(page, f"{live_server.url}/lead/disagreements/",
                  f"Checked by rev1: {HOSTILE}", f"Checked by rev2: {HOSTILE}", JAVASCRIPT_LINK)
    _assert_inert(page, f"{live_server.url}{hostile.get_absolute_url()}",
                  f"Checked by rev1: {HOSTILE}")


def test_stored_markup_is_shown_as_text_in_the_admin(watched, live_server, hostile):
    page = watched(UserFactory(username="boss", is_staff=True, is_superuser=True))
    _assert_inert(page, f"{live_server.url}/admin/claims/article/", f"Pier closure {SCRIPT}")
    _assert_inert(page, f"{live_server.url}/admin/claims/source/", f"Harbour board {SCRIPT}")
    _assert_inert(page, f"{live_server.url}/admin/claims/claim/", IMG)
    _assert_inert(page, f"{live_server.url}/admin/annotations/verdict/", "Checked by")
    _assert_inert(page, f"{live_server.url}/admin/claims/article/{hostile.article_id}/change/")
    _assert_inert(page, f"{live_server.url}/admin/annotations/verdict/"
                        f"{Verdict.objects.first().pk}/change/")
