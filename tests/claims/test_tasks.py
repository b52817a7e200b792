from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import OperationalError, connection
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from claims.models import Article, Claim
from claims.services import article_create, article_segmentation_queue, articles_requeue_stale
from claims.tasks import requeue_stale_segmentations, segment_article

pytestmark = pytest.mark.django_db

TEXT = (
    "The fisheries ministry said on Tuesday that the quota would be cut by a fifth. "
    "Trawler owners denied that stocks were falling."
)


def _create(text=TEXT):
    return Article.objects.get(pk=article_create(text=text, title="Quota").article.pk)


def test_submitted_article_is_segmented_in_process_on_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        article = article_create(text=TEXT, title="Quota").article
    article.refresh_from_db()
    assert article.segmentation_status == Article.Segmentation.DONE
    assert article.segmentation_attempts == 1
    assert article.segmentation_started_at <= article.segmentation_finished_at
    assert article.extractor_version
    assert article.claims.filter(origin=Claim.Origin.MACHINE).exists()


def test_segment_article_delivered_twice_stores_one_set_of_claims():
    article = _create()
    segment_article.apply(args=[article.pk])
    first = sorted(article.claims.values_list("id", flat=True))
    segment_article.apply(args=[article.pk])
    assert sorted(article.claims.values_list("id", flat=True)) == first
    article.refresh_from_db()
    assert article.segmentation_attempts == 1


def test_requeued_segmentation_replaces_machine_claims_without_duplicates():
    article = _create()
    segment_article.apply(args=[article.pk])
    count = article.claims.count()
    assert count > 0
    article_segmentation_queue(article=article)
    segment_article.apply(args=[article.pk])
    article.refresh_from_db()
    assert article.claims.count() == count
    assert article.segmentation_attempts == 1  # asked again by a person: counted afresh


def test_segmentation_is_queued_again_only_once_finished():
    article = _create()
    assert article.segmentation_status == Article.Segmentation.PENDING
    with pytest.raises(ValidationError, match="already being segmented"):
        article_segmentation_queue(article=article)
    Article.objects.filter(pk=article.pk).update(segmentation_status=Article.Segmentation.FAILED)
    article_segmentation_queue(article=article)
    article.refresh_from_db()
    assert article.segmentation_status == Article.Segmentation.PENDING


def test_segment_article_records_failure_message(settings):
    article = _create()
    settings.CLAIMDESK_SPACY_MODEL = "xx_no_such_model"
    segment_article.apply(args=[article.pk])
    article.refresh_from_db()
    assert article.segmentation_status == Article.Segmentation.FAILED
    assert "xx_no_such_model" in article.segmentation_error
    assert article.segmentation_finished_at is not None
    assert article.claims.count() == 0


def test_segment_article_for_deleted_article_does_nothing():
    assert segment_article.apply(args=[987654]).successful()


def test_stale_pending_and_running_articles_are_requeued(django_capture_on_commit_callbacks):
    long_ago = timezone.now() - timedelta(hours=2)
    stuck = _create()
    Article.objects.filter(pk=stuck.pk).update(
        segmentation_status=Article.Segmentation.RUNNING, segmentation_started_at=long_ago)
    fresh = _create(TEXT + " Fresh.")
    with django_capture_on_commit_callbacks(execute=True):
        requeued = articles_requeue_stale()
    assert requeued == [stuck.pk]
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.segmentation_status == Article.Segmentation.DONE
    assert fresh.segmentation_status == Article.Segmentation.PENDING


def test_requeue_task_is_scheduled_by_beat(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["requeue-stale-segmentations"]
    assert schedule["task"] == requeue_stale_segmentations.name


def test_seed_demo_loads_fictional_articles_and_accounts(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
        call_command("seed_demo")  # idempotent
    assert Article.objects.count() == 3
    assert Claim.objects.count() >= 6
    assert not Article.objects.exclude(segmentation_status="done").exists()


class FailingInserts:
    """A database execute wrapper (Django's instrumentation hook) that raises the error a
    dropped connection gives on the next `times` inserts of claims."""

    def __init__(self, times: int):
        self.left = times

    def __call__(self, execute, sql, params, many, context):
        if self.left and sql.startswith('INSERT INTO "claims_claim"'):
            self.left -= 1
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)


def test_segment_article_retries_a_transient_database_error_then_stores_claims():
    article = _create()  # pending: the queued task never ran inside the test's transaction
    failing = FailingInserts(times=2)
    with connection.execute_wrapper(failing):
        segment_article.apply(args=[article.pk])
    article.refresh_from_db()
    assert failing.left == 0
    assert article.segmentation_status == Article.Segmentation.DONE
    assert article.segmentation_attempts >= 3  # two failed runs, then the one that stored
    assert article.claims.count() == 2


def test_segment_article_gives_up_after_max_retries_and_records_why(settings):
    article = _create()
    with connection.execute_wrapper(FailingInserts(times=1_000)):
        result = segment_article.apply(args=[article.pk])
    article.refresh_from_db()
    assert result.failed()
    assert article.segmentation_status == Article.Segmentation.FAILED
    assert article.segmentation_attempts == settings.CLAIMDESK_SEGMENTATION_MAX_ATTEMPTS
    assert article.segmentation_error.startswith(
        f"Gave up after {settings.CLAIMDESK_SEGMENTATION_MAX_ATTEMPTS} attempts")
    assert "server closed the connection" in article.segmentation_error
    assert article.claims.count() == 0


def test_a_run_that_never_came_back_counts_and_the_last_allowed_one_is_not_run(settings):
    settings.CLAIMDESK_SEGMENTATION_MAX_ATTEMPTS = 3
    article = _create()
    # Three deliveries that each died with their worker: counted, status left running.
    Article.objects.filter(pk=article.pk).update(
        segmentation_status=Article.Segmentation.RUNNING, segmentation_attempts=3)

    assert segment_article.apply(args=[article.pk]).successful()  # acknowledged, not retried

    article.refresh_from_db()
    assert article.segmentation_status == Article.Segmentation.FAILED
    assert article.segmentation_attempts == 3
    assert article.segmentation_error.startswith("Gave up after 3 attempts: none of them")
    assert article.claims.count() == 0


def test_a_retry_asked_for_after_giving_up_gets_new_attempts(settings):
    settings.CLAIMDESK_SEGMENTATION_MAX_ATTEMPTS = 3
    article = _create()
    Article.objects.filter(pk=article.pk).update(
        segmentation_status=Article.Segmentation.FAILED, segmentation_attempts=3)
    article_segmentation_queue(article=article)  # the article page's Retry button
    segment_article.apply(args=[article.pk])
    article.refresh_from_db()
    assert article.segmentation_status == Article.Segmentation.DONE
    assert article.segmentation_attempts == 1
    assert article.claims.count() == 2


def test_stale_sweep_keeps_counting_attempts(django_capture_on_commit_callbacks, settings):
    settings.CLAIMDESK_SEGMENTATION_MAX_ATTEMPTS = 2
    article = _create()
    Article.objects.filter(pk=article.pk).update(
        segmentation_status=Article.Segmentation.RUNNING, segmentation_attempts=2,
        segmentation_started_at=timezone.now() - timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert articles_requeue_stale() == [article.pk]
    article.refresh_from_db()
    assert article.segmentation_status == Article.Segmentation.FAILED
    assert article.segmentation_attempts == 2


class BrokerDown:
    """Stands in for Celery's publish when Redis cannot be reached: kombu's error, as
    apply_async raises it once its bounded retries are spent (kombu is outside the project)."""

    def __call__(self, *args, **kwargs):
        raise KombuOperationalError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")


def test_an_article_whose_segmentation_cannot_be_queued_is_saved_and_left_for_the_sweep(
        django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(segment_article, "apply_async", BrokerDown())
    with django_capture_on_commit_callbacks(execute=True):
        result = article_create(text=TEXT, title="Quota")
    article = Article.objects.get(pk=result.article.pk)
    assert result.created
    assert article.segmentation_status == Article.Segmentation.PENDING
    assert article.segmentation_queued_at is None  # never reached the broker

    monkeypatch.undo()  # the broker is back
    with django_capture_on_commit_callbacks(execute=True):
        assert articles_requeue_stale() == [article.pk]  # at once, not after the stale delay
    article.refresh_from_db()
    assert article.segmentation_status == Article.Segmentation.DONE
    assert article.claims.count() == 2
