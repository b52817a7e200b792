"""A real Celery worker process, fed through Redis, segments an article in the test database."""

import os
import uuid

import pytest
from django.conf import settings

from claims.services import article_create
from tests.conftest import require_or_skip
from tests.workers import broker_in_use, start_worker, stop_worker, wait_for_segmentation

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL")
    if not url:
        require_or_skip("REDIS_URL is not set: no Redis to run a real worker against")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        require_or_skip(f"Redis at {url} cannot be reached: {exc}")
    return url


@pytest.fixture
def worker(redis_url, tmp_path):
    """Start a worker on a queue of its own, so no other worker on this Redis takes the task."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    process = start_worker(log, {"REDIS_URL": redis_url}, "--pool=solo", "-Q", queue,
                           "-n", f"{queue}@%h")
    try:
        with broker_in_use(redis_url, settings.CLAIMDESK_REDIS_TRANSPORT_OPTIONS, queue=queue):
            yield process, log
    finally:
        stop_worker(process)


def test_real_worker_segments_a_submitted_article(worker):
    process, log = worker
    article = article_create(
        title="Ferry strike",
        text="The ferry operator said on Friday that all crossings were cancelled. "
             "Union leaders denied that a deal had been offered.",
    ).article
    wait_for_segmentation(article.pk, process, log)
