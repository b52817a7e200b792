"""The authentication backend reads a signed-in user's roles with the user (one query), and
sessions logged in before it (through Django's ModelBackend) stay logged in."""

from unittest import mock

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, base_user
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.access import roles_of
from claims.backends import DESK, LEGACY, DeskBackend
from claims.services import user_roles_set
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def test_the_signed_in_user_comes_with_their_roles_in_one_query(lead):
    with CaptureQueriesContext(connection) as read:
        user = DeskBackend().get_user(lead.pk)
        roles = roles_of(user)
    assert (user, roles) == (lead, {"lead", "reviewer"})
    assert len(read) == 1


def test_a_user_without_a_role_and_a_superuser_get_the_same_roles_as_before(db):
    nobody = UserFactory(username="nobody")
    nobody.groups.clear()
    admin = UserFactory(username="admin", is_superuser=True)
    admin.groups.clear()
    assert roles_of(DeskBackend().get_user(nobody.pk)) == frozenset()
    assert roles_of(DeskBackend().get_user(admin.pk)) == {"lead"}


def test_an_inactive_or_missing_user_is_nobody(reviewer):
    User.objects.filter(pk=reviewer.pk).update(is_active=False)
    assert DeskBackend().get_user(reviewer.pk) is None
    assert DeskBackend().get_user(reviewer.pk + 1000) is None


def test_a_role_taken_away_counts_from_the_next_request(client, reviewer, lead):
    client.force_login(reviewer)
    assert client.get(reverse("home")).status_code == 200
    user_roles_set(user=reviewer, roles=[], actor=lead)
    assert client.get(reverse("home")).status_code == 403


def test_a_log_in_is_recorded_as_the_desk_backend(client, reviewer):
    response = client.post(LOGIN, {"username": "rev1", "password": "pw"})
    assert response.status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == DESK


def test_a_wrong_password_is_checked_once(client, reviewer):
    with mock.patch("django.contrib.auth.base_user.check_password",
                    wraps=base_user.check_password) as checked:
        response = client.post(LOGIN, {"username": "rev1", "password": "not-it"})
    assert response.status_code == 200
    assert checked.call_count == 1


def test_a_session_logged_in_through_model_backend_stays_logged_in(client, reviewer):
    client.force_login(reviewer, backend=DESK)
    session = client.session
    session[BACKEND_SESSION_KEY] = LEGACY  # as sessions made before DeskBackend record it
    session.save()
    assert client.get(reverse("home")).status_code == 200
    assert client.session[BACKEND_SESSION_KEY] == DESK


def test_a_session_of_a_backend_not_listed_is_logged_out(client, reviewer):
    client.force_login(reviewer, backend=DESK)
    session = client.session
    session[BACKEND_SESSION_KEY] = "somewhere.else.Backend"
    session.save()
    assert client.get(reverse("home")).status_code == 302


def test_a_request_without_a_session_cookie_does_not_vary_on_cookies(client):
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert "Cookie" not in response.get("Vary", "")
