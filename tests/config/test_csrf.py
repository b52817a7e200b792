"""CSRF on every form: each URL pattern of the app, the admin's included, refuses a POST from a
signed-in browser session that carries no CSRF token, and the same POST with the token gets
past the check. The API's token clients need no CSRF token; its session users do (DRF's
SessionAuthentication)."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern
from knox.models import AuthToken

from claims.access import LEAD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CSRF_PAGE = "This form has expired: reload the page"  # templates/403_csrf.html
SAMPLE = {"int": 1, "string": "1", "path": "1", "slug": "one",
          "uuid": "5b0e7c52-2d1e-4a53-9f59-7d1f0c1c8a40"}


def _kwargs(pattern) -> dict:
    if isinstance(pattern, RoutePattern):
        return {name: SAMPLE[type(converter).__name__.removesuffix("Converter").lower()]
                for name, converter in pattern.converters.items()}
    assert isinstance(pattern, RegexPattern)
    return {name: "claims" if name == "app_label" else "1"
            for name in pattern.regex.groupindex}


def _urls(patterns=None, namespace=None):
    """Every named URL pattern of the project, reversed with sample arguments."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(n for n in (namespace, entry.namespace) if n) or None
            yield from _urls(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, reverse(name, kwargs=_kwargs(entry.pattern))


ALL_URLS = dict(_urls())


def _csrf_refusal(response) -> bool:
    """403 saying why: Django's CSRF page, or DRF's "CSRF Failed" detail (JSON, the schema's
    YAML)."""
    if response.status_code != 403:
        return False
    text = response.content.decode()
    return CSRF_PAGE in text or "CSRF Failed" in text


# DRF renders its refusal on the API docs page with templates/403.html, which does not say
# why: there, the POST with the token getting something else than 403 shows it was CSRF.
SILENT_REFUSAL = {"api-docs"}


@pytest.fixture
def session(db):
    """A superuser lead: every screen is open to them, so only CSRF can refuse."""
    user = UserFactory(username="chief", is_staff=True, is_superuser=True)
    user.groups.add(Group.objects.get_or_create(name=LEAD)[0])
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_the_walk_covers_the_web_ui_the_api_and_the_admin():
    names = set(ALL_URLS)
    assert {"login", "logout", "account-tokens", "annotations:verdict-submit",
            "claims:article-create", "annotations:lead-adjudicate", "api:article-list",
            "admin:login", "admin:claims_article_changelist",
            "admin:auth_user_change"} <= names
    assert len(names) > 80


@pytest.mark.parametrize("name", sorted(ALL_URLS))
def test_a_post_without_a_csrf_token_is_refused_and_with_it_gets_past_the_check(session,
                                                                               name):
    url = ALL_URLS[name]
    data = {"label": "confirmed", "name": "x", "text": "x"}
    refused = session.post(url, data)
    if name in SILENT_REFUSAL:
        assert refused.status_code == 403, url
    else:
        assert _csrf_refusal(refused), (url, refused.status_code)

    session.get("/accounts/login/")  # sets the CSRF cookie
    passed = session.post(url, data, HTTP_X_CSRFTOKEN=session.cookies["csrftoken"].value)
    assert not _csrf_refusal(passed), url
    assert passed.status_code < 500, url
    if name in SILENT_REFUSAL:
        assert passed.status_code == 405


def test_logging_in_needs_the_token_too():
    UserFactory(username="ada")
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/accounts/login/", {"username": "ada", "password": "pw"})
    assert _csrf_refusal(response)
    assert browser.get("/").status_code == 302  # not signed in


def test_api_clients_with_a_token_need_no_csrf_token(db):
    _instance, key = AuthToken.objects.create(user=UserFactory(username="script"))
    api = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {key}")
    response = api.post("/api/articles/", {"title": "Ferry", "text": "The harbour board "
                                           "said on Tuesday that the ferry would run."},
                        content_type="application/json")
    assert response.status_code == 201, response.content
