"""Run pytest in a subprocess against one tree and collect one result per test."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from workshop import results
from workshop.children import die_with_parent, stop_on_terminate
from workshop.manifest import repo_root, state_dir
from workshop.results import TestResult


@dataclass(frozen=True)
class TestRun:
    """What one pytest run produced."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    results: list[TestResult]
    returncode: int
    output: str  # pytest's own output, for when the results do not explain enough
    seconds: float

    @property
    def crashed(self) -> bool:
        """Tell whether pytest itself failed (usage error, internal error, interrupted)."""
        if self.returncode in (0, 5):  # all passed, or no tests collected
            return False
        # 1: tests failed; 2: interrupted, e.g. a test file that could not be imported, which
        # the results record. Anything else (usage error, internal error, killed) is a crash.
        return self.returncode not in (1, 2) or not self.results


def run_pytest(
    paths: Sequence[str],
    impl: str,
    *,
    root: Path | None = None,
    extra_args: Sequence[str] = (),
    timeout: float | None = None,
    progress: str | None = None,
) -> TestRun:
    """Run `python -m pytest PATHS --impl IMPL` in the repository; return its results.

    progress: a label; when stdout is a terminal, a live line counts finished tests.
    timeout: kill the whole run (its process group) after this many seconds.
    """
    root = root or repo_root()
    scratch = state_dir(root) / "runs"
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        results_file = Path(tmp) / "results.jsonl"
        log_file = Path(tmp) / "pytest.log"
        # Graded tests need only pytest-timeout; other installed plugins (nbmake, locust's)
        # cost start-up time, and locust's patches the standard library with gevent.
        env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
        env[results.ENV] = str(results_file)
        command = [
            sys.executable, "-m", "pytest", *paths, "--impl", impl,
            "-p", "no:cacheprovider", "-p", "pytest_timeout", "-p", "workshop.results",
            "-q", "--color=no", *extra_args,
        ]  # fmt: skip
        started = time.monotonic()
        with log_file.open("wb") as log:
            # Its own session: a timeout or Ctrl-C stops pytest and every server it started.
            proc = subprocess.Popen(
                command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
                preexec_fn=die_with_parent(signal.SIGINT),  # SIGINT: pytest still tears down
            )  # fmt: skip
            with stop_on_terminate():
                returncode = _wait(proc, started, timeout, results_file, progress)
        output = log_file.read_text(encoding="utf-8", errors="replace")
        found = results.read_results(results_file)
    return TestRun(found, returncode, output, time.monotonic() - started)


def _wait(
    proc: subprocess.Popen[bytes],
    started: float,
    timeout: float | None,
    results_file: Path,
    label: str | None,
) -> int:
    """Wait for pytest, showing a live count; stop its group on timeout or Ctrl-C."""
    live = label is not None and sys.stdout.isatty()
    try:
        while True:
            try:
                code = proc.wait(timeout=0.25)
                break
            except subprocess.TimeoutExpired:
                pass
            elapsed = time.monotonic() - started
            if timeout is not None and elapsed > timeout:
                _stop(proc)
                return -signal.SIGKILL
            if live:
                done = _count_lines(results_file)
                print(f"\r  {label}: {done} tests done, {elapsed:4.0f}s", end="", flush=True)
    except KeyboardInterrupt:
        _stop(proc)
        raise
    finally:
        if live:
            print("\r" + " " * 60 + "\r", end="", flush=True)
    return code


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Interrupt pytest's process group, then kill it if it does not finish."""
    for sig, grace in ((signal.SIGINT, 10.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)  # the group we created: only our pytest and its children
        except (ProcessLookupError, PermissionError):
            return
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def _count_lines(path: Path) -> int:
    """Count finished tests in a results file that is still being written."""
    try:
        with path.open("rb") as f:
            return sum(1 for _ in f)
    except OSError:
        return 0
