"""Gunicorn settings for the web service: `gunicorn -c config/gunicorn.py config.wsgi`."""

import gc
import os

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


def pre_fork(server, worker):
    # Objects loaded before the fork live for the whole process: freezing them keeps the
    # collector from walking them on every full collection (fewer slow outlier requests) and
    # from touching their pages (which copy-on-write would then duplicate in every worker).
    gc.freeze()


def post_fork(server, worker):
    # Streamed downloads (the exports) report the worker alive as they write, so the timeout
    # above ends hung requests, not a long export that is still sending (config/liveness.py).
    from config import liveness

    liveness.register(worker.notify)


def pre_request(worker, req):
    from config import liveness

    liveness.request_started()


def post_request(worker, req, environ, resp):
    from config import liveness

    liveness.request_finished()
