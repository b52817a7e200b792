"""The leads' extractor page: what runs now, the training runs, Train now, Activate."""

import shutil
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from claims.extractors import model_path
from claims.models import TrainedExtractor
from tests.fictional_desk import ARTICLES, finished_copy, reviewed_desk

pytestmark = pytest.mark.django_db

URL = reverse("annotations:lead-extractor")


@pytest.fixture(autouse=True)
def model_dir(settings, tmp_path):
    settings.CLAIMDESK_MODEL_DIR = tmp_path / "models"


@pytest.fixture
def small_desk(reviewer, other_reviewer):
    """The fewest articles Train now accepts: one held out, three (six attributions) to learn
    from, at least the learner's minimum."""
    return reviewed_desk(reviewer=reviewer, other_reviewer=other_reviewer,
                         articles=ARTICLES[:4])


def test_a_reviewer_is_refused_the_page_and_its_actions(logged_in):
    assert logged_in.get(URL).status_code == 403
    assert logged_in.post(URL, {"action": "train"}).status_code == 403
    assert not TrainedExtractor.objects.exists()


def test_a_lead_sees_the_rules_alone_in_use_and_too_little_data(logged_in_lead):
    response = logged_in_lead.get(URL)
    page = response.content.decode()
    assert response.status_code == 200
    assert "the rules alone, no trained model is active" in page
    assert 'data-testid="too-little-data"' in page
    assert "Train now" not in page


def test_too_few_attributions_to_learn_from_are_said_before_train_now(
        logged_in_lead, reviewer, other_reviewer):
    # Two articles and more passed: the run was queued and failed in the worker.
    reviewed_desk(reviewer=reviewer, other_reviewer=other_reviewer, articles=ARTICLES[:3])
    page = logged_in_lead.get(URL).content.decode()
    assert 'data-testid="too-little-data"' in page
    assert "hold 4 attributions, at least 5 needed" in page
    assert "Train now" not in page
    response = logged_in_lead.post(URL, {"action": "train"}, follow=True)
    assert "hold 4 attributions, at least 5 needed" in response.content.decode()
    assert not TrainedExtractor.objects.exists()


def test_the_lead_desk_links_to_the_page(logged_in_lead):
    assert URL in logged_in_lead.get(reverse("annotations:lead-dashboard")).content.decode()


def test_train_now_queues_a_task_and_never_trains_in_the_request(
        logged_in_lead, lead, small_desk, django_capture_on_commit_callbacks):
    assert "Train now" in logged_in_lead.get(URL).content.decode()
    with django_capture_on_commit_callbacks() as queued:
        response = logged_in_lead.post(URL, {"action": "train"})
    assert response.status_code == 302
    run = TrainedExtractor.objects.get()
    assert run.status == TrainedExtractor.Status.QUEUED
    assert run.created_by == lead
    assert len(queued) == 1  # the task, sent once the run is committed

    page = logged_in_lead.get(URL).content.decode()
    assert f"Training run {run.pk} queued" in page
    assert 'hx-trigger="every 2s"' in page  # follows the run's progress
    assert "Train now" not in page  # one run at a time


def test_train_now_with_too_little_data_says_so_and_saves_nothing(logged_in_lead):
    response = logged_in_lead.post(URL, {"action": "train"}, follow=True)
    assert "Too little reviewed data" in response.content.decode()
    assert not TrainedExtractor.objects.exists()


def test_the_poll_gets_the_runs_alone_with_their_progress(logged_in_lead, lead, small_desk,
                                                         django_assert_max_num_queries):
    run = TrainedExtractor.objects.create(created_by=lead, status="running", progress=42,
                                          stage="features")
    for _ in range(3):
        TrainedExtractor.objects.create(created_by=lead, status="failed", error="Too little.")
    # The session, the user and roles, the runs, the run in progress: the same for any number
    # of runs, and nothing counted over the desk.
    with django_assert_max_num_queries(5):
        response = logged_in_lead.get(URL, {"following": run.pk},
                                      headers={"HX-Request": "true", "HX-Target": "training-runs"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="training-runs"')
    assert f'hx-get="{URL}?following={run.pk}"' in html
    assert f'data-testid="run-{run.pk}"' in html
    assert 'value="42"' in html
    assert "features" in html
    assert "<h1" not in html


def test_once_the_followed_run_ends_the_poll_swaps_the_whole_status_area(
        logged_in_lead, lead, small_desk):
    run = TrainedExtractor.objects.create(created_by=lead, status="running", progress=90)
    page = logged_in_lead.get(URL).content.decode()
    assert "A training run is on its way" in page
    assert "Train now" not in page

    TrainedExtractor.objects.filter(pk=run.pk).update(status="failed", error="Too little.")
    response = logged_in_lead.get(URL, {"following": run.pk},
                                  headers={"HX-Request": "true", "HX-Target": "training-runs"})

    html = response.content.decode()
    assert response["HX-Retarget"] == "#extractor-status"
    assert response["HX-Reswap"] == "outerHTML"
    assert html.lstrip().startswith('<div id="extractor-status"')
    assert "A training run is on its way" not in html
    assert "Train now" in html
    assert 'data-testid="in-use"' in html
    assert 'hx-trigger="every 2s"' not in html  # nothing left to follow
    assert "<h1" not in html


def test_a_poll_that_finds_another_run_started_refreshes_the_status_and_follows_that_one(
        logged_in_lead, lead, small_desk):
    ended = TrainedExtractor.objects.create(created_by=lead, status="done", progress=100)
    started = TrainedExtractor.objects.create(created_by=lead, status="queued")
    response = logged_in_lead.get(URL, {"following": ended.pk},
                                  headers={"HX-Request": "true", "HX-Target": "training-runs"})
    html = response.content.decode()
    assert response["HX-Retarget"] == "#extractor-status"
    assert "A training run is on its way" in html
    assert f'hx-get="{URL}?following={started.pk}"' in html


def test_a_lead_activates_a_finished_model_and_the_page_shows_its_figures(
        logged_in_lead, lead, reviewer, other_reviewer):
    reviewed_desk(reviewer=reviewer, other_reviewer=other_reviewer)
    call_command("train_extractor", "--sync")
    first = TrainedExtractor.objects.get()
    second = finished_copy(first)  # no better: not activated
    page = logged_in_lead.get(URL).content.decode()
    assert first.version in page
    assert "did not beat the model in use then" in page

    logged_in_lead.post(URL, {"action": "activate", "run": second.pk, "confirm": "yes"})

    second.refresh_from_db()
    assert second.active
    assert second.activated_by == lead
    assert second.forced
    page = logged_in_lead.get(URL).content.decode()
    assert f"Trained model {second.pk}" in page
    assert "forced" in page
    assert f"F1 {round(100 * second.learned_f1, 1)}%" in page


def _finished_run(*, learned_f1: float, baseline_f1: float, **fields) -> TrainedExtractor:
    return TrainedExtractor.objects.create(
        status="done", finished_at=timezone.now(), directory=f"run-{learned_f1}",
        version="learned-test", learned_f1=learned_f1, baseline_f1=baseline_f1,
        rules_f1=baseline_f1, baseline_version="rules-test", heldout_articles=3, **fields)


def test_activating_a_model_that_scored_lower_asks_first_with_both_figures(logged_in_lead,
                                                                           lead):
    worse = _finished_run(learned_f1=0.933, baseline_f1=1.0)
    model_path(worse.directory).mkdir(parents=True)
    page = logged_in_lead.get(URL).content.decode()
    link = f'href="{URL}?activate={worse.pk}#activate-confirm"'
    assert link in page  # a link to the question, not a form that activates
    assert 'name="confirm"' not in page

    # The question, with no JavaScript: a page of its own, or what a bare POST gets.
    asked = logged_in_lead.get(URL, {"activate": worse.pk})
    posted = logged_in_lead.post(URL, {"action": "activate", "run": worse.pk})
    for response in (asked, posted):
        html = response.content.decode()
        assert response.status_code == 200
        assert f"Activate trained model {worse.pk} anyway?" in html
        assert "it scored <strong>F1 93.3%</strong>, lower than the extractor in use" in html
        assert "<strong>F1 100.0%</strong> on the same articles" in html
        assert 'name="confirm" value="yes"' in html
    worse.refresh_from_db()
    assert not worse.active

    response = logged_in_lead.post(URL, {"action": "activate", "run": worse.pk,
                                         "confirm": "yes"})

    assert response.status_code == 302
    worse.refresh_from_db()
    assert (worse.active, worse.forced, worse.activated_by) == (True, True, lead)


def test_a_model_that_beat_the_one_in_use_activates_in_one_click(logged_in_lead, lead):
    better = _finished_run(learned_f1=0.9, baseline_f1=0.8)
    model_path(better.directory).mkdir(parents=True)
    page = logged_in_lead.get(URL).content.decode()
    assert f"?activate={better.pk}" not in page

    response = logged_in_lead.post(URL, {"action": "activate", "run": better.pk})

    assert response.status_code == 302
    better.refresh_from_db()
    assert (better.active, better.forced) == (True, False)
    # Nothing to confirm: the question's address goes back to the page.
    assert logged_in_lead.get(URL, {"activate": better.pk}).status_code == 302


def test_back_to_the_rules_alone(logged_in_lead, reviewer, other_reviewer):
    reviewed_desk(reviewer=reviewer, other_reviewer=other_reviewer)
    call_command("train_extractor", "--sync")
    logged_in_lead.post(URL, {"action": "rules"})
    assert not TrainedExtractor.objects.filter(active=True).exists()


def test_the_page_says_when_the_active_model_cannot_be_loaded(logged_in_lead, reviewer,
                                                              other_reviewer):
    reviewed_desk(reviewer=reviewer, other_reviewer=other_reviewer)
    call_command("train_extractor", "--sync")
    shutil.rmtree(model_path(TrainedExtractor.objects.get(active=True).directory))
    page = logged_in_lead.get(URL).content.decode()
    assert 'data-testid="model-problem"' in page
    assert "the rules run alone" in page


def test_an_unknown_action_or_run_changes_nothing(logged_in_lead):
    assert logged_in_lead.post(URL, {"action": "explode"}).status_code == 302
    assert logged_in_lead.post(URL, {"action": "activate", "run": "x"}).status_code == 404
    assert not TrainedExtractor.objects.exists()


def test_a_run_lost_for_hours_is_shown_so_and_does_not_block_training(logged_in_lead, lead,
                                                                      small_desk):
    run = TrainedExtractor.objects.create(created_by=lead, status="running", progress=10)
    TrainedExtractor.objects.filter(pk=run.pk).update(
        created_at=timezone.now() - timedelta(hours=7))
    page = logged_in_lead.get(URL).content.decode()
    assert "Still running past its time limit: its worker was stopped." in page
    assert "Train now" in page
    assert 'hx-trigger="every 2s"' not in page
