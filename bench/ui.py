"""Server time of the reviewer's two hot paths on a realistic desk.

Generates (once) a database of 2,000 articles and 40,000 claims (about half of them already
reviewed by colleagues), one article holding 300 claims, then times, through Django's test
client (server time: middleware, views, queries, templates; no network), at least 200
requests each of:
  - the article page with 300 claims,
  - saving a verdict (alternating labels, so each save writes a revision).
Prints median and p95 in ms, the queries per request and the article page's size in bytes.
Goals: page p95 < 150 ms and under 1 MB, save p95 < 40 ms.

    .venv/bin/python bench/ui.py                    # PostgreSQL database claimdesk_bench
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python bench/ui.py
"""

import argparse
import os
import random
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/claimdesk_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.pop("REDIS_URL", None)  # nothing is queued: articles are stored as segmented
warnings.filterwarnings("ignore", "No directory at")  # whitenoise: no collectstatic here

LABELS = ["confirmed", "contested", "unverifiable"]
# The timed article's content: long sentences, as its page-size figures (bench/README.md) need.
CONTENTS = ["the road to the harbour had been closed since dawn and that no convoy would pass "
            "before the talks resumed"]


def generate(articles: int, claims: int, big: int) -> int:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from annotations.models import Verdict
    from bench.common import SPEAKERS, fictional_article
    from claims.models import Article, Claim, Span
    from claims.services import content_hash, source_resolve

    existing = Article.objects.filter(title__startswith="Bench article").count()
    big_article = Article.objects.filter(title="Bench article 0").first()
    if existing >= articles and big_article is not None:
        return big_article.pk
    rng = random.Random(7)
    user, _ = get_user_model().objects.get_or_create(username="bench-reviewer")
    user.set_password("bench")
    user.save()
    colleagues = [get_user_model().objects.get_or_create(username=f"bench-colleague-{k}")[0]
                  for k in range(3)]
    sources = {name: source_resolve(name=name) for name in SPEAKERS}
    per_article, extra = divmod(claims - big, articles - 1)  # the first `extra` get one more
    started = time.perf_counter()
    for start in range(0, articles, 100):
        with transaction.atomic():
            batch = []
            plans = []
            for n in range(start, min(start + 100, articles)):
                n_claims = big if n == 0 else per_article + (1 if n <= extra else 0)
                text, spans = fictional_article(n_claims, rng, contents=CONTENTS, fillers=())
                batch.append(Article(title=f"Bench article {n}", outlet=f"Outlet {n % 17}",
                                     text=text, content_hash=content_hash(text),
                                     segmentation_status="done", extractor_version="bench"))
                plans.append(spans)
            Article.objects.bulk_create(batch)
            claim_rows, span_rows = [], []
            for article, spans in zip(batch, plans, strict=True):
                for speaker, *_ in spans:
                    claim_rows.append(Claim(article=article, source=sources[speaker],
                                            kind="indirect", origin="machine", confidence=0.8))
            Claim.objects.bulk_create(claim_rows)
            rows = iter(claim_rows)
            for spans in plans:
                for _, source, cue, content in spans:
                    claim = next(rows)
                    span_rows += [Span(claim=claim, role="source", start=source[0], end=source[1]),
                                  Span(claim=claim, role="cue", start=cue[0], end=cue[1]),
                                  Span(claim=claim, role="content", start=content[0],
                                       end=content[1])]
            Span.objects.bulk_create(span_rows, batch_size=5000)
            # Colleagues have already reviewed about half the desk, the timed article included.
            verdict_rows = [
                Verdict(claim=claim, reviewer=colleagues[k % len(colleagues)],
                        label=LABELS[k % 3], rationale="Checked against the wire copy.",
                        evidence_links=["https://example.org/evidence"])
                for k, claim in enumerate(claim_rows)
                if rng.random() < 0.5
            ]
            Verdict.objects.bulk_create(verdict_rows, batch_size=5000)
        print(f"  generated {min(start + 100, articles)}/{articles} articles "
              f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    return Article.objects.get(title="Bench article 0").pk


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(fn, n: int, prepare=lambda i: None) -> tuple[list[float], list[int]]:
    """Time fn(i, prepared) n times; prepare(i) runs untimed before each request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], []
    for i in range(n):
        prepared = prepare(i)
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            fn(i, prepared)
            times.append((time.perf_counter() - started) * 1000)
        queries.append(len(ctx))
    return times, queries


def report(name: str, times: list[float], queries: list[int], goal: float | None) -> None:
    p95 = percentile(times, 0.95)
    verdict = "(no goal; for information)" if goal is None else (
        f"goal p95 < {goal:.0f} ms: {'met' if p95 < goal else 'NOT met'}")
    print(f"{name:<34} n={len(times):<4} median {statistics.median(times):7.1f} ms   "
          f"p95 {p95:7.1f} ms   queries/request {statistics.median(queries):.0f}   {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--claims", type=int, default=40000)
    parser.add_argument("--big", type=int, default=300, help="claims on the timed article")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from bench.common import ensure_database

    ensure_database()
    article_id = generate(args.articles, args.claims, args.big)
    from django.db import connection

    with connection.cursor() as cursor:  # planner statistics, as a live database keeps them
        cursor.execute("ANALYZE")
    from annotations.models import Verdict
    from claims.models import Article, Claim

    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
          f"{Article.objects.count():,} articles, {Claim.objects.count():,} claims, "
          f"{Verdict.objects.count():,} verdicts; "
          f"timed article has {Claim.objects.filter(article_id=article_id).count()} claims, "
          f"{len(Article.objects.get(pk=article_id).text):,} characters")
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench-reviewer"))
    url = reverse("annotations:article-detail", args=[article_id])
    for _ in range(10):  # warm-up: templates, connections
        assert client.get(url).status_code == 200
    times, queries = timed(lambda i, _: client.get(url), args.requests)
    report(f"article page ({args.big} claims)", times, queries, 150)
    size = len(client.get(url).content)
    print(f"{'  page size':<34} {size:,} bytes   goal < 1,000,000: "
          f"{'met' if size < 1_000_000 else 'NOT met'}")

    user = get_user_model().objects.get(username="bench-reviewer")
    claim_ids = list(Claim.objects.filter(article_id=article_id).order_by("pk")
                     .values_list("pk", flat=True))
    labels = LABELS
    visits = iter(range(10**9))

    def prepare(i: int) -> tuple[int, dict]:
        """The claim and the form a reviewer's browser would post (its revision read untimed).

        The label changes on every visit to a claim, so each save writes a revision. A save
        that agrees with a colleague's verdict gives the claim its final verdict (the
        consensus rule), after which it takes no more verdicts (HTTP 422): the claims are
        visited in turn, those gone final skipped."""
        for _ in claim_ids:
            claim_id = claim_ids[next(visits) % len(claim_ids)]
            if Claim.objects.filter(pk=claim_id, status=Claim.Status.OPEN).exists():
                break
        else:
            sys.exit("every claim of the timed article has its final verdict: drop the "
                     "benchmark's database to start again")
        current = (Verdict.objects.filter(claim_id=claim_id, reviewer=user)
                   .values_list("label", "revision").first())
        revision = current[1] if current else 0
        label = labels[(labels.index(current[0]) + 1) % 3] if current else labels[i % 3]
        return claim_id, {"label": label, "rationale": f"bench save {i}",
                          "evidence_links": "https://example.org/evidence",
                          "expected_revision": revision}

    def save(i: int, prepared: tuple[int, dict]) -> None:
        claim_id, data = prepared
        response = client.post(reverse("annotations:verdict-submit", args=[claim_id]), data,
                               headers={"HX-Request": "true"})  # as the review panel posts
        assert response.status_code == 200, (claim_id, response.status_code,
                                             response.content.decode()[:500])

    for i in range(10):
        save(i, prepare(i))
    times, queries = timed(save, args.requests, prepare)
    report("verdict save (htmx)", times, queries, 40)

    # The desk's other pages, for information: they read the whole desk, not one article.
    for name, url in [("home (queue counts)", reverse("home")),
                      ("article list, page 1", reverse("annotations:article-list")),
                      ("article list, 'waiting for me'",
                       reverse("annotations:article-list") + "?progress=todo"),
                      ("article list, search: most match",
                       reverse("annotations:article-list") + "?q=quill"),
                      ("article list, search: one matches",  # only the 300-claim text has it
                       reverse("annotations:article-list") + "?q=%28250%29")]:
        assert client.get(url).status_code == 200
        times, queries = timed(lambda i, _, url=url: client.get(url), max(20, args.requests // 10))
        report(name, times, queries, None)


if __name__ == "__main__":
    main()
