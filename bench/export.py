"""Streaming exports: rows per second and the process's peak memory growth.

Generates (once per size, topping up) fictional claims with bulk_create — articles of 100
claims each, their source, cue and content spans, two verdicts on every other claim, a final
verdict on every fourth — then streams JSONL, CSV and ClaimReview as a lead, in-process,
through the export view (Django's test client: middleware, view, queries, writers; no
network), iterating the response's streaming_content and discarding it. Peak memory is the
process's VmHWM from /proc/self/status, reset before each run (/proc/self/clear_refs), minus
the resident size before it. Goals: >= 20,000 rows/s, peak growth flat with size, < 30 MB.

    createdb -h 127.0.0.1 -U postgres claimdesk_bench_export   # or let the script create it
    .venv/bin/python bench/export.py --sizes 10000 100000
"""

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL",
                      "postgres://postgres@127.0.0.1:5432/claimdesk_bench_export")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.pop("REDIS_URL", None)
warnings.filterwarnings("ignore", "No directory at")

CLAIMS_PER_ARTICLE = 100
SENTENCE = "Speaker {i} said that the pier number {i} was closed at dawn. "


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def generate(total: int) -> None:
    """Top the database up to `total` claims in articles of CLAIMS_PER_ARTICLE."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from annotations.models import FinalVerdict, Verdict
    from claims.models import Article, Claim, Source, Span

    user_model = get_user_model()
    reviewers = [user_model.objects.get_or_create(username=f"bench-rev{i}")[0]
                 for i in (1, 2)]
    sources = [Source.objects.get_or_create(
        normalized_name=f"bench speaker {k}",
        defaults={"name": f"Bench speaker {k}", "kind": kind})[0]
        for k, kind in enumerate(["person", "government", "organisation"])]
    have = Claim.objects.count()
    now = timezone.now()
    while have < total:
        n_articles = min(100, (total - have + CLAIMS_PER_ARTICLE - 1) // CLAIMS_PER_ARTICLE)
        serial = Article.objects.count()
        articles = Article.objects.bulk_create([Article(
            title=f"Bench dispatch {serial + a}", outlet="Bench Post",
            url=f"https://news.example/bench/{serial + a}",
            text="".join(SENTENCE.format(i=i) for i in range(CLAIMS_PER_ARTICLE)),
            content_hash=f"bench-{serial + a}", segmentation_status="done")
            for a in range(n_articles)])
        claims, offsets = [], []
        for article in articles:
            at = 0
            for i in range(CLAIMS_PER_ARTICLE):
                sentence = SENTENCE.format(i=i)
                speaker = f"Speaker {i}"
                claims.append(Claim(article=article, source=sources[i % 3], kind="indirect",
                                    position=at, status="final" if i % 4 == 0 else "open"))
                cue = at + len(speaker) + 1
                offsets.append(((at, at + len(speaker)), (cue, cue + 4),
                                (cue + 5, at + len(sentence) - 2)))
                at += len(sentence)
        claims = Claim.objects.bulk_create(claims)
        Span.objects.bulk_create(
            [Span(claim=claim, role=role, start=s, end=e)
             for claim, spans in zip(claims, offsets, strict=True)
             for role, (s, e) in zip(("source", "cue", "content"), spans, strict=True)],
            batch_size=5000)
        Verdict.objects.bulk_create(
            [Verdict(claim=claim, reviewer=reviewer, label="confirmed",
                     rationale="The harbour log agrees.", evidence_links=[
                         "https://port.example/log"])
             for n, claim in enumerate(claims) if n % 2 == 0 for reviewer in reviewers],
            batch_size=5000)
        FinalVerdict.objects.bulk_create(
            [FinalVerdict(claim=claim, label="confirmed", provenance="unanimous",
                          decided_at=now, claim_version=1)
             for claim in claims if claim.status == "final"], batch_size=5000)
        have += len(claims)
        print(f"  generated {have:,} claims", end="\r", flush=True)
    print()
    from django.db import connection

    with connection.cursor() as cursor:  # as a live database's autovacuum would have done
        cursor.execute("ANALYZE")


def measure(client, url: str) -> tuple[int, float, int]:
    """(lines, seconds, peak growth in kB) of one streamed export."""
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    before = _status_kb("VmRSS")
    start = time.perf_counter()
    lines = 0
    response = client.get(url)
    for piece in response.streaming_content:
        lines += piece.count(b"\n")
    response.close()
    seconds = time.perf_counter() - start
    return lines, seconds, _status_kb("VmHWM") - before


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from bench.common import ensure_database
    from claims.access import LEAD

    ensure_database()
    from django.contrib.auth.models import Group

    from claims.models import Article

    lead = get_user_model().objects.get_or_create(username="bench-lead")[0]
    lead.groups.add(Group.objects.get_or_create(name=LEAD)[0])
    client = Client()
    client.force_login(lead)
    for size in sorted(args.sizes):
        generate(size)
        # Export exactly `size` claims: the first size/100 articles.
        last = (Article.objects.order_by("id").values_list("id", flat=True)
                [size // CLAIMS_PER_ARTICLE - 1])
        Article.objects.filter(id__gt=last).update(deleted_at=django.utils.timezone.now())
        Article.objects.filter(id__lte=last).update(deleted_at=None)
        for name in ("export-jsonl", "export-csv", "export-claimreview"):
            lines, seconds, peak_kb = measure(client, reverse(f"annotations:{name}"))
            print(f"{name:20} {size:>9,} claims: {lines:>9,} lines in {seconds:6.1f} s, "
                  f"{size / seconds:>8,.0f} claims/s, peak growth {peak_kb / 1024:5.1f} MB")


if __name__ == "__main__":
    main()
