"""The gthread worker of config/gunicorn.py: gunicorn's, reporting to the master only while
no request in flight is stalled (config/liveness.py)."""

from gunicorn.workers import gthread

from config import liveness


class ThreadWorker(gthread.ThreadWorker):
    def notify(self):
        # Not reporting lets the master end this worker `timeout` seconds after a request
        # stopped making progress, as it ends a sync worker's hung request (the requests of
        # the other threads end with it: a hung request is a bug, not a routine event).
        if liveness.stalled_for() < self.timeout:
            super().notify()
