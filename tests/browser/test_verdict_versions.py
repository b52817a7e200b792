"""A verdict judges one version of a claim: when a colleague changes what the claim says, the
reviewer is told, the claim waits for them again, and a form opened on the old words is refused."""

import pytest
from playwright.sync_api import expect

from annotations.models import Verdict
from claims.models import Claim
from claims.services import claim_spans_update
from tests.factories import ArticleFactory, make_claim

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MARINA = (
    "Marina berths to cost more\n\n"
    "The harbour trust said berth fees will rise by a fifth from April. "
    "A sailing club member said the showers have been broken since October. "
    "The trust's treasurer said the pontoons need replacing within five years."
)


def marina_article() -> list[Claim]:
    article = ArticleFactory(title="Marina berths to cost more", text=MARINA,
                             outlet="Estuary Echo")
    return [
        make_claim(article, occurrence=0, source="The harbour trust",
                   content="berth fees will rise by a fifth from April",
                   kind=Claim.Kind.INDIRECT),
        make_claim(article, occurrence=1, source="A sailing club member",
                   content="the showers have been broken since October",
                   kind=Claim.Kind.INDIRECT),
        make_claim(article, occurrence=2, source="The trust's treasurer",
                   content="the pontoons need replacing within five years",
                   kind=Claim.Kind.INDIRECT),
    ]


def narrow_the_content(claim: Claim, *, to: str, actor) -> Claim:
    """A colleague sets the claim's content to a shorter stretch of the text."""
    start = MARINA.index(to)
    return claim_spans_update(claim=Claim.objects.get(pk=claim.pk), role="content",
                              spans=[(start, start + len(to))], actor=actor,
                              expected_version=None)


def review_panel_for(page, claim):
    return page.locator(f'#review[data-claim-id="{claim.pk}"]')


def test_a_verdict_on_an_earlier_version_is_flagged_and_asked_for_again(
    logged_in_page, live_server, reviewer, other_reviewer, screenshot
):
    page = logged_in_page
    claims = marina_article()
    first = claims[0]
    page.goto(f"{live_server.url}{first.get_absolute_url()}")
    expect(review_panel_for(page, first)).to_be_visible()
    page.keyboard.press("1")
    expect(review_panel_for(page, claims[1])).to_be_visible()
    expect(page.locator(f"#claim-item-{first.pk} .badge")).to_have_text("Confirmed")
    verdict = Verdict.objects.get(claim=first, reviewer=reviewer)
    assert (verdict.label, verdict.revision, verdict.claim_version) == ("confirmed", 1, 1)

    edited = narrow_the_content(first, to="berth fees will rise", actor=other_reviewer)
    assert edited.attribution_version == 2

    page.reload()
    row_badge = page.locator(f"#claim-item-{first.pk} .badge")
    expect(row_badge).to_have_text("Changed since your verdict")
    expect(page.locator(f"#claim-item-{claims[1].pk} .badge")).to_have_text("To review")
    screenshot(page, "verdict-outdated-list")

    page.locator(f"#claim-item-{first.pk} a").click()
    expect(review_panel_for(page, first)).to_be_visible()
    outdated = page.get_by_test_id("outdated-verdict")
    expect(outdated).to_contain_text("Changed since your verdict")
    expect(outdated).to_contain_text("You judged version 1")
    expect(outdated).to_contain_text("now version 2")
    expect(page.locator("#save-state")).to_have_attribute("data-state", "outdated")
    expect(page.locator("#review .part-content dd")).to_have_text("“berth fees will rise”")
    history = page.locator("#review details.history")
    history.locator("summary").click()
    expect(history.locator("li").filter(has_text="a reviewer: spans edited")
           ).to_have_count(1)
    history.scroll_into_view_if_needed()  # the sidebar scrolls: the alert and the history in view
    expect(outdated).to_be_in_viewport()
    screenshot(page, "verdict-outdated-panel")

    # The claim waits for the reviewer again: counted on the home page, first in the queue.
    page.goto(f"{live_server.url}/")
    expect(page.get_by_test_id("waiting")).to_have_text("3")
    page.get_by_role("link", name="Next claim →").click()
    expect(review_panel_for(page, first)).to_be_visible()
    expect(page.get_by_test_id("outdated-verdict")).to_be_visible()

    page.keyboard.press("2")
    expect(page.locator("#review .flash")).to_contain_text("Contested on claim 1")
    expect(row_badge).to_have_text("Contested")
    verdict.refresh_from_db()
    assert (verdict.label, verdict.revision, verdict.claim_version) == ("contested", 2, 2)
    page.reload()
    expect(row_badge).to_have_text("Contested")
    expect(page.get_by_test_id("outdated-verdict")).to_have_count(0)
    assert page.js_errors == []


def test_a_verdict_typed_on_words_a_colleague_has_since_changed_is_refused_and_kept(
    logged_in_page, live_server, reviewer, other_reviewer, screenshot
):
    page = logged_in_page
    claims = marina_article()
    second = claims[1]
    page.goto(f"{live_server.url}{second.get_absolute_url()}")
    expect(review_panel_for(page, second)).to_be_visible()
    expect(page.locator("#verdict-form input[name=claim_version]")).to_have_value("1")

    narrow_the_content(second, to="the showers have been broken", actor=other_reviewer)

    rationale = "The club's own newsletter reports the showers fixed in November."
    page.keyboard.press("r")
    page.keyboard.type(rationale)
    page.keyboard.press("Escape")
    with page.expect_response(lambda r: r.request.method == "POST"
                              and r.url.endswith(f"/claims/{second.pk}/verdict/")) as response:
        page.keyboard.press("1")
    assert response.value.status == 409
    alert = page.locator("#review .alert-stale[role=alert]")
    expect(alert).to_contain_text("changed since you opened it")
    expect(alert).to_contain_text("your input was not saved")
    expect(review_panel_for(page, second)).to_be_visible()  # it did not move on
    expect(page.locator("#save-state")).to_have_attribute("data-state", "failed")
    expect(page.locator("#verdict-form textarea[name=rationale]")).to_have_value(rationale)
    expect(page.locator(f"#claim-item-{second.pk} .badge")).to_have_text("To review")
    alert.scroll_into_view_if_needed()
    screenshot(page, "verdict-claim-changed-409")
    assert not Verdict.objects.exists()
    assert page.js_errors == []
