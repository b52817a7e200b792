import os

import pytest

from tests.factories import UserFactory

# CI sets this: a test that needs PostgreSQL, Redis, docker-compose or Chromium then fails
# instead of skipping when the service is missing.
REQUIRE_SERVICES = os.environ.get("CLAIMDESK_REQUIRE_SERVICES", "").lower() in {"1", "true"}


def require_or_skip(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (CLAIMDESK_REQUIRE_SERVICES is set, so this is a failure)")
    pytest.skip(reason)


@pytest.fixture
def reviewer(db):
    return UserFactory(username="rev1")


@pytest.fixture
def other_reviewer(db):
    return UserFactory(username="rev2")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="boss", is_staff=True, is_superuser=True)


@pytest.fixture
def logged_in(client, reviewer):
    client.force_login(reviewer)
    return client


@pytest.fixture
def lead(db):
    from django.contrib.auth.models import Group

    from claims.access import LEAD

    user = UserFactory(username="lead1")
    user.groups.add(Group.objects.get_or_create(name=LEAD)[0])
    return user


@pytest.fixture
def logged_in_lead(client, lead):
    client.force_login(lead)
    return client


@pytest.fixture
def api_as(db):
    """An API client (DRF's APIClient) authenticating with a new personal token of `user`,
    as scripts do."""
    from rest_framework.test import APIClient

    from annotations.tokens import token_create

    def client_for(user) -> APIClient:
        _, key = token_create(user=user, name="Test client")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return client_for


@pytest.fixture
def api(api_as, reviewer):
    """An API client authenticated as the reviewer with a personal token, as scripts are."""
    return api_as(reviewer)


def all_pages(client, url: str) -> list[int]:
    """The ids of an API list, page after page by its `next` links."""
    ids = []
    while url:
        body = client.get(url).json()
        ids += [row["id"] for row in body["results"]]
        url = body["next"]
    return ids


def queries_per_page(client, url: str, sizes=(2, 50)) -> list[int]:
    """How many database queries one full page of an API list costs, at each page size."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in sizes:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{url}{'&' if '?' in url else '?'}page_size={size}")
        assert len(response.json()["results"]) == size, "not enough rows for a full page"
        counts.append(len(queries))
    return counts
