"""Every URL pattern, walked as an anonymous visitor, a reviewer, a lead and an admin: the
status each gets is the access module's decision, written down here. A URL pattern missing
from MATRIX fails the test, so a new screen cannot ship without its row."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import URLResolver, get_resolver, reverse

from annotations.models import Webhook, WebhookDelivery
from annotations.services import verdict_submit
from claims.access import LEAD
from claims.models import Claim
from claims.services import source_resolve
from tests.factories import UserFactory, article_with_claims

pytestmark = pytest.mark.django_db

# "no_role": a signed-in account that is neither reviewer nor lead (removed from its group).
ROLES = ("anonymous", "no_role", "reviewer", "lead", "admin")
LOGIN = 302  # login_required sends a signed-out visitor to the login page
UNAUTHENTICATED = 401  # the API asks for credentials (WWW-Authenticate: Token)


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def members(status: int, anonymous: int = LOGIN, **by_role: int) -> dict[str, int]:
    return {"anonymous": anonymous, "no_role": 403, "reviewer": status, "lead": status,
            "admin": status, **by_role}


def api(status: int) -> dict[str, int]:
    """An API endpoint for desk members: 401 without credentials, 403 without a role."""
    return members(status, anonymous=UNAUTHENTICATED)


def leads(status: int) -> dict[str, int]:
    """A leads' page: reviewers are refused, signed-out visitors sent to log in."""
    return members(status, reviewer=403)


# name: (method, what the URL's pk names, POST data, expected status per role)
MATRIX = {
    "healthz": ("get", None, None, everyone(200)),
    "favicon": ("get", None, None, everyone(302)),
    "login": ("get", None, None, everyone(200)),
    "logout": ("post", None, None, everyone(302)),
    "api-schema": ("get", None, None, api(200)),
    # A page for people: a signed-out browser is sent to log in, as on the other pages.
    "api-docs": ("get", None, None, members(200)),
    "api:api-root": ("get", None, None, api(200)),
    "api:article-list": ("get", None, None, api(200)),
    "api:article-detail": ("get", "article", None, api(200)),
    "api:article-segmentation": ("get", "article", None, api(200)),
    # An empty multipart form: no file to import, 400 with the summary of nothing.
    "api:article-bulk": ("post", None, None, api(400)),
    "api:claim-list": ("get", None, None, api(200)),
    "api:claim-detail": ("get", "claim", None, api(200)),
    "api:verdict-list": ("get", None, None, api(200)),
    # Another reviewer's verdict: blind review hides it from a reviewer without their own.
    "api:verdict-detail": ("get", "verdict", None, members(200, anonymous=401, reviewer=404)),
    "api:source-list": ("get", None, None, api(200)),
    "api:source-detail": ("get", "source", None, api(200)),
    "account-tokens": ("get", None, None, members(200)),
    "home": ("get", None, None, members(200)),
    "claims:article-create": ("get", None, None, members(200)),
    "claims:article-segmentation": ("post", "article", {}, members(302)),
    "annotations:article-list": ("get", None, None, members(200)),
    "annotations:article-detail": ("get", "article", None, members(200)),
    "annotations:claim-add": ("post", "article", {}, members(422)),
    "annotations:claim-spans": ("post", "claim", {}, members(422)),
    "annotations:claim-reject": ("post", "claim", {"version": 1}, members(302)),
    "annotations:claim-restore": ("post", "claim", {"version": 1}, members(302)),
    "annotations:claim-source": ("post", "claim",
                                 {"name": "the port authority", "action": "merge",
                                  "version": 1},
                                 members(302, reviewer=403)),
    "annotations:verdict-submit": ("post", "claim",
                                   {"label": "confirmed", "expected_revision": 0},
                                   members(302)),
    "annotations:export-jsonl": ("get", None, None, members(200, anonymous=401)),
    "annotations:export-csv": ("get", None, None, members(200, anonymous=401)),
    "annotations:export-claimreview": ("get", None, None, members(200, anonymous=401)),
    "annotations:review-next": ("get", None, None, members(302)),
    "annotations:source-edit": ("post", "source", {"name": "Harbour board", "kind": "other"},
                                members(302, reviewer=403)),
    "annotations:lead-dashboard": ("get", None, None, leads(200)),
    "annotations:lead-agreement": ("get", None, None, leads(200)),
    "annotations:lead-agreement-csv": ("get", None, None, leads(200)),
    "annotations:article-assign": ("get", "article", None, leads(200)),
    "annotations:lead-disagreements": ("get", None, None, leads(200)),
    # Empty input: the lead gets the form's refusal, 422; nothing is saved.
    "annotations:lead-adjudicate": ("post", "claim", {}, leads(422)),
    # The claim is not final: nothing to reopen, 409.
    "annotations:lead-reopen": ("post", "claim", {"reason": "A second look."}, leads(409)),
    "annotations:lead-extractor": ("get", None, None, leads(200)),
    "annotations:lead-webhooks": ("get", None, None, leads(200)),
    "annotations:lead-webhook": ("get", "webhook", None, leads(200)),
    # A given-up delivery: queued again, back to its webhook's page.
    "annotations:lead-webhook-delivery-resend": ("post", "delivery", None, leads(302)),
}


def _named_patterns(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # walked below, model by model
            inner = ":".join(n for n in (namespace, pattern.namespace) if n) or None
            yield from _named_patterns(pattern.url_patterns, inner)
        else:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_url_pattern_has_a_row_in_the_matrix():
    assert sorted(_named_patterns(get_resolver().url_patterns)) == sorted(MATRIX)


def _user(role: str):
    if role == "anonymous":
        return None
    if role == "admin":
        return UserFactory(username="boss", is_staff=True, is_superuser=True)
    user = UserFactory(username=role)
    if role == "no_role":
        user.groups.clear()
    if role == "lead":
        user.groups.add(Group.objects.get_or_create(name=LEAD)[0])
    return user


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_role_gets_what_the_access_module_allows(client, name, role):
    method, kind, data, expected = MATRIX[name]
    article = article_with_claims(2)
    claim, other_claim = article.claims.order_by("position")
    Claim.objects.filter(pk=claim.pk).update(source=source_resolve(name="Harbour office"))
    source_resolve(name="the port authority")
    verdict = verdict_submit(claim=other_claim, reviewer=UserFactory(username="author"),
                             label="contested")
    hook = Webhook.objects.create(url="https://example.org/hook", events=["claim.finalised"])
    delivery = WebhookDelivery.objects.create(webhook=hook, event="claim.finalised",
                                              object_id=claim.pk, body="{}", attempts=8,
                                              status=WebhookDelivery.Status.FAILED)
    objects = {"article": article.pk, "claim": claim.pk, "verdict": verdict.pk,
               "source": Claim.objects.get(pk=claim.pk).source_id, "webhook": hook.pk,
               "delivery": delivery.uuid}
    url = reverse(name, args=[objects[kind]] if kind else [])
    user = _user(role)
    if user is not None:
        client.force_login(user)
    response = client.post(url, data or {}) if method == "post" else client.get(url)
    assert response.status_code == expected[role], (name, role, response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_the_admin_is_for_staff_only(client, role):
    user = _user(role)
    if user is not None:
        client.force_login(user)
    expected = 200 if role == "admin" else 302  # others are sent to the admin's login
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == expected, (url, role)
