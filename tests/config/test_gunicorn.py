"""config/gunicorn.py: what each worker sets up after the fork."""

import gc
import sys

import pytest

from config import gunicorn


class _Worker:
    def notify(self):
        pass


@pytest.fixture
def interpreter_restored():
    interval, threshold = sys.getswitchinterval(), gc.get_threshold()
    yield
    sys.setswitchinterval(interval)
    gc.set_threshold(*threshold)


def test_a_forked_worker_takes_the_switch_interval_and_collector_thresholds(
        interpreter_restored):
    sys.setswitchinterval(0.005)
    gc.set_threshold(700, 10, 10)
    gunicorn.post_fork(None, _Worker())
    assert sys.getswitchinterval() == pytest.approx(gunicorn.SWITCH_INTERVAL)
    assert gc.get_threshold() == gunicorn.GC_THRESHOLD
    assert gunicorn.SWITCH_INTERVAL < 0.005
    assert gunicorn.GC_THRESHOLD[0] > 700
