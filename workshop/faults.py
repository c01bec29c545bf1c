"""Faults injected into a stack while a load test runs: kill a server, then start it again.

A variant of [lab.load] compare may carry one (lab 04's chaos run, lab 10's launch day):

    [[lab.load.compare]]
    name = "chaos"
    fault = { kill = "app1", at = 0.33, restart_at = 0.5 }

`kill` names a server of the stack (app1, worker1, redis ...), which gets SIGKILL, like a crash;
`at` and `restart_at` are fractions of the run time, so a --quick run keeps the same shape.
Without `restart_at` the server stays down. After a restart, an app server behind Nginx is
watched until Nginx sends it requests again, and the delay is reported: that is how long the
balancer took to trust it again.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workshop.manifest import ManifestError
from workshop.services import Stack

FAULT_KEYS = {"kill", "at", "restart_at"}
RECOVERY_LIMIT_S = 60.0  # stop watching for the restarted server after this long
PROBE_EVERY_S = 0.2
FAULT_LOG = "fault.json"  # the events, next to the run's Locust CSV files


@dataclass(frozen=True)
class Fault:
    """Kill one server at a point of the run, and maybe start it again later."""

    kill: str
    at: float
    restart_at: float | None = None

    @classmethod
    def from_table(cls, table: Any, where: str) -> Fault:
        """Build a Fault from { kill, at, restart_at }, naming what is wrong."""
        if not isinstance(table, Mapping) or "kill" not in table or "at" not in table:
            raise ManifestError(f'{where}: fault is a table {{ kill = "app1", at = 0.33 }}')
        unknown = sorted(set(table) - FAULT_KEYS)
        if unknown:
            raise ManifestError(f"{where}: fault has unknown key(s) {', '.join(unknown)}")
        fault = cls(str(table["kill"]), float(table["at"]), _fraction(table.get("restart_at")))
        points = [fault.at] if fault.restart_at is None else [fault.at, fault.restart_at]
        if not all(0 < point < 1 for point in points) or points != sorted(set(points)):
            raise ManifestError(f"{where}: fault needs 0 < at < restart_at < 1 (run fractions)")
        return fault


def _fraction(value: Any) -> float | None:
    """Read an optional fraction of the run."""
    return None if value is None else float(value)


@dataclass
class FaultLog:
    """What happened, in seconds since the run began: for the terminal and summary.json."""

    events: list[dict[str, Any]] = field(default_factory=list)

    def add(self, began: float, what: str, **figures: float) -> None:
        """Record one event and show it."""
        at = round(time.monotonic() - began, 1)
        # The wall clock too, to line events up with Locust's per-second history.
        self.events.append(
            {"at_s": at, "unix_time": round(time.time(), 3), "event": what, **figures}
        )
        extra = "".join(f", {name} {value:.1f} s" for name, value in figures.items())
        print(f"\n  fault at {at:5.1f} s: {what}{extra}", file=sys.stderr, flush=True)


@contextmanager
def injected(
    fault: Fault | None, stack: Stack, run_time_s: float, folder: Path | None = None
) -> Iterator[FaultLog]:
    """Run `fault` on a timer thread while the body (the load run) runs; log to fault.json."""
    log = FaultLog()
    if fault is None:
        yield log
        return
    server = {s.name: s for s in stack.servers}.get(fault.kill)
    if server is None:
        known = ", ".join(s.name for s in stack.servers)
        raise ManifestError(f"fault: the stack has no server {fault.kill!r}; it has {known}")
    done = threading.Event()
    began = time.monotonic()

    def wait_until(fraction: float) -> bool:
        """Sleep until that point of the run; False when the run ended first."""
        return not done.wait(max(0.0, began + fraction * run_time_s - time.monotonic()))

    def inject() -> None:
        if not wait_until(fault.at):
            return
        server.kill()
        log.add(began, f"killed {server.name} (SIGKILL)")
        if fault.restart_at is None or not wait_until(fault.restart_at):
            return
        asked = time.monotonic()
        server.start()
        log.add(began, f"{server.name} restarted", ready_in=time.monotonic() - asked)
        if server.role == "app" and stack.nginx is not None:
            back = _wait_until_served_by(stack.nginx.url, server.name, done)
            if back is not None:
                log.add(began, f"Nginx sends {server.name} requests again", after=back - asked)
            else:
                log.add(began, f"Nginx did not send {server.name} any request again")

    thread = threading.Thread(target=inject, name="fault", daemon=True)
    thread.start()
    try:
        yield log
    finally:
        done.set()
        thread.join()
        if folder is not None:
            (folder / FAULT_LOG).write_text(json.dumps(log.events, indent=2) + "\n")


def _wait_until_served_by(base_url: str, name: str, done: threading.Event) -> float | None:
    """Probe GET /healthz through Nginx until `name` answers one; return when, or None."""
    deadline = time.monotonic() + RECOVERY_LIMIT_S
    while time.monotonic() < deadline and not done.is_set():
        if _served_by(base_url + "/healthz") == name:
            return time.monotonic()
        done.wait(PROBE_EVERY_S)
    return None


def _served_by(url: str) -> str | None:
    """Return the X-Served-By header of one GET, None when the request failed."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            served: str | None = response.headers.get("X-Served-By")
            return served
    except OSError:
        return None
