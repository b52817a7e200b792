"""No secret in the repository: every tracked file is read for private keys, cloud and service
tokens, and a SECRET_KEY given a value that is not an obvious placeholder."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_or_skip

ROOT = Path(__file__).resolve().parents[2]

TOKENS = {
    "private key": re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    "AWS access key": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "Stripe live key": re.compile(r"\b[rs]k_live_[0-9A-Za-z]{16,}"),
}
# SECRET_KEY = "…", SECRET_KEY: …, SECRET_KEY=…: the literal value after it.
SECRET_KEY = re.compile(r"""SECRET_KEY["']?\s*[:=]\s*(?:\S+\s+or\s+)?["']?([^\s"'$)]{8,})""")
# Values that say what they are: the local-only default, examples, build and CI throwaways.
PLACEHOLDER = re.compile(r"insecure|change-me|build-only|ci-only|example", re.IGNORECASE)
SECRET_FILES = re.compile(r"(^|/)(\.env|id_rsa|id_ed25519|.*\.pem|.*\.key|.*\.p12)$")


def _tracked_files() -> list[str]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        require_or_skip("not a git checkout: no list of tracked files to read")
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                            check=True, timeout=60)
    return [name for name in listed.stdout.decode().split("\0") if name]


@pytest.fixture(scope="module")
def tracked() -> dict[str, str]:
    texts = {}
    for name in _tracked_files():
        path = ROOT / name
        if not path.is_file() or path.stat().st_size > 5_000_000:
            continue
        data = path.read_bytes()
        if b"\0" not in data[:4096]:
            texts[name] = data.decode("utf-8", errors="replace")
    return texts


def test_no_tracked_file_holds_a_private_key_or_a_service_token(tracked):
    assert len(tracked) > 100  # the whole repository was read
    found = [f"{name}: {what}" for name, text in tracked.items()
             for what, pattern in TOKENS.items() if pattern.search(text)]
    assert found == []


def test_no_secret_key_is_written_down_outside_tests(tracked):
    found = []
    for name, text in tracked.items():
        if name.startswith("tests/"):
            continue  # throwaway keys for settings tests
        for match in SECRET_KEY.finditer(text):
            value = match.group(1)
            if value.startswith(("os.environ", "${", "env(")) or PLACEHOLDER.search(value):
                continue
            found.append(f"{name}: {match.group(0)}")
    assert found == []


def test_no_secret_file_is_tracked_and_env_files_are_ignored():
    assert [name for name in _tracked_files() if SECRET_FILES.search(name)] == []
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT, timeout=60,
                             check=False)
    assert ignored.returncode == 0, ".env must be in .gitignore"


def test_the_checks_find_what_they_look_for():
    """The patterns themselves, on made-up values (built here, so this file holds none)."""
    key = "-----BEGIN " + "RSA PRIVATE KEY-----"
    assert TOKENS["private key"].search(key)
    assert TOKENS["AWS access key"].search("AKIA" + "Q" * 16)
    assert TOKENS["GitHub token"].search("ghp_" + "a1" * 18)
    real = 'SECRET_KEY = "' + "k9#" * 20 + '"'
    assert SECRET_KEY.search(real).group(1).startswith("k9#")
    local_default = 'SECRET_KEY = os.environ.get("SECRET_KEY") or "django-insecure-local"'
    assert PLACEHOLDER.search(SECRET_KEY.search(local_default).group(1))
