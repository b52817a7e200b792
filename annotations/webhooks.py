"""Webhooks: the desk tells other systems when an article is segmented, a claim gets its final
verdict, or a final verdict is reopened.

- Leads register a URL and its events on /lead/webhooks/ (webhook_create); each webhook gets a
  secret, which signs every delivery (HMAC-SHA256 of the raw body, X-Claimdesk-Signature).
  Every change to a webhook is recorded in WebhookChange.
- An event becomes one WebhookDelivery per enabled webhook subscribed to it, written in the
  transaction that made the event (webhook_event_emit) and queued when it commits: a change
  rolled back sends nothing. A delivery whose queuing failed (the broker was down) or whose
  message was lost (a worker killed) is queued again by beat (webhook_deliveries_requeue_stale).
- webhook_delivery_attempt makes one attempt: a POST of the body stored with the delivery,
  answered 2xx within CLAIMDESK_WEBHOOK_TIMEOUT_SECONDS = delivered. Anything else (another
  status, a redirect, a timeout, no connection) is logged in WebhookAttempt and tried again
  after CLAIMDESK_WEBHOOK_BACKOFF_SECONDS * 2**(n-1), up to CLAIMDESK_WEBHOOK_MAX_ATTEMPTS.
- Each task message carries the number of the attempt it is for, so a second message for the
  same attempt (the sweep racing a late retry, a redelivery) sends nothing.
- Webhooks go to public addresses only (annotations.webhook_network): a URL naming this machine
  or a private address is refused at registration, and at each attempt the host is resolved,
  checked and connected to at the address checked. An attempt refused so is logged with the
  reason and the delivery given up at once (CLAIMDESK_WEBHOOK_ALLOW_PRIVATE lifts the rule).
"""

import hashlib
import hmac
import http.client
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Count, Max, Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from annotations import webhook_network
from annotations.models import (
    FinalVerdict,
    Webhook,
    WebhookAttempt,
    WebhookChange,
    WebhookDelivery,
)
from annotations.public_urls import claim_public_url, public_url
from annotations.read_models import (
    WebhookAttemptRow,
    WebhookChangeRow,
    WebhookDeliveryRow,
    WebhookRow,
)
from claims.models import Article, Claim
from claims.selectors import claim_stands

logger = logging.getLogger(__name__)

Event = Webhook.Event
SIGNATURE_HEADER = "X-Claimdesk-Signature"
USER_AGENT = "Claimdesk-Webhooks/1"
ERROR_CHARS = 500  # of a receiver's answer, kept with the attempt


# --- Signing --------------------------------------------------------------------------------
def webhook_signature(*, secret: str, body: bytes) -> str:
    """The X-Claimdesk-Signature value: "sha256=" and the hex HMAC-SHA256 of the raw body,
    keyed with the webhook's secret (as UTF-8)."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


# --- Registering ----------------------------------------------------------------------------
def webhook_url_validate(url: str) -> str:
    """The URL stripped, or a ValidationError saying what is wrong: only http and https, and
    not to the desk's own machine or network (webhook_network)."""
    url = (url or "").strip()
    if not url:
        raise ValidationError("Give the URL that should receive the events.")
    scheme = urlsplit(url).scheme.lower() if "://" in url else ""
    if not scheme:
        raise ValidationError(f"Give the whole URL, starting with https:// (or http://), not "
                              f"“{url[:100]}”.")
    if scheme not in ("http", "https"):
        raise ValidationError(f"Only http:// and https:// URLs can receive webhooks, not "
                              f"{scheme}://.")
    max_length = Webhook._meta.get_field("url").max_length
    if len(url) > max_length:
        raise ValidationError(f"The URL is {len(url):,} characters long; at most "
                              f"{max_length:,}.")
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError(f"“{url[:100]}” is not a valid URL.") from None
    refusal = webhook_network.webhook_url_refusal(url)
    if refusal:
        raise ValidationError(refusal)
    return url


def webhook_events_validate(events) -> list[str]:
    chosen = [value for value in Event.values if value in set(events or [])]
    unknown = set(events or []) - set(Event.values)
    if unknown:
        raise ValidationError(f"Unknown event {sorted(unknown)[0]!r}: the events are "
                              f"{', '.join(Event.values)}.")
    if not chosen:
        raise ValidationError("Pick at least one event to send.")
    return chosen


def _state(webhook: Webhook) -> dict:
    return {"url": webhook.url, "description": webhook.description,
            "events": list(webhook.events), "enabled": webhook.enabled}


def _record(webhook_id: int, action: str, actor, before: dict, after: dict) -> None:
    WebhookChange.objects.create(webhook_id=webhook_id, action=action, actor=actor,
                                 before=before, after=after)


@transaction.atomic
def webhook_create(*, url: str, events, actor, description: str = "") -> Webhook:
    """Register a webhook, enabled, with a new secret. ValidationError (a dict by field: url,
    events, description) when the input is wrong; nothing is saved then."""
    errors = {}
    try:
        url = webhook_url_validate(url)
    except ValidationError as exc:
        errors["url"] = exc.messages
    try:
        events = webhook_events_validate(events)
    except ValidationError as exc:
        errors["events"] = exc.messages
    description = (description or "").strip()
    max_length = Webhook._meta.get_field("description").max_length
    if len(description) > max_length:
        errors["description"] = [f"At most {max_length} characters; this is "
                                 f"{len(description)}."]
    if errors:
        raise ValidationError(errors)
    webhook = Webhook.objects.create(url=url, events=events, description=description,
                                     secret=_new_secret(), created_by=actor)
    _record(webhook.pk, WebhookChange.Action.CREATE, actor, {}, _state(webhook))
    return webhook


@transaction.atomic
def webhook_enabled_set(*, webhook: Webhook, enabled: bool, actor) -> Webhook:
    """Enable or disable. Disabled, it gets no new deliveries and its pending ones wait;
    enabled again, those are sent at once (with the attempts they had left)."""
    webhook = Webhook.objects.select_for_update().get(pk=webhook.pk)
    if webhook.enabled == enabled:
        return webhook
    before = _state(webhook)
    webhook.enabled = enabled
    webhook.save(update_fields=["enabled"])
    _record(webhook.pk, WebhookChange.Action.ENABLE if enabled else WebhookChange.Action.DISABLE,
            actor, before, _state(webhook))
    if enabled:
        waiting = webhook.deliveries.filter(status=WebhookDelivery.Status.PENDING)
        _requeue(list(waiting.values_list("pk", "attempts")))
    return webhook


@transaction.atomic
def webhook_secret_rotate(*, webhook: Webhook, actor) -> Webhook:
    """A new secret: every attempt from now on is signed with it (pending ones included)."""
    webhook = Webhook.objects.select_for_update().get(pk=webhook.pk)
    webhook.secret = _new_secret()
    webhook.save(update_fields=["secret"])
    _record(webhook.pk, WebhookChange.Action.ROTATE_SECRET, actor, {}, {})
    return webhook


@transaction.atomic
def webhook_delete(*, webhook: Webhook, actor) -> None:
    """Delete the webhook with its deliveries and their log; its WebhookChange history stays.
    Its pending deliveries are never sent."""
    webhook = Webhook.objects.select_for_update().filter(pk=webhook.pk).first()
    if webhook is None:
        return
    _record(webhook.pk, WebhookChange.Action.DELETE, actor, _state(webhook), {})
    webhook.delete()


@transaction.atomic
def webhook_delivery_resend(*, delivery: WebhookDelivery, actor) -> WebhookDelivery:
    """Queue one more attempt of a delivery, sent by a worker when this commits. A given-up
    delivery gets one attempt more (given up again if it fails); one waiting for its next
    retry is tried now, its scheduled retry then finding that attempt made and sending
    nothing. Recorded in WebhookChange and on the delivery. ValidationError, nothing changed,
    for a delivery delivered, not tried yet, or of a disabled webhook."""
    delivery = (WebhookDelivery.objects.select_for_update(of=("self",))
                .select_related("webhook").get(pk=delivery.pk))
    Status = WebhookDelivery.Status
    if delivery.status == Status.DELIVERED:
        raise ValidationError("This delivery was delivered: there is nothing to send again.")
    if not delivery.webhook.enabled:
        raise ValidationError("The webhook is disabled: enable it, then resend the delivery.")
    if delivery.status == Status.PENDING and delivery.attempts == 0:
        raise ValidationError("This delivery has not been tried yet: it is queued and will be "
                              "sent shortly.")
    now = timezone.now()
    if delivery.status == Status.FAILED:
        delivery.status, delivery.attempt_limit = Status.PENDING, delivery.attempts + 1
    delivery.next_attempt_at, delivery.resent_by, delivery.resent_at = now, actor, now
    delivery.save(update_fields=["status", "attempt_limit", "next_attempt_at", "resent_by",
                                 "resent_at"])
    _record(delivery.webhook_id, WebhookChange.Action.RESEND, actor, {},
            {"delivery": str(delivery.uuid), "attempt": delivery.attempts + 1})
    _requeue([(delivery.pk, delivery.attempts)])
    return delivery


# --- Events ---------------------------------------------------------------------------------
@transaction.atomic
def webhook_event_emit(*, event: str, object_id: int,
                       data: Callable[[], dict]) -> list[WebhookDelivery]:
    """Record `event` for every enabled webhook subscribed to it, in the caller's transaction,
    each queued when it commits. `data` builds the body's "data" and is called only when some
    webhook wants the event."""
    hooks = [hook for hook in Webhook.objects.filter(enabled=True).only("pk", "events")
             if event in hook.events]
    if not hooks:
        return []
    occurred_at = timezone.now()
    content = data()
    deliveries = []
    for hook in hooks:
        delivery = WebhookDelivery(webhook=hook, event=event, object_id=object_id,
                                   next_attempt_at=occurred_at)
        delivery.body = json.dumps(
            {"id": str(delivery.uuid), "event": event, "occurred_at": occurred_at,
             "data": content}, cls=DjangoJSONEncoder, ensure_ascii=False)
        deliveries.append(delivery)
    WebhookDelivery.objects.bulk_create(deliveries)
    _requeue([(delivery.pk, 0) for delivery in deliveries])
    return deliveries


def _requeue(deliveries: list[tuple[int, int]]) -> None:
    """Queue the next attempt of each (delivery id, attempts made) when the transaction
    commits."""
    for delivery_id, attempts in deliveries:
        # robust: the change behind the event is committed by now. If the broker is down, a
        # 500 would tell the person who made it nothing useful; the delivery stays pending and
        # beat's sweep queues it once the broker is back.
        transaction.on_commit(_sender(delivery_id, attempts + 1), robust=True)


def _sender(delivery_id: int, attempt: int) -> Callable[[], None]:
    # A function, not a functools.partial: Django names a failing robust callback by its
    # __qualname__, which a partial lacks.
    def send_webhook_delivery() -> None:
        from annotations.tasks import deliver_webhook

        deliver_webhook.delay(delivery_id, attempt)

    return send_webhook_delivery


def article_segmented(*, article_id: int) -> list[WebhookDelivery]:
    def data() -> dict:
        article = Article.objects.defer("text").get(pk=article_id)
        return {"article": {
            "id": article.pk, "title": article.title, "outlet": article.outlet,
            "url": article.url, "published_on": article.published_on,
            "language": article.language, "extractor_version": article.extractor_version,
            "claims": article.claims.filter(claim_stands()).count(),
            "page": public_url(article.get_absolute_url()),
        }}

    return webhook_event_emit(event=Event.ARTICLE_SEGMENTED, object_id=article_id, data=data)


def on_article_segmented(sender, *, article_id: int, **kwargs) -> None:
    """Receiver of claims.signals.article_segmented (claims cannot import annotations)."""
    article_segmented(article_id=article_id)


def claim_finalised(*, final: FinalVerdict) -> list[WebhookDelivery]:
    def data() -> dict:
        return {"claim": {
            **_claim_reference(final.claim),
            "final_verdict": {
                "label": final.label, "provenance": final.provenance,
                "reason_code": final.reason_code, "reason": final.reason,
                "decided_at": final.decided_at, "claim_version": final.claim_version},
        }}

    return webhook_event_emit(event=Event.CLAIM_FINALISED, object_id=final.claim_id, data=data)


def claim_reopened(*, claim: Claim, previous: dict, reason: str) -> list[WebhookDelivery]:
    """`previous`: the final verdict taken back (label, provenance, reason_code, reason)."""
    def data() -> dict:
        return {"claim": {
            **_claim_reference(claim), "reopen_reason": reason,
            "previous_final_verdict": {key: previous.get(key) for key in (
                "label", "provenance", "reason_code", "reason", "claim_version")},
        }}

    return webhook_event_emit(event=Event.CLAIM_REOPENED, object_id=claim.pk, data=data)


def _claim_reference(claim: Claim) -> dict:
    return {"id": claim.pk, "article_id": claim.article_id, "status": claim.status,
            "page": claim_public_url(claim.pk, claim.article_id)}


# --- Sending --------------------------------------------------------------------------------
class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a detour: following it would re-send the signed body
    (or drop it, turning the POST into a GET) to a URL nobody registered."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


@dataclass(frozen=True)
class _Answer:
    status: int | None  # None: no HTTP answer (timeout, refused, reset, bad TLS ...)
    error: str
    # The address is one webhooks are not sent to: given up at once, not tried again.
    refused: bool = False

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def webhook_retry_delay(attempt: int) -> int:
    """Seconds to wait after failed attempt number `attempt` (1-based) before the next."""
    return min(settings.CLAIMDESK_WEBHOOK_BACKOFF_SECONDS * 2 ** (attempt - 1),
               settings.CLAIMDESK_WEBHOOK_BACKOFF_MAX_SECONDS)


def webhook_delivery_attempt(*, delivery_id: int, attempt: int) -> int | None:
    """Make attempt number `attempt` of the delivery; the seconds until the next attempt is
    due, or None: delivered, given up, or nothing to do (this attempt was made already, the
    delivery is gone, or its webhook is disabled: the delivery waits)."""
    started = timezone.now()
    with transaction.atomic():
        delivery = (WebhookDelivery.objects.select_for_update(of=("self",))
                    .select_related("webhook").filter(pk=delivery_id).first())
        if (delivery is None or delivery.status != WebhookDelivery.Status.PENDING
                or delivery.attempts != attempt - 1 or not delivery.webhook.enabled):
            return None
        # Claimed: another message for this attempt now finds attempts == attempt and stops.
        # next_attempt_at stays due, so the sweep retries it if this worker dies mid-request.
        delivery.attempts, delivery.last_attempt_at = attempt, started
        delivery.next_attempt_at = started
        delivery.save(update_fields=["attempts", "last_attempt_at", "next_attempt_at"])
    clock = time.monotonic()
    answer = _post(delivery, sent_at=started)
    duration_ms = round((time.monotonic() - clock) * 1000)
    return _attempt_record(delivery_id=delivery_id, attempt=attempt, started=started,
                           duration_ms=duration_ms, answer=answer)


@transaction.atomic
def _attempt_record(*, delivery_id: int, attempt: int, started: datetime, duration_ms: int,
                    answer: _Answer) -> int | None:
    delivery = (WebhookDelivery.objects.select_for_update()
                .filter(pk=delivery_id, attempts=attempt).first())
    if delivery is None:
        return None  # deleted with its webhook meanwhile
    last = answer.refused or attempt >= _attempt_limit(delivery)
    delay = None if answer.delivered or last else webhook_retry_delay(attempt)
    now = timezone.now()
    retry_at = now + timedelta(seconds=delay) if delay is not None else None
    WebhookAttempt.objects.create(delivery=delivery, number=attempt, started_at=started,
                                  duration_ms=duration_ms, response_status=answer.status,
                                  error=answer.error, retry_at=retry_at)
    delivery.response_status, delivery.error = answer.status, answer.error
    delivery.next_attempt_at = retry_at
    if answer.delivered:
        delivery.status, delivery.delivered_at = WebhookDelivery.Status.DELIVERED, now
    elif last:
        delivery.status = WebhookDelivery.Status.FAILED
        logger.warning("Webhook delivery %s (%s to webhook %s) gave up after %s attempts: %s",
                       delivery.uuid, delivery.event, delivery.webhook_id, attempt,
                       answer.error)
    delivery.save(update_fields=["response_status", "error", "next_attempt_at", "status",
                                 "delivered_at"])
    return delay


def _attempt_limit(delivery: WebhookDelivery) -> int:
    return delivery.attempt_limit or settings.CLAIMDESK_WEBHOOK_MAX_ATTEMPTS


def _post(delivery: WebhookDelivery, *, sent_at: datetime) -> _Answer:
    body = delivery.body.encode("utf-8")
    webhook = delivery.webhook
    request = urllib.request.Request(webhook.url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Claimdesk-Event": delivery.event,
        "X-Claimdesk-Delivery": str(delivery.uuid),
        "X-Claimdesk-Timestamp": str(int(sent_at.timestamp())),
        SIGNATURE_HEADER: webhook_signature(secret=webhook.secret, body=body),
    })
    timeout = settings.CLAIMDESK_WEBHOOK_TIMEOUT_SECONDS
    try:
        # Resolved and checked now, connected to the address checked (webhook_network).
        opener = webhook_network.webhook_opener(webhook.url, _NoRedirects)
    except webhook_network.AddressRefused as exc:
        return _Answer(status=None, error=str(exc)[:ERROR_CHARS], refused=True)
    except OSError as exc:  # the name does not resolve (now): tried again later
        host = urlsplit(webhook.url).hostname
        return _Answer(status=None, error=f"Could not resolve {host}: {exc}"[:ERROR_CHARS])
    try:
        with opener.open(request, timeout=timeout) as response:
            return _Answer(status=response.status, error="")
    except urllib.error.HTTPError as exc:
        return _Answer(status=exc.code, error=_http_error(exc))
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            return _Answer(status=None, error=f"No answer within {timeout:g} s (connecting).")
        return _Answer(status=None, error=f"Could not connect: {exc.reason}")
    except TimeoutError:
        return _Answer(status=None, error=f"No answer within {timeout:g} s.")
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return _Answer(status=None, error=f"{type(exc).__name__}: {exc}"[:ERROR_CHARS])


def _http_error(exc: urllib.error.HTTPError) -> str:
    if 300 <= exc.code < 400:
        return (f"HTTP {exc.code}: redirected to {exc.headers.get('Location', '?')}; "
                "webhooks do not follow redirects, register the final URL.")[:ERROR_CHARS]
    try:
        answer = exc.read(ERROR_CHARS).decode("utf-8", errors="replace")
    except (OSError, http.client.HTTPException):
        answer = ""
    answer = " ".join(answer.split())
    return (f"HTTP {exc.code} {exc.reason}" + (f": {answer}" if answer else ""))[:ERROR_CHARS]


def webhook_deliveries_requeue_stale(*, older_than: timedelta | None = None) -> list[int]:
    """Queue again the pending deliveries of enabled webhooks whose next attempt is overdue
    by CLAIMDESK_WEBHOOK_STALE_SECONDS: their message was lost (the broker was down when it
    was sent, or a worker died holding it)."""
    if older_than is None:
        older_than = timedelta(seconds=settings.CLAIMDESK_WEBHOOK_STALE_SECONDS)
    cutoff = timezone.now() - older_than
    stale = (WebhookDelivery.objects
             .filter(Q(next_attempt_at__lte=cutoff) | Q(next_attempt_at__isnull=True),
                     status=WebhookDelivery.Status.PENDING, webhook__enabled=True)
             .order_by("next_attempt_at", "id").values_list("pk", "attempts")[:1000])
    requeued = []
    for delivery_id, attempts in stale:
        with transaction.atomic():
            # Due again from now: the next sweep leaves it alone while this message waits.
            if WebhookDelivery.objects.filter(
                    pk=delivery_id, attempts=attempts,
                    status=WebhookDelivery.Status.PENDING).update(
                        next_attempt_at=timezone.now()):
                _requeue([(delivery_id, attempts)])
                requeued.append(delivery_id)
    return requeued


# --- Reads ----------------------------------------------------------------------------------
def _webhooks_with_counts():
    by_status = {name: Count("deliveries", filter=Q(deliveries__status=status))
                 for name, status in (("n_pending", WebhookDelivery.Status.PENDING),
                                      ("n_delivered", WebhookDelivery.Status.DELIVERED),
                                      ("n_failed", WebhookDelivery.Status.FAILED))}
    return (Webhook.objects.select_related("created_by")
            .annotate(**by_status, last_event_at=Max("deliveries__created_at"))
            .order_by("created_at", "id"))


def webhooks_overview() -> list[WebhookRow]:
    """Every webhook with its deliveries counted by status: one query."""
    return [_webhook_row(hook) for hook in _webhooks_with_counts()]


def webhook_row(*, webhook_id: int) -> WebhookRow:
    return _webhook_row(_webhooks_with_counts().get(pk=webhook_id))


def _webhook_row(hook: Webhook) -> WebhookRow:
    labels = dict(Event.choices)
    return WebhookRow(
        id=hook.pk, url=hook.url, description=hook.description,
        events=tuple(labels.get(value, value) for value in hook.events),
        event_values=tuple(hook.events), enabled=hook.enabled,
        created_by=hook.created_by.get_username() if hook.created_by else "",
        created_at=hook.created_at, pending=hook.n_pending, delivered=hook.n_delivered,
        failed=hook.n_failed, last_event_at=hook.last_event_at,
        page=hook.get_absolute_url())


def webhook_deliveries(*, webhook_id: int):
    """The webhook's deliveries, newest first, for a paginator: slice it, then pass the page
    to webhook_delivery_rows."""
    return (WebhookDelivery.objects.filter(webhook_id=webhook_id).defer("body")
            .order_by("-created_at", "-id"))


def webhook_delivery_rows(deliveries) -> list[WebhookDeliveryRow]:
    """A page of webhook_deliveries with every attempt and a link to what each is about:
    three queries."""
    deliveries = list(deliveries.select_related("resent_by").prefetch_related(Prefetch(
        "attempt_log", queryset=WebhookAttempt.objects.order_by("number"))))
    claim_articles = dict(Claim.objects.filter(
        pk__in=[d.object_id for d in deliveries if d.event != Event.ARTICLE_SEGMENTED])
        .values_list("pk", "article_id"))
    return [WebhookDeliveryRow(
        uuid=str(d.uuid), event=d.event, event_label=d.get_event_display(),
        object_id=d.object_id, object_url=_object_path(d, claim_articles),
        status=d.status, status_label=d.get_status_display(), attempts=d.attempts,
        max_attempts=_attempt_limit(d), response_status=d.response_status, error=d.error,
        created_at=d.created_at, last_attempt_at=d.last_attempt_at,
        next_attempt_at=d.next_attempt_at, delivered_at=d.delivered_at,
        resent_by=d.resent_by.get_username() if d.resent_by else "", resent_at=d.resent_at,
        resendable=d.status == WebhookDelivery.Status.FAILED or (
            d.status == WebhookDelivery.Status.PENDING and d.attempts > 0),
        resend_url=reverse("annotations:lead-webhook-delivery-resend", args=[d.uuid]),
        attempt_log=tuple(WebhookAttemptRow(
            number=a.number, started_at=a.started_at, duration_ms=a.duration_ms,
            response_status=a.response_status, error=a.error, retry_at=a.retry_at)
            for a in d.attempt_log.all()),
    ) for d in deliveries]


def _object_path(delivery: WebhookDelivery, claim_articles: dict[int, int]) -> str:
    """The page of the article or claim a delivery is about ("" when it is gone)."""
    if delivery.event == Event.ARTICLE_SEGMENTED:
        return Article(pk=delivery.object_id).get_absolute_url()
    article_id = claim_articles.get(delivery.object_id)
    if article_id is None:
        return ""
    return Claim(pk=delivery.object_id, article_id=article_id).get_absolute_url()


def webhook_history(*, webhook_id: int) -> list[WebhookChangeRow]:
    changes = (WebhookChange.objects.filter(webhook_id=webhook_id).select_related("actor")
               .order_by("-at", "-id"))
    return [WebhookChangeRow(action_label=c.get_action_display(),
                             actor=c.actor.get_username() if c.actor else "", at=c.at,
                             before=c.before, after=c.after) for c in changes]
