from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from claims.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_the_desk_reads_sessions_through_its_store():
    assert settings.SESSION_ENGINE == "claims.sessions"


def test_a_stored_session_is_read_back():
    store = SessionStore()
    store["answer"] = 42
    store.save()
    again = SessionStore(session_key=store.session_key)
    assert again["answer"] == 42
    assert again.session_key == store.session_key


def test_an_expired_or_unknown_session_reads_empty_and_drops_its_key():
    store = SessionStore()
    store["answer"] = 42
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1))
    for key in (store.session_key, "x" * 32):
        again = SessionStore(session_key=key)
        assert again.get("answer") is None
        assert again.session_key is None


def test_a_signed_in_user_stays_signed_in(client, reviewer):
    page = reverse("account-tokens")
    assert client.get(page).status_code == 302  # to the login page
    client.force_login(reviewer)
    assert client.get(page).status_code == 200
    assert client.get(page).status_code == 200
