"""Load: reviewers, a lead and an API client against gunicorn with the production settings.

Creates its own PostgreSQL database (dropped and created again on each run), migrates it,
generates a desk of fictional articles and claims, 100 reviewer accounts, a lead and the lead's
API token, collects the static files, then starts gunicorn on 127.0.0.1 (config/gunicorn.py
through bench/load_gunicorn.py; production settings; Redis DB 5 as broker and cache) and runs
two phases of simulated users (bench/load_client.py, asyncio on the standard library), each
stopping by itself:

  a. 50 reviewers who think 1.5-4.5 s on each claim, for 60 s;
  b. 50 other reviewers who do not think at all, for 60 s.

A reviewer logs in, then loops: /review/next/ (which leases a claim and redirects), the
article page it redirects to, and the verdict saved as the review panel saves it (htmx POST of
the panel's form, CSRF token included). In both phases a lead polls the dashboard every 5 s and
an API client downloads the JSON Lines export with a token every 10 s. Requests are sent as a
TLS-terminating proxy in front of the app would pass them on (X-Forwarded-Proto: https), so the
production settings (secure cookies, HTTPS redirect, HSTS) stay as they are.

Prints, per phase: requests per second, p50/p95/p99 per request type, errors; the CPU the
gunicorn workers spent per request (from /proc, and per request type from inside the workers)
and where the machine's CPU went. Then compares every verdict the clients saw accepted with the
database (claim, reviewer, label, rationale, evidence links): they must be equal. Exits 1 on
an error or a difference. Talks to 127.0.0.1 only; stops every process it started on exit,
Ctrl-C and errors included.

    .venv/bin/python bench/load.py
    .venv/bin/python bench/load.py --phases b --duration 30       # one phase, shorter
    .venv/bin/python bench/load.py --phases b --profile /tmp/prof  # cProfile the loop's requests
"""

import argparse
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HOST = "127.0.0.1"
PYTHON = sys.executable

LABELS = ("confirmed", "contested", "unverifiable")
PASSWORD = "load-test-password-1"  # noqa: S105 - fictional accounts in a throwaway database


# --- The desk -------------------------------------------------------------------------------
def seed(*, articles: int, claims_per_article: int, reviewers: int) -> dict:
    """Users (one password hash for all: hashing 100 passwords would take a minute), the
    lead's API token, and articles with their claims and spans, bulk-created."""
    import random

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import connection, transaction

    from annotations.tokens import token_create
    from bench.common import SPEAKERS, fictional_article
    from claims.access import LEAD, REVIEWER
    from claims.models import Article, Claim, Span
    from claims.services import content_hash, source_resolve

    users = get_user_model()
    hashed = make_password(PASSWORD)
    names = [f"load-reviewer-{i:03d}" for i in range(1, reviewers + 1)]
    with transaction.atomic():
        created = users.objects.bulk_create(
            [users(username=name, password=hashed) for name in [*names, "load-lead"]])
        groups = {name: Group.objects.get_or_create(name=name)[0] for name in (REVIEWER, LEAD)}
        through = users.groups.through
        through.objects.bulk_create(
            [through(user_id=user.pk, group_id=groups[REVIEWER].pk) for user in created]
            + [through(user_id=created[-1].pk, group_id=groups[LEAD].pk)])
        _, token = token_create(user=created[-1], name="load bench export")

    rng = random.Random(11)
    sources = {name: source_resolve(name=name) for name in SPEAKERS}
    for first in range(0, articles, 100):
        with transaction.atomic():
            batch, plans = [], []
            for n in range(first, min(first + 100, articles)):
                text, spans = fictional_article(claims_per_article, rng, tag=f"dispatch {n}, ")
                batch.append(Article(
                    title=f"Harbour dispatch {n}", outlet=f"The Coast Courier {n % 7}",
                    url=f"https://news.example/dispatch/{n}",
                    published_on=date(2026, 1, 1) + timedelta(days=n % 300), text=text,
                    content_hash=content_hash(text), submitted_via=Article.Via.IMPORT,
                    segmentation_status=Article.Segmentation.DONE,
                    extractor_version="bench-load"))
                plans.append(spans)
            Article.objects.bulk_create(batch)
            claims = [Claim(article=article, source=sources[speaker], kind=Claim.Kind.INDIRECT,
                            origin=Claim.Origin.MACHINE, confidence=0.8, position=src[0],
                            extractor_version="bench-load")
                      for article, spans in zip(batch, plans, strict=True)
                      for speaker, src, _, _ in spans]
            Claim.objects.bulk_create(claims)
            rows = iter(claims)
            Span.objects.bulk_create(
                [Span(claim=claim, role=role, start=start, end=end)
                 for spans in plans for _, src, cue, content in spans
                 for claim in [next(rows)]
                 for role, (start, end) in (("source", src), ("cue", cue),
                                            ("content", content))], batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"reviewers": names, "lead": "load-lead", "password": PASSWORD, "token": token}


def static_manifest() -> None:
    """collectstatic with the production manifest (the hashed names the templates link to),
    without compressing every file: nothing here downloads them, and with brotli installed
    whitenoise takes minutes over the API docs' bundles."""
    from django.conf import settings
    from django.core.management import call_command
    from django.test import override_settings

    storages = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
    with override_settings(STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)


def database_recreate(name: str) -> None:
    import psycopg

    with psycopg.connect(host=HOST, port=5432, user="postgres", dbname="postgres",
                         autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


# --- Processes ------------------------------------------------------------------------------
class Processes:
    """The processes this script started, each in its own session (process group), stopped
    on exit whatever the exit: SIGTERM to the group, SIGKILL after a grace period."""

    def __init__(self):
        self.started: list[subprocess.Popen] = []

    def start(self, cmd: list[str], **kwargs) -> subprocess.Popen:
        proc = subprocess.Popen(cmd, start_new_session=True, **kwargs)
        self.started.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen, grace: float = 20) -> None:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                return
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def stop_all(self) -> None:
        for proc in reversed(self.started):
            self.stop(proc)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer 200 within {timeout:.0f} s")


# --- CPU accounting from /proc --------------------------------------------------------------
TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2:].split()  # fields from the state on (field 3)


def _children(pid: int) -> list[int]:
    kids = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            kids += [int(k) for k in (task / "children").read_text().split()]
    return kids


def _cpu_s(fields: list[str], *, reaped: bool = False) -> float:
    """utime + stime (fields 14, 15), plus the reaped children's (16, 17) if asked."""
    ticks = int(fields[11]) + int(fields[12])
    if reaped:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICK


@dataclass
class Snapshot:
    at: float
    gunicorn: float  # workers + master + workers already reaped by the master
    postgres: dict[int, float]  # this database's backends
    client: float
    busy: float  # the whole machine, seconds of CPU not idle
    total: float
    load: float  # the 1-minute load average: other jobs on the machine skew the timings


def snapshot(*, master: int, client: int, backends: list[int]) -> Snapshot:
    gunicorn = sum(_cpu_s(f) for f in map(_stat, _children(master)) if f)
    master_fields = _stat(master)
    gunicorn += _cpu_s(master_fields, reaped=True) if master_fields else 0
    postgres = {pid: _cpu_s(f) for pid in backends if (f := _stat(pid))}
    client_fields = _stat(client)
    cpu = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = cpu[3] + cpu[4]
    return Snapshot(at=time.time(), gunicorn=gunicorn, postgres=postgres,
                    client=_cpu_s(client_fields) if client_fields else 0,
                    busy=(sum(cpu[:8]) - idle) / TICK, total=sum(cpu[:8]) / TICK,
                    load=float(Path("/proc/loadavg").read_text().split()[0]))


def backend_pids(database: str) -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s "
                       "AND pid <> pg_backend_pid()", [database])
        return [row[0] for row in cursor.fetchall()]


# --- Figures --------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


ORDER = ["next", "page", "save", "dashboard", "export", "login form", "login", "home"]


@dataclass
class PhaseResult:
    name: str
    client: dict
    start: Snapshot
    end: Snapshot
    backends_start: list[int] = field(default_factory=list)


def report_phase(result: PhaseResult, server_log: list[tuple]) -> list[str]:
    """Print the phase's figures; return its problems (errors) as lines."""
    client, start, end = result.client, result.start, result.end
    window = client["measure_end"] - client["measure_start"]
    samples = client["samples"]  # kind -> [[t_end, ms, ok], ...]
    in_window = {kind: [s for s in rows if s[0] >= client["measure_start"]]
                 for kind, rows in samples.items()}
    n_window = sum(len(rows) for rows in in_window.values())
    print(f"\nPhase {result.name}: {client['description']}")
    print(f"  measured {window:.1f} s (from the last login to the last request), "
          f"{n_window:,} requests, {n_window / window:.1f} requests/s")
    print(f"  {'request':<11} {'n':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'max ms':>8} {'errors':>6}")
    for kind in sorted(samples, key=lambda k: ORDER.index(k) if k in ORDER else 99):
        rows = in_window[kind] if in_window[kind] else samples[kind]
        note = "" if in_window[kind] else "  (before the window)"
        times = [ms for _, ms, _ in rows]
        errors = sum(1 for *_, ok in rows if not ok)
        print(f"  {kind:<11} {len(rows):>6} {len(in_window[kind]) / window:>7.1f} "
              f"{percentile(times, .5):>8.1f} {percentile(times, .95):>8.1f} "
              f"{percentile(times, .99):>8.1f} {max(times):>8.1f} {errors:>6}{note}")
    problems = [f"phase {result.name}: {error}" for error in client["errors"]]
    if client["in_flight_at_end"]:
        problems.append(f"phase {result.name}: {client['in_flight_at_end']} loops cut short")
    print(f"  errors: {len(client['errors'])}"
          + "".join(f"\n    {error}" for error in client["errors"][:10]))

    cpu = end.gunicorn - start.gunicorn
    served = [row for row in server_log if start.at <= row[0] <= end.at]
    print(f"  gunicorn workers: {cpu:.1f} s CPU for {len(served):,} requests served = "
          f"{cpu * 1000 / max(len(served), 1):.1f} ms per request (/proc deltas)")
    by_kind: dict[str, list[float]] = {}
    for _, kind, cpu_ms, _, _ in served:
        by_kind.setdefault(kind, []).append(cpu_ms)
    loop = [ms for kind in ("next", "page", "save") for ms in by_kind.get(kind, [])]
    if loop:
        print(f"  worker CPU inside the request, loop (next, page, save): "
              f"{statistics.fmean(loop):.1f} ms per request; by type: " + ", ".join(
                  f"{kind} {statistics.fmean(v):.1f}" for kind, v in sorted(
                      by_kind.items(), key=lambda kv: ORDER.index(kv[0])
                      if kv[0] in ORDER else 99)))
    elapsed = end.at - start.at
    postgres = sum(cpu - start.postgres.get(pid, 0) for pid, cpu in end.postgres.items())
    busy, total = end.busy - start.busy, end.total - start.total
    client_cpu = end.client - start.client
    other = busy - cpu - postgres - client_cpu
    print(f"  machine CPU over {elapsed:.1f} s ({total / elapsed:.1f} cores): busy "
          f"{busy / total:.0%}; gunicorn {cpu / elapsed:.2f} cores, PostgreSQL backends "
          f"{postgres / elapsed:.2f}, load client {client_cpu / elapsed:.2f}, everything else "
          f"{other / elapsed:.2f}; load average {start.load:.1f} at the start, "
          f"{end.load:.1f} at the end")
    return problems


def server_requests(directory: Path) -> list[tuple]:
    rows = []
    for path in directory.glob("*.log"):
        for line in path.read_text().splitlines():
            at, kind, cpu_ms, wall_ms, status = line.split()
            rows.append((float(at), kind.replace("_", " "), float(cpu_ms), float(wall_ms),
                         int(status)))
    return rows


def verdicts_compare(accepted: list[dict], reviewers: list[str]) -> list[str]:
    """Every verdict a client saw accepted against the database, both ways."""
    from annotations.models import Verdict

    seen = {(v["claim"], v["reviewer"]): v for v in accepted}
    stored = {(claim, reviewer): {"label": label, "rationale": rationale,
                                  "evidence_links": links, "revision": revision}
              for claim, reviewer, label, rationale, links, revision in Verdict.objects.filter(
                  reviewer__username__in=reviewers).values_list(
                  "claim_id", "reviewer__username", "label", "rationale", "evidence_links",
                  "revision")}
    problems = []
    for key, verdict in seen.items():
        row = stored.get(key)
        if row is None:
            problems.append(f"lost: claim {key[0]} by {key[1]} was accepted, not stored")
        elif any(row[f] != verdict[f] for f in ("label", "rationale", "evidence_links",
                                                "revision")):
            problems.append(f"different: claim {key[0]} by {key[1]}: accepted {verdict}, "
                            f"stored {row}")
    problems += [f"unseen: claim {claim} by {reviewer} is stored, no client saw it accepted"
                 for claim, reviewer in stored.keys() - seen.keys()]
    duplicates = len(accepted) - len(seen)
    print(f"\nVerdicts: {len(accepted):,} accepted by the server as the clients saw it, "
          f"{len(stored):,} in the database for these reviewers; {duplicates} accepted twice, "
          f"{sum(p.startswith('lost') for p in problems)} lost, "
          f"{sum(p.startswith('different') for p in problems)} different, "
          f"{sum(p.startswith('unseen') for p in problems)} stored but never seen accepted")
    return problems


# --- Main -----------------------------------------------------------------------------------
PHASES = {"a": "reviewers think {think_min}-{think_max} s on each claim",
          "b": "reviewers do not think"}


def run_phase(name: str, args, processes: Processes, *, url: str, master: int, accounts: dict,
              work: Path) -> PhaseResult:
    first = args.phases.index(name) * args.reviewers  # each phase has reviewers of its own
    out = work / f"client-{name}.json"
    think = (args.think_min, args.think_max) if name == "a" else (0, 0)
    description = PHASES[name].format(think_min=args.think_min, think_max=args.think_max)
    users_file = work / "users.json"
    users_file.write_text(json.dumps({
        **accounts, "reviewers": accounts["reviewers"][first:first + args.reviewers]}))
    proc = processes.start(
        [PYTHON, str(ROOT / "bench" / "load_client.py"), "--host", url, "--users", str(users_file),
         "--think", str(think[0]), str(think[1]), "--duration", str(args.duration),
         "--phase", name, "--out", str(out)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT)
    start = end = None
    backends: list[int] = []
    for line in proc.stdout:
        if line.startswith("MEASURE START"):
            backends = backend_pids(args.database)
            start = snapshot(master=master, client=proc.pid, backends=backends)
        elif line.startswith("MEASURE END"):
            end = snapshot(master=master, client=proc.pid,
                           backends=backend_pids(args.database))
        else:
            print(f"  [client {name}] {line.rstrip()}", file=sys.stderr)
    if proc.wait(60) != 0 or start is None or end is None:
        raise RuntimeError(f"the load client of phase {name} failed (status {proc.returncode})")
    client = json.loads(out.read_text())
    client["description"] = (f"{len(accounts['reviewers'][first:first + args.reviewers])} "
                             f"{description}, for {args.duration} s; a lead polling the "
                             "dashboard every 5 s; an API client exporting every 10 s")
    return PhaseResult(name=name, client=client, start=start, end=end,
                       backends_start=backends)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phases", default="ab", help="a (thinking), b (not), or ab")
    parser.add_argument("--reviewers", type=int, default=50, help="reviewers per phase")
    parser.add_argument("--duration", type=int, default=60, help="seconds per phase")
    parser.add_argument("--think-min", type=float, default=1.5)
    parser.add_argument("--think-max", type=float, default=4.5)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers "
                        "(WEB_CONCURRENCY; the production default)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker "
                        "(GUNICORN_THREADS; the production default); 1 runs sync workers")
    parser.add_argument("--articles", type=int, default=600)
    parser.add_argument("--claims-per-article", type=int, default=20)
    parser.add_argument("--database", default="claimdesk_load")
    parser.add_argument("--redis-db", type=int, default=5)
    parser.add_argument("--profile", type=Path, help="folder for cProfile dumps (one per "
                        "worker) of the loop's requests; slows the workers down")
    parser.add_argument("--keep", action="store_true", help="keep the logs' folder")
    args = parser.parse_args()
    if not args.phases or set(args.phases) - set(PHASES) or len(set(args.phases)) < len(
            args.phases):
        parser.error("--phases: a, b or ab")
    if args.profile and args.threads > 1:
        parser.error("--profile profiles one thread per worker: use it with --threads 1")
    if not re.fullmatch(r"[a-z0-9_]+", args.database):
        parser.error("--database: lower-case letters, digits and _ only")

    work = Path(tempfile.mkdtemp(prefix="claimdesk-load-"))
    (work / "requests").mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": f"postgres://postgres@{HOST}:5432/{args.database}",
        "REDIS_URL": f"redis://{HOST}:6379/{args.redis_db}",
        "SECRET_KEY": "insecure-loadbench-" + secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "STATIC_ROOT": str(work / "static"),
        "WEB_CONCURRENCY": str(args.workers),
        "GUNICORN_THREADS": str(args.threads),
        "LOAD_REQUESTS_DIR": str(work / "requests"),
        "PYTHONPATH": str(ROOT),
    }
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
        env["LOAD_PROFILE_DIR"] = str(args.profile.resolve())
    os.environ.update(env)
    processes = Processes()

    def interrupted(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    problems: list[str] = []
    try:
        started = time.monotonic()
        database_recreate(args.database)
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        accounts = seed(articles=args.articles, claims_per_article=args.claims_per_article,
                        reviewers=args.reviewers * len(args.phases))
        static_manifest()
        print(f"desk: {args.articles:,} articles, {args.articles * args.claims_per_article:,} "
              f"claims, {len(accounts['reviewers'])} reviewers, a lead "
              f"({time.monotonic() - started:.0f} s to build)", file=sys.stderr)

        port = _free_port()
        url = f"http://{HOST}:{port}"
        with open(work / "gunicorn.log", "w") as log:
            gunicorn = processes.start(
                [PYTHON, "-m", "gunicorn", "-c", str(ROOT / "bench" / "load_gunicorn.py"),
                 "--bind", f"{HOST}:{port}", "--control-socket", str(work / "gunicorn.ctl"),
                 "config.wsgi:application"],
                stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=env)
        _wait_healthy(f"{url}/healthz/", gunicorn)
        kind = "sync" if args.threads == 1 else f"gthread, {args.threads} threads each"
        print(f"gunicorn: {args.workers} workers ({kind}) on {url} (log: "
              f"{work / 'gunicorn.log'})",
              file=sys.stderr)
        results = [run_phase(name, args, processes, url=url, master=gunicorn.pid,
                             accounts=accounts, work=work) for name in args.phases]
        processes.stop(gunicorn)  # the workers write their request logs as they exit
        server_log = server_requests(work / "requests")
        print(f"\ngunicorn {args.workers} workers ({kind}), production settings, PostgreSQL "
              f"{args.database}, Redis DB {args.redis_db}; {os.cpu_count()} CPUs")
        for result in results:
            problems += report_phase(result, server_log)
        problems += verdicts_compare(
            [v for result in results for v in result.client["accepted"]],
            accounts["reviewers"])
        errors_logged = (work / "gunicorn.log").read_text().count("Traceback")
        if errors_logged:
            problems.append(f"{errors_logged} tracebacks in the gunicorn log")
        print(f"gunicorn log: {errors_logged} tracebacks")
        print(f"\ntotal time {time.monotonic() - started:.0f} s; "
              + ("no problems" if not problems else f"{len(problems)} PROBLEMS:"))
        for problem in problems[:30]:
            print(f"  {problem}")
        return 1 if problems else 0
    except KeyboardInterrupt:
        print("interrupted: stopping", file=sys.stderr)
        return 130
    finally:
        processes.stop_all()
        if args.keep or problems:
            print(f"logs kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
