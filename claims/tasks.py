from celery import shared_task
from django.conf import settings

from claims import services


@shared_task(
    bind=True,
    acks_late=True,  # safe: segmentation_run is idempotent, a redelivery stores one set
    autoretry_for=services.TRANSIENT_ERRORS,
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=settings.CLAIMDESK_SEGMENTATION_MAX_ATTEMPTS,
    soft_time_limit=settings.CLAIMDESK_SEGMENTATION_SOFT_TIME_LIMIT,
    time_limit=settings.CLAIMDESK_SEGMENTATION_SOFT_TIME_LIMIT + 30,
)
def segment_article(self, article_id: int) -> None:
    try:
        services.segmentation_run(article_id=article_id)
    except services.TRANSIENT_ERRORS as exc:
        if self.request.retries >= self.max_retries:
            services.segmentation_fail(
                article_id=article_id,
                message=f"Gave up after {self.request.retries} retries: {exc}",
            )
        raise


@shared_task
def requeue_stale_segmentations() -> list[int]:
    return services.articles_requeue_stale()
