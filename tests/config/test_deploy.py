import http.client
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.conftest import require_or_skip
from tests.servers import free_port, start_gunicorn, stop_process

ROOT = Path(__file__).resolve().parents[2]


def test_compose_file_names_the_full_stack_with_the_right_commands():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    assert "migrate" in services["web"]["command"]
    assert "gunicorn" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name


def test_compose_file_passes_docker_compose_config():
    binary = shutil.which("docker-compose")
    if binary is None:
        require_or_skip("docker-compose is not installed (apt-get install docker-compose)")
    result = subprocess.run(
        [binary, "--env-file", ".env.example", "config"], cwd=ROOT, capture_output=True,
        text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    rendered = yaml.safe_load(result.stdout)
    assert rendered["services"]["web"]["environment"]["DJANGO_SETTINGS_MODULE"] == (
        "config.settings.production")


def _manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True,
        timeout=120, check=False, env={**os.environ, **env},
    )


def test_production_settings_pass_the_deploy_check_with_real_values():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="a-real-secret-" + "k3y!" * 15,
        DATABASE_URL="postgres://claimdesk@127.0.0.1:5432/claimdesk",
        ALLOWED_HOSTS="claimdesk.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, capture_output=True, text=True,
        timeout=120, check=False,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.production"},
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def _file_secret_key(name: str) -> str:
    """The SECRET_KEY a file of the repository sets (the Dockerfile's build, .env.example)."""
    return re.search(r"^[^#\n]*SECRET_KEY=(\S+)", (ROOT / name).read_text(), re.M).group(1)


def dockerfile_build_secret_key() -> str:
    return _file_secret_key("Dockerfile")


def _production_check(secret_key: str, tmp_path) -> subprocess.CompletedProcess:
    return _manage("check", DJANGO_SETTINGS_MODULE="config.settings.production",
                   SECRET_KEY=secret_key, DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}")


@pytest.mark.parametrize("secret_key", [
    "x",
    "build-only",  # the Dockerfile's build key was this
    "django-insecure-claimdesk-local-only",  # base.py's default
    "django-insecure-" + "k3y!" * 15,  # long, but Django's generated-key prefix
    "ab" * 30,  # long, two characters
])
def test_production_settings_refuse_a_weak_secret_key_at_start_up(secret_key, tmp_path):
    # check --deploy only warned (security.W009); every other command started.
    result = _production_check(secret_key, tmp_path)
    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith("django.core.exceptions.ImproperlyConfigured: SECRET_KEY is too "
                              "weak for production")
    assert "at least 50 characters, at least 5 of them different" in message
    assert f"this one has {len(secret_key)} characters" in message
    assert "get_random_secret_key()" in message  # how to make one
    if len(secret_key) > 2:
        assert secret_key not in message  # the key itself is never written out


def test_env_example_placeholder_is_refused_and_the_dockerfile_build_key_accepted(tmp_path):
    placeholder = _production_check(_file_secret_key(".env.example"), tmp_path)
    assert placeholder.returncode != 0
    assert "SECRET_KEY is too weak for production" in placeholder.stderr
    assert "get_random_secret_key" in (ROOT / ".env.example").read_text()
    built = _production_check(dockerfile_build_secret_key(), tmp_path)
    assert built.returncode == 0, built.stderr


def test_missing_spacy_model_fails_start_up_with_clear_message():
    result = _manage("check", CLAIMDESK_SPACY_MODEL="xx_missing_model")
    assert result.returncode != 0
    assert "claims.E001" in result.stderr
    assert "xx_missing_model" in result.stderr


def test_production_static_files_get_hashed_names_for_every_template_reference(tmp_path):
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.production",
           "SECRET_KEY": dockerfile_build_secret_key(),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
           "STATIC_ROOT": str(tmp_path / "static")}
    collected = _manage("collectstatic", "--noinput", **env)
    assert collected.returncode == 0, collected.stdout + collected.stderr
    names = sorted({match for path in (ROOT / "templates").rglob("*.html")
                    for match in re.findall(r"{% static '([^']+)' %}", path.read_text())})
    assert "js/review.js" in names
    script = ("import django, sys; django.setup()\n"
              "from django.templatetags.static import static\n"
              "print('\\n'.join(static(name) for name in sys.argv[1:]))\n")
    resolved = subprocess.run([sys.executable, "-c", script, *names], cwd=ROOT, text=True,
                              capture_output=True, timeout=60, check=False,
                              env={**os.environ, **env})
    assert resolved.returncode == 0, resolved.stderr  # a missing file raises in production
    urls = resolved.stdout.split()
    assert len(urls) == len(names)
    for name, url in zip(names, urls, strict=True):
        stem, suffix = name.rsplit(".", 1)
        assert re.fullmatch(rf"/static/{re.escape(stem)}\.[0-9a-f]{{12}}\.{suffix}", url), url


def test_gunicorn_config_serves_production_and_passes_the_compose_health_check(tmp_path):
    """The web service as compose runs it: gunicorn with config/gunicorn.py, production
    settings, HTTPS redirects on and a public host name; its health check must still pass."""
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production",
           "SECRET_KEY": "a-real-secret-" + "k3y!" * 15, "SECURE_SSL_REDIRECT": "true",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "ALLOWED_HOSTS": "claimdesk.example.org,localhost",
           "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1"}
    server = start_gunicorn(env, tmp_path / "gunicorn.log")
    try:
        compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
        kind, program, flag, script = compose["services"]["web"]["healthcheck"]["test"]
        assert (kind, program, flag) == ("CMD", "python", "-c")
        script = script.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        deadline = time.monotonic() + 60
        while True:
            check = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                                   text=True, timeout=30, check=False)
            if check.returncode == 0 or time.monotonic() > deadline or server.poll() is not None:
                break
            time.sleep(0.5)
        assert check.returncode == 0, check.stderr + (tmp_path / "gunicorn.log").read_text()
        # Everything else still goes to HTTPS.
        page = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        page.request("GET", "/accounts/login/", headers={"Host": "claimdesk.example.org"})
        response = page.getresponse()
        assert response.status == 301
        assert response.getheader("Location").startswith("https://claimdesk.example.org/")
    finally:
        stop_process(server, timeout=30)
