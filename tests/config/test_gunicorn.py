"""config/gunicorn.py: what each worker sets up after the fork, and what the master leaves
outside its own process."""

import gc
import sys
from pathlib import Path

import pytest
from gunicorn.app.base import Application

from config import gunicorn

ROOT = Path(__file__).resolve().parents[2]


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



class _ConfiguredAsDeployed(Application):
    """gunicorn's own reading of config/gunicorn.py, as `gunicorn -c config/gunicorn.py`."""

    def load_config(self):
        self.load_config_from_file(str(ROOT / "config" / "gunicorn.py"))

    def load(self):
        raise NotImplementedError  # the configuration is all this reads


def test_the_master_shares_no_control_socket_with_other_gunicorns():
    # gunicorn's default is one socket per user (~/.gunicorn/gunicorn.ctl), which another
    # gunicorn of the same user on the machine deleted while ours ran.
    cfg = _ConfiguredAsDeployed().cfg
    assert cfg.control_socket_disable
