"""The review loop's CPU per request, in-process, A/B between two source trees.

bench/load.py measures the loop in gunicorn, where the machine's other jobs move the figures by
more than a change weighs. This runs the same loop (/review/next/, the article page it
redirects to, the verdict saved as the panel saves it: htmx POST with its CSRF token) through
Django's test client under the production settings, on one desk in PostgreSQL, and reads the
process's CPU clock around each request. With --base it alternates rounds of the base tree and
this one (B A A B B A ...), each round a fresh process, and prints the median CPU per request
type of each tree and their ratio: the machine's noise then lands on both alike.

    .venv/bin/python bench/loop_cpu.py                                  # this tree only
    git archive main | (mkdir -p /tmp/base && tar -x -C /tmp/base)
    .venv/bin/python bench/loop_cpu.py --base /tmp/base --rounds 6       # A/B against main
    .venv/bin/python bench/loop_cpu.py --queries                        # every SQL of one loop
    .venv/bin/python bench/loop_cpu.py --profile /tmp/prof              # cProfile per request type

The desk (bench/load.py's seed: fictional articles, reviewers, a lead) lives in its own
database (--database, dropped and created again on each run) and Redis DB (--redis-db). Both
trees must share the migrations. Talks to 127.0.0.1 only.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("next", "page", "save")
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
HIDDEN = re.compile(r'name="(expected_revision|claim_version)" value="(\d+)"')
LABELS = ("confirmed", "contested", "unverifiable")


def environment(args, static_root: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.database}",
        "REDIS_URL": f"redis://127.0.0.1:6379/{args.redis_db}",
        "SECRET_KEY": "insecure-loopcpu-" + secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "testserver",
        "STATIC_ROOT": static_root,
    }


# --- One round, in a fresh process of one tree ----------------------------------------------
def round_run(reviewers: list[str], password: str, loops: int, warmup: int,
              queries: bool, profile: Path | None = None) -> dict:
    import cProfile

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    https = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_HOST": "testserver",
             "HTTP_ORIGIN": "https://testserver"}
    cpu: dict[str, list[float]] = {kind: [] for kind in KINDS}
    statuses: dict[str, int] = {}
    captured: dict[str, list[str]] = {}
    # The CPU clock, as the timing: a query's wait on the database is not the worker's CPU.
    profilers = ({kind: cProfile.Profile(time.process_time) for kind in KINDS} if profile
                 else {})

    def timed(kind: str, n: int, call, *args, **kwargs):
        if queries and n == warmup:
            with CaptureQueriesContext(connection) as seen:
                response = call(*args, **kwargs)
            captured[kind] = [q["sql"] for q in seen.captured_queries]
        elif profilers and n >= warmup:
            with profilers[kind]:
                response = call(*args, **kwargs)
        else:
            started = time.process_time()
            response = call(*args, **kwargs)
            if n >= warmup:
                cpu[kind].append((time.process_time() - started) * 1000)
        statuses[f"{kind} {response.status_code}"] = statuses.get(
            f"{kind} {response.status_code}", 0) + 1
        return response

    for username in reviewers:
        client = Client(enforce_csrf_checks=True, **https)
        form = client.get("/accounts/login/")
        logged_in = client.post("/accounts/login/", {
            "username": username, "password": password,
            "csrfmiddlewaretoken": TOKEN.search(form.content.decode()).group(1)})
        assert logged_in.status_code == 302, (username, logged_in.status_code)
        for n in range(loops + warmup):
            leased = timed("next", n, client.get, "/review/next/")
            if leased.status_code != 302:
                break
            page_url = leased.url
            html = timed("page", n, client.get, page_url).content.decode()
            claim_id = int(page_url.rsplit("claim=", 1)[1])
            hidden = dict(HIDDEN.findall(html))
            saved = timed("save", n, client.post, f"/claims/{claim_id}/verdict/", {
                "csrfmiddlewaretoken": TOKEN.search(html).group(1),
                "expected_revision": hidden["expected_revision"],
                "claim_version": hidden["claim_version"], "label": LABELS[n % 3],
                "rationale": f"Checked against the harbour notice ({n}).",
                "evidence_links": f"https://evidence.example/{claim_id}/{n}" if n % 3 == 0
                else ""}, headers={"HX-Request": "true", "HX-Target": "review",
                                   "HX-Current-URL": f"https://testserver{page_url}"})
            if "verdictSaved" not in saved.get("HX-Trigger", ""):
                statuses["save not accepted"] = statuses.get("save not accepted", 0) + 1
    for kind, profiler in profilers.items():
        profiler.dump_stats(profile / f"{kind}.prof")
    return {"cpu": cpu, "statuses": statuses, "queries": captured}


# --- The parent: the desk, then rounds alternating the trees --------------------------------
def child_command(tree: Path, args, reviewers: list[str], password: str, out: Path) -> list:
    return [sys.executable, str(ROOT / "bench" / "loop_cpu.py"), "--child", str(out),
            "--loops", str(args.loops), "--warmup", str(args.warmup),
            "--reviewers-json", json.dumps(reviewers), "--password", password,
            *(["--queries"] if args.queries else []),
            *(["--profile", str(args.profile)] if args.profile else [])]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=Path, help="the base tree to compare this one with")
    parser.add_argument("--rounds", type=int, default=4, help="rounds per tree")
    parser.add_argument("--reviewers", type=int, default=3, help="reviewers per round")
    parser.add_argument("--loops", type=int, default=15, help="measured loops per reviewer")
    parser.add_argument("--warmup", type=int, default=2, help="loops per reviewer not measured")
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--database", default="claimdesk_loopcpu")
    parser.add_argument("--redis-db", type=int, default=14)
    parser.add_argument("--queries", action="store_true",
                        help="print the SQL of one loop's requests instead of timing it")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="write a cProfile of each request type (this tree, one round) "
                             "to DIR/{next,page,save}.prof instead of timing it")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--reviewers-json", help=argparse.SUPPRESS)
    parser.add_argument("--password", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, os.getcwd())
        result = round_run(json.loads(args.reviewers_json), args.password, args.loops,
                           args.warmup, args.queries, args.profile)
        args.child.write_text(json.dumps(result))
        return 0
    if not re.fullmatch(r"[a-z0-9_]+", args.database):
        parser.error("--database: lower-case letters, digits and _ only")

    work = Path(tempfile.mkdtemp(prefix="claimdesk-loopcpu-"))
    try:
        return run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args, work: Path) -> int:
    os.environ.update(environment(args, str(work / "static")))
    sys.path.insert(0, str(ROOT))
    from bench.load import database_recreate, seed, static_manifest

    database_recreate(args.database)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    trees = {"change": ROOT} if args.base is None else {"base": args.base.resolve(),
                                                         "change": ROOT}
    if args.profile:
        args.profile = args.profile.resolve()
        args.profile.mkdir(parents=True, exist_ok=True)
        trees.pop("base", None)
    rounds = 1 if args.queries or args.profile else args.rounds
    accounts = seed(articles=args.articles, claims_per_article=20,
                    reviewers=args.reviewers * rounds * len(trees))
    static_manifest()
    from django.db import connections

    connections.close_all()

    names = iter(accounts["reviewers"])
    order = [name for r in range(rounds) for name in (
        sorted(trees) if r % 2 == 0 else sorted(trees, reverse=True))]
    per_round: dict[str, list[dict]] = {name: [] for name in trees}
    load = []
    for name in order:
        out = work / f"{name}-{len(per_round[name])}.json"
        reviewers = [next(names) for _ in range(args.reviewers)]
        subprocess.run(child_command(trees[name], args, reviewers, accounts["password"], out),
                       cwd=trees[name], env={**os.environ, "PYTHONPATH": str(trees[name])},
                       check=True)
        load.append(os.getloadavg()[0])
        per_round[name].append(json.loads(out.read_text()))

    if args.profile:
        print(f"cProfile of each request type: {args.profile}/{{next,page,save}}.prof")
        return 0
    if args.queries:
        for name, (result,) in per_round.items():
            for kind, sqls in result["queries"].items():
                print(f"\n== {name} {kind}: {len(sqls)} queries")
                for sql in sqls:
                    print(f"  {sql[:600]}")
        return 0
    medians = {name: {kind: statistics.median([v for r in results for v in r["cpu"][kind]])
                      for kind in KINDS} for name, results in per_round.items()}
    for name in medians:
        medians[name]["loop"] = statistics.mean(medians[name][kind] for kind in KINDS)
    print(f"CPU per request, ms (median over {rounds} rounds x {args.reviewers} reviewers x "
          f"{args.loops} loops; load average {min(load):.1f}-{max(load):.1f}, "
          f"{os.cpu_count()} CPUs)")
    print(f"{'':8}" + "".join(f"{kind:>9}" for kind in (*KINDS, "loop")))
    for name, figures in medians.items():
        print(f"{name:8}" + "".join(f"{figures[k]:9.1f}" for k in (*KINDS, "loop")))
    if "base" in medians:
        print(f"{'ratio':8}" + "".join(f"{medians['change'][k] / medians['base'][k]:9.2f}"
                                       for k in (*KINDS, "loop")))
        for i, (base, change) in enumerate(zip(per_round["base"], per_round["change"],
                                               strict=True)):
            ratios = [statistics.median(change["cpu"][k]) / statistics.median(base["cpu"][k])
                      for k in KINDS]
            print(f"  round {i + 1} ratio next/page/save: "
                  + " / ".join(f"{r:.2f}" for r in ratios))
    for name, results in per_round.items():
        statuses: dict[str, int] = {}
        for result in results:
            for key, count in result["statuses"].items():
                statuses[key] = statuses.get(key, 0) + count
        print(f"{name} answers: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
