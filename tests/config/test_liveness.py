"""A streamed export keeps its gunicorn worker alive: the worker's report is registered after
the fork, and the export calls it as it writes."""

import importlib
import threading
import time

import pytest
from django.urls import reverse

from annotations import export_views
from config import liveness
from tests.factories import article_with_claims_in_bulk


class _Worker:
    """Stands in for gunicorn's worker (outside the project): counts its reports."""

    def __init__(self):
        self.reports = 0

    def notify(self):
        self.reports += 1


def test_the_gunicorn_config_registers_each_workers_report_after_the_fork(monkeypatch):
    monkeypatch.setattr(liveness, "_report", None)
    gunicorn_config = importlib.import_module("config.gunicorn")
    worker = _Worker()
    gunicorn_config.post_fork(server=None, worker=worker)
    liveness.alive()
    assert worker.reports == 1


def test_alive_is_harmless_outside_gunicorn(monkeypatch):
    monkeypatch.setattr(liveness, "_report", None)
    liveness.alive()


@pytest.mark.django_db
def test_a_streamed_export_reports_the_worker_alive_as_it_writes(logged_in_lead, monkeypatch):
    worker = _Worker()
    monkeypatch.setattr(liveness, "_report", worker.notify)
    monkeypatch.setattr(export_views, "WRITE_SIZE", 10_000)
    article_with_claims_in_bulk(200)
    response = logged_in_lead.get(reverse("annotations:export-jsonl"))
    writes = list(response.streaming_content)
    assert len(writes) > 5
    assert worker.reports >= len(writes) - 1


@pytest.fixture
def no_requests(monkeypatch):
    monkeypatch.setattr(liveness, "_report", None)
    monkeypatch.setattr(liveness, "_progress", {})


def _thread_worker(timeout: int):
    """gunicorn's gthread worker as config/gunicorn.py runs it, with a stand-in for the file
    it reports through (gunicorn's WorkerTmp)."""
    from config.workers import ThreadWorker

    worker = object.__new__(ThreadWorker)
    worker.timeout, worker.tmp = timeout, _Worker()
    return worker


def test_the_gunicorn_config_tracks_each_request_in_flight(no_requests):
    gunicorn_config = importlib.import_module("config.gunicorn")
    gunicorn_config.pre_request(worker=None, req=None)
    assert threading.get_ident() in liveness._progress
    assert 0 <= liveness.stalled_for() < 1
    gunicorn_config.post_request(worker=None, req=None, environ={}, resp=None)
    assert liveness._progress == {}
    assert liveness.stalled_for() == 0


def test_a_thread_worker_stops_reporting_while_a_request_makes_no_progress(no_requests):
    worker = _thread_worker(timeout=30)
    liveness.request_started()
    worker.notify()
    assert worker.tmp.reports == 1
    liveness._progress[threading.get_ident()] = time.monotonic() - 31  # hung for 31 s
    worker.notify()
    assert worker.tmp.reports == 1  # the master ends the worker `timeout` s after its report
    liveness.alive()  # a streamed export writing again
    worker.notify()
    assert worker.tmp.reports == 2


def test_a_thread_worker_streaming_an_export_keeps_reporting(logged_in_lead, no_requests,
                                                           monkeypatch, db):
    worker = _thread_worker(timeout=30)
    liveness.register(worker.notify)
    monkeypatch.setattr(export_views, "WRITE_SIZE", 10_000)
    article_with_claims_in_bulk(200)
    liveness.request_started()
    response = logged_in_lead.get(reverse("annotations:export-jsonl"))
    writes = list(response.streaming_content)
    liveness.request_finished()
    assert worker.tmp.reports >= len(writes) - 1 > 4
