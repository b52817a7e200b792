"""A lead follows a training run on /lead/extractor/: the progress updates in place (htmx
poll) until the run is done, and then the status above the runs with it, without reloading the
page."""

import pytest
from playwright.sync_api import expect

from claims.models import TrainedExtractor
from tests.fictional_desk import ARTICLES, reviewed_desk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_runs_table_follows_a_running_training_run(page_as, live_server, lead, screenshot):
    run = TrainedExtractor.objects.create(created_by=lead, status="running", progress=30,
                                          stage="features")
    page = page_as(lead)
    page.goto(f"{live_server.url}/lead/extractor/")
    row = page.get_by_test_id(f"run-{run.pk}")
    expect(row).to_contain_text("30%")
    expect(row).to_contain_text("features")

    TrainedExtractor.objects.filter(pk=run.pk).update(progress=80, stage="Measuring")
    expect(row).to_contain_text("80%")
    TrainedExtractor.objects.filter(pk=run.pk).update(
        status="done", progress=100, learned_precision=0.9, learned_recall=0.8,
        learned_f1=0.847, rules_precision=0.9, rules_recall=0.5, rules_f1=0.643,
        baseline_f1=0.643)
    expect(row).to_contain_text("84.7")
    expect(row).not_to_contain_text("None")  # a figure not recorded shows as a dash
    expect(row.get_by_role("button", name="Activate")).to_be_visible()
    screenshot(page, "lead-extractor-run-done")
    assert page.js_errors == []


def test_when_the_run_ends_the_status_above_the_runs_follows_without_a_reload(
        page_as, live_server, lead, reviewer, other_reviewer):
    # One held out, three with six attributions to learn from: enough for Train now.
    reviewed_desk(reviewer=reviewer, other_reviewer=other_reviewer, articles=ARTICLES[:4])
    run = TrainedExtractor.objects.create(created_by=lead, status="running", progress=60)
    page = page_as(lead)
    page.goto(f"{live_server.url}/lead/extractor/")
    status = page.get_by_test_id("extractor-status")
    expect(status).to_contain_text("A training run is on its way")
    expect(page.get_by_role("button", name="Train now")).to_have_count(0)
    page.evaluate("window.loadedOnce = true")  # gone if the page were reloaded

    TrainedExtractor.objects.filter(pk=run.pk).update(
        status="done", progress=100, learned_f1=0.5, rules_f1=0.6, baseline_f1=0.6)

    expect(page.get_by_test_id(f"run-{run.pk}")).to_contain_text("done")
    expect(page.get_by_role("button", name="Train now")).to_be_visible()
    expect(status).not_to_contain_text("A training run is on its way")
    assert page.evaluate("window.loadedOnce") is True
    assert page.locator("[hx-trigger]").count() == 0
    assert page.js_errors == []
