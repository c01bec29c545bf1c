"""Run one grading command fenced in: own process group, scratch folder, time and output caps.

On Linux the command starts through launch.py, which stays its parent as a child subreaper
and kills everything the run left when it ends, and which (as root, see isolation.py) puts it
in a cgroup of its own, shows it only its own view of the machine and runs it as the run's
account. What this protects and what still needs a throwaway VM: labs/INSTRUCTORS.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from workshop.grade.isolation import Account, RunCgroup

LAUNCHER = Path(__file__).with_name("launch.py")
STOP_GRACE_S = 5.0  # how long the launcher may take to sweep a run it was told to stop

# Files any process of the run may write, each: a flooding submission cannot fill the disk
# through one file (the servers' data files stay far below it).
MAX_FILE_BYTES = 1024 * 1024 * 1024
# Variables a run never inherits: they would change which code or settings it uses.
_DROPPED_PREFIXES = ("PHOTOAPP_", "WORKSHOP_", "PYTEST_", "PYTHON", "COV_")


# The runs going on now (launcher pid: its cgroup), so that an interrupted grader stops them
# all: each runs in a process group of its own, out of reach of the terminal's Ctrl-C.
_running: dict[int, RunCgroup | None] = {}
_running_lock = threading.Lock()


@dataclass(frozen=True)
class Fence:
    """How a run is isolated beyond its process group: account, cgroup, view of the machine."""

    account: Account | None = None
    cgroup: bool = False  # a cgroup of its own, where the machine allows (root, Linux)
    view: dict[str, object] | None = None  # what it sees of the machine (isolation.view)


@dataclass(frozen=True)
class RunOutcome:
    """How a fenced run ended."""

    pid: int  # the process (and process group) id it had
    exit_code: int | None  # None when we killed it
    timed_out: bool
    duration: float
    output_bytes: int  # everything it printed, kept or not
    dropped_bytes: int  # what went beyond the log cap


def clean_env() -> dict[str, str]:
    """Return our environment without the app's, the workshop's, pytest's and Python's settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith(_DROPPED_PREFIXES)}


def scratch_env(scratch: Path, extra: Mapping[str, str]) -> dict[str, str]:
    """Return clean_env() with HOME and TMPDIR in `scratch`, plus `extra`."""
    env = clean_env()
    for name in ("home", "tmp", "cache"):
        (scratch / name).mkdir(parents=True, exist_ok=True)
    env.update(
        HOME=str(scratch / "home"),
        TMPDIR=str(scratch / "tmp"),
        XDG_CACHE_HOME=str(scratch / "cache"),
        XDG_CONFIG_HOME=str(scratch / "home" / ".config"),
        # No .pyc files next to the sources: the tests folder is shared by every run.
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def run_fenced(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    log: Path,
    time_limit: float,
    max_log_bytes: int,
    fence: Fence | None = None,
) -> RunOutcome:
    """Run argv in its own process group; kill all it started at `time_limit` or at its end."""
    fence = fence or Fence()
    cgroup = RunCgroup.create() if fence.cgroup else None
    started = time.monotonic()
    process = subprocess.Popen(  # noqa: S603 - argv built by the grader, no shell
        _launch(argv, fence, cgroup),
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own group: one killpg stops it and everything it started
    )
    with _running_lock:
        _running[process.pid] = cgroup
    if not sys.platform.startswith("linux"):
        _limit_file_size(process.pid)  # on Linux the launcher sets it, for the run only
    assert process.stdout is not None
    copier = _OutputCopier(process.stdout.fileno(), log, max_log_bytes)
    copier.start()
    timed_out = False
    try:
        process.wait(timeout=time_limit)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        # Also after a normal exit: a server the tests left behind must not outlive the run.
        _stop(process, cgroup)
        with _running_lock:
            _running.pop(process.pid, None)
    copier.finish(grace=2.0)
    process.stdout.close()
    if timed_out:
        copier.note(f"\n[grader: killed after the time limit of {time_limit:.0f} s]\n")
    return RunOutcome(
        pid=process.pid,
        exit_code=None if timed_out else process.returncode,
        timed_out=timed_out,
        duration=time.monotonic() - started,
        output_bytes=copier.total,
        dropped_bytes=copier.dropped,
    )


def stop_all_runs() -> None:
    """Kill every run still going (the grader is interrupted); each returns as timed out."""
    with _running_lock:
        runs = list(_running.items())
    for pid, cgroup in runs:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)  # the launcher sweeps what is below it
        if cgroup is not None:
            cgroup.kill_all()
        _kill_group(pid)


def _launch(argv: Sequence[str], fence: Fence, cgroup: RunCgroup | None) -> list[str]:
    """Return the command that starts argv through the launcher (Linux), or argv itself."""
    if not sys.platform.startswith("linux"):
        return list(argv)
    spec = {
        "cgroups": [str(folder) for folder in cgroup.folders] if cgroup else [],
        "view": fence.view,
        "private_network": fence.view is not None,  # isolated runs get their own loopback
        "uid": fence.account.uid if fence.account else None,
        "gid": fence.account.gid if fence.account else None,
        "fsize": MAX_FILE_BYTES,
    }
    # -I -S: as root, import nothing but the standard library, from nowhere a run could write.
    return [sys.executable, "-I", "-S", str(LAUNCHER), json.dumps(spec), "--", *argv]


def _stop(process: subprocess.Popen[bytes], cgroup: RunCgroup | None) -> None:
    """Stop a run and everything it started: launcher sweep, then cgroup, then its group."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_GRACE_S)
    if cgroup is not None:
        cgroup.kill_all()
    _kill_group(process.pid)
    process.wait()
    if cgroup is not None:
        cgroup.remove()


def _limit_file_size(pid: int) -> None:
    """Cap the size of any file the run writes (inherited by everything it starts)."""
    if not sys.platform.startswith("linux"):
        return  # prlimit is Linux-only; elsewhere the output cap still holds
    with contextlib.suppress(OSError, ValueError):
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (MAX_FILE_BYTES, MAX_FILE_BYTES))


def _kill_group(pgid: int) -> None:
    """SIGKILL a process group we started, ignoring one that is already gone."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


class _OutputCopier(threading.Thread):
    """Copy a pipe to a log file up to a cap, then keep draining so the writer never blocks."""

    def __init__(self, fd: int, log: Path, cap: int) -> None:
        super().__init__(daemon=True)
        self.fd = fd
        self.cap = cap
        self.total = 0
        self.dropped = 0
        self._stop_at: float | None = None
        log.parent.mkdir(parents=True, exist_ok=True)
        self._out = log.open("wb")

    def run(self) -> None:
        """Read until end of file, or until finish() says to stop waiting for it."""
        while self._stop_at is None or time.monotonic() < self._stop_at:
            # Poll rather than block: a grandchild that escaped the group may hold the pipe
            # open forever, and we must still return.
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if not ready:
                continue
            chunk = os.read(self.fd, 65536)
            if not chunk:
                break
            self.total += len(chunk)
            room = max(0, self.cap - (self.total - len(chunk)))
            self._out.write(chunk[:room])
            self.dropped += len(chunk) - len(chunk[:room])
        if self.dropped:
            self._out.write(f"\n[grader: {self.dropped} more bytes of output dropped]\n".encode())
        self._out.flush()

    def finish(self, grace: float) -> None:
        """Give the reader `grace` seconds to reach end of file, then stop it."""
        self._stop_at = time.monotonic() + grace
        self.join()
        self._out.close()

    def note(self, text: str) -> None:
        """Append a line of our own to the finished log."""
        with open(self._out.name, "ab") as out:
            out.write(text.encode())
