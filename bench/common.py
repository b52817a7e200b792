"""What the Django benchmarks share: a database of their own, created and migrated on demand."""


def ensure_database() -> None:
    """Create the PostgreSQL database named by the settings if it is missing, then migrate."""
    from django.conf import settings
    from django.core.management import call_command

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        import psycopg

        conninfo = dict(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432,
                        user=db["USER"], dbname="postgres", autocommit=True)
        if db["PASSWORD"]:
            conninfo["password"] = db["PASSWORD"]
        with psycopg.connect(**conninfo) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                  [db["NAME"]]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{db["NAME"]}"')
    call_command("migrate", verbosity=0)
