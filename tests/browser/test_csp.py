"""Every kind of page works in a real browser under the Content-Security-Policy, with no
violation reported: the reviewer's screens and their htmx swaps, the leads' pages, the API
tokens page, the API docs (Swagger UI) and the Django admin."""

import pytest
from playwright.sync_api import expect

from annotations.services import verdict_submit
from annotations.webhooks import webhook_create
from tests.browser.conftest import csp_violations, visit_under_csp
from tests.factories import UserFactory, article_with_claims

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reviewer_screens_and_htmx_swaps_run_under_the_policy(watched, live_server, reviewer):
    article = article_with_claims(3)
    first, second = article.claims.order_by("position")[:2]
    page = watched(reviewer)
    for path in ("/", "/articles/", "/articles/new/", "/account/tokens/"):
        visit_under_csp(page, live_server.url + path)

    visit_under_csp(page, f"{live_server.url}{first.get_absolute_url()}")
    # An htmx swap: the second claim's panel replaces the first's.
    page.locator(f'.claim-list a[href$="claim={second.pk}"]').first.click()
    expect(page.locator(f'#review[data-claim-id="{second.pk}"]')).to_be_visible()
    page.locator("#review button.l-confirmed").click()
    expect(page.locator(".flash.ok")).to_contain_text("Saved")
    # The article list's search filters through htmx.
    visit_under_csp(page, f"{live_server.url}/articles/")
    page.locator("#id_q").fill("Dispatch")
    page.wait_for_load_state("networkidle", timeout=60_000)
    assert csp_violations(page) == []


def test_a_new_api_key_is_selected_on_focus_without_an_inline_handler(watched, live_server,
                                                                      reviewer):
    page = watched(reviewer)
    visit_under_csp(page, f"{live_server.url}/account/tokens/")
    page.get_by_label("Name").fill("Newsroom CMS")
    page.get_by_role("button", name="Create token").click()
    key = page.locator("#token-key")
    key.focus()
    assert page.evaluate("getSelection().toString() || "
                         "document.activeElement.value.substring("
                         "document.activeElement.selectionStart,"
                         "document.activeElement.selectionEnd)") == key.input_value()
    assert csp_violations(page) == []


def test_lead_pages_run_under_the_policy(watched, live_server, lead, reviewer, other_reviewer):
    claim = article_with_claims(1).claims.get()
    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed", rationale="Yes.")
    verdict_submit(claim=claim, reviewer=other_reviewer, label="contested", rationale="No.")
    hook = webhook_create(url="https://example.org/hook", events=["claim.finalised"], actor=lead)
    page = watched(lead)
    for path in ("/lead/", "/lead/agreement/", "/lead/disagreements/",
                 f"/lead/articles/{claim.article_id}/assign/", "/lead/webhooks/",
                 "/lead/extractor/",
                 f"/lead/webhooks/{hook.pk}/"):
        visit_under_csp(page, live_server.url + path)
    # The webhook's secret is selected on focus, without an inline handler.
    page.get_by_text("Show the secret").click()
    secret = page.locator("#webhook-secret")
    secret.focus()
    assert page.evaluate("document.activeElement.selectionEnd") == len(secret.input_value())
    assert csp_violations(page) == []


def test_the_api_docs_render_swagger_ui_under_the_policy(watched, live_server, reviewer):
    page = watched(reviewer)
    visit_under_csp(page, f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Claimdesk API")
    page.locator(".opblock-summary").first.click()
    page.wait_for_load_state("networkidle", timeout=60_000)
    assert csp_violations(page) == []


def test_the_browsable_api_runs_under_the_policy_with_one_style_allowed_by_its_hash(
        watched, live_server, reviewer):
    article = article_with_claims(2)
    page = watched(reviewer)
    # The claims list has the "Filters" button, an article its "Extra Actions" menu: DRF
    # floats both with a style attribute.
    for path in ("/api/", "/api/claims/", f"/api/articles/{article.pk}/"):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        policy = dict(directive.strip().split(" ", 1)
                      for directive in response.header_value("content-security-policy").split(";"))
        assert policy["script-src"] == "'self'"
        assert policy["style-src"] == ("'self' 'unsafe-hashes' "
                                       "'sha256-OfgyIBrd+/vP79JdFMYP+re4T+fIenvkrHPD2HZ8/cs='")
        page.wait_for_load_state("networkidle", timeout=60_000)
        assert csp_violations(page) == [], path
    page.goto(f"{live_server.url}/api/claims/")
    filters = page.get_by_role("button", name="Filters")
    assert filters.evaluate("button => getComputedStyle(button).float") == "right"
    # The rest of the app keeps the policy without it.
    visit_under_csp(page, f"{live_server.url}/articles/")


def test_the_django_admin_runs_under_the_policy(watched, live_server):
    boss = UserFactory(username="boss", is_staff=True, is_superuser=True)
    article = article_with_claims(2)
    page = watched(boss)
    for path in ("/admin/", "/admin/claims/article/", f"/admin/claims/article/{article.pk}/change/",
                 "/admin/claims/claim/", "/admin/auth/user/",
                 f"/admin/auth/user/{boss.pk}/change/", "/admin/auth/group/add/"):
        visit_under_csp(page, live_server.url + path)
    # The admin's own scripts work: the change list's "select all" checks every row.
    visit_under_csp(page, f"{live_server.url}/admin/claims/claim/")
    page.locator("#action-toggle").check()
    expect(page.locator("input.action-select").first).to_be_checked()
    assert csp_violations(page) == []
