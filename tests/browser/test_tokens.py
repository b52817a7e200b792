"""The API tokens page in a browser: each revoke control is named after its token, and
revoking asks first."""

import pytest
from playwright.sync_api import expect

from annotations.models import ApiTokenName
from annotations.tokens import token_create
from tests.browser.conftest import csp_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_token_is_revoked_by_its_named_control_after_a_confirmation(watched, live_server,
                                                                      reviewer):
    cms, _ = token_create(user=reviewer, name="Newsroom CMS")
    token_create(user=reviewer, name="Archive sync")
    page = watched(reviewer)
    page.goto(f"{live_server.url}/account/tokens/")
    revoke = page.get_by_role("link", name=f"Revoke… token “Newsroom CMS” ({cms.starts_with}…)")
    expect(revoke).to_be_visible()
    expect(page.get_by_role("link", name="Revoke… token “Archive sync”")).to_be_visible()
    revoke.click()

    question = page.get_by_role("region", name="Revoke the token “Newsroom CMS”")
    expect(question).to_be_visible()
    assert ApiTokenName.objects.count() == 2  # nothing revoked by asking
    question.get_by_role("button", name="Revoke token “Newsroom CMS”").click()

    expect(page.locator(".message").first).to_contain_text("Token revoked")
    assert list(ApiTokenName.objects.values_list("name", flat=True)) == ["Archive sync"]
    expect(page.get_by_role("link", name="Revoke… token “Newsroom CMS”")).to_have_count(0)
    assert csp_violations(page) == []
