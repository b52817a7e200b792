"""A long response that is making progress tells the process manager so.

Gunicorn's sync workers report to their master only between requests, and the master kills
a worker that has not reported for `timeout` seconds (config/gunicorn.py): a streamed export
of a million claims takes longer than that and was cut off. The worker's post_fork hook
registers its report here, and a streamed response calls alive() as it writes, so the
timeout still ends a request that hangs, never one that is sending."""

from collections.abc import Callable

_report: Callable[[], None] | None = None


def register(report: Callable[[], None]) -> None:
    global _report
    _report = report


def alive() -> None:
    """Tell the process manager this worker is making progress (nothing outside gunicorn)."""
    if _report is not None:
        _report()
