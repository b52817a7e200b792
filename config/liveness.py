"""A long response that is making progress tells the process manager so; one that hangs does
not.

Gunicorn's master kills a worker that has not reported for `timeout` seconds
(config/gunicorn.py). A sync worker reports only between requests, so a streamed export of a
million claims, which takes longer than that, was cut off: the worker's post_fork hook
registers its report here, and a streamed response calls alive() as it writes. A gthread
worker reports from its main loop whatever its request threads do, so it would never end a
hung request: config.workers.ThreadWorker reports only while no request in flight has gone
`timeout` seconds without progress (its start, or its last alive()), which these functions
track per thread (the request hooks in config/gunicorn.py). Either way the timeout ends a
request that hangs, never one that is sending."""

import threading
import time
from collections.abc import Callable

_report: Callable[[], None] | None = None
# The request threads in flight: when each last made progress (time.monotonic()).
_progress: dict[int, float] = {}


def register(report: Callable[[], None]) -> None:
    global _report
    _report = report


def request_started() -> None:
    _progress[threading.get_ident()] = time.monotonic()


def request_finished() -> None:
    _progress.pop(threading.get_ident(), None)


def alive() -> None:
    """Tell the process manager this worker is making progress (nothing outside gunicorn)."""
    thread = threading.get_ident()
    if thread in _progress:
        _progress[thread] = time.monotonic()
    if _report is not None:
        _report()


def stalled_for() -> float:
    """How long the request in flight that has gone longest without progress has gone so
    (seconds; 0 with none in flight)."""
    now = time.monotonic()
    return max((now - last for last in list(_progress.values())), default=0.0)
