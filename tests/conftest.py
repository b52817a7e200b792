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
