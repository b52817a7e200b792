"""Webhooks (annotations/webhooks.py, annotations/tasks.py): events recorded with the change
that makes them, sent signed to a real HTTP server on 127.0.0.1, retried with backoff, given
up after the last attempt, each attempt logged; sent to public addresses only (at the end)."""

import hashlib
import hmac
import json
import logging
import socket
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from annotations import tasks, webhooks
from annotations.consensus import final_verdict_reopen, verdicts_token
from annotations.models import Webhook, WebhookAttempt, WebhookChange, WebhookDelivery
from annotations.services import verdict_submit
from claims.models import Article
from claims.services import article_create
from tests.factories import ArticleFactory, UserFactory, make_claim

pytestmark = pytest.mark.django_db

TEXT = ("The ferry operator said the crossing would resume on Friday. A union spokesperson "
        "said no sailor had agreed to the new rota.")
FINALISED, REOPENED, SEGMENTED = (Webhook.Event.CLAIM_FINALISED, Webhook.Event.CLAIM_REOPENED,
                                  Webhook.Event.ARTICLE_SEGMENTED)


class Receiver:
    """A webhook receiver on 127.0.0.1: records every request, answers as `plan` says (a
    status, or seconds to stall before answering 200), then 200."""

    def __init__(self):
        self.requests: list[tuple[dict, bytes]] = []
        self.plan: list[int | float] = []
        self.url = ""

    def events(self) -> list[str]:
        return [headers["X-Claimdesk-Event"] for headers, _ in self.requests]


@pytest.fixture
def receiver():
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append((dict(self.headers), body))
            answer = state.plan.pop(0) if state.plan else 200
            if isinstance(answer, float):
                time.sleep(answer)
                answer = 200
            self.send_response(answer)
            if 300 <= answer < 400:
                self.send_header("Location", "https://elsewhere.example/hook")
            self.send_header("Content-Length", "18")
            self.end_headers()
            self.wfile.write(b"receiver says: no\n")

        def log_message(self, *args):
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request, client_address):
            pass  # the client gave up on a stalled answer: its socket is gone

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/claimdesk"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def deliver_inside_the_network(settings):
    """The receiver is on 127.0.0.1, where webhooks go only with this setting; the tests of the
    rule itself turn it off again."""
    settings.CLAIMDESK_WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def hook(receiver, lead):
    return webhooks.webhook_create(url=receiver.url, events=[FINALISED, REOPENED, SEGMENTED],
                                   actor=lead)


@pytest.fixture
def claim():
    return make_claim(ArticleFactory(text=TEXT), content="the crossing would resume on Friday",
                      source="The ferry operator")


def _finalise(claim, reviewer, other_reviewer, label="confirmed"):
    verdict_submit(claim=claim, reviewer=reviewer, label=label)
    verdict_submit(claim=claim, reviewer=other_reviewer, label=label)


def _post_verdict(client, user, claim, label):
    client.force_login(user)
    return client.post(reverse("annotations:verdict-submit", args=[claim.pk]), {
        "label": label, "rationale": "", "evidence_links": "", "source_correct": "",
        "content_correct": "", "expected_revision": 0})


def test_a_delivery_is_signed_with_the_secret_over_the_raw_body(
        hook, receiver, claim, reviewer, other_reviewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _finalise(claim, reviewer, other_reviewer)

    [(headers, body)] = receiver.requests
    expected = hmac.new(hook.secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Claimdesk-Signature"] == f"sha256={expected}"
    wrong = hmac.new(b"another secret", body, hashlib.sha256).hexdigest()
    assert headers["X-Claimdesk-Signature"] != f"sha256={wrong}"
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["X-Claimdesk-Event"] == "claim.finalised"
    assert abs(int(headers["X-Claimdesk-Timestamp"]) - time.time()) < 600
    payload = json.loads(body)
    delivery = WebhookDelivery.objects.get()
    assert payload["id"] == headers["X-Claimdesk-Delivery"] == str(delivery.uuid)
    assert payload["event"] == "claim.finalised"
    assert payload["data"]["claim"]["id"] == claim.pk
    assert payload["data"]["claim"]["article_id"] == claim.article_id
    assert payload["data"]["claim"]["status"] == "final"
    assert payload["data"]["claim"]["page"].endswith(f"?claim={claim.pk}#claim-{claim.pk}")
    assert payload["data"]["claim"]["final_verdict"]["label"] == "confirmed"
    assert payload["data"]["claim"]["final_verdict"]["provenance"] == "unanimous"
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        WebhookDelivery.Status.DELIVERED, 1, 200)
    assert delivery.delivered_at is not None
    assert delivery.next_attempt_at is None
    assert body == delivery.body.encode()


def test_server_errors_are_retried_with_exponential_backoff_then_given_up(
        hook, receiver, claim, reviewer, other_reviewer, settings,
        django_capture_on_commit_callbacks):
    settings.CLAIMDESK_WEBHOOK_MAX_ATTEMPTS = 4
    settings.CLAIMDESK_WEBHOOK_BACKOFF_SECONDS = 30
    receiver.plan = [500] * 10
    with django_capture_on_commit_callbacks(execute=True):
        _finalise(claim, reviewer, other_reviewer)

    assert len(receiver.requests) == 4  # not a fifth
    assert len({headers["X-Claimdesk-Delivery"] for headers, _ in receiver.requests}) == 1
    assert len({body for _, body in receiver.requests}) == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        WebhookDelivery.Status.FAILED, 4, 500)
    assert delivery.error == "HTTP 500 Internal Server Error: receiver says: no"
    assert delivery.next_attempt_at is None
    log = list(WebhookAttempt.objects.filter(delivery=delivery).order_by("number"))
    assert [a.number for a in log] == [1, 2, 3, 4]
    assert {a.response_status for a in log} == {500}
    # Each failed attempt scheduled the next one 30 s, 60 s, 120 s after its answer.
    waits = [round((a.retry_at - a.started_at).total_seconds() - a.duration_ms / 1000)
             for a in log[:-1]]
    assert waits == [30, 60, 120]
    assert log[-1].retry_at is None


def test_the_backoff_is_capped():
    assert [webhooks.webhook_retry_delay(n) for n in range(1, 10)] == [
        30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_a_receiver_that_does_not_answer_in_time_is_tried_again(
        hook, receiver, claim, reviewer, other_reviewer, settings,
        django_capture_on_commit_callbacks):
    settings.CLAIMDESK_WEBHOOK_TIMEOUT_SECONDS = 0.3
    receiver.plan = [2.0]  # stalls past the timeout, then answers 200 to the next attempt
    with django_capture_on_commit_callbacks(execute=True):
        _finalise(claim, reviewer, other_reviewer)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (WebhookDelivery.Status.DELIVERED, 2)
    first, second = WebhookAttempt.objects.filter(delivery=delivery).order_by("number")
    assert (first.response_status, first.error) == (None, "No answer within 0.3 s.")
    assert first.retry_at is not None
    assert (second.response_status, second.error, second.retry_at) == (200, "", None)


@pytest.mark.parametrize(("answer", "error"), [
    (404, "HTTP 404 Not Found: receiver says: no"),
    (302, "HTTP 302: redirected to https://elsewhere.example/hook; webhooks do not follow "
          "redirects, register the final URL."),
])
def test_answers_other_than_2xx_are_failures(hook, receiver, claim, reviewer, other_reviewer,
                                             settings, answer, error,
                                             django_capture_on_commit_callbacks):
    settings.CLAIMDESK_WEBHOOK_MAX_ATTEMPTS = 1
    receiver.plan = [answer]
    with django_capture_on_commit_callbacks(execute=True):
        _finalise(claim, reviewer, other_reviewer)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_status, delivery.error) == (
        WebhookDelivery.Status.FAILED, answer, error)
    assert len(receiver.requests) == 1  # the redirect was not followed


def test_a_receiver_that_refuses_connections_is_logged(lead, claim, reviewer, other_reviewer,
                                                       settings,
                                                       django_capture_on_commit_callbacks):
    settings.CLAIMDESK_WEBHOOK_MAX_ATTEMPTS = 2
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    webhooks.webhook_create(url=f"http://127.0.0.1:{port}/hook", events=[FINALISED],
                            actor=lead)
    with django_capture_on_commit_callbacks(execute=True):
        _finalise(claim, reviewer, other_reviewer)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        WebhookDelivery.Status.FAILED, 2, None)
    assert delivery.error.startswith("Could not connect:")
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 2


def test_each_finalisation_and_reopening_is_sent_exactly_once(
        client, hook, receiver, lead, reviewer, other_reviewer, claim,
        django_capture_on_commit_callbacks):
    reopen_hook = webhooks.webhook_create(url="http://127.0.0.1:9/reopen",
                                          events=[REOPENED], actor=lead)
    webhooks.webhook_enabled_set(webhook=reopen_hook, enabled=False, actor=lead)
    with django_capture_on_commit_callbacks(execute=True):
        assert _post_verdict(client, reviewer, claim, "confirmed").status_code == 302
        assert _post_verdict(client, other_reviewer, claim, "confirmed").status_code == 302
    assert receiver.events() == ["claim.finalised"]

    with django_capture_on_commit_callbacks(execute=True):
        # A second save of the same verdict on the final claim is refused: no new event.
        _post_verdict(client, reviewer, claim, "contested")
        client.force_login(lead)
        response = client.post(reverse("annotations:lead-reopen", args=[claim.pk]),
                               {"reason": "The operator corrected its notice."})
        assert response.status_code == 302
        response = client.post(reverse("annotations:lead-adjudicate", args=[claim.pk]), {
            "label": "contested", "reason_code": "new_evidence", "reason": "",
            "token": verdicts_token(claim_id=claim.pk)})
        assert response.status_code == 302
    assert receiver.events() == ["claim.finalised", "claim.reopened", "claim.finalised"]
    reopened = json.loads(receiver.requests[1][1])["data"]["claim"]
    assert reopened["status"] == "open"
    assert reopened["reopen_reason"] == "The operator corrected its notice."
    assert reopened["previous_final_verdict"]["label"] == "confirmed"
    adjudicated = json.loads(receiver.requests[2][1])["data"]["claim"]["final_verdict"]
    assert (adjudicated["label"], adjudicated["provenance"], adjudicated["reason_code"]) == (
        "contested", "adjudicated", "new_evidence")
    assert not WebhookDelivery.objects.filter(webhook=reopen_hook).exists()  # disabled


def test_a_webhook_gets_only_the_events_it_subscribed_to(
        receiver, lead, claim, reviewer, other_reviewer, django_capture_on_commit_callbacks):
    webhooks.webhook_create(url=receiver.url, events=[REOPENED], actor=lead)
    with django_capture_on_commit_callbacks(execute=True):
        _finalise(claim, reviewer, other_reviewer)
        final_verdict_reopen(claim=claim, lead=lead, reason="A second look.")
    assert receiver.events() == ["claim.reopened"]


def test_a_segmented_article_is_announced(hook, receiver, reviewer,
                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        article = article_create(text=TEXT, title="Ferry news", submitted_by=reviewer).article
    article.refresh_from_db()
    assert article.segmentation_status == Article.Segmentation.DONE
    [(headers, body)] = receiver.requests
    data = json.loads(body)["data"]["article"]
    assert headers["X-Claimdesk-Event"] == "article.segmented"
    assert (data["id"], data["title"], data["claims"]) == (
        article.pk, "Ferry news", article.claims.count())
    assert data["claims"] > 0
    assert data["page"].endswith(f"/articles/{article.pk}/")
    assert WebhookDelivery.objects.get().object_id == article.pk


def test_a_rolled_back_change_sends_nothing(hook, receiver, claim, reviewer, other_reviewer,
                                            django_capture_on_commit_callbacks):
    def finalise_then_fail():
        with transaction.atomic():
            _finalise(claim, reviewer, other_reviewer)
            assert WebhookDelivery.objects.count() == 1  # written with the change ...
            raise RuntimeError("the request failed after the finalisation")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        finalise_then_fail()
    assert not WebhookDelivery.objects.exists()  # ... and gone with it
    assert receiver.requests == []


def test_a_delivery_survives_a_broker_outage_and_the_sweep_sends_it(
        client, hook, receiver, claim, reviewer, other_reviewer, monkeypatch,
        django_capture_on_commit_callbacks):
    def broker_down(*args, **kwargs):
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.deliver_webhook, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        _post_verdict(client, reviewer, claim, "confirmed")
        response = _post_verdict(client, other_reviewer, claim, "confirmed")
    assert response.status_code == 302  # the reviewer's verdict is saved all the same
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (WebhookDelivery.Status.PENDING, 0)
    assert receiver.requests == []

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert webhooks.webhook_deliveries_requeue_stale() == []  # not overdue yet
        WebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=6))
        assert tasks.requeue_stale_webhook_deliveries.delay().get() == [delivery.pk]
    assert receiver.events() == ["claim.finalised"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (WebhookDelivery.Status.DELIVERED, 1)


def test_two_messages_for_the_same_attempt_send_once(hook, receiver, claim, reviewer,
                                                     other_reviewer,
                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        _finalise(claim, reviewer, other_reviewer)  # queued, not run
    delivery = WebhookDelivery.objects.get()
    assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk, attempt=1) is None
    assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk, attempt=1) is None
    assert len(receiver.requests) == 1
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 1


def test_a_disabled_webhook_holds_its_deliveries_until_enabled(
        hook, receiver, lead, claim, reviewer, other_reviewer,
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        _finalise(claim, reviewer, other_reviewer)
    webhooks.webhook_enabled_set(webhook=hook, enabled=False, actor=lead)
    for callback in queued:
        callback()  # the message arrives while the webhook is disabled
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (WebhookDelivery.Status.PENDING, 0)
    assert receiver.requests == []
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(hours=1))
    assert webhooks.webhook_deliveries_requeue_stale() == []  # the sweep leaves it alone

    with django_capture_on_commit_callbacks(execute=True):
        webhooks.webhook_enabled_set(webhook=hook, enabled=True, actor=lead)
    assert receiver.events() == ["claim.finalised"]
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED


def test_a_deleted_webhook_sends_nothing_more(hook, receiver, lead, claim, reviewer,
                                              other_reviewer,
                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        _finalise(claim, reviewer, other_reviewer)
    webhooks.webhook_delete(webhook=hook, actor=lead)
    for callback in queued:
        callback()
    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize(("url", "message"), [
    ("ftp://example.org/hook", "Only http:// and https:// URLs can receive webhooks, not ftp://."),
    ("javascript://alert(1)", "Only http:// and https:// URLs"),
    ("file:///etc/passwd", "Only http:// and https:// URLs"),
    ("example.org/hook", "Give the whole URL, starting with https://"),
    ("https://", "is not a valid URL"),
    ("https://exa mple.org/", "is not a valid URL"),
    ("", "Give the URL"),
])
def test_only_http_and_https_urls_are_accepted(lead, url, message):
    with pytest.raises(ValidationError) as refused:
        webhooks.webhook_create(url=url, events=[FINALISED], actor=lead)
    assert message in " ".join(refused.value.message_dict["url"])
    assert not Webhook.objects.exists()


def test_a_webhook_needs_an_event(lead):
    with pytest.raises(ValidationError) as refused:
        webhooks.webhook_create(url="https://example.org/hook", events=[], actor=lead)
    assert refused.value.message_dict == {"events": ["Pick at least one event to send."]}


def test_each_webhook_has_its_own_secret(lead):
    first = webhooks.webhook_create(url="https://example.org/a", events=[FINALISED], actor=lead)
    second = webhooks.webhook_create(url="https://example.org/b", events=[FINALISED],
                                     actor=lead)
    assert len(first.secret) >= 40
    assert first.secret != second.secret
    rotated = webhooks.webhook_secret_rotate(webhook=first, actor=UserFactory())
    assert rotated.secret != first.secret


# --- Resending from the delivery log (webhook_delivery_resend, through the lead's page) --------
def _resend(client, delivery):
    return client.post(reverse("annotations:lead-webhook-delivery-resend",
                               args=[delivery.uuid]))


def _given_up(hook, receiver, claim, reviewer, other_reviewer, settings, capture):
    settings.CLAIMDESK_WEBHOOK_MAX_ATTEMPTS = 2
    receiver.plan = [500, 500]
    with capture(execute=True):
        _finalise(claim, reviewer, other_reviewer)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, len(receiver.requests)) == (
        WebhookDelivery.Status.FAILED, 2, 2)
    return delivery


def test_a_lead_resends_a_given_up_delivery_which_a_worker_sends_later(
        hook, receiver, claim, reviewer, other_reviewer, lead, logged_in_lead, settings,
        django_capture_on_commit_callbacks):
    delivery = _given_up(hook, receiver, claim, reviewer, other_reviewer, settings,
                         django_capture_on_commit_callbacks)
    page = logged_in_lead.get(hook.get_absolute_url()).content.decode()
    resend_url = reverse("annotations:lead-webhook-delivery-resend", args=[delivery.uuid])
    assert f'action="{resend_url}"' in page

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = _resend(logged_in_lead, delivery)
    assert response.status_code == 302
    assert response["Location"] == hook.get_absolute_url()
    assert len(receiver.requests) == 2  # nothing sent in the request ...
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.attempt_limit, delivery.resent_by) == (
        WebhookDelivery.Status.PENDING, 2, 3, lead)
    for callback in queued:
        callback()  # ... the worker sends it
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(receiver.requests)) == (
        WebhookDelivery.Status.DELIVERED, 3, 3)
    assert receiver.requests[2][0]["X-Claimdesk-Delivery"] == str(delivery.uuid)
    assert receiver.requests[2][1] == receiver.requests[0][1]  # the same signed body

    change = WebhookChange.objects.get(action=WebhookChange.Action.RESEND)
    assert (change.webhook_id, change.actor, change.after) == (
        hook.pk, lead, {"delivery": str(delivery.uuid), "attempt": 3})
    page = logged_in_lead.get(hook.get_absolute_url()).content.decode()
    assert "queued to be sent again" in page
    assert "resent by lead1" in page
    assert "Delivery resent by lead1" in page  # the history
    assert "3 of 3" in page


def test_a_resent_delivery_that_fails_again_is_given_up_after_that_one_attempt(
        hook, receiver, claim, reviewer, other_reviewer, logged_in_lead, settings,
        django_capture_on_commit_callbacks):
    delivery = _given_up(hook, receiver, claim, reviewer, other_reviewer, settings,
                         django_capture_on_commit_callbacks)
    receiver.plan = [503] * 5
    with django_capture_on_commit_callbacks(execute=True):
        _resend(logged_in_lead, delivery)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        WebhookDelivery.Status.FAILED, 3, 503)
    assert len(receiver.requests) == 3
    assert WebhookAttempt.objects.get(delivery=delivery, number=3).retry_at is None


def test_a_delivery_waiting_for_its_retry_is_sent_now_and_its_retry_sends_nothing(
        hook, receiver, claim, reviewer, other_reviewer, logged_in_lead,
        django_capture_on_commit_callbacks):
    receiver.plan = [500]
    with django_capture_on_commit_callbacks(execute=False):
        _finalise(claim, reviewer, other_reviewer)
    delivery = WebhookDelivery.objects.get()
    assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk, attempt=1) == 30
    with django_capture_on_commit_callbacks(execute=True):
        assert _resend(logged_in_lead, delivery).status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (WebhookDelivery.Status.DELIVERED, 2)
    # The retry scheduled by the first attempt arrives: that attempt was made, nothing sent.
    assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk, attempt=2) is None
    assert len(receiver.requests) == 2


def test_what_cannot_be_resent_is_refused_with_a_message_and_changes_nothing(
        hook, receiver, claim, reviewer, other_reviewer, lead, logged_in_lead, settings,
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _finalise(claim, reviewer, other_reviewer)
    delivered = WebhookDelivery.objects.get()
    response = _resend(logged_in_lead, delivered)
    assert response.status_code == 302
    page = logged_in_lead.get(response["Location"]).content.decode()
    assert "not resent: This delivery was delivered: there is nothing to send again." in page

    WebhookDelivery.objects.update(status=WebhookDelivery.Status.FAILED)
    webhooks.webhook_enabled_set(webhook=hook, enabled=False, actor=lead)
    _resend(logged_in_lead, delivered)
    page = logged_in_lead.get(hook.get_absolute_url()).content.decode()
    assert "The webhook is disabled: enable it, then resend the delivery." in page
    delivered.refresh_from_db()
    assert (delivered.status, delivered.attempts, delivered.resent_by) == (
        WebhookDelivery.Status.FAILED, 1, None)
    assert not WebhookChange.objects.filter(action=WebhookChange.Action.RESEND).exists()
    assert len(receiver.requests) == 1


def test_resending_takes_a_post_with_its_csrf_token(hook, receiver, claim, reviewer,
                                                    other_reviewer, lead, settings,
                                                    django_capture_on_commit_callbacks):
    delivery = _given_up(hook, receiver, claim, reviewer, other_reviewer, settings,
                         django_capture_on_commit_callbacks)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(lead)
    url = reverse("annotations:lead-webhook-delivery-resend", args=[delivery.uuid])
    assert browser.get(url).status_code == 405
    assert browser.post(url).status_code == 403  # no CSRF token
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED


# --- Public addresses only (annotations/webhook_network.py) ------------------------------------
REAL_GETADDRINFO = socket.getaddrinfo


@pytest.fixture
def dns(monkeypatch):
    """A resolver for the names in `answers` (name -> a list of addresses, one list per look-up,
    the last repeated); other names resolve as usual. `lookups` counts the look-ups by name."""
    class Dns:
        answers: dict[str, list[list[str]]] = {}
        lookups: dict[str, int] = {}

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in Dns.answers:
            return REAL_GETADDRINFO(host, port, *args, **kwargs)
        n = Dns.lookups[host] = Dns.lookups.get(host, 0) + 1
        answers = Dns.answers[host]
        if not answers[min(n, len(answers)) - 1]:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM,
                 socket.IPPROTO_TCP, "", (address, port))
                for address in answers[min(n, len(answers)) - 1]]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return Dns


def _port(receiver) -> int:
    return int(receiver.url.split(":")[2].split("/")[0])


def _deliver_one(claim, reviewer, other_reviewer, capture):
    with capture(execute=True):
        _finalise(claim, reviewer, other_reviewer)
    return WebhookDelivery.objects.get()


def test_a_name_that_resolves_to_a_private_address_is_refused_logged_and_not_retried(
        receiver, lead, claim, reviewer, other_reviewer, settings, dns, caplog,
        django_capture_on_commit_callbacks):
    # Registered while the name pointed elsewhere; now it resolves to the desk's machine,
    # where a receiver listens that must hear nothing.
    dns.answers["hooks.newsroom.example"] = [["127.0.0.1"]]
    webhooks.webhook_create(url=f"http://hooks.newsroom.example:{_port(receiver)}/claimdesk",
                            events=[FINALISED], actor=lead)
    settings.CLAIMDESK_WEBHOOK_ALLOW_PRIVATE = False
    with caplog.at_level(logging.WARNING, logger="annotations.webhooks"):
        delivery = _deliver_one(claim, reviewer, other_reviewer,
                                django_capture_on_commit_callbacks)

    assert receiver.requests == []
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        WebhookDelivery.Status.FAILED, 1, None)  # given up at once, of 8 attempts
    assert delivery.error == (
        "Refused, not sent: hooks.newsroom.example resolves to 127.0.0.1, a loopback address "
        "(the desk's own machine); webhooks go to public addresses only.")
    assert delivery.next_attempt_at is None
    [attempt] = WebhookAttempt.objects.filter(delivery=delivery)
    assert (attempt.error, attempt.retry_at) == (delivery.error, None)
    assert "gave up after 1 attempts: Refused, not sent" in caplog.text
    assert webhooks.webhook_deliveries_requeue_stale(older_than=timedelta(0)) == []


def test_one_private_address_among_public_ones_refuses_the_name(
        receiver, lead, claim, reviewer, other_reviewer, settings, dns,
        django_capture_on_commit_callbacks):
    dns.answers["hooks.newsroom.example"] = [["93.184.215.14", "1.1.1.1", "10.1.2.3"]]
    webhooks.webhook_create(url="https://hooks.newsroom.example/claimdesk", events=[FINALISED],
                            actor=lead)
    settings.CLAIMDESK_WEBHOOK_ALLOW_PRIVATE = False
    delivery = _deliver_one(claim, reviewer, other_reviewer, django_capture_on_commit_callbacks)
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.error.startswith("Refused, not sent: hooks.newsroom.example resolves to "
                                     "10.1.2.3, a private network address")


def test_an_address_url_registered_while_allowed_is_refused_once_the_setting_is_off(
        hook, receiver, claim, reviewer, other_reviewer, settings,
        django_capture_on_commit_callbacks):
    settings.CLAIMDESK_WEBHOOK_ALLOW_PRIVATE = False
    delivery = _deliver_one(claim, reviewer, other_reviewer, django_capture_on_commit_callbacks)
    assert receiver.requests == []
    assert delivery.error == ("Refused, not sent: 127.0.0.1, a loopback address (the desk's "
                              "own machine); webhooks go to public addresses only.")


def test_the_connection_goes_to_the_address_checked_not_to_a_second_lookup(
        receiver, lead, claim, reviewer, other_reviewer, dns,
        django_capture_on_commit_callbacks):
    # DNS rebinding: the first answer is the one checked; any later look-up would answer an
    # address where nothing listens.
    dns.answers["hooks.newsroom.example"] = [["127.0.0.1"], ["127.0.0.2"]]
    webhooks.webhook_create(url=f"http://hooks.newsroom.example:{_port(receiver)}/claimdesk",
                            events=[FINALISED], actor=lead)
    delivery = _deliver_one(claim, reviewer, other_reviewer, django_capture_on_commit_callbacks)
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert dns.lookups == {"hooks.newsroom.example": 1}
    [(headers, _)] = receiver.requests
    assert headers["Host"] == f"hooks.newsroom.example:{_port(receiver)}"


def test_a_name_that_does_not_resolve_is_tried_again(
        lead, claim, reviewer, other_reviewer, settings, dns,
        django_capture_on_commit_callbacks):
    settings.CLAIMDESK_WEBHOOK_MAX_ATTEMPTS = 2
    dns.answers["gone.newsroom.example"] = [[]]
    webhooks.webhook_create(url="https://gone.newsroom.example/claimdesk", events=[FINALISED],
                            actor=lead)
    delivery = _deliver_one(claim, reviewer, other_reviewer, django_capture_on_commit_callbacks)
    assert (delivery.status, delivery.attempts) == (WebhookDelivery.Status.FAILED, 2)
    assert delivery.error.startswith("Could not resolve gone.newsroom.example")


def test_proxies_from_the_environment_are_not_used(hook, receiver, claim, reviewer,
                                                   other_reviewer, monkeypatch,
                                                   django_capture_on_commit_callbacks):
    # A proxy would make its own look-up of the name, past the check.
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    monkeypatch.setenv("no_proxy", "")
    delivery = _deliver_one(claim, reviewer, other_reviewer, django_capture_on_commit_callbacks)
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert len(receiver.requests) == 1


def test_a_url_other_than_http_is_not_sent_even_if_stored(lead, claim, reviewer, other_reviewer,
                                                          django_capture_on_commit_callbacks):
    Webhook.objects.create(url="file:///etc/passwd", events=[FINALISED], secret="x",
                           created_by=lead)
    delivery = _deliver_one(claim, reviewer, other_reviewer, django_capture_on_commit_callbacks)
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.error == ("Refused, not sent: only http:// and https:// URLs receive "
                              "webhooks, not file://.")
