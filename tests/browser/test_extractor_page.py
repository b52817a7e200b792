"""A lead follows a training run on /lead/extractor/: the progress updates in place (htmx
poll) until the run is done, without reloading the page."""

import pytest
from playwright.sync_api import expect

from claims.models import TrainedExtractor

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
