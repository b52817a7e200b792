"""The leads' webhook pages (annotations/webhook_views.py): register, enable/disable, a new
secret, delete, the delivery log; leads only."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from annotations import webhooks
from annotations.models import Webhook, WebhookAttempt, WebhookChange, WebhookDelivery
from tests.factories import ArticleFactory, make_claim

pytestmark = pytest.mark.django_db

LIST = reverse("annotations:lead-webhooks")
EVENTS = ["claim.finalised", "claim.reopened"]


def _register(client, **data):
    values = {"url": "https://newsroom.example/claimdesk", "description": "Publishing tool",
              "events": EVENTS, **data}
    return client.post(LIST, values)


def _page(hook):
    return reverse("annotations:lead-webhook", args=[hook.pk])


def test_a_lead_registers_a_webhook_and_sees_its_secret(logged_in_lead, lead):
    response = _register(logged_in_lead)
    hook = Webhook.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _page(hook)
    assert (hook.url, hook.description, hook.events, hook.enabled, hook.created_by) == (
        "https://newsroom.example/claimdesk", "Publishing tool", EVENTS, True, lead)
    change = WebhookChange.objects.get()
    assert (change.webhook_id, change.action, change.actor) == (hook.pk, "create", lead)
    assert "secret" not in change.after

    page = logged_in_lead.get(_page(hook))
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    body = page.content.decode()
    assert f'value="{hook.secret}"' in body
    assert "Webhook registered for https://newsroom.example/claimdesk." in body
    assert "Claim finalised, Claim reopened" in body
    assert "Registered by lead1" in body

    listing = logged_in_lead.get(LIST).content.decode()
    assert f'<a href="{_page(hook)}">https://newsroom.example/claimdesk</a>' in listing
    assert hook.secret not in listing


@pytest.mark.parametrize(("data", "message"), [
    ({"url": "ftp://newsroom.example/in"},
     "Only http:// and https:// URLs can receive webhooks, not ftp://."),
    ({"url": "newsroom.example/in"}, "Give the whole URL, starting with https:// (or http://)"),
    ({"url": "http://"}, "“http://” is not a valid URL."),
    ({"events": []}, "Pick at least one event to send."),
    ({"events": ["claim.deleted"]}, "Unknown event: pick from the list."),
])
def test_bad_input_is_refused_with_a_message_on_the_page_and_saves_nothing(
        logged_in_lead, data, message):
    response = _register(logged_in_lead, **data)
    assert response.status_code == 422
    body = response.content.decode()
    assert message in body
    assert "Nothing was saved." in body
    assert 'value="Publishing tool"' in body  # the lead's input is kept
    assert not Webhook.objects.exists()


@pytest.mark.parametrize(("url", "message"), [
    ("http://127.0.0.1:6379/", "Webhooks are not sent to 127.0.0.1: it is a loopback address "
                               "(the desk&#x27;s own machine)."),
    ("http://localhost:8000/admin/", "Webhooks are not sent to localhost: it is the desk&#x27;s "
                                     "own machine."),
    ("http://169.254.169.254/latest/meta-data/", "it is a link-local address (where cloud "
                                                 "servers answer with their credentials"),
    ("https://10.20.30.40/hook", "Webhooks are not sent to 10.20.30.40: it is a private "
                                 "network address."),
    ("http://[::1]:8000/", "Webhooks are not sent to ::1: it is a loopback address"),
    ("http://[::ffff:192.168.0.1]/", "Webhooks are not sent to ::ffff:192.168.0.1: it is a "
                                     "private network address."),
    ("http://0.0.0.0:8000/", "it is the unspecified address"),
])
def test_urls_inside_the_desks_network_are_refused_with_the_reason(logged_in_lead, settings,
                                                                   url, message):
    settings.CLAIMDESK_WEBHOOK_ALLOW_PRIVATE = False
    response = _register(logged_in_lead, url=url)
    assert response.status_code == 422
    body = response.content.decode()
    assert message in body
    assert "sets CLAIMDESK_WEBHOOK_ALLOW_PRIVATE" in body
    assert "Nothing was saved." in body
    assert not Webhook.objects.exists()


def test_a_desk_that_allows_it_registers_a_receiver_in_its_own_network(logged_in_lead,
                                                                       settings):
    settings.CLAIMDESK_WEBHOOK_ALLOW_PRIVATE = True
    assert _register(logged_in_lead, url="http://10.20.30.40/hook").status_code == 302
    assert Webhook.objects.get().url == "http://10.20.30.40/hook"


def test_the_webhook_pages_are_for_leads_only(client, reviewer, lead):
    hook = webhooks.webhook_create(url="https://example.org/hook", events=EVENTS, actor=lead)
    anonymous = _register(client)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))
    client.force_login(reviewer)
    assert client.get(LIST).status_code == 403
    assert client.get(_page(hook)).status_code == 403
    assert _register(client).status_code == 403
    assert client.post(_page(hook), {"action": "delete"}).status_code == 403
    assert list(Webhook.objects.all()) == [hook]


def test_disable_enable_new_secret_and_delete(logged_in_lead, lead):
    hook = webhooks.webhook_create(url="https://example.org/hook", events=EVENTS, actor=lead)
    old_secret = hook.secret

    assert logged_in_lead.post(_page(hook), {"action": "disable"}).status_code == 302
    hook.refresh_from_db()
    assert not hook.enabled
    assert "Enable</button>" in logged_in_lead.get(_page(hook)).content.decode()
    logged_in_lead.post(_page(hook), {"action": "enable"})
    hook.refresh_from_db()
    assert hook.enabled

    logged_in_lead.post(_page(hook), {"action": "rotate", "confirm": "yes"})
    hook.refresh_from_db()
    assert hook.secret != old_secret

    response = logged_in_lead.post(_page(hook), {"action": "nonsense"})
    assert response.status_code == 302
    assert "Unknown action" in logged_in_lead.get(_page(hook)).content.decode()

    response = logged_in_lead.post(_page(hook), {"action": "delete", "confirm": "yes"},
                                   follow=True)
    assert response.redirect_chain[-1][0] == LIST
    assert "deleted, with its delivery log" in response.content.decode()
    assert not Webhook.objects.exists()
    assert logged_in_lead.get(_page(hook)).status_code == 404
    assert list(WebhookChange.objects.filter(webhook_id=hook.pk).order_by("id")
                .values_list("action", flat=True)) == [
        "create", "disable", "enable", "rotate_secret", "delete"]


@pytest.mark.parametrize(("action", "question", "warning"), [
    ("rotate", "Make a new secret for this webhook?", "The current secret stops working at once"),
    ("delete", "Delete the webhook for https://example.org/hook?",
     "its delivery log goes with it for good"),
])
def test_a_new_secret_and_delete_ask_first_without_javascript(logged_in_lead, lead, action,
                                                              question, warning):
    hook = webhooks.webhook_create(url="https://example.org/hook", events=EVENTS, actor=lead)
    secret = hook.secret
    page = logged_in_lead.get(_page(hook)).content.decode()
    assert f'href="?confirm={action}#confirm"' in page  # a link to the question, no form
    assert f'name="action" value="{action}"' not in page

    # The question: a page of its own, or what a bare POST (an old page, a script) gets.
    asked = logged_in_lead.get(_page(hook), {"confirm": action})
    posted = logged_in_lead.post(_page(hook), {"action": action})
    for response in (asked, posted):
        html = response.content.decode()
        assert response.status_code == 200
        assert question in html
        assert warning in html
        assert f'name="action" value="{action}"' in html
        assert 'name="confirm" value="yes"' in html
        assert response["Cache-Control"] == "no-store"
    hook.refresh_from_db()
    assert hook.secret == secret
    assert list(WebhookChange.objects.filter(webhook_id=hook.pk)
                .values_list("action", flat=True)) == ["create"]

    response = logged_in_lead.post(_page(hook), {"action": action, "confirm": "yes"})

    assert response.status_code == 302
    if action == "rotate":
        hook.refresh_from_db()
        assert hook.secret != secret
    else:
        assert not Webhook.objects.filter(pk=hook.pk).exists()


def test_the_question_is_asked_only_for_what_cannot_be_undone(logged_in_lead, lead):
    hook = webhooks.webhook_create(url="https://example.org/hook", events=EVENTS, actor=lead)
    assert 'data-testid="confirm"' not in logged_in_lead.get(
        _page(hook), {"confirm": "disable"}).content.decode()
    assert logged_in_lead.post(_page(hook), {"action": "disable"}).status_code == 302
    hook.refresh_from_db()
    assert not hook.enabled


def test_the_delivery_log_shows_each_delivery_and_attempt(logged_in_lead, lead,
                                                         django_assert_max_num_queries):
    hook = webhooks.webhook_create(url="https://example.org/hook", events=EVENTS, actor=lead)
    claim = make_claim(ArticleFactory(text="The mayor said the pier would reopen in May."),
                       content="the pier would reopen in May")
    now = timezone.now()
    failing = WebhookDelivery.objects.create(
        webhook=hook, event="claim.finalised", object_id=claim.pk, body="{}", attempts=2,
        response_status=503, error="HTTP 503 Service Unavailable: down for maintenance",
        last_attempt_at=now, next_attempt_at=now + timedelta(minutes=1))
    for number, wait in ((1, 30), (2, 60)):
        WebhookAttempt.objects.create(delivery=failing, number=number, started_at=now,
                                      duration_ms=12, response_status=503,
                                      error="HTTP 503 Service Unavailable",
                                      retry_at=now + timedelta(seconds=wait))
    for _ in range(30):
        WebhookDelivery.objects.create(webhook=hook, event="claim.reopened",
                                       object_id=claim.pk, body="{}",
                                       status=WebhookDelivery.Status.DELIVERED, attempts=1,
                                       response_status=200, delivered_at=now)

    with django_assert_max_num_queries(12):
        response = logged_in_lead.get(_page(hook))
    body = response.content.decode()
    assert "31, newest first; at most 8 attempts each" in body
    assert f'data-delivery="{failing.uuid}"' in body
    assert "HTTP 503 Service Unavailable: down for maintenance" in body
    assert "2 of 8" in body
    assert body.count("<li>") >= 2  # the attempts
    assert f'href="{claim.get_absolute_url()}"' in body
    assert "Delivered 30 · waiting 1 · failed 0" in body


def test_the_lead_dashboard_links_the_webhooks(logged_in_lead):
    assert f'href="{LIST}"' in logged_in_lead.get(reverse("annotations:lead-dashboard")) \
        .content.decode()
