"""A long article in a real browser: the claim list comes in pages and the highlights in
blocks, and neither changes what the keys and a text selection do."""

import re

import pytest
from playwright.sync_api import expect

from claims.models import Claim, Span
from tests.browser.conftest import select_text
from tests.factories import article_with_claims

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def panel_for(page, claim_id: int):
    return page.locator(f'#review[data-claim-id="{claim_id}"]')


def test_j_past_the_last_row_of_a_list_page_loads_the_next_page_and_moves_on(logged_in_page,
                                                                           live_server):
    page = logged_in_page
    article = article_with_claims(250)
    ids = list(article.claims.order_by("position", "id").values_list("pk", flat=True))
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    rows = page.locator("#claim-list .claim-row")
    expect(rows).to_have_count(100)
    page.locator(f"#claim-item-{ids[99]} a").click()
    expect(panel_for(page, ids[99])).to_be_visible()

    page.keyboard.press("j")  # the last row of the page: the next page comes first
    expect(panel_for(page, ids[100])).to_be_visible()
    expect(page).to_have_url(re.compile(rf"\?claim={ids[100]}$"))
    expect(rows).to_have_count(200)
    expect(page.locator(f"#claim-item-{ids[100]}")).to_have_class(re.compile("is-selected"))
    assert [int(pk) for pk in rows.evaluate_all(
        "rows => rows.map(row => row.dataset.claimId)")] == ids[:200]
    page.keyboard.press("k")
    expect(panel_for(page, ids[99])).to_be_visible()
    assert page.js_errors == []


def test_a_claim_added_from_text_without_highlights_gets_exact_offsets(logged_in_page,
                                                                       live_server):
    page = logged_in_page
    article = article_with_claims(250)
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    missed = "pier number 240"
    start = article.text.index(missed)
    plain = page.locator("#article-text .block[hx-get]", has_text=missed)
    expect(plain).to_have_count(1)  # far from the selected claim: no highlights (yet)
    assert select_text(page, missed) == missed
    expect(page.locator(".spans-form .selection-preview")).to_contain_text(missed)
    page.keyboard.press("n")
    add = page.locator("#add-claim")
    expect(add.locator("input[name=start]")).to_have_value(str(start))
    expect(add.locator("input[name=end]")).to_have_value(str(start + len(missed)))
    page.keyboard.type("said")
    with page.expect_navigation():
        add.get_by_role("button", name="Add claim").click()
    expect(page.get_by_text("Claim added.")).to_be_visible()
    added = Claim.objects.filter(article=article).order_by("-pk").first()
    assert list(added.spans.filter(role=Span.Role.CONTENT).values_list("start", "end")) == [
        (start, start + len(missed))]
    # The page now opens on the added claim: its block is highlighted, the claim selected.
    expect(page.locator(f'#article-text [data-c~="{added.pk}:content"]')).to_have_class(
        re.compile("sel-content"))
    assert page.js_errors == []
