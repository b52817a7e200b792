"""The review page on a laptop screen and on a desktop one: the claim list shows a useful
number of rows, and every control of the review panel can be reached without being clipped."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from claims.models import Article, Claim, TrainedExtractor
from tests.factories import ArticleFactory, make_claim

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SPEAKERS = [
    "The harbour master", "A ferry captain", "The mayor", "A fisherman", "The port engineer",
    "A councillor", "The ferry company", "A shopkeeper", "The coast guard", "A pilot",
    "The tourist office", "A dock worker", "The weather office", "A cafe owner",
    "The school head", "A lorry driver", "The lifeboat crew", "A resident", "The bus company",
    "A night watchman",
]
SAYINGS = [
    "the north pier will reopen after the storm repairs are finished in the spring",
    "the evening crossing was cancelled four times in a single week",
    "the new breakwater cost twice what the council was first told it would",
    "catches have fallen since the dredging began near the old lighthouse",
    "the crane on berth three has not been inspected for two years",
]


def harbour_article(n_claims: int = 20) -> tuple[Article, list[Claim]]:
    """A fictional dispatch with n claims whose quotes are long enough to wrap in the list."""
    sentences = [f"{SPEAKERS[i]} said that {SAYINGS[i % len(SAYINGS)]}, number {i}."
                 for i in range(n_claims)]
    article = ArticleFactory(title="Harbour town counts the cost of the winter storms",
                             text="Harbour desk\n\n" + "\n\n".join(sentences),
                             outlet="Coastline Weekly")
    claims = [make_claim(article, cue="said", occurrence=i, source=SPEAKERS[i],
                         content=f"{SAYINGS[i % len(SAYINGS)]}, number {i}",
                         kind=Claim.Kind.INDIRECT)
              for i in range(n_claims)]
    return article, claims


# The box an element is shown in: the viewport cut by every ancestor that clips its overflow.
_JS_HELPERS = (Path(__file__).with_name("layout_probe.js")).read_text(encoding="utf-8")

_CLIPPED_INSIDE_SIDEBAR = _JS_HELPERS + """
return ((el) => {
  // The box that scrolls the panel: its column on wide screens, else the sidebar.
  const sidebar = el.closest(".panel-col, .sidebar");
  const r = el.getBoundingClientRect();
  const clippedBy = [];
  for (let a = el.parentElement; a && a !== sidebar; a = a.parentElement) {
    if (clips(a) && !inside(r, clientBox(a))) clippedBy.push(describe(a));
  }
  return clippedBy;
})(element);
"""

_SHOWN = _JS_HELPERS + """
return ((el) => {
  const r = el.getBoundingClientRect();
  return {inside: inside(r, shownBox(el)), onTop: onTop(el, r), width: r.width, height: r.height};
})(element);
"""

_ROWS_SHOWN = _JS_HELPERS + """
return ((list) => {
  const box = shownBox(list);
  const rows = Array.from(list.querySelectorAll(".claim-row"));
  const shown = rows.filter((row) => {
    const r = row.getBoundingClientRect();
    return inside(r, box) && onTop(row, r);
  });
  return {shown: shown.length, total: rows.length, boxHeight: Math.round(box.bottom - box.top),
          rowHeights: rows.slice(0, 6).map(
            (row) => Math.round(row.getBoundingClientRect().height))};
})(element);
"""


def _run(locator, body: str):
    return locator.evaluate("(element) => {" + body + "}")


def assert_reachable_in_sidebar(locator, what: str) -> None:
    """The control is laid out in full inside every box between it and the sidebar (no inner
    scroll box of the panel hides it), and scrolling the sidebar brings it fully into view,
    not covered by anything."""
    expect(locator).to_be_visible()
    clipped_by = _run(locator, _CLIPPED_INSIDE_SIDEBAR)
    assert clipped_by == [], f"{what} is cut off inside the sidebar by {clipped_by}"
    locator.scroll_into_view_if_needed()
    shown = _run(locator, _SHOWN)
    assert shown["width"] > 0, f"{what} has no width: {shown}"
    assert shown["height"] > 0, f"{what} has no height: {shown}"
    assert shown["inside"], f"{what} is not fully in view after scrolling the sidebar: {shown}"
    assert shown["onTop"], f"{what} is covered by another box: {shown}"


def panel_controls(page) -> dict:
    review = page.locator("#review")
    controls = {f"verdict button {key}": review.locator(f'#verdict-form button[data-key="{key}"]')
                for key in "123"}
    controls.update({
        "rationale": review.locator("#verdict-form textarea[name=rationale]"),
        "source check": review.locator("#verdict-form fieldset.check").first,
        "content check": review.locator("#verdict-form fieldset.check").last,
        "Source button": review.locator('button[data-key="s"]'),
        "Cue button": review.locator('button[data-key="c"]'),
        "Content button": review.locator('button[data-key="t"]'),
        "Not a claim button": review.locator('button[data-key="x"]'),
    })
    return controls


def rows_shown_with_the_list_in_view(page) -> dict:
    page.locator(".sidebar .claims").evaluate("(el) => el.scrollIntoView({block: 'start'})")
    return _run(page.locator("#claim-list"), _ROWS_SHOWN)


@pytest.mark.parametrize(("width", "height", "min_rows"),
                         [(1200, 800, 5), (1366, 768, 6), (1920, 1080, 11)])
def test_claim_list_and_whole_panel_fit_the_screen(chromium, live_server, client, reviewer,
                                                   screenshot, width, height, min_rows):
    article, claims = harbour_article(20)
    client.force_login(reviewer)
    context = chromium.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(15_000)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                          "url": live_server.url}])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    size = f"{width}x{height}"
    try:
        page.goto(f"{live_server.url}{article.get_absolute_url()}")
        expect(page.locator(f'#review[data-claim-id="{claims[0].pk}"]')).to_be_visible()
        expect(page.locator("#claim-list .claim-row")).to_have_count(20)
        screenshot(page, f"layout-{size}-opened")

        # The article text scrolls in its own column: the page itself does not scroll, so the
        # panel stays where it is while the reviewer reads.
        reader = page.locator(".reader")
        assert reader.evaluate("(el) => el.scrollHeight > el.clientHeight"), \
            "the article text should overflow its column in this test"
        assert page.evaluate("document.scrollingElement.scrollHeight <= innerHeight + 1")
        reader.evaluate("(el) => { el.scrollTop = el.scrollHeight; }")
        assert reader.evaluate("(el) => el.scrollTop") > 0
        expect(page.locator("#review")).to_be_in_viewport()

        for what, control in panel_controls(page).items():
            assert_reachable_in_sidebar(control, what)
        if width >= 1280:  # side by side: scrolling the panel leaves the claim list where it is
            expect(page.locator("#claims-title")).to_be_in_viewport()
            expect(page.locator(f"#claim-item-{claims[0].pk}")).to_be_in_viewport()
            screenshot(page, f"layout-{size}-panel-scrolled")

        rows = rows_shown_with_the_list_in_view(page)
        screenshot(page, f"layout-{size}-claim-list")
        assert rows["shown"] >= min_rows, f"claim list at {size}: {rows}"

        # The reviewer who opens the page and presses 1 sees the next claim's panel: the save
        # neither clips it nor scrolls its verdict buttons out of view.
        page.reload()
        expect(page.locator(f'#review[data-claim-id="{claims[0].pk}"]')).to_be_visible()
        page.keyboard.press("1")
        expect(page.locator(f'#review[data-claim-id="{claims[1].pk}"]')).to_be_visible()
        expect(page.locator("#review .flash")).to_contain_text("Saved ✓")
        expect(page.locator(f"#claim-item-{claims[0].pk} .badge")).to_have_text("Confirmed")
        screenshot(page, f"layout-{size}-after-save")
        for key in "123":
            expect(page.locator(f'#verdict-form button[data-key="{key}"]')).to_be_in_viewport()
        expect(page.locator("#review .part-content")).to_be_in_viewport()
        for what, control in panel_controls(page).items():
            assert_reachable_in_sidebar(control, f"{what} (after a save)")
        screenshot(page, f"layout-{size}-after-save-fix-buttons")

        rows = rows_shown_with_the_list_in_view(page)
        assert rows["shown"] >= min_rows, f"claim list at {size} after a save: {rows}"
        assert errors == []
    finally:
        context.close()


def _page_overflow(page) -> int:
    """How far the page is wider than the window, in CSS pixels (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - innerWidth")


def test_phone_width_pages_do_not_scroll_sideways(page_as, live_server, lead, screenshot):
    """At a phone's 390 px the top bar wraps, tables scroll in their own box and the review
    panel fits: no page is wider than the screen."""
    article, claims = harbour_article(3)
    TrainedExtractor.objects.create(created_by=lead, status="done", learned_precision=0.9,
                                    learned_recall=0.8, learned_f1=0.847, rules_f1=0.6,
                                    baseline_f1=0.6, baseline_version="rules-1.21+a-long-name")
    page = page_as(lead, viewport={"width": 390, "height": 844})
    for path in ["/", "/articles/", f"{article.get_absolute_url()}?claim={claims[0].pk}",
                 "/articles/new/", "/lead/", "/lead/webhooks/", "/lead/extractor/",
                 "/account/tokens/"]:
        page.goto(f"{live_server.url}{path}")
        screenshot(page, "phone-390" + path.replace("/", "-").replace("?", "-"))
        assert _page_overflow(page) == 0, f"{path} is wider than a 390 px phone"
    expect(page.locator(".topbar nav")).to_be_in_viewport()
    assert page.js_errors == []


def test_a_long_unbroken_title_does_not_widen_the_page(page_as, live_server, reviewer):
    """A title of one 500-character word (or a pasted URL) wraps in headings and tables."""
    article = ArticleFactory(title="Harbour" + "x" * 493,
                             text="The harbour master said the pier would reopen.")
    page = page_as(reviewer, viewport={"width": 1280, "height": 800})
    for path in ["/", "/articles/", article.get_absolute_url()]:
        page.goto(f"{live_server.url}{path}")
        assert _page_overflow(page) == 0, f"{path} is wider than the window"
    # ...while a short heading squeezed by its neighbours keeps its word whole.
    assert page.evaluate("""(() => {
      const range = document.createRange();
      range.selectNodeContents(document.getElementById("claims-title").firstChild);
      return range.getClientRects().length;
    })()""") == 1, "the claim list's heading “Claims” is broken over two lines"


def test_a_long_evidence_link_wraps_inside_its_card_on_a_phone(page_as, live_server, lead,
                                                              reviewer, other_reviewer):
    """A reviewer's evidence URL of one long unbroken word, where leads and colleagues see it:
    the disagreement cards and the review panel."""
    from annotations.services import verdict_submit

    article, claims = harbour_article(2)
    # No hyphen or space in it: nothing a browser would break a line at.
    long_link = ("https://records.example.org/harbourauthority/minutes/2024/"
                 "stormrepairsnorthpierbreakwaterinspectionreportappendixbphotographs"
                 "?version=finalapprovedbytheboardofharbourcommissioners")
    verdict_submit(claim=claims[0], reviewer=reviewer, label="confirmed",
                   evidence_links=[long_link])
    verdict_submit(claim=claims[0], reviewer=other_reviewer, label="contested",
                   evidence_links=[long_link + "corrected"])
    page = page_as(lead, viewport={"width": 390, "height": 844})
    for path in ["/lead/disagreements/", claims[0].get_absolute_url()]:
        page.goto(f"{live_server.url}{path}")
        expect(page.locator(f'a[href="{long_link}"]').first).to_be_attached()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, (
            f"{path} is wider than a 390 px phone")
    assert page.js_errors == []


def test_the_agreement_tables_caption_is_whole_on_a_phone(page_as, live_server, lead, reviewer,
                                                          other_reviewer, screenshot):
    """The confusion table scrolls sideways in its own box at 390 px; its caption, a sentence
    above it, wraps within the screen rather than spanning the table's width."""
    from annotations.services import verdict_submit

    article, claims = harbour_article(3)
    for claim, labels in zip(claims, [("confirmed", "contested"), ("confirmed", "confirmed"),
                                      ("unverifiable", "confirmed")], strict=True):
        verdict_submit(claim=claim, reviewer=reviewer, label=labels[0])
        verdict_submit(claim=claim, reviewer=other_reviewer, label=labels[1])
    page = page_as(lead, viewport={"width": 390, "height": 844})
    page.goto(f"{live_server.url}/lead/agreement/")
    caption = page.get_by_test_id("confusion").locator("caption")
    expect(caption).to_contain_text("Each pair of reviewers on a claim counted once")
    caption.scroll_into_view_if_needed()
    screenshot(page, "phone-390-lead-agreement")
    table = page.get_by_test_id("confusion")
    for scrolled in ("at the start", "scrolled to its end"):
        box = caption.bounding_box()
        left, right = box["x"], box["x"] + box["width"]
        assert 0 <= left <= right <= 390, (
            f"the caption spans {left:.0f} to {right:.0f} px on a 390 px screen, the table "
            f"{scrolled}")
        table.evaluate("(t) => { t.scrollLeft = t.scrollWidth; }")
    assert table.evaluate("(t) => t.scrollLeft") > 0  # the table did scroll under it
    assert _page_overflow(page) == 0
    assert page.js_errors == []
