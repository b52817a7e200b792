"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live_server.

Screenshots go to test-artifacts/screenshots/ (gitignored); the run prints the folder.
"""

import os
from pathlib import Path

import pytest

from tests.conftest import require_or_skip

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="module")
def chromium():
    """One browser per test module. Playwright's sync API runs an event loop in this thread,
    so Django's async-safety check is switched off while it lives (the ORM calls around it are
    synchronous and safe), and back on afterwards: subprocesses of later tests (manage.py
    check --deploy) must not inherit it."""
    if not CHROMIUM.exists():
        require_or_skip(f"{CHROMIUM} is not installed: no browser to run the UI tests in")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                                 args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1440, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    yield page
    context.close()


@pytest.fixture
def logged_in_page(page, live_server, client, reviewer):
    """A page whose browser carries the reviewer's session cookie."""
    client.force_login(reviewer)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])
    return page


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(target, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        target.screenshot(path=str(path))
        return path

    return take


def pytest_terminal_summary(terminalreporter):
    if SCREENSHOTS.is_dir() and any(SCREENSHOTS.glob("*.png")):
        terminalreporter.write_sep("-", "browser screenshots")
        terminalreporter.write_line(f"Screenshots of the review UI: {SCREENSHOTS}")


_SELECT_TEXT = """([needle]) => {
  const root = document.getElementById("article-text");
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(needle);
    if (at === -1) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + needle.length);
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    return getSelection().toString();
  }
  return null;
}"""


def select_text(page, needle: str) -> str | None:
    """Select the first occurrence of `needle` inside one text node of the article, as a
    mouse drag would; returns the selected text (None when not found)."""
    return page.evaluate(_SELECT_TEXT, [needle])


@pytest.fixture
def page_as(chromium, live_server):
    """A factory: a browser page signed in as the given user, each in its own context (its
    own cookies), for tests where several people work at once. Closed afterwards."""
    from django.test import Client

    contexts = []

    def open_page(user, viewport=None):
        client = Client()
        client.force_login(user)
        context = chromium.new_context(viewport=viewport or {"width": 1440, "height": 900})
        context.set_default_timeout(15_000)
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                              "url": live_server.url}])
        contexts.append(context)
        page = context.new_page()
        page.js_errors = []
        page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
        return page

    yield open_page
    for context in contexts:
        context.close()


def review_panel_for(page, claim):
    return page.locator(f'#review[data-claim-id="{claim.pk}"]')


# Collects what the browser refused under the Content-Security-Policy, before any page script
# runs.
_WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ` +
                              `${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def watched(page_as):
    """A factory like page_as whose pages record CSP violations, from the page's own event and
    from the console (where Chromium also reports refused inline code): see csp_violations."""

    def open_page(user):
        page = page_as(user)
        page.add_init_script(_WATCH_VIOLATIONS)
        page.console_csp = []
        page.on("console", lambda message: page.console_csp.append(message.text)
                if "Content Security Policy" in message.text else None)
        return page

    return open_page


def csp_violations(page) -> list[str]:
    """What a `watched` page was refused so far, and its script errors."""
    return page.evaluate("window.__cspViolations || []") + page.console_csp + page.js_errors


def visit_under_csp(page, url):
    """Open `url` on a `watched` page: 200, the app's policy, nothing refused."""
    response = page.goto(url)
    assert response.status == 200, url
    policy = response.header_value("content-security-policy")
    assert "script-src 'self'" in policy
    assert "unsafe" not in policy
    # Until late requests (icons the admin's scripts add) are done too; generous, for a
    # busy machine.
    page.wait_for_load_state("networkidle", timeout=60_000)
    violations = csp_violations(page)
    assert violations == [], (url, violations)
