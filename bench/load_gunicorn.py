"""Gunicorn settings for bench/load.py: the production ones (config/gunicorn.py, read from the
same environment: GUNICORN_BIND, WEB_CONCURRENCY, GUNICORN_THREADS) plus what the bench
measures inside each worker. A request is served by one thread (a sync worker's only one, or
one of a gthread worker's), so that thread's CPU clock read before and after the request is
the request's CPU. Each worker appends one line per request to a file in LOAD_REQUESTS_DIR
("<end time> <kind> <cpu ms> <wall ms> <status>"), written out when the worker exits. With
LOAD_PROFILE_DIR set, cProfile runs during the reviewers' loop requests (next claim, article
page, verdict save) and each worker dumps its profile there on exit (sync workers only)."""

import cProfile
import os
import re
import time

from config import gunicorn as production
from config.gunicorn import *  # noqa: F403 - the production settings, unchanged
from config.gunicorn import pre_fork  # noqa: F401 - named: the star import skips nothing

REQUESTS_DIR = os.environ["LOAD_REQUESTS_DIR"]
PROFILE_DIR = os.environ.get("LOAD_PROFILE_DIR", "")
PROFILED = {"next", "page", "save"}

KINDS = [
    ("GET", re.compile(r"^/accounts/login/$"), "login form"),
    ("POST", re.compile(r"^/accounts/login/$"), "login"),
    ("GET", re.compile(r"^/$"), "home"),
    ("GET", re.compile(r"^/review/next/$"), "next"),
    ("GET", re.compile(r"^/articles/\d+/$"), "page"),
    ("POST", re.compile(r"^/claims/\d+/verdict/$"), "save"),
    ("GET", re.compile(r"^/lead/$"), "dashboard"),
    ("GET", re.compile(r"^/api/export/"), "export"),
    ("GET", re.compile(r"^/healthz/$"), "healthz"),
]


def request_kind(method: str, path: str) -> str:
    for kind_method, pattern, kind in KINDS:
        if method == kind_method and pattern.match(path):
            return kind
    return f"other {method} {path}"


_log: list[str] = []
_profile = cProfile.Profile() if PROFILE_DIR else None


def pre_request(worker, req):
    production.pre_request(worker, req)
    req.load_started = (time.thread_time(), time.perf_counter())
    if _profile is not None and request_kind(req.method, req.path) in PROFILED:
        _profile.enable()


def post_request(worker, req, environ, resp):
    production.post_request(worker, req, environ, resp)
    cpu, wall = req.load_started
    if _profile is not None:
        _profile.disable()
    _log.append(f"{time.time():.3f} {request_kind(req.method, req.path).replace(' ', '_')} "
                f"{(time.thread_time() - cpu) * 1000:.3f} "
                f"{(time.perf_counter() - wall) * 1000:.3f} {resp.status_code}\n")


def worker_exit(server, worker):
    with open(os.path.join(REQUESTS_DIR, f"{worker.pid}.log"), "w") as out:
        out.writelines(_log)
    if _profile is not None:
        _profile.dump_stats(os.path.join(PROFILE_DIR, f"{worker.pid}.prof"))
