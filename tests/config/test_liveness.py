"""A streamed export keeps its gunicorn worker alive: the worker's report is registered after
the fork, and the export calls it as it writes."""

import importlib

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
