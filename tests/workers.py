"""Helpers for tests that run a real Celery worker process."""

import subprocess
import time
from pathlib import Path

from django.db import connection

from claims.models import Article


def wait_for_segmentation(article_id: int, process: subprocess.Popen, log: Path,
                          timeout: float = 90) -> None:
    """Wait (bounded) until the worker has segmented the article, then check it stored claims;
    the worker's log is shown when it did not."""
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        status = Article.objects.values_list("segmentation_status", flat=True).get(pk=article_id)
        if status in {"done", "failed"} or process.poll() is not None:
            break
        time.sleep(0.5)
    assert status == "done", f"status {status!r}; worker log:\n{log.read_text()[-3000:]}"
    assert Article.objects.get(pk=article_id).claims.exists()
    assert "succeeded" in log.read_text()


def database_url_of_test_db() -> str:
    """A DATABASE_URL naming the test database, for a worker process to share it."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
