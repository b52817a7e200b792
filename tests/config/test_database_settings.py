import pytest
from django.db import connection

from config.settings.base import database_from_url
from tests.conftest import require_or_skip


def test_postgresql_connections_turn_jit_off_and_keep_options_from_the_url():
    plain = database_from_url("postgres://desk@db.example:5432/claimdesk")
    assert plain["OPTIONS"]["options"] == "-c jit=off"
    given = database_from_url(
        "postgres://desk@db.example:5432/claimdesk?options=-c%20statement_timeout%3D5000")
    assert given["OPTIONS"]["options"] == "-c statement_timeout=5000 -c jit=off"


def test_sqlite_connections_get_no_postgresql_options():
    assert "options" not in database_from_url("sqlite:////tmp/desk.db")["OPTIONS"]


@pytest.mark.django_db
def test_the_app_s_postgresql_sessions_run_without_jit():
    if connection.vendor != "postgresql":
        require_or_skip("JIT is a PostgreSQL setting (DATABASE_URL)")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
