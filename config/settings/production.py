"""Production: real services, HTTPS, no defaults that are only safe on a laptop."""

import os

from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
    _check_secret_key,
)
from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import env_bool


def secret_key_refusal(key: str) -> str:
    """Why `key` may not sign production's sessions and tokens, "" when it may: Django's own
    rule (check --deploy's security.W009, which only warns), so a short key, one of few
    characters, and one that starts like base.py's local-only default are refused at start-up.
    The key itself is never repeated."""
    if _check_secret_key(key):
        return ""
    return (f"SECRET_KEY is too weak for production: it must have at least "
            f"{SECRET_KEY_MIN_LENGTH} characters, at least {SECRET_KEY_MIN_UNIQUE_CHARACTERS} "
            f"of them different, and not start with {SECRET_KEY_INSECURE_PREFIX!r} (as the "
            f"local-only default does); this one has {len(key)} characters, "
            f"{len(set(key))} different. Generate one with: python -c \"from "
            "django.core.management.utils import get_random_secret_key; "
            "print(get_random_secret_key())\"")


if not os.environ.get("SECRET_KEY"):
    raise ImproperlyConfigured("SECRET_KEY must be set in production.")
if refusal := secret_key_refusal(os.environ["SECRET_KEY"]):
    raise ImproperlyConfigured(refusal)
if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured("DATABASE_URL must be set in production.")

DEBUG = False
# Hashed file names (css/claimdesk.3f2a….css): browsers cache static files for good and still
# get a new review.js the moment it changes. Needs `collectstatic` with these settings.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]  # health checks come over plain HTTP from inside
# HSTS: browsers use HTTPS only for a year (base.py sets the CSP, framing, referrer and
# nosniff headers, the same everywhere).
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
