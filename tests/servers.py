"""Servers of a test's own — a redis-server, a PostgreSQL cluster, gunicorn — on free ports in
temporary folders, so that a fault test may stop, freeze and restart them without touching the
shared services. Each helper skips (or fails, with CLAIMDESK_REQUIRE_SERVICES) when the program
it needs is not installed."""

import contextlib
import glob
import http.client
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from tests.conftest import require_or_skip

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition: Callable[[], object], *, timeout: float, what: str,
               log: Path | None = None) -> object:
    """Poll `condition` until it returns something true, for at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            shown = f"\n--- {log}:\n{log.read_text()[-4000:]}" if log and log.exists() else ""
            raise AssertionError(f"gave up waiting for {what} after {timeout} s{shown}")
        time.sleep(0.1)


def stop_process(process: subprocess.Popen, *, timeout: float = 20) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)


class OwnRedis:
    """A redis-server without persistence: stop() loses its data, as a crash would."""

    def __init__(self, folder: Path):
        binary = shutil.which("redis-server")
        if binary is None:
            require_or_skip("redis-server is not installed (apt-get install redis-server)")
        self.binary, self.folder, self.port = binary, folder, free_port()
        self.log = folder / "redis.log"
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self):
        import redis

        return redis.Redis(port=self.port, socket_timeout=5)

    def start(self) -> None:
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(self.folder)],
                stdout=log, stderr=subprocess.STDOUT)
        wait_until(self._answers, timeout=15, what="redis-server", log=self.log)

    def _answers(self) -> bool:
        import redis

        try:
            return self.client().ping()
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.thaw()
            stop_process(self.process)

    def freeze(self) -> None:
        """Still accepting connections (the kernel does that), never answering."""
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)


def _postgres_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(candidates[-1]).parent if candidates else None


class OwnPostgres:
    """A PostgreSQL cluster in a temporary folder, trusting local connections. PostgreSQL will
    not run as root: as root, the cluster belongs to the `postgres` user."""

    def __init__(self):
        bin_dir = _postgres_bin()
        if bin_dir is None:
            require_or_skip("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
        self.bin_dir, self.port = bin_dir, free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="claimdesk-pg-"))
        self.data, self.log = self.folder / "data", self.folder / "postgres.log"
        self.run_as: list[str] = []
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                require_or_skip("running as root and there is no postgres user to own a cluster")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self.run_as = ["runuser", "-u", "postgres", "--"]

    def _run(self, program: str, *args: str) -> None:
        result = subprocess.run([*self.run_as, str(self.bin_dir / program), *args],
                                capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 0, f"{program} failed:\n{result.stdout}{result.stderr}"

    def create(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c full_page_writes=off")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w",
                  "start")

    def stop(self) -> None:
        """A fast shutdown, as a restart does: open sessions are disconnected."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, dbname: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def createdb(self, dbname: str) -> None:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", dbname)

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


def start_gunicorn(env: dict[str, str], log: Path) -> subprocess.Popen:
    """gunicorn with config/gunicorn.py, as the compose file's web service runs it; env names
    GUNICORN_BIND, WEB_CONCURRENCY and the settings."""
    with log.open("a") as out:
        return subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py",
                                 "config.wsgi:application"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT)


def production_env(folder: Path, *, port: int, database_url: str, secret_key: str,
                   **extra: str) -> dict[str, str]:
    """This process's environment with the production settings for one gunicorn worker on
    `port`, over plain HTTP to 127.0.0.1, with no Redis (no task is queued through it)."""
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": secret_key, "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false", "DATABASE_URL": database_url, "REDIS_URL": "",
            "CLAIMDESK_BROKER_DIR": str(folder / "broker"),
            "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1", **extra}


@contextlib.contextmanager
def gunicorn_serving(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """gunicorn started with `env`, once /healthz/ answers 200; stopped afterwards."""
    port = int(env["GUNICORN_BIND"].rsplit(":", 1)[1])
    server = start_gunicorn(env, log)
    try:
        wait_until(lambda: _healthy(port), timeout=60, what="gunicorn", log=log)
        yield server
    finally:
        stop_process(server, timeout=30)


def _healthy(port: int) -> bool:
    try:
        return http_get(port, "/healthz/")[0] == 200
    except OSError:
        return False


def http_get(port: int, path: str, headers: dict[str, str] | None = None
             ) -> tuple[int, dict[str, str], str]:
    """Status, headers and body of a GET to 127.0.0.1:port, read whole (http.client raises
    IncompleteRead on a body cut short)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers={"Host": "127.0.0.1", **(headers or {})})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


def children_of(pid: int) -> set[int]:
    """The process's child processes (a gunicorn master's workers), from /proc."""
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        found.update(int(child) for child in children)
    return found
