"""The embedded default's background work: a real `celery worker` process reading the
filesystem broker (no Redis) segments an article that was submitted without waiting for it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from claims.models import Article
from claims.services import article_create
from tests.workers import broker_in_use, start_worker, stop_worker, wait_for_segmentation

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def embedded_worker(tmp_path):
    """A worker as `make run` starts it, on a broker folder of its own (not the checkout's
    .celery-broker/, which a running `make run` worker would read)."""
    broker = tmp_path / "broker"
    env = {"REDIS_URL": "", "CLAIMDESK_BROKER_DIR": str(broker)}
    log = tmp_path / "worker.log"
    process = start_worker(log, env, "--concurrency", "1", "--without-heartbeat")
    options = {"data_folder_in": str(broker / "queue"), "data_folder_out": str(broker / "queue"),
               "control_folder": str(broker / "control"), "store_processed": False}
    try:
        with broker_in_use("filesystem://localhost/", options):
            yield process, log
    finally:
        stop_worker(process)


def test_embedded_default_queues_tasks_on_a_filesystem_broker_instead_of_running_them_inline(
    tmp_path,
):
    script = ("import django; django.setup()\n"
              "from config.celery import app\n"
              "print(app.conf.broker_url, app.conf.task_always_eager)\n")
    env = {key: value for key, value in os.environ.items()
           if key not in {"REDIS_URL", "DATABASE_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.base",
               CLAIMDESK_BROKER_DIR=str(tmp_path / "broker"))
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, text=True,
                            capture_output=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    broker_url, eager = result.stdout.split()
    assert broker_url.startswith("filesystem://")
    assert eager == "False"
    assert (tmp_path / "broker" / "queue").is_dir()  # created on start, kombu does not


def test_a_worker_on_the_filesystem_broker_segments_an_article_after_submit_returns(
    embedded_worker,
):
    process, log = embedded_worker
    article = article_create(
        title="Ferry strike",
        text="The ferry operator said on Friday that all crossings were cancelled. "
             "Union leaders denied that a deal had been offered.",
    ).article

    # The submit returned without doing the work: eager tasks would have finished it by now.
    assert Article.objects.get(pk=article.pk).segmentation_status in {"pending", "running"}
    wait_for_segmentation(article.pk, process, log)

