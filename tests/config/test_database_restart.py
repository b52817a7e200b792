"""PostgreSQL restarted under a running gunicorn (production settings, one worker, a cluster of
the test's own): requests while it is down get a 503 page or JSON, never a traceback, and the
first request once it is back succeeds, from the same web process."""

import json
import subprocess
import sys

import pytest

from tests.servers import (
    ROOT,
    OwnPostgres,
    children_of,
    free_port,
    gunicorn_serving,
    http_get,
    production_env,
)

pytestmark = pytest.mark.services

# Run in the web app's settings against the new cluster: its tables, the static files the
# pages name (the app's own: third-party ones are not needed and slow to collect), a reviewer
# with a browser session and an API token.
SETUP = """
import json
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from annotations.tokens import token_create
from tests.factories import UserFactory

call_command("migrate", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0, ignore_patterns=[
    "admin", "rest_framework", "drf_spectacular_sidecar", "django_htmx", "knox"])
user = UserFactory(username="desk")
browser = Client()
browser.force_login(user)
print(json.dumps({"session": browser.cookies[settings.SESSION_COOKIE_NAME].value,
                  "token": token_create(user=user, name="restart test")[1]}))
"""


@pytest.fixture
def postgres():
    cluster = OwnPostgres()
    try:
        cluster.create()
        cluster.start()
        cluster.createdb("claimdesk")
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def web(postgres, tmp_path):
    port = free_port()
    env = production_env(tmp_path, port=port, database_url=postgres.url("claimdesk"),
                         secret_key="restart-test-" + "k3y!" * 15,
                         STATIC_ROOT=str(tmp_path / "static"))
    setup = subprocess.run([sys.executable, "manage.py", "shell", "-c", SETUP], cwd=ROOT,
                           env=env, capture_output=True, text=True, timeout=120, check=False)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    credentials = json.loads(setup.stdout.strip().splitlines()[-1])
    with gunicorn_serving(env, tmp_path / "gunicorn.log") as server:
        yield server, port, credentials


def test_requests_during_a_database_restart_get_503_and_the_next_one_succeeds(web, postgres):
    server, port, credentials = web
    page = {"Cookie": f"sessionid={credentials['session']}"}
    api = {"Authorization": f"Token {credentials['token']}", "Accept": "application/json"}
    assert http_get(port, "/articles/", page)[0] == 200  # opens the persistent connection
    assert http_get(port, "/api/articles/", api)[0] == 200
    web_processes = children_of(server.pid)

    # Restarted between two requests: the connection the worker keeps is dead. It is checked
    # before reuse (CONN_HEALTH_CHECKS), so the next request reconnects instead of failing.
    postgres.stop()
    postgres.start()
    assert http_get(port, "/articles/", page)[0] == 200

    # Requests while it is down fail cleanly.
    postgres.stop()
    status, headers, body = http_get(port, "/articles/", page)
    assert status == 503
    assert headers["Retry-After"] == "5"
    assert "<h1>The database is not answering</h1>" in body
    assert "Traceback" not in body
    assert "connect" not in body.lower()  # nothing of the error's own text
    status, headers, body = http_get(port, "/api/articles/", api)
    assert status == 503
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["detail"].startswith("The database is unavailable for a moment")

    postgres.start()
    status, _, body = http_get(port, "/articles/", page)
    assert status == 200
    assert "Log out desk" in body
    status, _, body = http_get(port, "/api/articles/", api)
    assert status == 200
    assert json.loads(body)["results"] == []
    assert children_of(server.pid) == web_processes  # the same worker served throughout
    assert server.poll() is None
