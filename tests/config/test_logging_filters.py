import logging

import pytest

pytestmark = pytest.mark.django_db


def test_a_reviewer_refused_a_lead_page_is_logged_in_one_line_without_a_traceback(
        client, reviewer, caplog):
    client.force_login(reviewer)
    with caplog.at_level(logging.INFO, logger="django.request"):
        response = client.get("/lead/")
    assert response.status_code == 403
    assert "You are not allowed to do that" in response.content.decode()
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelno == logging.WARNING
    assert record.exc_info is None
    assert record.getMessage() == ("Forbidden (Permission denied): /lead/ "
                                   "(This page is for the desk's leads.)")
    assert "Traceback" not in caplog.text


def test_a_server_error_keeps_its_traceback(client, caplog, settings):
    settings.ROOT_URLCONF = "tests.config.error_urls"
    client.raise_request_exception = False
    with caplog.at_level(logging.INFO, logger="django.request"):
        assert client.get("/test-broken/").status_code == 500
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelno == logging.ERROR
    assert isinstance(record.exc_info[1], RuntimeError)
