"""Helpers for tests that run a real Celery worker process."""

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from django.db import connection

from claims.models import Article
from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent


def wait_for_segmentation(article_id: int, process: subprocess.Popen, log: Path,
                          timeout: float = 90) -> None:
    """Wait (bounded) until the worker has segmented the article, then check it stored claims;
    the worker's log is shown when it did not."""
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        status = Article.objects.values_list("segmentation_status", flat=True).get(pk=article_id)
        if status in {"done", "failed"} or process.poll() is not None:
            break
        time.sleep(0.5)
    assert status == "done", f"status {status!r}; worker log:\n{log.read_text()[-3000:]}"
    assert Article.objects.get(pk=article_id).claims.exists()
    assert "succeeded" in log.read_text()


def database_url_of_test_db() -> str:
    """A DATABASE_URL naming the test database, for a worker process to share it."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(log: Path, env: dict[str, str], *args: str,
                 app: str = "config") -> subprocess.Popen:
    """`celery -A app worker` on the test database, with env on top of this process's; returns
    once the worker says it is ready. In a session of its own, so that os.killpg can kill the
    whole worker (main process and pool children) at once."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base",
           "DATABASE_URL": database_url_of_test_db(), **env}
    with log.open("a") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", app, "worker", "--without-gossip",
             "--without-mingle", "--loglevel=INFO", *args],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    ready_lines = log.read_text().count(" ready.") + 1
    deadline = time.monotonic() + 60
    while log.read_text().count(" ready.") < ready_lines and process.poll() is None:
        assert time.monotonic() < deadline, f"worker not ready:\n{log.read_text()[-3000:]}"
        time.sleep(0.2)
    assert process.poll() is None, f"worker exited:\n{log.read_text()[-3000:]}"
    return process


def stop_worker(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextlib.contextmanager
def broker_in_use(url: str, options: dict, *, queue: str | None = None) -> Iterator[None]:
    """This process queues tasks on the broker at `url` instead of running them inline."""
    conf = celery_app.conf
    old = (conf.broker_url, conf.broker_transport_options, conf.task_always_eager,
           conf.task_default_queue)
    _configure(url, options, eager=False, queue=queue or old[3])
    try:
        yield
    finally:
        _configure(*old[:2], eager=old[2], queue=old[3])


def _configure(url: str, options: dict, *, eager: bool, queue: str) -> None:
    celery_app.conf.update(broker_url=url, broker_transport_options=options,
                           task_always_eager=eager, task_default_queue=queue)
    # Celery keeps the connection and producer pools it made for the broker it first used;
    # drop them so the next message goes to the broker just configured.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
