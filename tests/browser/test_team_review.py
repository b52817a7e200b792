"""Team review in real browsers: two reviewers disagree without seeing each other's verdict,
a lead adjudicates with a reason, and the claim's history shows every step."""

import pytest
from playwright.sync_api import expect

from annotations.models import FinalVerdict, Verdict
from claims.models import Claim
from tests.browser.conftest import review_panel_for
from tests.factories import ArticleFactory, make_claim

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = ("Ferry fares to rise\n\n"
        "The island council said ferry fares will rise by a tenth in spring. "
        "A ferry pilot said the timetable will be cut as well.")
FIRST = "The council's budget papers list the rise."
SECOND = "The operator's own notice says fares stay frozen until summer."


def test_two_reviewers_disagree_blind_and_a_lead_adjudicates(
        page_as, live_server, reviewer, other_reviewer, lead, screenshot):
    article = ArticleFactory(title="Ferry fares to rise", text=TEXT)
    claim = make_claim(article, source="The island council",
                       content="ferry fares will rise by a tenth in spring")
    url = f"{live_server.url}{claim.get_absolute_url()}"

    # The first reviewer gives a verdict.
    first = page_as(reviewer)
    first.goto(url)
    expect(review_panel_for(first, claim)).to_be_visible()
    first.keyboard.press("r")
    first.keyboard.type(FIRST)
    first.keyboard.press("Escape")
    first.keyboard.press("1")
    expect(first.locator("#review .flash")).to_contain_text("Saved ✓")

    # The second reviewer, before giving theirs, sees no trace of it: not in the panel, the
    # list's badges, the history, nor anywhere in the page's HTML.
    second = page_as(other_reviewer)
    second.goto(url)
    expect(review_panel_for(second, claim)).to_be_visible()
    html = second.content()
    assert FIRST not in html
    assert reviewer.username not in html
    assert "v-confirmed" not in html
    expect(second.get_by_test_id("colleagues")).to_have_count(0)
    expect(second.locator(f"#claim-item-{claim.pk} .badge")).to_have_text("To review")
    screenshot(second, "team-review-blind-before")

    second.keyboard.press("r")
    second.keyboard.type(SECOND)
    second.keyboard.press("Escape")
    second.keyboard.press("2")
    expect(second.locator("#review .flash")).to_contain_text("Saved ✓")
    assert sorted(Verdict.objects.values_list("label", flat=True)) == ["confirmed", "contested"]

    # Having given theirs, they see the colleague's verdict, unnamed.
    second.goto(url)
    colleagues = second.get_by_test_id("colleagues")
    expect(colleagues).to_contain_text(FIRST)
    expect(colleagues).to_contain_text("Reviewer A")
    assert reviewer.username not in second.content()
    screenshot(second, "team-review-blind-after")

    # The lead finds the disagreement from the dashboard and decides it with a reason.
    boss = page_as(lead)
    boss.goto(f"{live_server.url}/lead/")
    expect(boss.get_by_test_id("needs-adjudication")).to_have_text("1")
    screenshot(boss, "lead-dashboard")
    boss.get_by_role("link", name="Disagreements (1)").click()
    card = boss.locator(f"#claim-{claim.pk}")
    expect(card).to_contain_text(FIRST)
    expect(card).to_contain_text(SECOND)
    card.get_by_label("Contested").check()
    card.get_by_label("Reason").select_option("new_evidence")
    card.get_by_label("Explanation").fill("The operator's notice is newer than the papers.")
    card.get_by_role("button", name="Record the final verdict").click()
    expect(boss.locator(".message")).to_contain_text("Final verdict on claim")
    final = FinalVerdict.objects.get(claim=claim)
    assert (final.label, final.provenance, final.reason_code, final.decided_by) == (
        "contested", "adjudicated", "new_evidence", lead)
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.FINAL

    # The claim's history, as the lead sees it, shows every step with who did it.
    boss.goto(url)
    history = boss.locator("#review details.history")
    history.locator("summary").click()
    for step in (f"{reviewer.username}: verdict confirmed",
                 f"{other_reviewer.username}: verdict contested",
                 f"{lead.username}: adjudicated"):
        expect(history).to_contain_text(step)
    expect(history).to_contain_text("New evidence — The operator's notice is newer")
    screenshot(boss, "team-review-history")
    assert first.js_errors == second.js_errors == boss.js_errors == []
