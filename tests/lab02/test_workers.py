"""Gunicorn's process model: the configured number of workers, and a dead worker replaced."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

from tests.lab02.guide import GUNICORN
from tests.lab02.serving import children_of, fetch, wait_for
from workshop.services import Stack

BOOT_SECONDS = 20
REQUESTS_AFTER_KILL = 30


def master_pid(stack: Stack) -> int:
    """The Gunicorn master's process id (the process the stack started)."""
    pid = stack.app_servers[0].pid
    assert pid is not None
    return pid


def test_gunicorn_runs_the_configured_number_of_workers(gunicorn: Callable[..., Stack]) -> None:
    """With PHOTOAPP_WORKERS=3 the Gunicorn master has exactly three worker processes."""
    master = master_pid(gunicorn(workers="3", threads="2"))
    wait_for(lambda: len(children_of(master)) >= 3, BOOT_SECONDS)
    workers = children_of(master)
    assert len(workers) == 3, (
        f"expected 3 worker processes under the Gunicorn master for PHOTOAPP_WORKERS=3, "
        f"found {len(workers)} — {GUNICORN}"
    )


def test_zero_workers_means_two_per_core_plus_one(gunicorn: Callable[..., Stack]) -> None:
    """With PHOTOAPP_WORKERS=0 Gunicorn runs 2 x cores + 1 workers."""
    cores = len(os.sched_getaffinity(0))
    expected = 2 * cores + 1
    master = master_pid(gunicorn(workers="0", threads="1"))
    wait_for(lambda: len(children_of(master)) >= expected, BOOT_SECONDS)
    workers = children_of(master)
    assert len(workers) == expected, (
        f"expected 2 x {cores} cores + 1 = {expected} workers for PHOTOAPP_WORKERS=0, "
        f"found {len(workers)} — {GUNICORN}"
    )


def test_killed_worker_is_replaced_and_requests_keep_succeeding(
    gunicorn: Callable[..., Stack],
) -> None:
    """A worker killed with SIGKILL is replaced, and the server keeps answering meanwhile."""
    stack = gunicorn(workers="2", threads="2")
    server, master = stack.app_servers[0], master_pid(stack)
    assert wait_for(lambda: len(children_of(master)) == 2, BOOT_SECONDS), (
        f"expected 2 workers for PHOTOAPP_WORKERS=2, found {len(children_of(master))} — {GUNICORN}"
    )
    victim = min(children_of(master))
    os.kill(victim, signal.SIGKILL)  # a crash: no chance to clean up
    statuses = [fetch(server, "GET", "/healthz").status for _ in range(REQUESTS_AFTER_KILL)]
    failed = [status for status in statuses if status != 200]
    assert not failed, (
        f"expected all {REQUESTS_AFTER_KILL} requests after killing worker {victim} to succeed, "
        f"{len(failed)} got {failed[:5]}: the other worker must keep serving — {GUNICORN}"
    )
    replaced = wait_for(
        lambda: victim not in children_of(master) and len(children_of(master)) == 2, BOOT_SECONDS
    )
    assert replaced, (
        f"expected the master to replace killed worker {victim} within {BOOT_SECONDS} s, "
        f"workers now {sorted(children_of(master))} — {GUNICORN}"
    )
