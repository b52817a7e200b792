"""Reviewer flows that must never lose work, in a real browser: failed saves, stale forms,
adding a missed claim from a selection, merging source entities, moving between claims."""

import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from annotations.models import Verdict, VerdictRevision
from claims.access import LEAD
from claims.models import Article, Claim, ClaimChange, Source, SourceAlias, Span
from claims.services import source_resolve
from tests.browser.conftest import select_text
from tests.factories import ArticleFactory, make_claim

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VERDICT_URL = "**/claims/*/verdict/"

FERRY = (
    "Ferry fares to rise\n\n"
    "The operator said fares on the island route will rise by a tenth in May. "
    "A commuters' group said the winter timetable was cut twice last year."
)

ROOF = (
    "School roof repairs delayed\n\n"
    "The head teacher said the roof will be fixed over the summer holidays. "
    "A parent said the leak in the gym has lasted three winters."
)


def ferry_article() -> tuple[Article, list[Claim]]:
    article = ArticleFactory(title="Ferry fares to rise", text=FERRY, outlet="Island Post")
    return article, [
        make_claim(article, occurrence=0, source="The operator",
                   content="fares on the island route will rise by a tenth in May",
                   kind=Claim.Kind.INDIRECT),
        make_claim(article, occurrence=1, source="A commuters' group",
                   content="the winter timetable was cut twice last year",
                   kind=Claim.Kind.INDIRECT),
    ]


def review_panel_for(page, claim):
    return page.locator(f'#review[data-claim-id="{claim.pk}"]')


def rationale_field(page):
    return page.locator("#verdict-form textarea[name=rationale]")


def write_rationale(page, text: str) -> None:
    page.keyboard.press("r")
    page.keyboard.type(text)
    page.keyboard.press("Escape")
    expect(page.locator("#save-state")).to_have_attribute("data-state", "dirty")


def fail_verdict_posts(page, how: str) -> list[str]:
    """Make every verdict POST fail (no connection, or a server error) until unrouted; return
    the list the failed requests' URLs are collected in.

    Called before the page loads: a route added to a page already loaded was, now and then,
    not yet in force for the next request (Debian's Chromium), and the save went through."""
    failed: list[str] = []

    def handler(route):
        failed.append(route.request.url)
        if how == "abort":
            route.abort("connectionfailed")
        else:
            route.fulfill(status=500, content_type="text/html",
                          body="<h1>Server Error (500)</h1>")

    page.route(VERDICT_URL, handler)
    return failed


@pytest.mark.parametrize("how", ["abort", "500"])
def test_a_failed_save_keeps_the_rationale_and_saves_on_retry(logged_in_page, live_server,
                                                             reviewer, screenshot, how):
    page = logged_in_page
    article, claims = ferry_article()
    failed = fail_verdict_posts(page, how)
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    expect(review_panel_for(page, claims[0])).to_be_visible()
    rationale = "The operator's 2024 tariff sheet lists the May increase."
    write_rationale(page, rationale)

    page.keyboard.press("1")
    save_state = page.locator("#save-state")
    expect(save_state).to_have_attribute("data-state", "failed")
    expect(save_state).to_contain_text("Save failed")
    assert len(failed) == 1
    # Nothing moved on, nothing was swapped out: the reviewer's text is where they left it.
    expect(review_panel_for(page, claims[0])).to_be_visible()
    expect(rationale_field(page)).to_have_value(rationale)
    expect(page.locator(f"#claim-item-{claims[0].pk} .badge")).to_have_text("To review")
    screenshot(page.locator("#review"), f"save-failed-{how}")
    assert not Verdict.objects.exists()

    page.unroute(VERDICT_URL)
    page.keyboard.press("1")
    expect(review_panel_for(page, claims[1])).to_be_visible()
    expect(page.locator("#review .flash")).to_contain_text("on claim 1")
    expect(page.locator(f"#claim-item-{claims[0].pk} .badge")).to_have_text("Confirmed")
    assert len(failed) == 1
    verdict = Verdict.objects.get()
    assert (verdict.claim_id, verdict.reviewer_id) == (claims[0].pk, reviewer.pk)
    assert (verdict.label, verdict.rationale, verdict.revision) == (
        "confirmed", rationale, 1)
    assert page.js_errors == []


def test_a_failed_save_leaves_a_draft_that_a_reload_restores(logged_in_page, live_server,
                                                             reviewer):
    page = logged_in_page
    article, claims = ferry_article()
    failed = fail_verdict_posts(page, "abort")
    page.goto(f"{live_server.url}{claims[1].get_absolute_url()}")
    expect(review_panel_for(page, claims[1])).to_be_visible()
    rationale = "The group's own leaflet shows only one cut."
    write_rationale(page, rationale)
    page.keyboard.press("2")
    expect(page.locator("#save-state")).to_have_attribute("data-state", "failed")

    page.reload()
    expect(review_panel_for(page, claims[1])).to_be_visible()
    expect(rationale_field(page)).to_have_value(rationale)
    expect(page.locator("#save-state")).to_have_attribute("data-state", "dirty")
    expect(page.locator("#save-state")).to_have_text("Unsaved changes (draft restored)")
    assert len(failed) == 1
    assert not Verdict.objects.exists()

    page.unroute(VERDICT_URL)
    page.keyboard.press("2")
    expect(page.locator("#review .flash")).to_contain_text("on claim 2")
    verdict = Verdict.objects.get(claim=claims[1], reviewer=reviewer)
    assert (verdict.label, verdict.rationale) == ("contested", rationale)
    # Saved: the draft is gone, so a reload shows the stored verdict and no "restored" draft.
    page.goto(f"{live_server.url}{claims[1].get_absolute_url()}")
    expect(page.locator("#save-state")).to_have_attribute("data-state", "saved")
    expect(rationale_field(page)).to_have_value(rationale)
    assert page.js_errors == []


def _roof_claim_and_second_tab(tab_a, live_server):
    """The head teacher's claim on the roof article (a parent's claim after it), its page's
    address, and a second tab in the same browser session as `tab_a`."""
    article = ArticleFactory(title="School roof repairs delayed", text=ROOF)
    claim = make_claim(article, source="The head teacher",
                       content="the roof will be fixed over the summer holidays")
    make_claim(article, occurrence=1, source="A parent",
               content="the leak in the gym has lasted three winters")
    return claim, f"{live_server.url}{claim.get_absolute_url()}", tab_a.context.new_page()


def test_a_stale_form_in_a_second_tab_is_refused_and_keeps_its_input(logged_in_page,
                                                                    live_server, reviewer,
                                                                    screenshot):
    tab_a = logged_in_page
    claim, url, tab_b = _roof_claim_and_second_tab(tab_a, live_server)
    tab_b_errors: list[str] = []
    tab_b.on("pageerror", lambda exc: tab_b_errors.append(str(exc)))
    for tab in (tab_a, tab_b):  # both opened before either saves: both forms at revision 0
        tab.goto(url)
        expect(review_panel_for(tab, claim)).to_be_visible()
        expect(tab.locator("#verdict-form input[name=expected_revision]")).to_have_value("0")

    tab_a.bring_to_front()
    write_rationale(tab_a, "The contractor's schedule starts in July.")
    tab_a.keyboard.press("1")
    expect(tab_a.locator("#review .flash")).to_contain_text("on claim 1")
    assert Verdict.objects.get().revision == 1

    tab_b.bring_to_front()
    rationale_b = "The council minutes put the repairs off to next year."
    write_rationale(tab_b, rationale_b)
    with tab_b.expect_response(lambda r: r.request.method == "POST"
                               and r.url.endswith(f"/claims/{claim.pk}/verdict/")) as response:
        tab_b.keyboard.press("2")
    assert response.value.status == 409
    alert = tab_b.locator("#review .alert-stale")
    expect(alert).to_contain_text("changed elsewhere")
    expect(alert).to_contain_text("your input was not saved")
    expect(alert).to_contain_text("Saved now: Confirmed (revision 1)")
    expect(tab_b.locator("#save-state")).to_have_attribute("data-state", "failed")
    expect(review_panel_for(tab_b, claim)).to_be_visible()  # it did not move on
    expect(rationale_field(tab_b)).to_have_value(rationale_b)
    expect(tab_b.locator('#verdict-form button[value="contested"]')).to_have_attribute(
        "aria-pressed", "true")
    screenshot(tab_b.locator("#review"), "stale-verdict-refused")

    verdict = Verdict.objects.get()
    assert (verdict.reviewer_id, verdict.claim_id) == (reviewer.pk, claim.pk)
    assert (verdict.label, verdict.revision) == ("confirmed", 1)
    assert verdict.rationale == "The contractor's schedule starts in July."
    assert VerdictRevision.objects.count() == 1

    with tab_b.expect_navigation():
        alert.get_by_role("link", name="Reload the claim").click()
    expect(review_panel_for(tab_b, claim)).to_be_visible()
    expect(tab_b.locator('#verdict-form button[value="confirmed"]')).to_have_attribute(
        "aria-pressed", "true")
    expect(tab_b.locator('#verdict-form button[value="contested"]')).to_have_attribute(
        "aria-pressed", "false")
    expect(tab_b.locator("#save-state")).to_have_attribute("data-state", "saved")
    expect(rationale_field(tab_b)).to_have_value("The contractor's schedule starts in July.")
    expect(tab_b.locator("#verdict-form input[name=expected_revision]")).to_have_value("1")
    assert tab_a.js_errors == []
    assert tab_b_errors == []



def test_input_refused_as_stale_is_offered_again_after_the_reload(logged_in_page, live_server,
                                                                 screenshot):
    """The 409 says to reload; the reload shows the verdict saved elsewhere and offers the
    reviewer's own unsaved input beside it, to put back or discard, instead of dropping it."""
    tab_a = logged_in_page
    claim, url, tab_b = _roof_claim_and_second_tab(tab_a, live_server)
    for tab in (tab_a, tab_b):
        tab.goto(url)
        expect(review_panel_for(tab, claim)).to_be_visible()
    tab_a.bring_to_front()
    write_rationale(tab_a, "The contractor's schedule starts in July.")
    tab_a.keyboard.press("1")
    expect(tab_a.locator("#review .flash")).to_contain_text("on claim 1")

    tab_b.bring_to_front()
    mine = "The council minutes put the repairs off to next year."
    write_rationale(tab_b, mine)
    tab_b.keyboard.press("2")
    alert = tab_b.locator("#review .alert-stale")
    expect(alert).to_contain_text("changed elsewhere")
    with tab_b.expect_navigation():
        alert.get_by_role("link", name="Reload the claim").click()

    offer = tab_b.locator('[data-testid="older-draft"]')
    expect(offer).to_contain_text(mine)
    expect(rationale_field(tab_b)).to_have_value("The contractor's schedule starts in July.")
    screenshot(tab_b.locator("#review"), "stale-input-offered-after-reload")
    offer.get_by_role("button", name="Put it back in the form").click()
    expect(offer).to_have_count(0)
    expect(rationale_field(tab_b)).to_have_value(mine)
    expect(tab_b.locator("#save-state")).to_have_attribute("data-state", "dirty")
    tab_b.locator("#review").focus()
    tab_b.keyboard.press("2")
    expect(tab_b.locator("#review .flash")).to_contain_text("Contested on claim 1")
    verdict = Verdict.objects.get()
    assert (verdict.label, verdict.revision, verdict.rationale) == ("contested", 2, mine)

    tab_b.goto(url)  # saved: nothing is offered any more
    expect(review_panel_for(tab_b, claim)).to_be_visible()
    expect(rationale_field(tab_b)).to_have_value(mine)
    expect(tab_b.locator('[data-testid="older-draft"]')).to_have_count(0)
    assert tab_a.js_errors == []

LIBRARY = (
    "📚 Library hours cut\n\n"
    "The head librarian said the reading room will close at five on weekdays. "
    "Volunteers warned that the archive needs a new roof 🏚 before winter, and a trustee "
    "said donations had fallen by a third."
)


def test_a_missed_claim_is_added_from_a_selection_with_n(logged_in_page, live_server, reviewer,
                                                        screenshot):
    page = logged_in_page
    article = ArticleFactory(title="Library hours cut", text=LIBRARY)
    existing = [
        make_claim(article, source="The head librarian", origin=Claim.Origin.MACHINE,
                   content="the reading room will close at five on weekdays"),
        make_claim(article, occurrence=1, source="a trustee", origin=Claim.Origin.MACHINE,
                   content="donations had fallen by a third"),
    ]
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    expect(page.locator("#claim-list .claim-row")).to_have_count(2)

    missed = "the archive needs a new roof 🏚 before winter"
    start = LIBRARY.index(missed)  # code points, as Python counts them
    end = start + len(missed)
    assert select_text(page, missed) == missed
    add = page.locator("#add-claim")
    # The page takes the selection in on "selectionchange", a task after the selection is made
    # (a person's mouse-up comes long before their key press; a script's must wait for it).
    expect(page.locator(".spans-form .selection-preview")).to_contain_text(missed)
    expect(add).not_to_have_attribute("open", "")
    page.keyboard.press("n")
    expect(add).to_have_attribute("open", "")
    expect(add.locator("input[name=cue]")).to_be_focused()
    expect(add.locator("input[name=start]")).to_have_value(str(start))
    expect(add.locator("input[name=end]")).to_have_value(str(end))
    expect(add.locator(".selection-preview")).to_contain_text(missed)
    page.keyboard.type("warned")
    add.get_by_label("Source (exact text)").fill("Volunteers")
    screenshot(add, "add-missed-claim")
    with page.expect_navigation():
        add.get_by_role("button", name="Add claim").click()
    expect(page.get_by_text("Claim added.")).to_be_visible()

    added = Claim.objects.exclude(pk__in=[c.pk for c in existing]).get()
    assert (added.article_id, added.origin, added.created_by_id) == (
        article.pk, Claim.Origin.REVIEWER, reviewer.pk)
    spans = {role: list(added.spans.filter(role=role).values_list("start", "end"))
             for role in Span.Role.values}
    assert spans[Span.Role.CONTENT] == [(start, end)]
    cue_at = LIBRARY.index("warned")
    assert spans[Span.Role.CUE] == [(cue_at, cue_at + len("warned"))]
    source_at = LIBRARY.index("Volunteers")
    assert spans[Span.Role.SOURCE] == [(source_at, source_at + len("Volunteers"))]
    assert added.source.name == "Volunteers"
    assert list(added.changes.values_list("action", "actor_id")) == [
        (ClaimChange.Action.CREATE, reviewer.pk)]

    row = page.locator(f"#claim-item-{added.pk}")
    expect(page.locator("#claim-list .claim-row")).to_have_count(3)
    expect(row).to_have_class(re.compile("is-selected"))
    expect(row.locator(".row-who")).to_have_text("Volunteers")
    expect(review_panel_for(page, added)).to_be_visible()
    expect(page.locator("#review .part-content dd")).to_have_text(f"“{missed}”")
    expect(page.locator("#review")).to_contain_text("Added by a reviewer")
    expect(page.locator(f'#article-text [data-c~="{added.pk}:content"]').first).to_be_visible()
    assert page.js_errors == []


MARKET = (
    "Market square plans\n\n"
    "B. Okafor said the market square will be closed to cars next year. "
    "A stallholder said rents are already too high."
)
DEPOT = (
    "Bus depot to move\n\n"
    "Mayor Bola Okafor said the bus depot will move to the ring road. "
    "B. Okafor said the old site will become housing."
)


def test_merging_a_claims_source_moves_every_claim_of_it(logged_in_page, live_server, reviewer,
                                                        screenshot):
    reviewer.groups.add(Group.objects.get_or_create(name=LEAD)[0])  # merging: leads only
    page = logged_in_page
    market = ArticleFactory(title="Market square plans", text=MARKET)
    depot = ArticleFactory(title="Bus depot to move", text=DEPOT)
    variant = source_resolve(name="B. Okafor")
    mayor = source_resolve(name="Mayor Bola Okafor")
    stallholder = source_resolve(name="A stallholder")
    machine = {"origin": Claim.Origin.MACHINE}
    claim = make_claim(market, source="B. Okafor",
                       content="the market square will be closed to cars next year", **machine)
    bystander = make_claim(market, occurrence=1, source="A stallholder",
                           content="rents are already too high", **machine)
    mayors_own = make_claim(depot, source="Mayor Bola Okafor",
                            content="the bus depot will move to the ring road", **machine)
    elsewhere = make_claim(depot, occurrence=1, source="B. Okafor",
                           content="the old site will become housing", **machine)
    for c, source in [(claim, variant), (bystander, stallholder), (mayors_own, mayor),
                      (elsewhere, variant)]:
        Claim.objects.filter(pk=c.pk).update(source=source)

    page.goto(f"{live_server.url}{claim.get_absolute_url()}")
    expect(review_panel_for(page, claim)).to_be_visible()
    expect(page.locator("#review .part-source dd strong")).to_have_text("B. Okafor")
    details = page.locator("#review details.source-entity")
    details.locator("summary").click()
    details.get_by_label("Existing source entity (name or alias)").fill("Mayor Bola Okafor")
    with page.expect_navigation():
        details.get_by_role("button", name="Merge “B. Okafor” into it").click()
    expect(page.get_by_text("Source entity is now Mayor Bola Okafor.")).to_be_visible()
    expect(review_panel_for(page, claim)).to_be_visible()
    expect(page.locator("#review .part-source dd strong")).to_have_text("Mayor Bola Okafor")
    expect(page.locator(f"#claim-item-{claim.pk} .row-who")).to_have_text("Mayor Bola Okafor")
    expect(page.locator(f"#claim-item-{bystander.pk} .row-who")).to_have_text("A stallholder")
    screenshot(page, "source-merged")

    sources = dict(Claim.objects.values_list("pk", "source_id"))
    assert sources == {claim.pk: mayor.pk, elsewhere.pk: mayor.pk, mayors_own.pk: mayor.pk,
                       bystander.pk: stallholder.pk}
    assert not Source.objects.filter(pk=variant.pk).exists()
    assert SourceAlias.objects.get(normalized_alias=variant.normalized_name).source_id == mayor.pk
    changes = ClaimChange.objects.filter(action=ClaimChange.Action.SET_SOURCE)
    assert sorted(changes.values_list("claim_id", flat=True)) == sorted([claim.pk, elsewhere.pk])
    for change in changes:
        assert change.actor_id == reviewer.pk
        assert change.before["source_id"] == variant.pk
        assert (change.after["source_id"], change.after["merged"]) == (mayor.pk, True)
    versions = dict(Claim.objects.values_list("pk", "version"))
    assert (versions[claim.pk], versions[elsewhere.pk]) == (2, 2)
    assert (versions[bystander.pk], versions[mayors_own.pk]) == (1, 1)
    expect(page.locator("#review details.history summary")).to_have_text("History (1)")
    assert page.js_errors == []


def test_j_and_k_move_between_claims_and_question_mark_shows_the_keys(logged_in_page,
                                                                      live_server):
    page = logged_in_page
    article = ArticleFactory(title="School roof repairs delayed", text=ROOF)
    claims = [
        make_claim(article, source="The head teacher",
                   content="the roof will be fixed over the summer holidays"),
        make_claim(article, occurrence=1, source="A parent",
                   content="the leak in the gym has lasted three winters"),
    ]
    article_url = f"{live_server.url}{article.get_absolute_url()}"
    page.goto(article_url)
    expect(review_panel_for(page, claims[0])).to_be_visible()
    expect(page).to_have_url(article_url)

    def shows(claim):
        expect(review_panel_for(page, claim)).to_be_visible()
        expect(page).to_have_url(re.compile(rf"\?claim={claim.pk}$"))
        expect(page.locator(f"#claim-item-{claim.pk}")).to_have_class(re.compile("is-selected"))
        expect(page.locator("#claim-list .is-selected")).to_have_count(1)
        expect(page.locator(f'#article-text [data-c~="{claim.pk}:content"]')).to_have_class(
            re.compile("sel-content"))

    page.keyboard.press("j")
    shows(claims[1])
    page.keyboard.press("j")  # already the last one: it stays
    expect(review_panel_for(page, claims[1])).to_be_visible()
    page.keyboard.press("k")
    shows(claims[0])
    page.keyboard.press("k")  # already the first one
    expect(review_panel_for(page, claims[0])).to_be_visible()
    page.keyboard.press("j")
    shows(claims[1])

    # Back goes to the claim the URL named before (the page is fetched again).
    page.go_back()
    shows(claims[0])

    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    page.keyboard.press("?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Next / previous claim")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.keyboard.press("?")
    expect(dialog).to_be_visible()
    page.keyboard.press("?")  # the same key hides it again
    expect(dialog).to_be_hidden()
    assert page.js_errors == []


def test_a_save_after_the_session_ended_goes_through_login_and_keeps_the_input(
    logged_in_page, live_server, reviewer, screenshot
):
    page = logged_in_page
    article, claims = ferry_article()
    page.goto(f"{live_server.url}{claims[0].get_absolute_url()}")
    expect(review_panel_for(page, claims[0])).to_be_visible()
    write_rationale(page, "The timetable page still lists the old fares.")
    page.context.clear_cookies(name="sessionid")  # the session expires

    with page.expect_navigation(url=re.compile(r"/accounts/login/\?next=")):
        page.keyboard.press("2")
    assert not Verdict.objects.exists()
    expect(page.get_by_role("status")).to_contain_text("not saved is still there")
    screenshot(page, "login-after-session-ended")
    page.get_by_label("Username").fill(reviewer.username)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()

    # Back on the claim, with the unsaved input restored from the draft.
    expect(page).to_have_url(re.compile(rf"/articles/{article.pk}/\?claim={claims[0].pk}$"))
    expect(review_panel_for(page, claims[0])).to_be_visible()
    expect(rationale_field(page)).to_have_value("The timetable page still lists the old fares.")
    expect(page.locator("#save-state")).to_have_attribute("data-state", "dirty")
    page.keyboard.press("2")
    expect(review_panel_for(page, claims[1])).to_be_visible()
    verdict = Verdict.objects.get()
    assert (verdict.claim_id, verdict.label, verdict.rationale) == (
        claims[0].pk, "contested", "The timetable page still lists the old fares.")
    assert page.js_errors == []


def test_a_save_refused_for_a_stale_csrf_token_keeps_the_input_for_after_a_reload(
    logged_in_page, live_server
):
    page = logged_in_page
    _, claims = ferry_article()
    page.goto(f"{live_server.url}{claims[0].get_absolute_url()}")
    expect(review_panel_for(page, claims[0])).to_be_visible()
    write_rationale(page, "Fares were raised in March as well.")
    # A log-in in another tab rotates the CSRF token: this page's copy no longer matches.
    page.context.add_cookies([{"name": "csrftoken", "value": "x" * 32, "url": live_server.url}])
    page.keyboard.press("1")
    expect(page.locator("#save-state")).to_have_attribute("data-state", "failed")
    expect(page.locator("#save-state")).to_contain_text("reload the page")
    expect(rationale_field(page)).to_have_value("Fares were raised in March as well.")
    assert not Verdict.objects.exists()

    page.reload()
    expect(rationale_field(page)).to_have_value("Fares were raised in March as well.")
    page.keyboard.press("1")
    expect(review_panel_for(page, claims[1])).to_be_visible()
    assert Verdict.objects.get().rationale == "Fares were raised in March as well."


def test_enter_in_the_exact_text_field_asks_which_part_and_changes_nothing(logged_in_page,
                                                                          live_server):
    """Enter sends a form's first button: in "Fix the extraction" that named the source, and
    the typed text became the claim's source (and a new source entity)."""
    page = logged_in_page
    article, claims = ferry_article()
    sources_before = Source.objects.count()
    page.goto(f"{live_server.url}{claims[0].get_absolute_url()}")
    fix = page.locator(".spans-form")
    fix.get_by_text("Without a mouse selection").click()
    fix.get_by_label("Exact text").fill("A commuters' group")
    with page.expect_navigation():
        fix.get_by_label("Exact text").press("Enter")
    expect(page.get_by_role("alert").filter(has_text="Choose whether")).to_have_text(
        "Choose whether this text is the source, the cue or the content.")
    expect(review_panel_for(page, claims[0])).to_be_visible()
    expect(fix.get_by_label("Exact text")).to_be_visible()
    expect(fix.get_by_label("Exact text")).to_have_value("A commuters' group")
    assert Source.objects.count() == sources_before
    assert not ClaimChange.objects.exclude(action=ClaimChange.Action.CREATE).exists()

    # Choosing the role then sets it (here the cue, as an example of a deliberate choice).
    fix.get_by_label("Exact text").fill("said")
    with page.expect_navigation():
        fix.get_by_role("button", name="c Cue").click()
    expect(page.get_by_text("The claim's cue was updated.")).to_be_visible()
    assert page.js_errors == []


def test_enter_on_a_check_of_the_verdict_form_saves_no_label(logged_in_page, live_server):
    """Enter on a radio button also sends the form's first button, which was "Confirmed"."""
    page = logged_in_page
    article, claims = ferry_article()
    page.goto(f"{live_server.url}{claims[0].get_absolute_url()}")
    check = page.locator("#verdict-form .check").first.get_by_label("Right")
    check.check()
    check.press("Enter")
    expect(page.locator("#verdict-form .error")).to_have_text(
        "Pick a label: 1 confirmed, 2 contested, 3 unverifiable.")
    expect(review_panel_for(page, claims[0])).to_be_visible()
    expect(page.locator("#save-state")).to_have_attribute("data-state", "failed")
    expect(page.locator("#verdict-form .check").first.get_by_label("Right")).to_be_checked()
    assert not Verdict.objects.exists()
    assert page.js_errors == []


def test_n_without_a_selection_focuses_the_first_field_of_the_form(logged_in_page,
                                                                   live_server):
    page = logged_in_page
    article, claims = ferry_article()
    page.goto(f"{live_server.url}{claims[0].get_absolute_url()}")
    expect(review_panel_for(page, claims[0])).to_be_visible()
    page.keyboard.press("n")
    add = page.locator("#add-claim")
    expect(add).to_have_attribute("open", "")
    expect(add.get_by_label("Content start")).to_be_focused()
    assert page.js_errors == []
