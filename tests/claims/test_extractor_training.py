"""Training the extractor on the desk's reviewed claims: the examples, the held-out split, the
command end to end, the activation rule, and the extractor segmentation then runs."""

import logging
import shutil
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from claims import services
from claims.extractors import current_extractor, extractor_in_use, model_path
from claims.models import Article, Claim, TrainedExtractor
from claims.selectors import holdout_split, training_examples
from claims.services import (
    article_create,
    claim_add,
    claim_reject,
    claim_spans_update,
    segmentation_run,
)
from tests.factories import ArticleFactory, make_claim
from tests.fictional_desk import ARTICLES, finished_copy, reviewed_desk

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def model_dir(settings, tmp_path):
    settings.CLAIMDESK_MODEL_DIR = tmp_path / "models"
    return settings.CLAIMDESK_MODEL_DIR


@pytest.fixture
def desk(reviewer, other_reviewer):
    return reviewed_desk(reviewer=reviewer, other_reviewer=other_reviewer)


NEW_ARTICLE = ("Tenants of the Larkspur flats grumbled that the heating had failed again. "
               "The landlord said an engineer would call on Tuesday.")


def segment(text: str) -> Article:
    article = article_create(title="Heating", text=text).article
    segmentation_run(article_id=article.pk)
    article.refresh_from_db()
    return article


# --- Examples -------------------------------------------------------------------------------
def test_examples_are_the_claims_as_reviewers_left_them(reviewer):
    text = "The mayor said the ferry runs daily. The guild said it does not. A sign said no."
    article = ArticleFactory(text=text)
    kept = make_claim(article, content="the ferry runs daily", source="The mayor",
                      origin=Claim.Origin.MACHINE)
    rejected = make_claim(article, content="no", occurrence=2, origin=Claim.Origin.MACHINE)
    claim_reject(claim=rejected, actor=reviewer, expected_version=None)
    daily = text.index("the ferry runs daily")
    claim_spans_update(claim=kept, role="content", spans=[(daily, daily + len("the ferry"))],
                       actor=reviewer, expected_version=None)
    said = text.index("said", daily)
    claim_add(article=article, source_spans=[(said - 10, said - 1)], cue_spans=[(said, said + 4)],
              content_spans=[(said + 5, said + 16)], actor=reviewer)

    [example] = training_examples([article.pk])

    mayor, guild = text.index("The mayor"), text.index("The guild")
    sign_said = text.index("said", said + 1)
    assert example == {
        "id": str(article.pk),
        "text": text,
        "attributions": [
            {"source": [[mayor, mayor + 9]], "cue": [[mayor + 10, mayor + 14]],
             "content": [[daily, daily + 9]]},  # the corrected content
            {"source": [[guild, guild + 9]], "cue": [[said, said + 4]],
             "content": [[said + 5, said + 16]]},  # added by the reviewer
        ],
        "negatives": [{"source": [], "cue": [[sign_said, sign_said + 4]],
                       "content": [[sign_said + 5, sign_said + 7]]}],
    }


def test_the_held_out_articles_are_the_same_from_one_run_to_the_next():
    ids = list(range(1, 201))
    training, held = holdout_split(ids, 0.2)
    assert sorted(training + held) == ids
    assert not set(training) & set(held)
    assert len(held) == 40
    assert holdout_split(ids[::-1], 0.2)[1] == held[::-1]  # the same articles, whatever order
    # A larger fraction holds out more of the same order: the 0.2 run's articles stay held out.
    assert set(held) < set(holdout_split(ids, 0.3)[1])


@pytest.mark.parametrize(("n", "fraction", "n_held"), [
    (12, 0.2, 2), (12, 0.3, 4), (12, 0.5, 6), (10, 0.25, 3), (10, 0.35, 4), (3, 0.2, 1)])
def test_the_held_out_share_is_the_fraction_rounded_to_whole_articles(n, fraction, n_held):
    # A hash of each id compared with the fraction held out 2 of 12 at 0.3 as at 0.2.
    training, held = holdout_split(list(range(1, n + 1)), fraction)
    assert (len(training), len(held)) == (n - n_held, n_held)


def test_at_least_one_article_is_held_out_and_one_learned_from():
    assert [len(side) for side in holdout_split([7, 8], 0.01)] == [1, 1]
    assert [len(side) for side in holdout_split([7, 8], 0.99)] == [1, 1]
    with pytest.raises(ValueError, match="at least 2 needed"):
        holdout_split([7], 0.2)


# --- The command ------------------------------------------------------------------------------
def test_train_extractor_sync_trains_reports_activates_and_segmentation_uses_it(desk, capsys):
    unreviewed = segment("The port authority said dredging would start in June. "
                         "Sailors grumbled that the channel was already too shallow.")
    before = segment(NEW_ARTICLE)
    assert before.extractor_version.startswith("rules-")
    assert not before.claims.filter(spans__role="cue", spans__start=NEW_ARTICLE.index(
        "grumbled")).exists()

    call_command("train_extractor", "--sync")

    out = capsys.readouterr().out
    run = TrainedExtractor.objects.get()
    assert run.status == TrainedExtractor.Status.DONE
    assert run.active
    assert not run.forced
    assert run.training_articles + run.heldout_articles == len(desk)  # not the unreviewed one
    assert run.heldout_articles >= 1
    assert run.training_attributions >= 2 * run.training_articles
    assert run.learned_f1 > run.rules_f1 == run.baseline_f1  # the rules miss "grumbled"
    assert f"{100 * run.learned_f1:5.1f}" in out
    assert f"{100 * run.rules_f1:5.1f}" in out
    assert "Activated" in out
    assert run.version in out
    assert run.version.startswith(f"learned-{run.pk}-")
    assert "+rules-" in run.version
    assert (model_path(run.directory) / "meta.json").is_file()

    after = segment(NEW_ARTICLE.replace("Larkspur", "Bellweather"))
    assert after.extractor_version == run.version
    grumbled = NEW_ARTICLE.index("grumbled") + len("Bellweather") - len("Larkspur")
    assert after.claims.filter(spans__role="cue", spans__start=grumbled).exists()
    assert unreviewed.extractor_version.startswith("rules-")


def test_train_extractor_holds_out_the_fraction_asked_for_in_whole_articles(
        reviewer, other_reviewer, capsys):
    reviewed_desk(reviewer=reviewer, other_reviewer=other_reviewer, articles=ARTICLES[:12])
    call_command("train_extractor", "--sync", "--holdout", "0.3")
    run = TrainedExtractor.objects.get()
    assert (run.training_articles, run.heldout_articles) == (8, 4)  # 3.6 held out: 4
    assert "measured on 4 held-out articles" in capsys.readouterr().out


def test_train_extractor_without_sync_queues_a_run_and_says_how_to_follow_it(desk, capsys):
    call_command("train_extractor", "--holdout", "0.3")
    run = TrainedExtractor.objects.get()
    assert run.status == TrainedExtractor.Status.QUEUED
    assert run.holdout == 0.3
    assert f"Training run {run.pk} queued" in capsys.readouterr().out


def test_too_little_reviewed_data_is_refused_with_a_message_and_saves_nothing(reviewer,
                                                                              other_reviewer):
    reviewed_desk(reviewer=reviewer, other_reviewer=other_reviewer, articles=ARTICLES[:1])
    with pytest.raises(CommandError, match="Too little reviewed data"):
        call_command("train_extractor", "--sync")
    assert not TrainedExtractor.objects.exists()


def test_too_few_attributions_to_learn_from_are_refused_before_a_run_is_queued(
        reviewer, other_reviewer):
    # Three articles: one held out, two left with four attributions, under the learner's five.
    # This passed the check and the run failed once a worker had started it.
    reviewed_desk(reviewer=reviewer, other_reviewer=other_reviewer, articles=ARTICLES[:3])
    with pytest.raises(CommandError) as refused:
        call_command("train_extractor")
    message = str(refused.value)
    assert "the 2 articles left to learn from (of 3 fully reviewed, 1 held out" in message
    assert "hold 4 attributions, at least 5 needed" in message
    assert "Nothing was queued." in message
    assert not TrainedExtractor.objects.exists()


def test_the_held_out_fraction_asked_for_decides_what_is_left_to_learn_from(
        reviewer, other_reviewer, capsys):
    # Four articles: at 0.2 one is held out and three (six attributions) teach; at 0.5 two
    # are, and the other two hold four attributions.
    reviewed_desk(reviewer=reviewer, other_reviewer=other_reviewer, articles=ARTICLES[:4])
    with pytest.raises(CommandError, match="hold 4 attributions, at least 5 needed"):
        call_command("train_extractor", "--holdout", "0.5")
    call_command("train_extractor", "--holdout", "0.2")
    assert TrainedExtractor.objects.get().status == TrainedExtractor.Status.QUEUED


@pytest.mark.parametrize("holdout", ["0", "1", "1.5", "nan"])
def test_a_held_out_fraction_outside_zero_to_one_is_refused(holdout):
    with pytest.raises(CommandError, match="between 0 and 1"):
        call_command("train_extractor", "--holdout", holdout)
    assert not TrainedExtractor.objects.exists()


# --- Activation -------------------------------------------------------------------------------
def test_a_model_that_does_not_beat_the_active_one_is_not_activated(desk):
    call_command("train_extractor", "--sync")
    first = TrainedExtractor.objects.get(active=True)

    call_command("train_extractor", "--sync")  # the same data: the same figures, no better

    second = TrainedExtractor.objects.exclude(pk=first.pk).get()
    assert second.status == TrainedExtractor.Status.DONE
    assert not second.active
    assert second.baseline_f1 == first.learned_f1
    assert second.baseline_version == first.version
    assert TrainedExtractor.objects.get(active=True) == first
    assert segment(NEW_ARTICLE).extractor_version == first.version


def test_force_activates_a_model_that_did_not_beat_and_records_the_lead(desk, lead, reviewer):
    call_command("train_extractor", "--sync")
    first = TrainedExtractor.objects.get(active=True)

    with pytest.raises(CommandError, match="Only a lead"):
        call_command("train_extractor", "--sync", "--force", "--user", reviewer.username)
    with pytest.raises(CommandError, match="--force needs --user"):
        call_command("train_extractor", "--sync", "--force")
    call_command("train_extractor", "--sync", "--force", "--user", lead.username)

    forced = TrainedExtractor.objects.get(active=True)
    assert forced != first
    assert forced.forced
    assert forced.activated_by == lead
    assert TrainedExtractor.objects.count() == 2  # the refused ones saved nothing


def test_only_a_lead_activates_a_model_by_hand(desk, lead, reviewer):
    call_command("train_extractor", "--sync")
    second = finished_copy(TrainedExtractor.objects.get(active=True))
    with pytest.raises(ValidationError, match="Only a lead"):
        services.trained_extractor_activate(trained_extractor=second, actor=reviewer)
    services.trained_extractor_activate(trained_extractor=second, actor=lead)
    second.refresh_from_db()
    assert second.active
    assert second.forced
    assert second.activated_by == lead
    assert TrainedExtractor.objects.filter(active=True).count() == 1


# --- The extractor in use ---------------------------------------------------------------------
def test_with_no_trained_model_the_rules_run_alone():
    assert current_extractor().version.startswith("rules-")
    assert extractor_in_use().problem == ""


def test_a_missing_model_folder_leaves_the_rules_alone_with_a_warning(desk, caplog):
    call_command("train_extractor", "--sync")
    run = TrainedExtractor.objects.get(active=True)
    shutil.rmtree(model_path(run.directory))

    with caplog.at_level(logging.WARNING, logger="claims.extractors"):
        article = segment(NEW_ARTICLE)

    assert article.extractor_version.startswith("rules-")
    assert f"active trained model {run.pk} cannot be used" in caplog.text
    assert "rules run alone" in extractor_in_use().problem


def test_a_corrupt_model_leaves_the_rules_alone(desk):
    call_command("train_extractor", "--sync")
    run = TrainedExtractor.objects.get(active=True)
    (model_path(run.directory) / "weights.npz").write_bytes(b"not weights")
    assert extractor_in_use().problem
    assert current_extractor().version.startswith("rules-")


def test_a_failing_run_is_marked_failed_with_its_message_and_changes_nothing(desk, settings,
                                                                             reviewer):
    call_command("train_extractor", "--sync")
    active = TrainedExtractor.objects.get(active=True)
    run = services.trained_extractor_queue(created_by=reviewer, queue=False)
    settings.CLAIMDESK_REVIEWED_ARTICLES = f"{__name__}.no_articles"

    run = services.trained_extractor_run(trained_extractor_id=run.pk)

    assert run.status == TrainedExtractor.Status.FAILED
    assert "Too little reviewed data" in run.error
    assert not run.active
    assert TrainedExtractor.objects.get(active=True) == active


def no_articles():
    return Article.objects.none()


def test_a_run_past_its_time_limit_is_marked_failed_and_says_so(desk, settings, reviewer):
    from claims.tasks import train_extractor

    run = services.trained_extractor_queue(created_by=reviewer, queue=False)
    settings.CLAIMDESK_REVIEWED_ARTICLES = f"{__name__}.out_of_time"

    train_extractor.apply(args=[run.pk])

    run.refresh_from_db()
    assert run.status == TrainedExtractor.Status.FAILED
    assert "Training took longer than" in run.error


def out_of_time():
    from celery.exceptions import SoftTimeLimitExceeded

    raise SoftTimeLimitExceeded()


def _aged(run: TrainedExtractor, **ago: timedelta) -> TrainedExtractor:
    now = timezone.now()
    TrainedExtractor.objects.filter(pk=run.pk).update(
        **{field: now - delta for field, delta in ago.items()})
    run.refresh_from_db()
    return run


def test_a_run_whose_worker_died_is_failed_by_the_sweep_once_past_its_hard_time_limit(
        desk, settings, reviewer):
    settings.CLAIMDESK_TRAINING_TIME_LIMIT = 600
    run = services.trained_extractor_queue(created_by=reviewer, queue=False)
    TrainedExtractor.objects.filter(pk=run.pk).update(status=TrainedExtractor.Status.RUNNING)
    # Within the task's hard time limit (600 + 60 s) a worker may still be at it.
    _aged(run, created_at=timedelta(minutes=12), started_at=timedelta(minutes=11))
    assert services.trained_extractors_settle_stale() == {"failed": [], "resent": []}
    with pytest.raises(ValidationError, match="already running"):
        services.trained_extractor_queue(created_by=reviewer, queue=False)

    _aged(run, started_at=timedelta(seconds=600 + 60 + 121))
    assert services.trained_extractors_settle_stale() == {"failed": [run.pk], "resent": []}
    run.refresh_from_db()
    assert run.status == TrainedExtractor.Status.FAILED
    assert "Its worker stopped before the run finished" in run.error
    assert not TrainedExtractor.objects.filter(active=True).exists()
    # The desk may train again at once.
    assert services.trained_extractor_queue(created_by=reviewer, queue=False).pk != run.pk


def test_a_queued_run_whose_message_was_lost_is_sent_again_and_trained(
        desk, reviewer, monkeypatch, django_capture_on_commit_callbacks):
    from claims.tasks import train_extractor
    from tests.claims.test_tasks import BrokerDown

    monkeypatch.setattr(train_extractor, "apply_async", BrokerDown())
    with django_capture_on_commit_callbacks(execute=True):  # Redis down: no error, stays queued
        run = services.trained_extractor_queue(created_by=reviewer)
    run.refresh_from_db()
    assert run.status == TrainedExtractor.Status.QUEUED
    monkeypatch.undo()  # Redis is back

    assert services.trained_extractors_settle_stale() == {"failed": [], "resent": []}  # soon
    _aged(run, created_at=timedelta(minutes=16))
    assert services.trained_extractors_settle_stale() == {"failed": [], "resent": [run.pk]}
    run.refresh_from_db()
    assert run.status == TrainedExtractor.Status.DONE  # the eager worker trained it
    assert run.active  # the first model, and it beats the rules on the fictional desk

    # A copy of the message arriving late finds the run done and leaves it alone.
    train_extractor.apply(args=[run.pk])
    assert TrainedExtractor.objects.get(pk=run.pk).finished_at == run.finished_at


def test_a_run_no_worker_took_for_hours_is_failed_with_the_reason(desk, reviewer):
    run = _aged(services.trained_extractor_queue(created_by=reviewer, queue=False),
                created_at=timedelta(hours=6, minutes=1))
    assert services.trained_extractors_settle_stale() == {"failed": [run.pk], "resent": []}
    run.refresh_from_db()
    assert run.status == TrainedExtractor.Status.FAILED
    assert "No worker took this run in 6 hours" in run.error
