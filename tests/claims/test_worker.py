"""A real Celery worker process, fed through Redis, segments an article in the test database."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from claims.services import article_create
from config.celery import app as celery_app
from tests.conftest import require_or_skip
from tests.workers import database_url_of_test_db, wait_for_segmentation

ROOT = Path(__file__).resolve().parents[2]

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
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base",
           "DATABASE_URL": database_url_of_test_db(), "REDIS_URL": redis_url}
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
             "-Q", queue, "--without-gossip", "--without-mingle", "--loglevel=INFO",
             "-n", f"{queue}@%h"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    old = (celery_app.conf.task_always_eager, celery_app.conf.task_default_queue,
           celery_app.conf.broker_url)
    celery_app.conf.update(task_always_eager=False, task_default_queue=queue,
                           broker_url=redis_url)
    try:
        yield process, log
    finally:
        celery_app.conf.update(task_always_eager=old[0], task_default_queue=old[1],
                               broker_url=old[2])
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_real_worker_segments_a_submitted_article(worker):
    process, log = worker
    article = article_create(
        title="Ferry strike",
        text="The ferry operator said on Friday that all crossings were cancelled. "
             "Union leaders denied that a deal had been offered.",
    ).article
    wait_for_segmentation(article.pk, process, log)
