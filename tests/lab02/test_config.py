"""Gunicorn's settings as Gunicorn itself reads them from deploy/gunicorn.conf.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.lab02.guide import GUNICORN
from tests.lab02.serving import raise_if_stub

# Load the config file with Gunicorn's own loader (what `gunicorn -c FILE` does), print settings.
READ_CONFIG = """
import json, sys
from gunicorn.app.base import Application

class Probe(Application):
    def init(self, parser, opts, args):
        return None
    def load_config(self):
        self.load_config_from_file(sys.argv[1])
    def load(self):
        return None

cfg = Probe().cfg
print(json.dumps({"timeout": cfg.timeout, "threads": cfg.threads, "workers": cfg.workers,
                  "worker_class": cfg.worker_class.__name__}))  # what Gunicorn will run
"""


def gunicorn_settings(tree: Path, env: dict[str, str]) -> dict[str, object]:
    """Return the settings Gunicorn takes from the tree's config under these PHOTOAPP_* values."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("PHOTOAPP_")}
    base.update(env, PYTHONPATH=str(tree))
    config = tree / "deploy" / "gunicorn.conf.py"
    done = subprocess.run(  # noqa: S603 - our own argv
        [sys.executable, "-c", READ_CONFIG, str(config)],
        cwd=tree, env=base, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    raise_if_stub(done.stdout + done.stderr)
    assert done.returncode == 0, (
        f"expected Gunicorn to load deploy/gunicorn.conf.py with good settings, it failed:\n"
        f"{(done.stdout + done.stderr)[-1500:]}\n— {GUNICORN}"
    )
    loaded: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


def test_a_stuck_worker_is_killed_after_a_timeout(impl_tree: Path, good_settings) -> None:
    """Gunicorn's worker timeout is on (not 0): a hung request cannot hold a worker for ever."""
    timeout = gunicorn_settings(impl_tree, good_settings)["timeout"]
    assert isinstance(timeout, int | float) and 0 < timeout <= 300, (
        f"expected a worker timeout between 1 and 300 s, got timeout = {timeout!r}: 0 disables "
        f"it, so a stuck request holds its worker for ever — {GUNICORN}"
    )


@pytest.mark.parametrize("threads", ["3", "7"])
def test_photoapp_threads_sets_the_threads_of_each_worker(
    impl_tree: Path, good_settings, threads: str
) -> None:
    """PHOTOAPP_THREADS=n gives each gthread worker n threads."""
    loaded = gunicorn_settings(impl_tree, {**good_settings, "PHOTOAPP_THREADS": threads})
    assert loaded["threads"] == int(threads), (
        f"expected threads = {threads} for PHOTOAPP_THREADS={threads}, Gunicorn got "
        f"threads = {loaded['threads']!r}: threads = settings.threads — {GUNICORN}"
    )
    assert loaded["worker_class"] == "ThreadWorker", (
        f"expected Gunicorn to run gthread workers (threads inside each worker), it runs "
        f"{loaded['worker_class']} — {GUNICORN}"
    )
