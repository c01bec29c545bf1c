"""The fence around each grading run: time limit, process group, output cap, scratch folder."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from workshop.grade.sandbox import run_fenced, scratch_env


def _python(code: str) -> list[str]:
    """Return the argv that runs a snippet of Python."""
    return [sys.executable, "-c", code]


def test_a_run_past_its_time_limit_is_killed_with_its_children(tmp_path: Path) -> None:
    """A loop and the child it started both die at the time limit."""
    pid_file = tmp_path / "child.pid"
    code = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "while True: time.sleep(0.1)\n"
    )
    started = time.monotonic()
    outcome = run_fenced(
        _python(code),
        cwd=tmp_path,
        env=scratch_env(tmp_path, {}),
        log=tmp_path / "log",
        time_limit=3,
        max_log_bytes=1000,
    )
    assert outcome.timed_out and outcome.exit_code is None
    assert time.monotonic() - started < 10
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child), "the child outlived its run"
    assert "time limit" in (tmp_path / "log").read_text()


def test_output_beyond_the_cap_is_dropped_not_stored(tmp_path: Path) -> None:
    """50 MB of output leave a log of about the cap, and the run still ends normally."""
    code = "import sys\nfor _ in range(50): sys.stdout.write('x' * 1024 * 1024)\n"
    outcome = run_fenced(
        _python(code),
        cwd=tmp_path,
        env=scratch_env(tmp_path, {}),
        log=tmp_path / "log",
        time_limit=60,
        max_log_bytes=64 * 1024,
    )
    assert outcome.exit_code == 0
    assert outcome.output_bytes == 50 * 1024 * 1024
    assert outcome.dropped_bytes == outcome.output_bytes - 64 * 1024
    assert (tmp_path / "log").stat().st_size < 65 * 1024


def test_a_run_gets_its_own_home_and_temp_and_no_app_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HOME and TMPDIR point into the run's scratch folder; PHOTOAPP_* settings are dropped."""
    monkeypatch.setenv("PHOTOAPP_DATABASE_URL", "postgresql://someone-elses")
    code = "import os, tempfile; print(os.environ['HOME'], tempfile.gettempdir(), "
    code += "os.environ.get('PHOTOAPP_DATABASE_URL'))"
    run_fenced(
        _python(code),
        cwd=tmp_path,
        env=scratch_env(tmp_path, {}),
        log=tmp_path / "log",
        time_limit=30,
        max_log_bytes=1000,
    )
    home, temp, database = (tmp_path / "log").read_text().split()
    assert home == str(tmp_path / "home") and temp == str(tmp_path / "tmp")
    assert database == "None"


def _alive(pid: int) -> bool:
    """Tell whether a process exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
