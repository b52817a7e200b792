"""Bulk import speed: 10,000 generated fictional articles through `manage.py import_articles`,
or with --api through POST /api/articles/bulk in bodies of at most CLAIMDESK_BULK_MAX_BYTES.

Writes the articles to a temporary JSONL file, then runs the command in-process (call_command,
the same code path as the command line, progress bar off) against the database named by
DATABASE_URL (default: a new temporary SQLite file), and prints articles per second and the
total time. Segmentation is queued, not run: REDIS_URL is unset and CLAIMDESK_BROKER_DIR points
at a temporary folder, so each article's task is a message file in that folder (the embedded
default's filesystem broker) that no worker reads; the script counts them at the end.

    .venv/bin/python bench/import.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/claimdesk_bench_import \\
      .venv/bin/python bench/import.py

With --api the file is cut at line ends into bodies no bigger than the limit, each posted
in-process (DRF's test client, a reviewer's session) as application/x-ndjson; the script also
prints the slowest request, which must stay well inside gunicorn's timeout (30 s).

A PostgreSQL database is created and migrated if missing (bench/common.py). Each run's texts
carry its start time, so a rerun on the same database imports new articles rather than
counting duplicates.
"""

import argparse
import io
import json
import os
import random
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="claimdesk-bench-import-"))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{WORK / 'bench.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.pop("REDIS_URL", None)  # the filesystem broker below, not Redis
os.environ["CLAIMDESK_BROKER_DIR"] = str(WORK / "broker")  # queued here, never run
warnings.filterwarnings("ignore", "No directory at")  # whitenoise: no collectstatic here

SPEAKERS = ["The ministry", "A local official", "The rebel alliance", "Mayor Ada Quill",
            "The army", "Union leader Tomas Brel", "The port authority", "Residents"]
CUES = ["said", "claimed", "announced", "denied", "told reporters", "insisted", "warned"]
TOPICS = ["the road to the harbour would stay closed", "the ferry would resume in May",
          "no convoy had passed since dawn", "the talks would resume on Tuesday",
          "the quota would be cut by a fifth", "the bridge was safe to cross"]
OUTLETS = ["Tidewater Gazette", "Lowmere Post", "Orrin Evening News"]


def generate(path: Path, count: int, run: str) -> int:
    rng = random.Random(7)
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            sentences = [f"Speaker {rng.randrange(100)} of {rng.choice(SPEAKERS).lower()} "
                         f"{rng.choice(CUES)} that {rng.choice(TOPICS)}." for _ in range(12)]
            text = " ".join(sentences[:6]) + "\n\n" + " ".join(sentences[6:]) + f" ({run}-{n})"
            record = {"title": f"Dispatch {n}", "text": text, "outlet": rng.choice(OUTLETS),
                      "url": f"https://news.example/{run}/{n}",
                      "published": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"}
            out.write(json.dumps(record) + "\n")
    return path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--api", action="store_true",
                        help="post the file to /api/articles/bulk instead of the command")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from bench.common import ensure_database
    from claims.models import Article

    ensure_database()
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    source = WORK / "articles.jsonl"
    size = generate(source, args.articles, run=str(time.time_ns()))
    before = Article.objects.count()
    out = io.StringIO()
    started = time.perf_counter()
    if args.api:
        slowest, requests = post_in_bodies(source, settings.CLAIMDESK_BULK_MAX_BYTES)
        out.write(f"{requests} requests of at most {settings.CLAIMDESK_BULK_MAX_BYTES:,} bytes; "
                  f"slowest {slowest:.1f} s")
    else:
        call_command("import_articles", str(source), "--quiet", stdout=out)
    elapsed = time.perf_counter() - started
    imported = Article.objects.count() - before
    queued = sum(1 for _ in (WORK / "broker" / "queue").glob("*.msg"))

    print(f"database: {engine}; file: {args.articles:,} articles, {size / 1e6:.1f} MB JSONL")
    print(f"{'api' if args.api else 'command'}: {out.getvalue().strip()}")
    print(f"imported {imported:,} articles in {elapsed:.1f} s: "
          f"{imported / elapsed:,.0f} articles/s; segmentation tasks queued: {queued:,}")
    shutil.rmtree(WORK)  # the file, the queued messages and the default SQLite database


def post_in_bodies(source: Path, limit: int) -> tuple[float, int]:
    """POST the file to /api/articles/bulk in bodies of at most `limit` bytes, cut at line
    ends; (the slowest request's seconds, the number of requests)."""
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    user, _ = get_user_model().objects.get_or_create(username="bench-bulk")
    client = APIClient(HTTP_HOST="localhost")
    client.force_authenticate(user)
    slowest, requests, body = 0.0, 0, b""

    def post(data: bytes) -> float:
        began = time.perf_counter()
        response = client.generic("POST", "/api/articles/bulk/", data,
                                  content_type="application/x-ndjson")
        assert response.status_code == 200, response.content[:500]
        return time.perf_counter() - began

    with source.open("rb") as lines:
        for line in lines:
            if body and len(body) + len(line) > limit:
                slowest, requests, body = max(slowest, post(body)), requests + 1, b""
            body += line
    if body:
        slowest, requests = max(slowest, post(body)), requests + 1
    return slowest, requests


if __name__ == "__main__":
    main()
