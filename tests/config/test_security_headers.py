"""The headers every response carries (Content-Security-Policy, X-Frame-Options,
Referrer-Policy, nosniff), HSTS and the other HTTPS settings in production, and templates that
keep the policy workable: no inline script, style or event handler."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {name: values for name, *values in
            (part.split() for part in policy.split(";") if part.strip())}


def test_pages_allow_only_the_apps_own_scripts_and_styles(logged_in):
    for url in ("/accounts/login/", "/", "/articles/", "/account/tokens/"):
        response = logged_in.get(url)
        assert response.status_code == 200, url
        csp = _directives(response)
        assert csp["default-src"] == ["'self'"]
        assert csp["script-src"] == ["'self'"]
        assert csp["style-src"] == ["'self'"]
        assert csp["img-src"] == ["'self'"]
        assert csp["object-src"] == ["'none'"]
        assert csp["base-uri"] == ["'none'"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert csp["form-action"] == ["'self'"]
        assert "unsafe" not in response["Content-Security-Policy"]


def test_pages_refuse_framing_and_cross_site_referrers(logged_in):
    for response in (logged_in.get("/"), logged_in.get("/api/articles/"),
                     logged_in.get("/accounts/login/")):
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "Content-Security-Policy" in response


def test_only_the_api_docs_may_show_data_images_and_nothing_else_is_relaxed(logged_in):
    docs = logged_in.get("/api/docs/")
    assert docs.status_code == 200
    csp = _directives(docs)
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    body = docs.content.decode()
    assert "<style" not in body
    assert re.search(r"<script>", body) is None  # the start-up script is a file (?script=)
    script = logged_in.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()


_INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE), "inline <script>"),
    (re.compile(r"<style\b", re.IGNORECASE), "inline <style>"),
    (re.compile(r"\sstyle\s*=", re.IGNORECASE), "style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.IGNORECASE), "on* event handler"),
    (re.compile(r"\shx-on", re.IGNORECASE), "hx-on (needs eval)"),
    (re.compile(r"javascript:", re.IGNORECASE), "javascript: URL"),
]


def test_templates_have_no_inline_script_style_or_handler():
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text()
        for pattern, what in _INLINE:
            found += [f"{path.relative_to(ROOT)}: {what}: {m.group(0)!r}"
                      for m in pattern.finditer(text)]
    assert found == []


def test_htmx_is_configured_to_need_no_eval_and_no_inline_style(client):
    page = client.get("/accounts/login/").content.decode()
    meta = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", page)
    config = json.loads(meta.group(1))
    assert config["allowEval"] is False
    assert config["includeIndicatorStyles"] is False
    assert config["allowScriptTags"] is False


def _production(script: str, tmp_path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production",
           "SECRET_KEY": "a-real-secret-" + "k3y!" * 15,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "ALLOWED_HOSTS": "claimdesk.example.org"}
    env.pop("SECURE_HSTS_SECONDS", None)
    env.pop("SECURE_SSL_REDIRECT", None)
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=120, check=False)


def test_production_settings_turn_on_hsts_and_https_only_cookies(tmp_path):
    result = _production(
        "import django, json; django.setup()\n"
        "from django.conf import settings as s\n"
        "print(json.dumps({n: getattr(s, n) for n in ("
        "'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD',"
        "'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'DEBUG',"
        "'X_FRAME_OPTIONS', 'SECURE_REFERRER_POLICY', 'SECURE_CONTENT_TYPE_NOSNIFF',"
        "'SECURE_PROXY_SSL_HEADER')}))\n", tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "SECURE_HSTS_SECONDS": 31536000, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True, "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True, "DEBUG": False,
        "X_FRAME_OPTIONS": "DENY", "SECURE_REFERRER_POLICY": "same-origin",
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"]}


def test_production_sends_hsts_and_the_security_headers_over_https(tmp_path):
    """On /healthz/, which renders no template: production's hashed static names need a
    collectstatic run (test_deploy.py covers that)."""
    result = _production(
        "import django, json; django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/healthz/', secure=True, HTTP_HOST='claimdesk.example.org')\n"
        "print(json.dumps([r.status_code] + [r.get(h) for h in ("
        "'Strict-Transport-Security', 'X-Frame-Options', 'Referrer-Policy',"
        "'Content-Security-Policy')]))\n", tmp_path)
    assert result.returncode == 0, result.stderr
    status, hsts, frame, referrer, csp = json.loads(result.stdout)
    assert status == 200
    assert hsts == "max-age=31536000; includeSubDomains; preload"
    assert frame == "DENY"
    assert referrer == "same-origin"
    assert "script-src 'self'" in csp
    assert "unsafe" not in csp
