"""Clients that lose their connection, against gunicorn with the production settings on the
test database: an API client hanging up in the middle of an export, and a verdict saved whose
answer never reached the browser or the API client, sent again."""

import http.client
import json
import socket
import struct
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils.crypto import get_random_string

from annotations.models import Verdict, VerdictRevision
from annotations.tokens import token_create
from claims.models import Article, Claim
from tests.factories import ArticleFactory, make_claim
from tests.servers import (
    children_of,
    free_port,
    gunicorn_serving,
    http_get,
    production_env,
    wait_until,
)
from tests.workers import database_url_of_test_db

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ARTICLES, CLAIMS_EACH = 40, 100  # an export of megabytes: far more than one write


# Production refuses the test settings' local-only key; the sessions this process makes
# (force_login) are checked by gunicorn's, so both sign with this one.
SECRET_KEY = "insecure-lost-connections-" + "k3y!" * 10


@pytest.fixture
def web(tmp_path, settings):
    """One gunicorn worker, logging at debug level: it names a write to a client that hung up."""
    settings.SECRET_KEY = SECRET_KEY
    port, log = free_port(), tmp_path / "gunicorn.log"
    env = production_env(tmp_path, port=port, database_url=database_url_of_test_db(),
                         secret_key=SECRET_KEY, GUNICORN_CMD_ARGS="--log-level debug")
    with gunicorn_serving(env, log) as server:
        yield server, port, log


def _many_claims() -> int:
    articles = Article.objects.bulk_create(
        ArticleFactory.build(text=f"Bulletin {a}. " + "The pilot said the runway was wet. " * 20)
        for a in range(ARTICLES))
    Claim.objects.bulk_create(Claim(article=article, position=p, kind=Claim.Kind.INDIRECT)
                              for article in articles for p in range(CLAIMS_EACH))
    return ARTICLES * CLAIMS_EACH


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()}


def _busy_database_sessions() -> list[tuple]:
    """Other sessions on the test database running a query or holding a transaction open
    (on PostgreSQL; SQLite has no sessions to list)."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid, state, query FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                       "AND state <> 'idle'")
        return cursor.fetchall()


def test_a_client_hanging_up_mid_export_leaves_the_server_serving_and_nothing_written(
        web, reviewer):
    server, port, log = web
    total = _many_claims()
    key = token_create(user=reviewer, name="export script")[1]
    request = (f"GET /api/export/claims.jsonl HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               f"Authorization: Token {key}\r\n\r\n").encode()
    before, web_processes = _row_counts(), children_of(server.pid)

    with socket.create_connection(("127.0.0.1", port), timeout=30) as client:
        client.sendall(request)
        first = client.recv(65536)
        assert first.startswith(b"HTTP/1.1 200 OK")
        # Hang up hard (RST), as a killed script or a dropped network would.
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    wait_until(lambda: "Ignoring connection reset" in log.read_text()
               or "Ignoring EPIPE" in log.read_text(),
               timeout=30, what="the server to notice the client is gone", log=log)

    wait_until(lambda: not _busy_database_sessions(), timeout=10,
               what="the export's database session to be released")
    assert _row_counts() == before
    # The same web process serves the next export, whole.
    status, _, body = http_get(port, "/api/export/claims.jsonl", {"Authorization": f"Token {key}"})
    assert status == 200
    lines = body.splitlines()
    assert len(lines) == total
    assert all(json.loads(line)["id"] for line in lines)
    assert children_of(server.pid) == web_processes
    assert server.poll() is None


@pytest.fixture
def claim():
    article = ArticleFactory(text="The harbour master said the cranes would stop at noon.")
    return make_claim(article, cue="said")


def _post_and_lose_the_answer(port: int, path: str, headers: dict[str, str], body: bytes,
                              claim: Claim) -> None:
    """Send the request whole, then drop the connection before the answer arrives; return
    once the server has stored the verdict."""
    lost = socket.create_connection(("127.0.0.1", port), timeout=30)
    head = "".join(f"{name}: {value}\r\n" for name, value in
                   {"Host": "127.0.0.1", **headers, "Content-Length": len(body)}.items())
    lost.sendall(f"POST {path} HTTP/1.1\r\n{head}\r\n".encode() + body)
    lost.close()
    wait_until(lambda: Verdict.objects.filter(claim=claim).exists(), timeout=30,
               what="the first save to be stored")


def _post(port: int, path: str, headers: dict[str, str], body: bytes
          ) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("POST", path, body=body, headers={"Host": "127.0.0.1", **headers})
    return connection.getresponse()


def _assert_stored_once(claim: Claim, reviewer) -> None:
    verdict = Verdict.objects.get(claim=claim)
    assert (verdict.reviewer, verdict.label, verdict.revision) == (reviewer, "contested", 1)
    assert VerdictRevision.objects.filter(verdict=verdict).count() == 1


def test_a_verdict_saved_again_after_its_answer_was_lost_is_stored_once(web, reviewer, claim):
    _, port, _ = web
    browser = Client()
    browser.force_login(reviewer)
    csrf = get_random_string(32)
    form = urlencode({"label": "contested", "rationale": "The crane log shows no stop.",
                      "evidence_links": "https://port.example/cranes", "expected_revision": 0,
                      "claim_version": claim.attribution_version,
                      "csrfmiddlewaretoken": csrf}).encode()
    path = reverse("annotations:verdict-submit", args=[claim.pk])
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "Cookie": f"sessionid={browser.cookies['sessionid'].value}; csrftoken={csrf}"}
    _post_and_lose_the_answer(port, path, headers, form, claim)

    # The browser never saw it saved: the reviewer presses Save again, the same form.
    response = _post(port, path, headers, form)
    assert response.status == 302, response.read()[:2000]
    assert response.getheader("Location") == claim.get_absolute_url()
    _assert_stored_once(claim, reviewer)


def test_a_verdict_the_api_client_sends_again_after_losing_the_answer_is_stored_once(
        web, reviewer, claim):
    _, port, _ = web
    key = token_create(user=reviewer, name="verdict script")[1]
    body = json.dumps({"claim": claim.pk, "label": "contested",
                       "rationale": "The crane log shows no stop.",
                       "evidence_links": ["https://port.example/cranes"],
                       "expected_revision": 0,
                       "claim_version": claim.attribution_version}).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Token {key}"}
    _post_and_lose_the_answer(port, "/api/verdicts/", headers, body, claim)

    # The script saw an error, not the 201: it sends the same request again.
    response = _post(port, "/api/verdicts/", headers, body)
    assert response.status == 200, response.read()[:2000]  # not 201: nothing new
    answer = json.loads(response.read())
    assert (answer["label"], answer["revision"]) == ("contested", 1)
    _assert_stored_once(claim, reviewer)
