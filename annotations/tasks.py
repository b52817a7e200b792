from celery import shared_task

from annotations import webhooks


@shared_task(
    bind=True,
    # Safe: the message names its attempt, and webhook_delivery_attempt makes each attempt
    # once; the number of attempts is bounded there (CLAIMDESK_WEBHOOK_MAX_ATTEMPTS).
    acks_late=True,
    max_retries=None,
)
def deliver_webhook(self, delivery_id: int, attempt: int) -> None:
    delay = webhooks.webhook_delivery_attempt(delivery_id=delivery_id, attempt=attempt)
    if delay is not None:
        raise self.retry(args=(delivery_id, attempt + 1), kwargs={}, countdown=delay)


@shared_task
def requeue_stale_webhook_deliveries() -> list[int]:
    return webhooks.webhook_deliveries_requeue_stale()
