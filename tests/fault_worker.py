"""The Celery app for fault tests' workers: the project's own, with its extractor slowed down
or made deadly for marked texts, so a test can kill a worker mid-segmentation at a moment it
chooses. Nothing of this is in the production code; a test starts the worker with

    celery -A tests.fault_worker worker ...     (CLAIMDESK_FAULT_DIR=<a folder>)

- a text containing HOLD: the extraction, once started (the article running, its attempt
  counted), writes `<folder>/running-<pid>` and waits while `<folder>/hold` exists (at most a
  minute) before extracting for real;
- a text containing KILL: the process extracting it kills itself with SIGKILL, every time, as
  an article that exhausts memory would have the OOM killer do.

With CLAIMDESK_FAULT_PRELOAD set, the spaCy model is loaded in the main process before the
pool processes are forked: each pool process that replaces a killed one then starts with it
instead of loading it again (seconds each).
"""

import os
import signal
import time
from pathlib import Path

from celery.signals import worker_init

from claims.extraction import Extractor, get_extractor
from config.celery import app  # noqa: F401  (what `celery -A tests.fault_worker` runs)

HOLD = "Fault test hold marker 7f3a."
KILL = "Fault test kill marker 9c1e."

_extract = Extractor.extract


def _extract_with_faults(self: Extractor, text: str, **options):
    folder = Path(os.environ["CLAIMDESK_FAULT_DIR"])
    if KILL in text:
        os.kill(os.getpid(), signal.SIGKILL)
    if HOLD in text:
        (folder / f"running-{os.getpid()}").touch()
        deadline = time.monotonic() + 60
        while (folder / "hold").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    return _extract(self, text, **options)  # time_limit and whatever else it takes


@worker_init.connect
def _install(**kwargs) -> None:
    """In the worker's main process, before it forks its pool (a test importing the markers
    from here leaves its own extractor alone)."""
    Extractor.extract = _extract_with_faults
    if os.environ.get("CLAIMDESK_FAULT_PRELOAD"):
        get_extractor(os.environ.get("CLAIMDESK_SPACY_MODEL") or None).nlp  # noqa: B018
