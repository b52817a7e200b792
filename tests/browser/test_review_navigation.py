"""Moving between claims faster than their panels load: the panel and the URL end on the
claim the keys asked for last, whatever order the server's answers arrive in, and a draft
stays with its claim.

The tests hold the server's answers and release them in the order that used to go
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


class Held:
    """Requests to `pattern` wait while `holding`, until `release`: the test decides the order
    their answers arrive in. Routed before the page loads: a route added to a page already
    loaded was, now and then, not yet in force for the next request (Debian's Chromium)."""

    def __init__(self, page, pattern, only=lambda request: True):
        self.page, self.holding, self.routes = page, False, []

        def handle(route):
            if self.holding and only(route.request):
                self.routes.append(route)
            else:
                route.continue_()

        page.route(pattern, handle)

    def wait_for(self, claim: Claim | None = None) -> None:
        """Until a request (for `claim`'s panel) is held: a bounded wait, not a timing assert."""
        for _ in range(250):
            if any(claim is None or route.request.url.endswith(f"?claim={claim.pk}")
                   for route in self.routes):
                return
            self.page.wait_for_timeout(20)
        asked = [route.request.url.rsplit("/", 1)[-1] for route in self.routes]
        raise AssertionError(f"the page never asked for {claim or 'it'}; it asked for {asked}")

    def release(self) -> None:
        """Let the held answers through, the newest first."""
        self.holding = False
        while self.routes:
            # Refused when the page aborted the request on asking for a later claim.
            with contextlib.suppress(PlaywrightError):
                self.routes.pop().continue_()


def panel_loads(page) -> Held:
    return Held(page, PANEL_LOAD, lambda request: request.headers.get("hx-target") == "review")


def shows(page, claim: Claim) -> None:
    expect(review_panel_for(page, claim)).to_be_visible()
    expect(page).to_have_url(re.compile(rf"\?claim={claim.pk}$"))
    expect(page.locator("#claim-list .is-selected")).to_have_count(1)
    expect(page.locator(f"#claim-item-{claim.pk}")).to_have_class(re.compile("is-selected"))


def test_fast_j_presses_end_on_the_claim_they_asked_for_with_its_url(logged_in_page,
                                                                     live_server):
    page = logged_in_page
    claims = quay_article()
    loads = panel_loads(page)
    page.goto(f"{live_server.url}{claims[0].get_absolute_url()}")
    expect(review_panel_for(page, claims[0])).to_be_visible()
    page.keyboard.press("r")
    page.keyboard.type("The gauge log shows the move.")
    page.keyboard.press("Escape")

    loads.holding = True
    for _ in range(3):
        page.keyboard.press("j")
    loads.wait_for(claims[3])
    loads.release()
    shows(page, claims[3])
    expect(page.locator("#verdict-form textarea[name=rationale]")).to_have_value("")

    # j then k while the first panel is on its way: back where it started, not one further.
    loads.holding = True
    page.keyboard.press("j")
    loads.wait_for(claims[4])
    page.keyboard.press("k")
    page.keyboard.press("k")
    loads.wait_for(claims[2])
    loads.release()
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
    loads = panel_loads(page)
    page.goto(f"{live_server.url}{claims[0].get_absolute_url()}")
    expect(review_panel_for(page, claims[0])).to_be_visible()

    loads.holding = True
    page.keyboard.press("j")
    loads.wait_for(claims[1])
    page.locator(f'#article-text [data-c~="{claims[3].pk}:content"]').click()
    loads.wait_for(claims[3])
    loads.release()  # claim 4's answer first, then claim 2's (if it was not dropped)
    shows(page, claims[3])
    page.wait_for_load_state("networkidle")
    shows(page, claims[3])
    assert page.js_errors == []


def test_j_pressed_during_a_save_moves_on_from_the_claim_the_save_went_to(logged_in_page,
                                                                          live_server,
                                                                          reviewer):
    page = logged_in_page
    claims = quay_article()
    saves = Held(page, "**/claims/*/verdict/")
    page.goto(f"{live_server.url}{claims[0].get_absolute_url()}")
    expect(review_panel_for(page, claims[0])).to_be_visible()

    saves.holding = True
    page.keyboard.press("1")
    saves.wait_for()
    page.keyboard.press("j")
    saves.release()
    shows(page, claims[2])
    expect(page.locator(f"#claim-item-{claims[0].pk} .badge")).to_have_text("Confirmed")
    assert Verdict.objects.get(reviewer=reviewer).claim_id == claims[0].pk
    assert page.js_errors == []
