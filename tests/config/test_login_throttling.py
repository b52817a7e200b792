"""Login throttling (django-axes): failures counted per (username, client address), a forged
X-Forwarded-For header changes nothing, and everything that does not log in with a password
(API tokens, force_login) is left alone."""

import runpy
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
BASE_SETTINGS = Path(__file__).resolve().parents[2] / "config" / "settings" / "base.py"


def _log_in(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def _signed_in(client) -> bool:
    return client.get(reverse("home")).status_code == 200


def _fail(client, username, times, **extra):
    for _ in range(times):
        _log_in(client, username, "not-the-password", **extra)


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")  # password "pw"


def test_thirty_wrong_passwords_then_the_right_one_is_refused(client, alice):
    answers = [_log_in(client, "alice", f"guess-{n}").status_code for n in range(30)]
    limit = settings.AXES_FAILURE_LIMIT
    assert limit < 30
    # The form's own "wrong password" until the limit, then the lockout page.
    assert answers[:limit - 1] == [200] * (limit - 1)
    assert set(answers[limit:]) == {429}

    response = _log_in(client, "alice", "pw")
    assert response.status_code == 429
    assert not _signed_in(client)
    page = response.content.decode()
    assert "Log-in paused for 15 minutes" in page
    assert f"There were {limit} failed log-ins in a row" in page
    assert "Try again after" in page
    assert response["Retry-After"] == "900"


def test_the_lockout_lifts_after_the_cool_off(client, alice):
    from axes.models import AccessAttempt

    _fail(client, "alice", settings.AXES_FAILURE_LIMIT)
    assert _log_in(client, "alice", "pw").status_code == 429
    # Sixteen minutes later, with no attempt in between.
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time
                                 - settings.AXES_COOLOFF_TIME - settings.AXES_COOLOFF_TIME / 15)
    assert _log_in(client, "alice", "pw").status_code == 302
    assert _signed_in(client)


def test_a_success_before_the_limit_starts_the_count_again(client, alice):
    below = settings.AXES_FAILURE_LIMIT - 1
    _fail(client, "alice", below)
    assert _log_in(client, "alice", "pw").status_code == 302
    client.post(reverse("logout"))
    _fail(client, "alice", below)
    assert _log_in(client, "alice", "pw").status_code == 302


def test_a_forged_forwarded_for_header_does_not_reset_the_count(client, alice):
    _fail(client, "alice", settings.AXES_FAILURE_LIMIT)
    # No proxy configured: the header is not read at all, whatever it says.
    for forged in ("198.51.100.7", "198.51.100.8, 203.0.113.1", "unknown"):
        response = _log_in(client, "alice", "pw", HTTP_X_FORWARDED_FOR=forged)
        assert response.status_code == 429, forged
    assert not _signed_in(client)


def test_forged_headers_before_the_lockout_count_against_the_real_address(client, alice):
    for n in range(settings.AXES_FAILURE_LIMIT):
        _log_in(client, "alice", "nope", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert _log_in(client, "alice", "pw").status_code == 429


def test_another_user_and_another_address_are_not_affected(alice):
    UserFactory(username="bob")
    attacker = Client(REMOTE_ADDR="192.0.2.66")
    _fail(attacker, "alice", 30)
    assert _log_in(attacker, "alice", "pw").status_code == 429

    colleague_same_address = Client(REMOTE_ADDR="192.0.2.66")
    assert _log_in(colleague_same_address, "bob", "pw").status_code == 302
    alice_elsewhere = Client(REMOTE_ADDR="192.0.2.10")
    assert _log_in(alice_elsewhere, "alice", "pw").status_code == 302
    assert _signed_in(alice_elsewhere)


def test_the_admin_log_in_is_throttled_too(alice):
    alice.is_staff = True
    alice.save(update_fields=["is_staff"])
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "alice", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "alice", "password": "pw"})
    assert response.status_code == 429
    assert client.get("/admin/").status_code == 302


def _proxied_settings(monkeypatch, count: int) -> dict:
    """The AXES_IPWARE_* values base.py computes with CLAIMDESK_PROXY_COUNT=count."""
    monkeypatch.setenv("CLAIMDESK_PROXY_COUNT", str(count))
    computed = runpy.run_path(str(BASE_SETTINGS))
    return {name: value for name, value in computed.items() if name.startswith("AXES_IPWARE")}


def test_behind_one_proxy_the_address_it_appended_counts_and_not_what_the_client_sent(
        monkeypatch, alice):
    from axes.helpers import get_client_ip_address

    proxy = "10.0.0.2"  # REMOTE_ADDR: our reverse proxy
    with override_settings(**_proxied_settings(monkeypatch, 1)):
        request = RequestFactory().post(LOGIN, REMOTE_ADDR=proxy,
                                        HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.5")
        assert get_client_ip_address(request) == "203.0.113.5"

        attacker = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.5")
        _fail(attacker, "alice", settings.AXES_FAILURE_LIMIT)
        for forged in ("198.51.100.7, 203.0.113.5", "1.1.1.1, 2.2.2.2, 203.0.113.5"):
            forger = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=forged)
            assert _log_in(forger, "alice", "pw").status_code == 429, forged
        # Someone else behind the same proxy is another address.
        colleague = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.6")
        assert _log_in(colleague, "alice", "pw").status_code == 302


def test_behind_two_proxies_the_outer_proxys_entry_counts(monkeypatch):
    from axes.helpers import get_client_ip_address

    with override_settings(**_proxied_settings(monkeypatch, 2)):
        request = RequestFactory().post(
            LOGIN, REMOTE_ADDR="10.0.0.3",  # the inner proxy
            HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.5, 10.0.0.2")
        assert get_client_ip_address(request) == "203.0.113.5"


def test_without_a_proxy_the_forwarded_for_header_is_ignored(monkeypatch):
    from axes.helpers import get_client_ip_address

    with override_settings(**_proxied_settings(monkeypatch, 0)):
        request = RequestFactory().post(LOGIN, REMOTE_ADDR="192.0.2.1",
                                        HTTP_X_FORWARDED_FOR="203.0.113.5")
        assert get_client_ip_address(request) == "192.0.2.1"


def test_api_tokens_still_work_for_a_user_locked_out_of_the_login_form(client, alice):
    _instance, key = AuthToken.objects.create(user=alice)
    _fail(client, "alice", 30)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/articles/").status_code == 200
    api.credentials(HTTP_AUTHORIZATION="Token wrong-key")
    assert api.get("/api/articles/").status_code == 401


def test_axes_checks_logins_before_any_other_backend():
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


def test_test_client_log_in_works_when_given_the_request(client, alice):
    """Axes needs the request to know the address: tests log in with force_login, or with
    client.login(request=...)."""
    assert client.login(request=RequestFactory().post(LOGIN), username="alice", password="pw")
    assert _signed_in(client)
    other = Client()
    other.force_login(alice)
    assert _signed_in(other)
