import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import OperationalError, connection

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
    assert article.segmentation_attempts == 2


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
    from datetime import timedelta

    from django.utils import timezone

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
    assert article.segmentation_error.startswith(
        f"Gave up after {settings.CLAIMDESK_SEGMENTATION_MAX_ATTEMPTS} retries")
    assert "server closed the connection" in article.segmentation_error
    assert article.claims.count() == 0
