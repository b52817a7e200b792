from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

from claims import services

# Worth another try: the database or the broker was unreachable for a moment.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, BrokerError, ConnectionError, TimeoutError)


@shared_task(
    bind=True,
    acks_late=True,  # safe: segmentation_run is idempotent, a redelivery stores one set
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    # Retries are attempts after the first; segmentation_start also counts those that never
    # came back (a killed worker), which Celery cannot.
    max_retries=settings.CLAIMDESK_SEGMENTATION_MAX_ATTEMPTS - 1,
    soft_time_limit=settings.CLAIMDESK_SEGMENTATION_SOFT_TIME_LIMIT,
    time_limit=settings.CLAIMDESK_SEGMENTATION_SOFT_TIME_LIMIT + 30,
)
def segment_article(self, article_id: int) -> None:
    try:
        services.segmentation_run(article_id=article_id,
                                  reraise=(*TRANSIENT_ERRORS, SoftTimeLimitExceeded))
    except SoftTimeLimitExceeded:
        services.segmentation_fail_time_limit(article_id=article_id)
    except TRANSIENT_ERRORS as exc:
        if self.request.retries >= self.max_retries:
            services.segmentation_fail(
                article_id=article_id,
                message=f"Gave up after {self.request.retries + 1} attempts: {exc}",
            )
        raise


@shared_task
def requeue_stale_segmentations() -> list[int]:
    return services.articles_requeue_stale()


@shared_task
def settle_stale_training_runs() -> dict[str, list[int]]:
    return services.trained_extractors_settle_stale()


@shared_task(
    # Not acks_late: a run redelivered after its worker died would find it running and do
    # nothing; beat's settle_stale_training_runs marks it failed once it is past its hard
    # time limit, and a lead queues another.
    soft_time_limit=settings.CLAIMDESK_TRAINING_TIME_LIMIT,
    time_limit=settings.CLAIMDESK_TRAINING_TIME_LIMIT + 60,
)
def train_extractor(trained_extractor_id: int) -> None:
    """Train, measure and maybe activate a queued run; progress and errors go on its row."""
    try:
        services.trained_extractor_run(trained_extractor_id=trained_extractor_id,
                                       reraise=(SoftTimeLimitExceeded,))
    except SoftTimeLimitExceeded:
        services.trained_extractor_fail(
            trained_extractor_id=trained_extractor_id,
            message=f"Training took longer than {settings.CLAIMDESK_TRAINING_TIME_LIMIT} s and "
                    "was stopped (CLAIMDESK_TRAINING_TIME_LIMIT).")
