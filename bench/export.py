"""Streaming exports through a real HTTP server: rows per second and the serving process's peak
memory.

Drops and recreates its own PostgreSQL database (claimdesk_exportbench), migrates it and
generates fictional claims in SQL (INSERT ... SELECT over generate_series, foreign-key
triggers off while it loads): articles of 100 claims with a source, cue and content span
each, 0 to 3 verdicts per claim (some contested, some on an earlier version of the claim,
some with evidence links) and a final verdict on about one claim in six (unanimous, or
adjudicated by the lead). Then, for each size (topping the same desk up) and each format, it
starts gunicorn on 127.0.0.1 with the production settings and config/gunicorn.py (one worker:
the serving process), warms the worker up on a one-article export, and downloads the whole
export with a lead's API token, reading the body to nowhere, while a thread samples the
worker's resident size (VmRSS in /proc/PID/status) every 0.1 s. It prints claims/s and the
worker's peak RSS over its RSS before the request. Goals: >= 20,000 claims/s, peak growth
flat with size and within 30 MB.

    .venv/bin/python bench/export.py --claims 10000 1000000
    .venv/bin/python bench/export.py --claims 10000 --formats jsonl csv

PostgreSQL is the shared server at 127.0.0.1:5432 (override with --server); only the
claimdesk_exportbench database is dropped and recreated.
"""

import argparse
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE = "claimdesk_exportbench"
CLAIMS_PER_ARTICLE = 100
FORMATS = {"jsonl": "claims.jsonl", "csv": "claims.csv",
           "claimreview": "claims.claimreview.json"}


# --- The desk -------------------------------------------------------------------------------
# Every sentence has the same length, so a claim's spans are arithmetic on its position.
SENTENCE_SQL = ("'Speaker ' || lpad(i::text, 3, '0') || ' said that pier ' "
                "|| lpad(i::text, 3, '0') || ' was closed at dawn, « maybe ». '")
SENTENCE_LENGTH = len("Speaker 000 said that pier 000 was closed at dawn, « maybe ». ")

GENERATE_SQL = """
SET session_replication_role = replica;
INSERT INTO claims_source (name, normalized_name, kind, description, created_at)
SELECT 'Bench speaker ' || s, 'bench speaker ' || s,
       (ARRAY['person', 'government', 'organisation'])[1 + s % 3], '', now()
FROM generate_series(0, 9) AS s
ON CONFLICT (normalized_name) DO NOTHING;

WITH body AS (SELECT string_agg({sentence}, '' ORDER BY i) AS text
              FROM generate_series(0, {per_article} - 1) AS i)
INSERT INTO claims_article (title, outlet, url, published_on, language, text, content_hash,
                            submitted_via, created_at, segmentation_status,
                            segmentation_attempts, segmentation_error, extractor_version)
SELECT CASE WHEN a % 50 = 0 THEN '=Harbour "dispatch" ' || a
            ELSE 'Harbour dispatch, part ' || a || ' — «quay»' END,
       'Bench Post', 'https://news.example/bench/' || a,
       CASE WHEN a % 7 = 0 THEN NULL ELSE date '2026-01-01' + a % 300 END,
       'en', body.text, 'exportbench-' || a, 'import', now(), 'done', 1, '', ''
FROM generate_series({first_article}, {last_article}) AS a, body;

INSERT INTO claims_claim (kind, origin, status, source_anonymous, version, extractor_version,
                          created_at, article_id, source_id, attribution_version, position)
SELECT 'indirect', 'machine',
       CASE WHEN i % 6 = 0 THEN 'final' ELSE 'open' END, false, 1, '', now(), art.id,
       (SELECT min(id) FROM claims_source) + i % 10,
       CASE WHEN i % 10 = 9 THEN 2 ELSE 1 END, i * {length}
FROM claims_article AS art, generate_series(0, {per_article} - 1) AS i
WHERE art.id > {last_article_id}
ORDER BY art.id, i;

CREATE TEMPORARY TABLE new_claims ON COMMIT DROP AS
SELECT id, position / {length} AS i, status, attribution_version FROM claims_claim
WHERE id > {last_claim_id};
ANALYZE new_claims;

INSERT INTO claims_span (claim_id, role, start, "end")
SELECT id, role, position + lo, position + hi
FROM (SELECT id, i * {length} AS position FROM new_claims) AS c,
     (VALUES ('source', 0, 11), ('cue', 12, 16), ('content', 22, {length} - 2))
     AS r(role, lo, hi);

INSERT INTO annotations_verdict (label, rationale, evidence_links, source_correct,
                                 content_correct, revision, created_at, updated_at, claim_id,
                                 reviewer_id, claim_version)
SELECT CASE WHEN c.id % 7 = 0 AND r.n = 2 THEN 'contested' ELSE 'confirmed' END,
       CASE WHEN r.n = 1 THEN 'The harbour log, page ' || c.id || ', agrees.'
            ELSE 'Two crews said so; "closed" at 06:00.' END,
       CASE WHEN r.n = 1 THEN jsonb_build_array('https://port.example/log/' || c.id)
            ELSE '[]'::jsonb END,
       CASE WHEN r.n = 3 THEN true END, NULL, 1 + c.id % 2,
       now() - interval '2 days' + r.n * interval '1 hour', now() - interval '1 day',
       c.id, r.reviewer_id, CASE WHEN c.id % 13 = 0 THEN 1 ELSE c.attribution_version END
FROM new_claims AS c
JOIN (SELECT row_number() OVER (ORDER BY id) AS n, id AS reviewer_id FROM auth_user
      WHERE username LIKE 'bench-rev%') AS r ON r.n <= c.id % 4;

INSERT INTO annotations_finalverdict (label, provenance, reason_code, reason, decided_at,
                                      claim_version, claim_id, decided_by_id)
SELECT CASE WHEN c.id % 7 = 0 THEN 'contested' ELSE 'confirmed' END,
       CASE WHEN c.id % 7 = 0 THEN 'adjudicated' ELSE 'unanimous' END,
       CASE WHEN c.id % 7 = 0 THEN 'new_evidence' ELSE '' END,
       CASE WHEN c.id % 7 = 0 THEN 'A harbour notice dated that day.' ELSE '' END,
       now() - interval '1 hour', c.attribution_version, c.id,
       CASE WHEN c.id % 7 = 0 THEN {lead_id} END
FROM new_claims AS c WHERE c.status = 'final';
SET session_replication_role = DEFAULT;
"""


LOADED_TABLES = ("claims_article", "claims_claim", "claims_span", "annotations_verdict",
                 "annotations_finalverdict")
# The loaded tables' indexes that back no constraint: dropped while loading and built again
# after it (one sort each instead of a million insertions; the articles' trigram indexes
# took most of the time).
SECONDARY_INDEXES_SQL = """
SELECT i.indexname, i.indexdef FROM pg_indexes AS i
WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conname = i.indexname)
"""


def generate(connection, *, have: int, total: int, lead_id: int, verbose: bool) -> None:
    """Top the desk up from `have` to `total` claims (whole articles)."""
    first = have // CLAIMS_PER_ARTICLE
    last = total // CLAIMS_PER_ARTICLE - 1
    last_claim_id, last_article_id = connection.execute(
        "SELECT (SELECT coalesce(max(id), 0) FROM claims_claim), "
        "(SELECT coalesce(max(id), 0) FROM claims_article)").fetchone()
    script = GENERATE_SQL.format(
        sentence=SENTENCE_SQL, per_article=CLAIMS_PER_ARTICLE, first_article=first,
        last_article=last, length=SENTENCE_LENGTH, last_claim_id=last_claim_id,
        last_article_id=last_article_id, lead_id=lead_id)
    with connection.transaction():
        indexes = connection.execute(SECONDARY_INDEXES_SQL, [list(LOADED_TABLES)]).fetchall()
        for name, _ in indexes:
            connection.execute(f'DROP INDEX "{name}"')
        statements = [*filter(str.strip, script.split(";\n")),
                      *(definition for _, definition in indexes)]
        for statement in statements:
            t0 = time.perf_counter()
            connection.execute(statement)
            if verbose:
                print(f"  {time.perf_counter() - t0:6.1f} s  {' '.join(statement.split()[:4])}")
    connection.execute("ANALYZE")  # as a live database's autovacuum would have


def recreate_database(server: str) -> str:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DATABASE}"')
    return f"{server}/{DATABASE}"


def setup_desk(database_url: str) -> tuple[int, str]:
    """Migrate, create the reviewers and the lead; (the lead's id, an API token of theirs)."""
    os.environ.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="config.settings.base")
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from annotations.tokens import token_create
    from claims.access import LEAD

    call_command("migrate", verbosity=0)
    users = get_user_model().objects
    for n in (1, 2, 3):
        users.create_user(username=f"bench-rev{n}")
    lead = users.create_user(username="bench-lead")
    lead.groups.add(Group.objects.get_or_create(name=LEAD)[0])
    _, token = token_create(user=lead, name="export bench")
    from django.db import connections

    connections.close_all()
    return lead.pk, token


# --- The server -----------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn with config/gunicorn.py and the production settings, one worker."""

    def __init__(self, database_url: str, timeout: int):
        self.port = _free_port()
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production",
               "DATABASE_URL": database_url, "SECRET_KEY": "insecure-exportbench-" + "k" * 50,
               "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "false",
               "GUNICORN_BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": "1",
               "GUNICORN_TIMEOUT": str(timeout), "LOG_LEVEL": "WARNING"}
        env.pop("REDIS_URL", None)
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (read if gunicorn fails)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py",
             "--access-logfile", "/dev/null", "config.wsgi:application"],
            cwd=ROOT, env=env, stdout=self.log, stderr=self.log)
        self.worker = self._wait_for_worker()

    def _wait_for_worker(self) -> int:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise RuntimeError("gunicorn exited:\n" + self.log.read().decode())
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            pids = children.read_text().split()
            if pids:
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                    return int(pids[0])
                except OSError:
                    pass
            time.sleep(0.1)
        raise RuntimeError("gunicorn did not start within 60 s")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of `pid` so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def database_backends(exclude: int) -> dict[int, float]:
    """The CPU seconds of each PostgreSQL server process on the bench's database but
    `exclude` (the bench's own): the worker's connection, and its export's read-ahead
    thread's, which lives only as long as the export."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != exclude:
            try:
                if f" {DATABASE} ".encode() in (entry / "cmdline").read_bytes():
                    found[int(entry.name)] = cpu_seconds(int(entry.name))
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                pass
    return found


class Sampler(threading.Thread):
    """Every 0.1 s until stopped: the highest VmRSS of the worker `pid`, and the latest CPU
    time of each database server process."""

    def __init__(self, pid: int, own_backend: int):
        super().__init__(daemon=True)
        self.pid, self.own_backend = pid, own_backend
        self.peak, self.done = rss_kb(pid), threading.Event()
        self.backends_before = database_backends(own_backend)
        self.backends = dict(self.backends_before)

    def run(self) -> None:
        while not self.done.wait(0.1):
            self.backends.update(database_backends(self.own_backend))
            try:
                self.peak = max(self.peak, rss_kb(self.pid))
            except (FileNotFoundError, ProcessLookupError):
                return  # the worker died (gunicorn's timeout); the download says so

    def stop(self) -> tuple[int, float]:
        """(peak RSS in kB, database CPU seconds used meanwhile)."""
        self.done.set()
        self.join()
        self.backends.update(database_backends(self.own_backend))
        return self.peak, sum(cpu - self.backends_before.get(pid, 0)
                              for pid, cpu in self.backends.items())


def download(port: int, path: str, token: str) -> tuple[int, int, int]:
    """(status, bytes, newlines) of one GET, the body read in 256 kB pieces and dropped."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.request("GET", path, headers={"Authorization": f"Token {token}",
                                             "Host": "127.0.0.1"})
    response = connection.getresponse()
    size = lines = 0
    try:
        while piece := response.read(256 * 1024):
            size += len(piece)
            lines += piece.count(b"\n")
    except http.client.IncompleteRead as error:  # the worker was killed mid-stream
        size += len(error.partial)
        return -1, size, lines
    finally:
        connection.close()
    return response.status, size, lines


def measure(own_backend: int, database_url: str, token: str, fmt: str, claims: int,
            timeout: int, warm_up_article: int) -> str:
    server = Server(database_url, timeout)
    try:
        url = f"/api/export/{FORMATS[fmt]}"
        status, *_ = download(server.port, f"{url}?article={warm_up_article}", token)
        assert status == 200, f"warm-up answered {status}"
        before, cpu_before = rss_kb(server.worker), cpu_seconds(server.worker)
        sampler = Sampler(server.worker, own_backend)
        sampler.start()
        start = time.perf_counter()
        status, size, lines = download(server.port, url, token)
        seconds = time.perf_counter() - start
        peak, database_cpu = sampler.stop()
        worker_cpu = cpu_seconds(server.worker) - cpu_before
    finally:
        server.stop()
    outcome = ("" if status == 200 else
               f"  FAILED: {'cut off (worker killed?)' if status == -1 else status}")
    return (f"{fmt:12} {claims:>9,} claims {seconds:6.1f} s {claims / seconds:>7,.0f} claims/s"
            f" | CPU worker {worker_cpu:5.1f} s ({claims / worker_cpu:>7,.0f}/s) database "
            f"{database_cpu:5.1f} s | {size / 2**20:6.1f} MB {lines:>9,} lines | RSS "
            f"{before / 1024:5.1f} -> {peak / 1024:5.1f} MB, growth {(peak - before) / 1024:5.1f}"
            f" MB | load {os.getloadavg()[0]:.1f}{outcome}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, nargs="+", default=[10_000],
                        help="desk sizes, whole articles of 100 claims (default 10000)")
    parser.add_argument("--formats", nargs="+", choices=list(FORMATS), default=list(FORMATS))
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432",
                        help="the PostgreSQL server (its claimdesk_exportbench is dropped)")
    parser.add_argument("--timeout", type=int, default=None,
                        help="gunicorn's worker timeout (default: config/gunicorn.py's)")
    parser.add_argument("--verbose", action="store_true", help="time each generating step")
    args = parser.parse_args()

    import psycopg

    started = time.perf_counter()
    database_url = recreate_database(args.server.rstrip("/"))
    lead_id, token = setup_desk(database_url)
    timeout = args.timeout or int(os.environ.get("GUNICORN_TIMEOUT", "30"))
    have = 0
    with psycopg.connect(database_url, autocommit=True) as connection:
        own_backend = connection.execute("SELECT pg_backend_pid()").fetchone()[0]
        for claims in sorted(args.claims):
            t0 = time.perf_counter()
            generate(connection, have=have, total=claims, lead_id=lead_id, verbose=args.verbose)
            have = connection.execute("SELECT count(*) FROM claims_claim").fetchone()[0]
            first_article = connection.execute(
                "SELECT min(id) FROM claims_article").fetchone()[0]
            print(f"desk of {have:,} claims generated in {time.perf_counter() - t0:.1f} s",
                  flush=True)
            for fmt in args.formats:
                print(measure(own_backend, database_url, token, fmt, have, timeout,
                              first_article), flush=True)
    print(f"done in {time.perf_counter() - started:.0f} s (gunicorn timeout {timeout} s)")


if __name__ == "__main__":
    main()
