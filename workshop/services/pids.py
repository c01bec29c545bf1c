"""Process ids we recorded: still ours, still alive, and how to stop them for good."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from pathlib import Path


def start_time(pid: int) -> str | None:
    """Return a token that changes when `pid` is reused by another process (None if gone)."""
    if sys.platform.startswith("linux"):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return None
        # Field 22 (starttime) counts clock ticks since boot; the command name in field 2 may
        # contain spaces, so split after its closing parenthesis.
        rest = stat.rsplit(")", 1)[1].split()
        return None if rest[0] == "Z" else rest[19]
    try:
        import psutil

        return f"{psutil.Process(pid).create_time():.2f}"
    except ImportError:
        return "unknown" if is_alive(pid) else None
    except Exception:  # psutil.Error: the process is gone or not ours to see
        return None


def is_alive(pid: int) -> bool:
    """Return True when a process with this id exists (zombies count as dead on Linux)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, but belongs to someone else
    if sys.platform.startswith("linux"):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return False
        return state != "Z"
    return True


def is_ours(pid: int, started: str | None) -> bool:
    """Return True when `pid` is alive and is still the process we recorded."""
    if not is_alive(pid):
        return False
    return started is None or start_time(pid) in (started, "unknown")


def kill_group(pgid: int, sig: int = signal.SIGKILL) -> None:
    """Send `sig` to a whole process group, ignoring a group that is already gone."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def stop_pids(targets: list[tuple[int, str | None, int]], timeout: float) -> list[int]:
    """Stop recorded group leaders that are not our children, all at once.

    `targets` holds (pid, start token, stop signal). Each gets its signal, then up to `timeout`
    seconds, then SIGKILL to its whole group. Returns the pids that were still running.
    """
    running = []
    for pid, started, sig in targets:
        if is_ours(pid, started):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
                running.append(pid)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(is_alive(pid) for pid in running):
        time.sleep(0.05)
    for pid in running:
        # Every server was started in its own session, so its group id is its pid: SIGKILL
        # takes its workers (gunicorn, postgres backends, rq work horses) too.
        kill_group(pid)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(is_alive(pid) for pid in running):
        time.sleep(0.05)
    return running
