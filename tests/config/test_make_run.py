"""`make run` as the README gives it: what it starts, read from make's dry run (nothing runs)."""

import os
import shutil
import subprocess
from pathlib import Path

from tests.conftest import require_or_skip

ROOT = Path(__file__).resolve().parents[2]


def dry_run(tmp_path, *args: str, env: dict | None = None) -> str:
    if shutil.which("make") is None:
        require_or_skip("make is not installed")
    environ = {k: v for k, v in os.environ.items() if k != "CLAIMDESK_PUBLIC_BASE_URL"}
    result = subprocess.run(["make", "-n", "run", f"VENV={tmp_path / 'venv'}", *args],
                            cwd=ROOT, env={**environ, **(env or {})}, capture_output=True,
                            text=True, check=True)
    return result.stdout


def starts(output: str, program: str) -> list[str]:
    return [line for line in output.splitlines() if program in line]


def test_make_run_on_another_port_links_claimreviews_to_that_port(tmp_path):
    output = dry_run(tmp_path, "PORT=8765")
    [runserver] = starts(output, "runserver")
    [worker] = starts(output, "celery -A config worker")
    assert "runserver --insecure 127.0.0.1:8765" in runserver
    for line in (runserver, worker):
        assert "CLAIMDESK_PUBLIC_BASE_URL=http://127.0.0.1:8765" in line


def test_make_run_keeps_a_public_base_url_set_in_the_environment(tmp_path):
    output = dry_run(tmp_path, "PORT=8765",
                     env={"CLAIMDESK_PUBLIC_BASE_URL": "https://desk.example"})
    [runserver] = starts(output, "runserver")
    assert "CLAIMDESK_PUBLIC_BASE_URL=https://desk.example" in runserver
