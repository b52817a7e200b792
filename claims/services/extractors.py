"""Training the extractor on the desk's reviewed claims, and choosing the model that runs.

A lead (the page, or manage.py train_extractor) queues a run; a worker trains it
(trained_extractor_run): the reviewed articles, less a held-out fraction, teach a learned
model (claims.extraction.learned), which is then scored on the held-out articles beside the
rules alone and the model active at the time. It becomes the active model only when its F1
there beats the active one's (the rules' when none is), or when a lead forces it.
"""

import logging
import math
import shutil
import uuid
from datetime import timedelta
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from claims.access import is_lead
from claims.extractors import (
    ExtractorInUse,
    extractor_in_use,
    model_label,
    model_path,
    rules_extractor,
)
from claims.models import DEFAULT_HOLDOUT, TrainedExtractor
from claims.selectors import (
    TRAINING_RUN_WAITS_AT_MOST,
    trained_extractor_beats_baseline,
    trained_extractor_run_in_progress,
    trained_extractor_runs_unfinished,
    training_examples,
    training_run_lost,
    training_split,
)
from claims.services.queueing import task_publish

logger = logging.getLogger(__name__)



class TrainingRefused(ValueError):
    """Nothing can be trained: too little reviewed data, or the learner found nothing to learn."""


def holdout_validate(fraction: float) -> float:
    if not (isinstance(fraction, int | float) and math.isfinite(fraction) and 0 < fraction < 1):
        raise ValidationError(f"The held-out fraction must lie between 0 and 1 (exclusive), "
                              f"e.g. 0.2; got {fraction!r}. Nothing was queued.")
    return float(fraction)


@transaction.atomic
def trained_extractor_queue(*, created_by, holdout: float = DEFAULT_HOLDOUT, force: bool = False,
                            queue: bool = True) -> TrainedExtractor:
    """A new training run, queued for a worker (queue=False: the caller runs it itself).
    Refused, with nothing saved, when a run is already on its way, when the desk has too
    little reviewed data for this held-out fraction (claims.selectors.training_split), or when
    someone who is not a lead asks to force activation."""
    holdout = holdout_validate(holdout)
    if force and not is_lead(created_by):
        raise ValidationError("Only a lead may activate a model whatever its figures "
                              "(--force needs --user naming a lead). Nothing was queued.")
    # Serialise queuing: two leads pressing "Train now" at once get one run.
    list(TrainedExtractor.objects.select_for_update().filter(
        status__in=[TrainedExtractor.Status.QUEUED, TrainedExtractor.Status.RUNNING]))
    running = trained_extractor_run_in_progress()
    if running is not None:
        raise ValidationError(f"Training run {running.pk} is already "
                              f"{running.get_status_display().lower()}: wait for it to finish. "
                              "Nothing was queued.")
    shortfall = training_split(holdout=holdout).shortfall
    if shortfall:
        raise ValidationError(f"{shortfall} Nothing was queued.")
    run = TrainedExtractor.objects.create(
        created_by=created_by if getattr(created_by, "pk", None) else None,
        holdout=holdout, force=force, stage="Waiting for a worker")
    if queue:
        transaction.on_commit(partial(_publish, run.pk))
    return run


def _publish(trained_extractor_id: int) -> None:
    from claims.tasks import train_extractor

    # Broker down: the run stays queued and trained_extractors_settle_stale sends it again.
    task_publish(train_extractor, trained_extractor_id,
                 what=f"Training run {trained_extractor_id}")


# A queued run is sent to the broker again after this long (its message lost with a Redis that
# restarted without persistence, or never sent because Redis was down). Sending it twice costs
# nothing: only the first worker to start it finds it queued (_start).
TRAINING_RUN_RESEND_AFTER = timedelta(minutes=15)
LOST_RUNNING = ("Its worker stopped before the run finished (killed, out of memory or "
                "restarted): nothing was activated. Train again.")
LOST_QUEUED = ("No worker took this run in {hours} hours: is a Celery worker running? "
               "Nothing was trained. Train again.")


def trained_extractors_settle_stale(*, now=None) -> dict[str, list[int]]:
    """Beat's sweep of training runs: a lost run (claims.selectors.training_run_lost) is marked
    failed with the reason, so the page says what happened and the desk may train again; a
    run queued for a while is sent to the broker again."""
    now = now or timezone.now()
    failed, resent = [], []
    for run in trained_extractor_runs_unfinished():
        if training_run_lost(status=run.status, created_at=run.created_at,
                             started_at=run.started_at, now=now):
            message = (LOST_RUNNING if run.status == TrainedExtractor.Status.RUNNING else
                       LOST_QUEUED.format(hours=int(TRAINING_RUN_WAITS_AT_MOST.total_seconds()
                                                    // 3600)))
            # Only if nothing moved it meanwhile (a worker finishing it at this very moment).
            if TrainedExtractor.objects.filter(pk=run.pk, status=run.status).update(
                    status=TrainedExtractor.Status.FAILED, finished_at=now, error=message,
                    active=False):
                failed.append(run.pk)
        elif (run.status == TrainedExtractor.Status.QUEUED
              and run.created_at < now - TRAINING_RUN_RESEND_AFTER):
            _publish(run.pk)
            resent.append(run.pk)
    return {"failed": failed, "resent": resent}


def _start(trained_extractor_id: int) -> TrainedExtractor | None:
    """Mark a queued run running; None when it is not queued (done, failed, already taken)."""
    with transaction.atomic():
        run = (TrainedExtractor.objects.select_for_update()
               .filter(pk=trained_extractor_id, status=TrainedExtractor.Status.QUEUED).first())
        if run is None:
            return None
        run.status = TrainedExtractor.Status.RUNNING
        run.started_at = timezone.now()
        run.progress, run.stage = 0, "Reading the reviewed articles"
        run.save(update_fields=["status", "started_at", "progress", "stage"])
    return run


def _progress(trained_extractor_id: int, percent: int, stage: str) -> None:
    TrainedExtractor.objects.filter(pk=trained_extractor_id).update(
        progress=max(0, min(100, percent)), stage=stage[:200])


def trained_extractor_fail(*, trained_extractor_id: int, message: str) -> None:
    TrainedExtractor.objects.filter(pk=trained_extractor_id).update(
        status=TrainedExtractor.Status.FAILED, finished_at=timezone.now(),
        error=message[:5000], active=False)


def trained_extractor_run(*, trained_extractor_id: int,
                          reraise: tuple[type[BaseException], ...] = ()
                          ) -> TrainedExtractor | None:
    """Train, measure and (if it beats the active model, or a lead forced it) activate the
    queued run; a run that is not queued is left alone (a redelivered task). Any error marks
    the run failed with its message, except `reraise`, which the caller (the task) handles;
    the active model stays as it was. Not atomic: progress is written as it goes, for the
    page to show."""
    run = _start(trained_extractor_id)
    if run is None:
        return None
    try:
        _train_measure_activate(run)
    except reraise:
        raise
    except TrainingRefused as exc:
        trained_extractor_fail(trained_extractor_id=run.pk, message=str(exc))
    except Exception as exc:
        logger.exception("Training run %s failed", run.pk)
        message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        trained_extractor_fail(trained_extractor_id=run.pk, message=message)
    run.refresh_from_db()
    return run


class _Progress:
    """The learner's progress(done, total, stage) as the run's percent within [low, high),
    written only when the percent or the stage moves."""

    def __init__(self, run_id: int, low: int, high: int):
        self.run_id, self.low, self.high, self.last = run_id, low, high, None

    def __call__(self, done: int, total: int, stage: str) -> None:
        share = done / total if total else 0
        percent = self.low + int((self.high - self.low) * min(1, max(0, share)))
        if (percent, stage) != self.last:
            self.last = (percent, stage)
            _progress(self.run_id, percent, stage)


def _train_measure_activate(run: TrainedExtractor) -> None:
    from claims.extraction import learned, scoring

    # Checked again: articles may have been reopened since the run was queued.
    split = training_split(holdout=run.holdout)
    if split.shortfall:
        raise TrainingRefused(split.shortfall)
    train_ids, held_ids = split.training, split.held_out
    train_examples = list(training_examples(train_ids))
    held_examples = list(training_examples(held_ids))
    n_train_attributions = sum(len(e["attributions"]) for e in train_examples)
    TrainedExtractor.objects.filter(pk=run.pk).update(
        training_articles=len(train_ids), training_attributions=n_train_attributions,
        heldout_articles=len(held_ids),
        heldout_attributions=sum(len(e["attributions"]) for e in held_examples))
    rules = rules_extractor()
    _progress(run.pk, 5, "Training")
    try:
        model = learned.train(train_examples, extractor=rules,
                              progress=_Progress(run.pk, 5, 75), seed=0)
    except ValueError as exc:
        raise TrainingRefused(f"Nothing to learn from: {exc}") from exc

    directory = f"extractor-{run.pk}"
    _progress(run.pk, 75, "Saving the model")
    _save(model, directory)
    finished_at = timezone.now()
    label = model_label(trained_extractor_id=run.pk, finished_at=finished_at)
    new = learned.LearnedExtractor(model, base=rules, label=label)
    baseline = extractor_in_use()
    if baseline.problem:
        baseline = ExtractorInUse(rules, None)  # measured against what actually runs

    texts = [e["text"] for e in held_examples]

    def measured(extractor, percent: int, what: str):
        _progress(run.pk, percent, f"Measuring {what} on the held-out articles")
        predicted = [scoring.attributions_as_dicts(found)
                     for found in extractor.extract_many(texts)]
        return scoring.score(held_examples, predicted)

    learned_scores = measured(new, 80, "the new model")
    rules_scores = measured(rules, 88, "the rules alone")
    baseline_scores = (rules_scores if baseline.trained_extractor_id is None
                       else measured(baseline.extractor, 94, "the active model"))
    TrainedExtractor.objects.filter(pk=run.pk).update(
        status=TrainedExtractor.Status.DONE, finished_at=finished_at, progress=100,
        stage="Done", digest=model.digest, directory=directory, version=new.version,
        learned_precision=learned_scores.precision, learned_recall=learned_scores.recall,
        learned_f1=learned_scores.f1, rules_precision=rules_scores.precision,
        rules_recall=rules_scores.recall, rules_f1=rules_scores.f1,
        baseline_precision=baseline_scores.precision, baseline_recall=baseline_scores.recall,
        baseline_f1=baseline_scores.f1, baseline_version=baseline.extractor.version[:100])
    run.refresh_from_db()
    if not (trained_extractor_beats_baseline(run) or run.force):
        return
    try:
        trained_extractor_activate(trained_extractor=run,
                                   actor=None if trained_extractor_beats_baseline(run)
                                   else run.created_by)
    except ValidationError as exc:  # the run stands; only its activation was refused
        TrainedExtractor.objects.filter(pk=run.pk).update(error=" ".join(exc.messages))


def _save(model, directory: str) -> None:
    """Write the model's folder whole or not at all: into a temporary folder beside it, then
    renamed."""
    final = model_path(directory)
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = final.with_name(f".{directory}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        model.save(temporary)
        if final.exists():
            shutil.rmtree(final)
        temporary.rename(final)
    finally:
        if temporary.exists():
            shutil.rmtree(temporary, ignore_errors=True)


@transaction.atomic
def trained_extractor_activate(*, trained_extractor: TrainedExtractor,
                               actor) -> TrainedExtractor:
    """Make a finished run the model segmentation uses (workers take it on their next
    article). actor=None: activated by the rule (it beat the active model); a person
    activating one that did not is recorded as having forced it, and must be a lead."""
    run = TrainedExtractor.objects.select_for_update().get(pk=trained_extractor.pk)
    if run.status != TrainedExtractor.Status.DONE:
        raise ValidationError(f"Training run {run.pk} is {run.get_status_display().lower()}: "
                              "only a finished run can be activated. Nothing was changed.")
    if run.active:
        return run
    beats = trained_extractor_beats_baseline(run)
    if actor is None and not beats:
        raise ValidationError(f"Training run {run.pk} did not beat the model it was measured "
                              "against: only a lead may activate it. Nothing was changed.")
    if actor is not None and not is_lead(actor):
        raise ValidationError("Only a lead may activate a trained model. Nothing was changed.")
    if not model_path(run.directory).is_dir():
        raise ValidationError(f"Training run {run.pk}'s model folder "
                              f"{model_path(run.directory)} is missing. Nothing was changed.")
    TrainedExtractor.objects.filter(active=True).update(active=False)
    run.active, run.activated_at, run.activated_by = True, timezone.now(), actor
    run.forced = not beats
    run.save(update_fields=["active", "activated_at", "activated_by", "forced"])
    return run


@transaction.atomic
def trained_extractor_deactivate(*, actor) -> None:
    """Go back to the rules alone (a lead's decision)."""
    if not is_lead(actor):
        raise ValidationError("Only a lead may change the model in use. Nothing was changed.")
    TrainedExtractor.objects.filter(active=True).update(active=False)
