"""The leads' webhook pages: the list with the form to register one, and one webhook's page
(its secret, enable/disable, a new secret, delete, its delivery log with a resend button for
each delivery given up or waiting for a retry, and its history). Leads only
(annotations.access): reviewers get 403, anonymous visitors the login page.

A new secret and delete cannot be undone, so each asks first, without JavaScript (as the
tokens page's revoke does): ?confirm=rotate or ?confirm=delete shows the question, its own
form acts."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from annotations import access, webhooks
from annotations.forms import WebhookForm
from annotations.models import Webhook

DELIVERIES_PER_PAGE = 50


@login_required
def webhook_list(request):
    access.require_lead(request.user)
    form, status = WebhookForm(), 200
    if request.method == "POST":
        form = WebhookForm(request.POST)
        if form.is_valid():
            try:
                webhook = webhooks.webhook_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, f"Webhook registered for {webhook.url}. Give its "
                                          "receiver the secret below: it signs every delivery.")
                return redirect(webhook)
        status = 422
    return render(request, "annotations/lead/webhooks.html", {
        "form": form, "webhooks": webhooks.webhooks_overview(),
        "signature_header": webhooks.SIGNATURE_HEADER,
    }, status=status)


ACTIONS = {"enable", "disable", "rotate", "delete"}
# What these undo cannot be had back: the old secret, the delivery log.
ASK_FIRST = {"rotate", "delete"}


@login_required
def webhook_detail(request, pk: int):
    webhook = access.access_webhook_by_id(request.user, pk)
    if request.method == "POST":
        return _act(request, webhook, request.POST.get("action", ""))
    confirming = request.GET.get("confirm")
    return _page(request, webhook, confirming=confirming if confirming in ASK_FIRST else None)


def _page(request, webhook: Webhook, *, confirming: str | None = None):
    page = Paginator(webhooks.webhook_deliveries(webhook_id=webhook.pk),
                     DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    response = render(request, "annotations/lead/webhook.html", {
        "webhook": webhooks.webhook_row(webhook_id=webhook.pk),
        "secret": webhook.secret,
        "page": page,
        "deliveries": webhooks.webhook_delivery_rows(page.object_list),
        "history": webhooks.webhook_history(webhook_id=webhook.pk),
        "events": Webhook.Event.choices,
        "signature_header": webhooks.SIGNATURE_HEADER,
        "max_attempts": settings.CLAIMDESK_WEBHOOK_MAX_ATTEMPTS,
        "confirming": confirming,
    })
    response["Cache-Control"] = "no-store"  # the page shows the secret
    return response


def _act(request, webhook: Webhook, action: str):
    if action not in ACTIONS:
        messages.error(request, "Unknown action: nothing was changed.")
        return redirect(webhook)
    if action in ASK_FIRST and request.POST.get("confirm") != "yes":
        # Not confirmed (an old page's form, a script): it asks first, as the page does.
        return _page(request, webhook, confirming=action)
    if action == "delete":
        webhooks.webhook_delete(webhook=webhook, actor=request.user)
        messages.success(request, f"Webhook for {webhook.url} deleted, with its delivery log; "
                                  "nothing more is sent to it.")
        return redirect("annotations:lead-webhooks")
    if action == "rotate":
        webhooks.webhook_secret_rotate(webhook=webhook, actor=request.user)
        messages.success(request, "New secret made: deliveries are signed with it from now "
                                  "on. Give it to the receiver.")
    else:
        enabled = action == "enable"
        webhooks.webhook_enabled_set(webhook=webhook, enabled=enabled, actor=request.user)
        messages.success(request, "Webhook enabled: waiting deliveries are being sent." if
                         enabled else "Webhook disabled: no new deliveries; waiting ones are "
                                      "kept until it is enabled again.")
    return redirect(webhook)


@login_required
@require_POST
def webhook_delivery_resend(request, uuid):
    """Queue the delivery again (a worker sends it: never in this request), back to the log."""
    delivery = access.access_webhook_delivery_by_uuid(request.user, uuid)
    try:
        webhooks.webhook_delivery_resend(delivery=delivery, actor=request.user)
    except ValidationError as exc:
        messages.error(request, f"Delivery {delivery.uuid} not resent: {' '.join(exc.messages)}")
    else:
        messages.success(request, f"Delivery {delivery.uuid} queued to be sent again: its "
                                  "attempt appears in the log below once made.")
    return redirect(delivery.webhook)
