"""The reviewer's day in a real browser: log in, submit, tag from the keyboard, fix spans."""

import re

import pytest
from playwright.sync_api import expect

from annotations.models import Verdict
from claims.models import Article, Claim, Span
from tests.browser.conftest import select_text
from tests.factories import ArticleFactory, UserFactory, make_claim

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BRIDGE = (
    "Bridge inspection divides the town\n\n"
    "The mayor said the old bridge is safe for lorries. An engineer said the cables are worn "
    "through in two places. A shopkeeper said traffic has doubled since the spring.\n\n"
    "The council will vote on the repairs in March, according to the town clerk."
)


def bridge_article(title: str = "Bridge inspection divides the town") -> tuple[Article, list]:
    article = ArticleFactory(title=title, text=BRIDGE, outlet="Valley Courier")
    claims = [
        make_claim(article, cue="said", occurrence=0, source="The mayor",
                   content="the old bridge is safe for lorries", kind=Claim.Kind.INDIRECT),
        make_claim(article, cue="said", occurrence=1, source="An engineer",
                   content="the cables are worn through in two places", kind=Claim.Kind.INDIRECT),
        make_claim(article, cue="said", occurrence=2, source="A shopkeeper",
                   content="traffic has doubled since the spring", kind=Claim.Kind.INDIRECT),
    ]
    return article, claims


def review_panel_for(page, claim):
    return page.locator(f'#review[data-claim-id="{claim.pk}"]')


def test_reviewer_logs_in_and_sees_the_home_page(page, live_server, screenshot):
    UserFactory(username="ines")
    bridge_article()
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    screenshot(page, "login")
    page.get_by_label("Username").fill("ines")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Good to see you, ines")).to_be_visible()
    expect(page.get_by_text("waiting for you")).to_be_visible()
    expect(page.get_by_test_id("waiting")).to_have_text("3")
    screenshot(page, "home")
    page.get_by_role("link", name="Start reviewing").click()
    expect(page.locator("#review")).to_be_visible()
    assert page.js_errors == []


def test_submitted_article_shows_its_claims_once_segmented(logged_in_page, live_server,
                                                         screenshot):
    page = logged_in_page
    page.goto(f"{live_server.url}/articles/new/")
    page.get_by_label("Title").fill("Ferry timetable")
    page.get_by_label("Outlet").fill("Island Post")
    page.get_by_label("Text (paste)").fill(
        "The ferry company said the winter timetable starts on Monday. "
        "Harbour staff said the new pier is not finished."
    )
    page.get_by_role("button", name="Submit and find claims").click()
    expect(page.get_by_role("heading", name="Ferry timetable")).to_be_visible()
    # Segmentation runs after the commit; the page polls until the claims are in.
    expect(page.locator("#claim-list .claim-row").first).to_be_visible(timeout=90_000)
    article = Article.objects.get(title="Ferry timetable")
    assert article.segmentation_status == Article.Segmentation.DONE
    assert page.locator("#claim-list .claim-row").count() == article.claims.count() >= 2
    expect(page.locator("#article-text .r-cue").first).to_be_visible()
    page.goto(f"{live_server.url}/articles/?q=ferry")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    screenshot(page, "article-list")
    assert page.js_errors == []


def test_three_claims_tagged_with_the_keyboard_alone(logged_in_page, live_server, reviewer,
                                                    screenshot):
    page = logged_in_page
    article, claims = bridge_article()
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    expect(review_panel_for(page, claims[0])).to_be_visible()
    screenshot(page, "article-page")

    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()

    page.keyboard.press("r")
    page.keyboard.type("The 2023 load test passed.")
    page.keyboard.press("Escape")
    expect(page.locator("#save-state")).to_have_text("Unsaved changes")
    page.keyboard.press("1")
    expect(review_panel_for(page, claims[1])).to_be_visible()
    expect(page.locator("#review .flash")).to_contain_text("Saved ✓")
    expect(page.locator(f"#claim-item-{claims[0].pk} .badge")).to_have_text("Confirmed")
    expect(page.locator(f"#claim-item-{claims[1].pk}")).to_have_class(re.compile("is-selected"))
    page.keyboard.press("2")
    expect(review_panel_for(page, claims[2])).to_be_visible()
    page.keyboard.press("3")
    expect(page.locator("#review .flash")).to_contain_text("claim 3")
    expect(page.locator("#save-state")).to_contain_text("Saved ✓")
    expect(page.locator("#review-progress")).to_have_text("3 of 3 open claims reviewed by you")
    screenshot(page.locator("#review"), "review-panel")
    screenshot(page, "article-page-reviewed")

    verdicts = {v.claim_id: v for v in Verdict.objects.filter(reviewer=reviewer)}
    assert [verdicts[c.pk].label for c in claims] == ["confirmed", "contested", "unverifiable"]
    assert verdicts[claims[0].pk].rationale == "The 2023 load test passed."

    page.keyboard.press("k")  # back to the second claim, its verdict shown as saved
    expect(review_panel_for(page, claims[1])).to_be_visible()
    expect(page.locator('#verdict-form button[value="contested"]')).to_have_attribute(
        "aria-pressed", "true")
    page.locator(f'#article-text [data-c="{claims[0].pk}:content"]').click()  # a highlight
    expect(review_panel_for(page, claims[0])).to_be_visible()
    expect(page.locator(f'#article-text [data-c="{claims[0].pk}:content"]')).to_have_class(
        re.compile("sel-content"))
    assert page.js_errors == []


def test_fixing_a_claims_content_by_selecting_text_after_emoji(logged_in_page, live_server,
                                                              reviewer, screenshot):
    page = logged_in_page
    # Astral characters (2 UTF-16 units, 1 code point) before the selection, in other segments
    # and in the selected segment itself.
    text = ("🌊 Storm desk 🚢\n\nThe coast guard said the swells 🌊 reached nine metres on "
            "Sunday night.")
    article = ArticleFactory(title="Storm desk", text=text)
    claim = make_claim(article, cue="said", source="The coast guard",
                       content="the swells 🌊 reached nine metres on Sunday night")
    page.goto(f"{live_server.url}{claim.get_absolute_url()}")
    assert select_text(page, "reached nine metres") == "reached nine metres"
    expect(page.locator(".spans-form .selection-preview")).to_contain_text("reached nine metres")
    with page.expect_navigation():
        page.keyboard.press("t")
    expect(page.get_by_text("The claim's content was updated.")).to_be_visible()
    start = text.index("reached nine metres")
    spans = list(claim.spans.filter(role=Span.Role.CONTENT).values_list("start", "end"))
    assert spans == [(start, start + len("reached nine metres"))]
    claim.refresh_from_db()
    assert claim.version == 2
    assert claim.changes.filter(action="edit_spans", actor=reviewer).count() == 1
    expect(page.locator("#review .part-content dd")).to_have_text("“reached nine metres”")

    # A selection across segments (plain text, an emoji and the start of the content) works
    # as well.
    assert page.evaluate("""() => {
      const root = document.getElementById("article-text");
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      let plain = null;
      while (walker.nextNode()) {
        if (walker.currentNode.data.includes("the swells")) { plain = walker.currentNode; }
      }
      const content = root.querySelector(".sel-content").firstChild;
      const range = document.createRange();
      range.setStart(plain, plain.data.indexOf("the swells"));
      range.setEnd(content, "reached".length);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      return getSelection().toString();
    }""") == "the swells 🌊 reached"
    expect(page.locator(".spans-form .selection-preview")).to_contain_text("the swells")
    with page.expect_navigation():
        page.keyboard.press("t")
    start = text.index("the swells")
    assert list(claim.spans.filter(role=Span.Role.CONTENT).values_list("start", "end")) == [
        (start, text.index("reached") + len("reached"))]

    # A selection over two roles is refused with the reason, and changes nothing.
    assert page.evaluate("""() => {
      const root = document.getElementById("article-text");
      const source = root.querySelector(".sel-source").firstChild;
      const cue = root.querySelector(".sel-cue").firstChild;
      const range = document.createRange();
      range.setStart(source, 4);            // "coast guard"
      range.setEnd(cue, "said".length);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      return getSelection().toString();
    }""") == "coast guard said"
    with page.expect_navigation():
        page.keyboard.press("s")
    expect(page.get_by_role("alert")).to_contain_text(
        "The source and the cue overlap (both hold “said”)")
    start = text.index("The coast guard")
    assert list(claim.spans.filter(role=Span.Role.SOURCE).values_list("start", "end")) == [
        (start, start + len("The coast guard"))]
    screenshot(page, "article-page-after-fix")
    assert page.js_errors == []


def test_markup_in_an_article_is_shown_as_text_and_never_runs(logged_in_page, live_server):
    page = logged_in_page
    text = ('Officials said <script>window.__pwned = "script"</script> and then '
            '<img src="x" onerror="window.__pwned = \'img\'"> appeared in the feed.')
    article = ArticleFactory(title='<b onmouseover="window.__pwned=1">Feed</b>', text=text)
    make_claim(article, cue="said", content=text[text.index("<script>"):])
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    page.wait_for_load_state("load")
    expect(page.locator("#article-text")).to_contain_text(
        '<script>window.__pwned = "script"</script>')
    expect(page.locator("#article-text")).to_contain_text(
        '<img src="x" onerror="window.__pwned = \'img\'">')
    expect(page.locator("#review .part-content")).to_contain_text("<img src=")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        '<b onmouseover="window.__pwned=1">Feed</b>')
    page.locator("h1").hover()
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("#article-text script, #article-text img, h1 b").count() == 0
