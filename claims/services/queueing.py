"""Handing work to the broker without letting a broker outage fail the request."""

import logging

from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)


def task_publish(task, *args, what: str) -> bool:
    """Queue `task(*args)`; False, logged, when the broker cannot be reached (down, or frozen:
    the publish is bounded by the CELERY_* timeouts). The caller's row is already stored and a
    periodic sweep queues it again later, so the outage never becomes the user's error."""
    try:
        task.delay(*args)
    except (BrokerError, OSError) as exc:
        logger.warning("%s not queued, left for the periodic sweep: %s", what, exc)
        return False
    return True
