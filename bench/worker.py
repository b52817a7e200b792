"""A real Celery worker on Redis segmenting the benchmark corpus: throughput and peak memory.

Starts `celery -A config worker` (prefork, --concurrency as given) against Redis and a
PostgreSQL database of its own, submits every article of ../shared/bench/attribution/
polnear_dev.jsonl through `article_create` (articles already stored are queued again), waits
until all are segmented, and samples the resident memory of the worker's processes every
0.1 s. Prints articles and words per second and the peak RSS of each worker process and of
all of them together. Goal: each worker process under 600 MB.

    .venv/bin/python bench/worker.py                  # --concurrency 1
    .venv/bin/python bench/worker.py --concurrency 2
"""

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "bench" / "attribution" / "polnear_dev.jsonl"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/claimdesk_bench_worker")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/13")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
warnings.filterwarnings("ignore", "No directory at")


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0.0


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (prefork children)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        children = Path(f"/proc/{current}/task/{current}/children")
        if children.exists():
            todo += [int(child) for child in children.read_text().split()]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--limit", type=int, default=0, help="only the first N articles")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()
    if not CORPUS.exists():
        sys.exit(f"{CORPUS} is missing: the benchmark corpus is read from ../shared at run time")

    import django

    django.setup()
    from bench.common import ensure_database
    from claims.models import Article
    from claims.services import article_create, article_segmentation_queue

    ensure_database()
    texts = [json.loads(line)["text"] for line in CORPUS.open(encoding="utf-8")]
    if args.limit:
        texts = texts[: args.limit]
    words = sum(len(text.split()) for text in texts)

    queue = f"bench-{uuid.uuid4().hex[:8]}"
    from config.celery import app as celery_app

    celery_app.conf.task_default_queue = queue  # only our worker takes these tasks
    env = {**os.environ}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue,
         f"--concurrency={args.concurrency}", "--without-gossip", "--without-mingle",
         "--loglevel=WARNING", "-n", f"{queue}@%h"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=sys.stderr,
    )
    peaks: dict[int, float] = {}
    peak_total = 0.0

    def sample() -> None:
        nonlocal peak_total
        total = 0.0
        for pid in process_tree(worker.pid):
            mb = rss_mb(pid)
            peaks[pid] = max(peaks.get(pid, 0.0), mb)
            total += mb
        peak_total = max(peak_total, total)

    try:
        time.sleep(3)
        sample()
        idle_total = peak_total
        started = time.perf_counter()
        ids = []
        for n, text in enumerate(texts):
            result = article_create(text=text, title=f"Worker bench {n}",
                                    submitted_via=Article.Via.IMPORT)
            if not result.created:
                article_segmentation_queue(article=result.article)
            ids.append(result.article.pk)
        pending = set(ids)
        while pending and time.perf_counter() - started < args.timeout:
            sample()
            finished = Article.objects.filter(
                pk__in=pending, segmentation_status__in=[Article.Segmentation.DONE,
                                                         Article.Segmentation.FAILED])
            pending -= set(finished.values_list("pk", flat=True))
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
        if worker.poll() is not None:
            sys.exit(f"the worker exited with code {worker.returncode}")
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    failed = Article.objects.filter(pk__in=ids, segmentation_status=Article.Segmentation.FAILED)
    print(f"worker: prefork, concurrency {args.concurrency}; {len(ids)} articles, "
          f"{words:,} words; {len(pending)} unfinished after {args.timeout:.0f} s, "
          f"{failed.count()} failed")
    print(f"throughput                      {len(ids) / elapsed:6.2f} articles/s   "
          f"{words / elapsed:7.0f} words/s   ({elapsed:.1f} s, queue to last done)")
    print(f"RSS idle (all processes)        {idle_total:6.0f} MB")
    for pid, mb in sorted(peaks.items()):
        role = "main" if pid == worker.pid else "child"
        print(f"peak RSS {role:<5} pid {pid:<8}      {mb:6.0f} MB   "
              f"goal < 600 MB: {'met' if mb < 600 else 'NOT met'}")
    print(f"peak RSS, all processes         {peak_total:6.0f} MB")
    if pending or failed.exists():
        sys.exit(1)


if __name__ == "__main__":
    main()
