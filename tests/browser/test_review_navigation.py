"""Moving between claims faster than their panels load: the panel and the URL end on the
claim the keys asked for last, whatever order the server's answers arrive in, and a draft
stays with its claim.

The tests hold the answers to panel loads and release them in the order that used to go
wrong (newest first), instead of relying on timing."""

import contextlib
import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from annotations.models import Verdict
from claims.models import Claim
from tests.browser.conftest import review_panel_for
from tests.factories import ArticleFactory, make_claim

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SPEAKERS = ["The ferry captain", "A harbour pilot", "The port engineer", "A fish trader",
            "The lock keeper"]
SAYINGS = ["the tide gauge was moved in April", "the night crossing has no second crew",
           "the quay wall settled by four centimetres", "the ice plant runs at half power",
           "the west gate sticks at low water"]
QUAY = "Quay works\n\n" + " ".join(f"{who} said {what}." for who, what in zip(
    SPEAKERS, SAYINGS, strict=True))
PANEL_LOAD = re.compile(r"\?claim=\d+$")


def quay_article() -> list[Claim]:
    article = ArticleFactory(title="Quay works", text=QUAY)
    return [make_claim(article, occurrence=i, source=who, content=what,
                       kind=Claim.Kind.INDIRECT)
            for i, (who, what) in enumerate(zip(SPEAKERS, SAYINGS, strict=True))]


def hold_panel_loads(page) -> list:
    """From now on, panel loads (htmx GETs of ?claim=N) wait until `release`: the test decides
    the order their answers arrive in. Returns the list of held requests."""
    held = []

    def hold(route):
        if route.request.headers.get("hx-target") == "review":
            held.append(route)
        else:
            route.continue_()

    page.route(PANEL_LOAD, hold)
    return held


def wait_until_asked_for(page, held: list, claim: Claim) -> None:
    """Until the page has asked for `claim`'s panel (a bounded wait, not a timing assert)."""
    for _ in range(250):
        if any(route.request.url.endswith(f"?claim={claim.pk}") for route in held):
            return
        page.wait_for_timeout(20)
    asked = [route.request.url.rsplit("=", 1)[-1] for route in held]
    raise AssertionError(f"the page never asked for claim {claim.pk}; it asked for {asked}")


def release(page, held: list) -> None:
    """Let the held answers through, the newest first; the page's own aborts are skipped."""
    while held:
        # Refused when the page aborted the request on asking for a later claim.
        with contextlib.suppress(PlaywrightError):
            held.pop().continue_()
    page.unroute(PANEL_LOAD)


def shows(page, claim: Claim) -> None:
    expect(review_panel_for(page, claim)).to_be_visible()
    expect(page).to_have_url(re.compile(rf"\?claim={claim.pk}$"))
    expect(page.locator("#claim-list .is-selected")).to_have_count(1)
    expect(page.locator(f"#claim-item-{claim.pk}")).to_have_class(re.compile("is-selected"))


def test_fast_j_presses_end_on_the_claim_they_asked_for_with_its_url(logged_in_page,
                                                                     live_server):
    page = logged_in_page
    claims = quay_article()
    page.goto(f"{live_server.url}{claims[0].get_absolute_url()}")
    expect(review_panel_for(page, claims[0])).to_be_visible()
    page.keyboard.press("r")
    page.keyboard.type("The gauge log shows the move.")
    page.keyboard.press("Escape")

    held = hold_panel_loads(page)
    for _ in range(3):
        page.keyboard.press("j")
    wait_until_asked_for(page, held, claims[3])
    release(page, held)
    shows(page, claims[3])
    expect(page.locator("#verdict-form textarea[name=rationale]")).to_have_value("")

    # j then k while the first panel is on its way: back where it started, not one further.
    held = hold_panel_loads(page)
    page.keyboard.press("j")
    wait_until_asked_for(page, held, claims[4])
    page.keyboard.press("k")
    page.keyboard.press("k")
    wait_until_asked_for(page, held, claims[2])
    release(page, held)
    shows(page, claims[2])

    # The draft typed on the first claim stayed with it.
    page.keyboard.press("k")
    shows(page, claims[1])
    page.keyboard.press("k")
    shows(page, claims[0])
    expect(page.locator("#verdict-form textarea[name=rationale]")).to_have_value(
        "The gauge log shows the move.")
    expect(page.locator("#save-state")).to_have_text("Unsaved changes (draft restored)")
    assert page.js_errors == []


def test_a_claim_clicked_while_another_loads_is_the_one_shown_and_named_in_the_url(
        logged_in_page, live_server):
    page = logged_in_page
    claims = quay_article()
    page.goto(f"{live_server.url}{claims[0].get_absolute_url()}")
    expect(review_panel_for(page, claims[0])).to_be_visible()

    held = hold_panel_loads(page)
    page.keyboard.press("j")
    wait_until_asked_for(page, held, claims[1])
    page.locator(f'#article-text [data-c~="{claims[3].pk}:content"]').click()
    wait_until_asked_for(page, held, claims[3])
    release(page, held)  # claim 4's answer first, then claim 2's (if it was not dropped)
    shows(page, claims[3])
    page.wait_for_load_state("networkidle")
    shows(page, claims[3])
    assert page.js_errors == []


def test_j_pressed_during_a_save_moves_on_from_the_claim_the_save_went_to(logged_in_page,
                                                                          live_server,
                                                                          reviewer):
    page = logged_in_page
    claims = quay_article()
    page.goto(f"{live_server.url}{claims[0].get_absolute_url()}")
    expect(review_panel_for(page, claims[0])).to_be_visible()

    saves = []
    page.route("**/claims/*/verdict/", lambda route: saves.append(route))
    page.keyboard.press("1")
    for _ in range(250):
        if saves:
            break
        page.wait_for_timeout(20)
    page.keyboard.press("j")
    saves.pop().continue_()
    page.unroute("**/claims/*/verdict/")
    shows(page, claims[2])
    expect(page.locator(f"#claim-item-{claims[0].pk} .badge")).to_have_text("Confirmed")
    assert Verdict.objects.get(reviewer=reviewer).claim_id == claims[0].pk
    assert page.js_errors == []
