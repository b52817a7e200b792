"""A real Celery worker, started before a model is trained, uses the newly activated model on
its next article without a restart."""

import uuid

import pytest
from django.core.management import call_command

from claims.models import Article, TrainedExtractor
from claims.services import article_create
from tests.claims.test_worker import redis_url  # noqa: F401  (the fixture)
from tests.factories import UserFactory
from tests.fictional_desk import reviewed_desk
from tests.workers import broker_in_use, start_worker, stop_worker, wait_for_segmentation

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

TEXT = ("Ramblers on the Fennick moor grumbled that the footpath signs had vanished. "
        "The county ranger said new signs were on order.")


def test_a_running_worker_picks_up_the_newly_activated_model(redis_url, settings,  # noqa: F811
                                                             tmp_path):
    settings.CLAIMDESK_MODEL_DIR = tmp_path / "models"
    # Built before the worker starts: segmented in this process (tasks run inline here).
    reviewed_desk(reviewer=UserFactory(username="rev1"),
                  other_reviewer=UserFactory(username="rev2"))
    queue = f"test-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    process = start_worker(log, {"REDIS_URL": redis_url,
                                 "CLAIMDESK_MODEL_DIR": str(settings.CLAIMDESK_MODEL_DIR)},
                           "--pool=solo", "-Q", queue, "-n", f"{queue}@%h")
    try:
        with broker_in_use(redis_url, settings.CLAIMDESK_REDIS_TRANSPORT_OPTIONS, queue=queue):
            before = article_create(title="Footpaths", text=TEXT).article
            wait_for_segmentation(before.pk, process, log)
            assert Article.objects.get(pk=before.pk).extractor_version.startswith("rules-")

            call_command("train_extractor", "--sync")  # trains here, activates in the database
            run = TrainedExtractor.objects.get(active=True)

            after = article_create(title="Footpaths again", text=TEXT + " Rain is due.").article
            wait_for_segmentation(after.pk, process, log)
    finally:
        stop_worker(process)
    after = Article.objects.get(pk=after.pk)
    assert after.extractor_version == run.version
    grumbled = TEXT.index("grumbled")
    assert after.claims.filter(spans__role="cue", spans__start=grumbled).exists()
    assert not Article.objects.get(pk=before.pk).claims.filter(
        spans__role="cue", spans__start=grumbled).exists()
