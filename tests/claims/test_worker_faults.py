"""Segmentation survives its worker dying and Redis going away: real worker processes on a
redis-server of the test's own, killed with SIGKILL mid-segmentation (tests/fault_worker.py
holds or kills the extraction of marked texts), and the redis-server stopped, frozen and
started again around submissions through the web form and the API."""

import os
import signal
import threading
import time

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from django.urls import reverse

from claims.models import Article
from claims.services import article_create
from claims.tasks import requeue_stale_segmentations
from tests.fault_worker import HOLD, KILL
from tests.servers import OwnRedis, wait_until
from tests.workers import broker_in_use, start_worker, wait_for_segmentation

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# Each text has two claims: exactly one set means exactly two.
TEXT = ("The harbour master said on {day} that the {n} cranes would stop at noon. "
        "Dock workers denied that any crane had failed.")
VISIBILITY_TIMEOUT = 2
MAX_ATTEMPTS = 2


def _text(n: int, marker: str = "") -> str:
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
    return f"{TEXT.format(day=days[n % 5], n=n + 2)} {marker}".strip()


@pytest.fixture
def redis_server(tmp_path):
    server = OwnRedis(tmp_path)
    server.start()
    try:
        with broker_in_use(server.url(), settings.CLAIMDESK_REDIS_TRANSPORT_OPTIONS):
            yield server
    finally:
        server.stop()


@pytest.fixture
def fault_dir(tmp_path):
    folder = tmp_path / "faults"
    folder.mkdir()
    return folder


@pytest.fixture
def workers(redis_server, fault_dir, tmp_path):
    """Start fault workers (prefork, one pool process, as production runs them) on the test's
    Redis, with a short visibility timeout; all stopped at the end."""
    started = []
    log = tmp_path / "worker.log"
    env = {"REDIS_URL": redis_server.url(), "CLAIMDESK_FAULT_DIR": str(fault_dir),
           "CLAIMDESK_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
           "CLAIMDESK_SEGMENTATION_MAX_ATTEMPTS": str(MAX_ATTEMPTS)}

    def start(*, preload: bool = True):
        process = start_worker(log, {**env, "CLAIMDESK_FAULT_PRELOAD": "1" if preload else ""},
                               "--pool=prefork", "--concurrency=1", app="tests.fault_worker")
        started.append(process)
        return process

    start.log = log
    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # nothing to finish: no need to wait
            process.wait(timeout=10)


def _held_extraction(fault_dir) -> int:
    """The pid of the pool process holding a HOLD text's extraction, once it is there."""
    running = wait_until(lambda: sorted(fault_dir.glob("running-*")), timeout=60,
                         what="the extraction to start")
    return int(running[0].name.removeprefix("running-"))


def _assert_one_set_of_claims(article_id: int) -> None:
    article = Article.objects.get(pk=article_id)
    positions = list(article.claims.values_list("position", flat=True))
    assert len(positions) == 2, positions
    assert len(set(positions)) == 2


def test_a_pool_process_killed_mid_segmentation_has_the_article_segmented_again(
        workers, fault_dir):
    worker = workers()
    (fault_dir / "hold").touch()
    article = article_create(title="Cranes", text=_text(1, HOLD)).article

    os.kill(_held_extraction(fault_dir), signal.SIGKILL)
    running = Article.objects.get(pk=article.pk)
    assert running.segmentation_status == Article.Segmentation.RUNNING
    assert running.segmentation_attempts == 1
    (fault_dir / "hold").unlink()

    wait_for_segmentation(article.pk, worker, workers.log)
    article.refresh_from_db()
    assert article.segmentation_attempts == 2  # the killed run, then the one that finished
    _assert_one_set_of_claims(article.pk)
    assert "SIGKILL" in workers.log.read_text()


def test_a_whole_worker_killed_mid_segmentation_has_its_message_delivered_again(
        workers, fault_dir, redis_server):
    first = workers(preload=False)  # killed before it needs the model
    (fault_dir / "hold").touch()
    article = article_create(title="Cranes", text=_text(2, HOLD)).article
    _held_extraction(fault_dir)

    os.killpg(first.pid, signal.SIGKILL)  # the main process and its pool child
    first.wait(timeout=10)
    (fault_dir / "hold").unlink()
    # The message is neither lost nor back in the queue: Redis keeps it aside, unacknowledged,
    # until the visibility timeout has passed since it was handed out.
    redis = redis_server.client()
    assert redis.llen("celery") == 0
    [(_, handed_out)] = redis.zrange("unacked_index", 0, -1, withscores=True)
    wait_until(lambda: time.time() > handed_out + VISIBILITY_TIMEOUT + 0.5,
               timeout=VISIBILITY_TIMEOUT + 5, what="the visibility timeout")

    second = workers()  # restores messages past their visibility timeout as it starts
    wait_for_segmentation(article.pk, second, workers.log)
    article.refresh_from_db()
    assert article.segmentation_attempts == 2
    _assert_one_set_of_claims(article.pk)
    wait_until(lambda: redis.hlen("unacked") == 0, timeout=10, what="the acknowledgement")


def test_a_text_that_kills_every_worker_taking_it_is_given_up_after_the_allowed_attempts(
        workers, redis_server):
    worker = workers()
    poison = article_create(title="Poison", text=_text(3, KILL)).article

    wait_until(lambda: Article.objects.get(pk=poison.pk).segmentation_status == "failed",
               timeout=60, what="the poison article to be given up", log=workers.log)
    poison.refresh_from_db()
    assert poison.segmentation_attempts == MAX_ATTEMPTS
    assert poison.segmentation_error.startswith(f"Gave up after {MAX_ATTEMPTS} attempts")
    assert not poison.claims.exists()
    assert workers.log.read_text().count("exited with 'signal 9 (SIGKILL)'") == MAX_ATTEMPTS
    # Acknowledged: not delivered again, not waiting to be.
    redis = redis_server.client()
    wait_until(lambda: redis.hlen("unacked") == 0, timeout=10, what="the acknowledgement")
    assert redis.llen("celery") == 0

    # The worker goes on with other articles.
    other = article_create(title="Cranes", text=_text(4)).article
    wait_for_segmentation(other.pk, worker, workers.log)
    _assert_one_set_of_claims(other.pk)


def _submit_form(client: Client, n: int) -> int:
    response = client.post(reverse("claims:article-create"),
                           {"title": f"Cranes {n}", "text": _text(n)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return int(response["Location"].rstrip("/").rsplit("/", 1)[1])


def _left_for_the_sweep(article_id: int) -> bool:
    article = Article.objects.get(pk=article_id)
    return (article.segmentation_status == Article.Segmentation.PENDING
            and article.segmentation_queued_at is None)


def test_articles_submitted_while_redis_is_unreachable_are_saved_then_segmented_once_it_is_back(
        workers, redis_server, reviewer, api):
    worker = workers()
    browser = Client()
    browser.force_login(reviewer)

    redis_server.stop()
    by_form = _submit_form(browser, 10)
    response = api.post("/api/articles/", {"title": "Cranes 11", "text": _text(11)},
                        format="json")
    assert response.status_code == 201, response.content
    by_api = response.json()["id"]
    page = browser.get(reverse("annotations:article-detail", args=[by_form]))
    assert page.status_code == 200
    assert "queued again automatically" in page.content.decode()

    redis_server.start()
    redis_server.freeze()  # accepts connections, never answers: the request must not hang
    frozen: list[int] = []

    def submit_while_frozen():
        try:
            frozen.append(_submit_form(browser, 12))
        finally:
            connections.close_all()

    submitting = threading.Thread(target=submit_while_frozen, daemon=True)
    submitting.start()
    submitting.join(timeout=30)
    assert not submitting.is_alive(), "the submission hung on the frozen Redis"
    assert len(frozen) == 1, "the submission failed (its error is above)"
    for article_id in (by_form, by_api, *frozen):
        assert _left_for_the_sweep(article_id)
    redis_server.thaw()

    requeue_stale_segmentations.delay()  # what beat sends every five minutes
    for article_id in (by_form, by_api, *frozen):
        wait_for_segmentation(article_id, worker, workers.log)
        _assert_one_set_of_claims(article_id)
