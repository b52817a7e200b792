"""Two reviewers disagree; a lead sees both verdicts side by side on the disagreement page,
records the final label with a reason, and can reopen it from the claim's page."""

import pytest
from playwright.sync_api import expect

from annotations.models import FinalVerdict, FinalVerdictChange
from annotations.services import verdict_submit
from claims.models import Claim
from tests.factories import ArticleFactory, make_claim

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = ("Tram line delayed again\n\n"
        "The transit board said the new tram line will open in September. "
        "A contractor said the rails have not been delivered yet.")


@pytest.fixture
def lead_page(page, live_server, client, lead):
    client.force_login(lead)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": live_server.url}])
    return page


def test_a_lead_adjudicates_a_disagreement_and_reopens_it(
        lead_page, live_server, reviewer, other_reviewer, screenshot):
    article = ArticleFactory(title="Tram line delayed again", text=TEXT)
    claim = make_claim(article, source="The transit board",
                       content="the new tram line will open in September")
    verdict_submit(claim=claim, reviewer=reviewer, label="confirmed",
                   rationale="The board's press release repeats the date.",
                   evidence_links=["https://example.org/board-release"])
    verdict_submit(claim=claim, reviewer=other_reviewer, label="contested",
                   rationale="The contractor's update moves the date to next year.")
    page = lead_page
    page.goto(f"{live_server.url}/lead/disagreements/")
    card = page.locator(f"#claim-{claim.pk}")
    expect(card.get_by_test_id("verdict")).to_have_count(2)
    expect(card).to_contain_text("The contractor's update moves the date to next year.")
    link = card.get_by_role("link", name="https://example.org/board-release")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    screenshot(page, "lead-disagreements")

    card.get_by_label("Contested").check()
    card.get_by_label("Reason").select_option("guideline_gap")
    card.get_by_role("button", name="Record the final verdict").click()
    refused = page.get_by_test_id("adjudication-refused")
    expect(refused).to_contain_text("needs an explanation")
    assert not FinalVerdict.objects.exists()

    card = page.locator(f"#claim-{claim.pk}")
    card.get_by_label("Explanation").fill("The guidelines do not say how to weigh a "
                                          "contractor against the board.")
    card.get_by_role("button", name="Record the final verdict").click()
    expect(page.locator(".message")).to_contain_text("Final verdict on claim")
    expect(page.locator(f"#claim-{claim.pk}")).to_have_count(0)
    expect(page.locator(".recently-decided")).to_contain_text("Contested")
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.FINAL

    page.goto(f"{live_server.url}{claim.get_absolute_url()}")
    final = page.get_by_test_id("final-verdict")
    expect(final).to_contain_text("Final verdict: Contested")
    expect(final).to_contain_text("by lead1")
    screenshot(page, "final-verdict-panel")
    page.get_by_label("Why reopen").fill("The board published a new timetable.")
    page.get_by_role("button", name="Reopen the final verdict").click()
    expect(page.locator(".message")).to_contain_text("Final verdict reopened")
    expect(page.get_by_test_id("final-verdict")).to_have_count(0)
    assert list(FinalVerdictChange.objects.order_by("id").values_list("action", flat=True)) \
        == ["adjudicate", "reopen"]
