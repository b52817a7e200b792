"""Gunicorn settings for the web service: `gunicorn -c config/gunicorn.py config.wsgi`."""

import gc
import os
import sys

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# Threads per worker (gthread): a reviewer's request is not queued behind a worker's long
# one (the lead's dashboard, a streamed export) or its database round trips. Each thread keeps
# its own database connection: WEB_CONCURRENCY x GUNICORN_THREADS of them, plus one per
# export running. GUNICORN_THREADS=1 runs sync workers. Figures: bench/README.md, Load.
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "config.workers.ThreadWorker" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
accesslog = "-"
# Load Django once in the master and fork the workers from it: they share its memory pages.
preload_app = True
# Recycle a worker now and then, so slow memory growth can never take a machine down.
max_requests = 2000
max_requests_jitter = 200
# No control socket (gunicornc, gunicorn 25.1+): its default path is one per user
# ($XDG_RUNTIME_DIR/gunicorn.ctl or ~/.gunicorn/gunicorn.ctl), shared by every gunicorn
# master that user runs, so another gunicorn on the machine took it over or deleted it under
# ours. Nothing here uses it; signals (HUP, TERM, TTIN/TTOU) still manage the master.
control_socket_disable = True

# How long a thread may keep the GIL while another waits for it (Python's default: 5 ms). A
# worker's threads mostly wait on the database; each answer returning to a thread made it
# queue behind a busy thread (a streamed export, the lead's dashboard) for up to this long,
# and a verdict save makes about twenty queries. Shorter turns cut the save's p99 under load
# (bench/README.md, Load: fifth pass).
SWITCH_INTERVAL = float(os.environ.get("GUNICORN_SWITCH_INTERVAL", "0.0005"))
# The cyclic collector's first threshold (Python's default: 700 allocations). A request makes
# tens of thousands of objects that reference counting frees; at 700 the collector ran more
# than once per request, and its older generations now and then for tens of milliseconds.
GC_THRESHOLD = (int(os.environ.get("GUNICORN_GC_THRESHOLD", "10000")), 20, 50)


def pre_fork(server, worker):
    # Objects loaded before the fork live for the whole process: freezing them keeps the
    # collector from walking them on every full collection (fewer slow outlier requests) and
    # from touching their pages (which copy-on-write would then duplicate in every worker).
    gc.freeze()


def post_fork(server, worker):
    worker_tune()
    # Streamed downloads (the exports) report the worker alive as they write, so the timeout
    # above ends hung requests, not a long export that is still sending (config/liveness.py).
    from config import liveness

    liveness.register(worker.notify)


def worker_tune() -> None:
    """The interpreter settings above, in a worker (post_fork)."""
    sys.setswitchinterval(SWITCH_INTERVAL)
    gc.set_threshold(*GC_THRESHOLD)


def pre_request(worker, req):
    from config import liveness

    liveness.request_started()


def post_request(worker, req, environ, resp):
    from config import liveness

    liveness.request_finished()
