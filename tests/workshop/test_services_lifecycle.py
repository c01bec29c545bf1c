"""The services harness under stress: failing tests, Ctrl-C, killed owners, detached stacks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from workshop.services import (
    ServiceError,
    Stack,
    StackSpec,
    detached_status,
    start_detached,
    stop_detached,
)
from workshop.services.bench import FULL
from workshop.services.pids import is_alive, start_time
from workshop.services.sampletree import write_sample_tree
from workshop.services.scratch import OWNER_FILE, clean_stale

REPO = Path(__file__).resolve().parents[2]

# Runs in a subprocess: start a stack, write every pid (group members included), then act.
SCRIPT = """
import json, os, sys, time
from pathlib import Path
from workshop.services import Stack, StackSpec

def group(pid):
    found = []
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else []:
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[2]) == pid:
                found.append(int(entry.name))
    return found

def start(tree, run_dir, pid_file):
    spec = StackSpec(postgres=1, redis=True, app_servers=1, app_server="gunicorn", workers=1)
    stack = Stack(spec, tree, run_dir=run_dir, quiet=True)
    stack.start()
    pids = [p for s in stack.servers for p in [s.pid, *group(s.pid)]]
    Path(pid_file).write_text(json.dumps(pids))
    return stack
"""


def wait_gone(pids: list[int], timeout: float = 15.0) -> list[int]:
    """Wait until none of `pids` runs; return those still alive."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(is_alive(p) for p in pids):
        time.sleep(0.05)
    return [p for p in pids if is_alive(p)]


def wait_for(path: Path, proc: subprocess.Popen[str], timeout: float = 60.0) -> None:
    """Wait until `path` exists (the subprocess wrote its pids)."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the stack did not come up"
        time.sleep(0.05)
    time.sleep(0.05)  # the file is written in one go, but give the writer a moment to close it


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A stand-in app tree."""
    return write_sample_tree(tmp_path / "tree")


@pytest.fixture
def child_env() -> dict[str, str]:
    """Our environment with the repository importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def test_no_process_left_after_a_failing_test(
    tree: Path, tmp_path: Path, child_env: dict[str, str]
) -> None:
    pid_file = tmp_path / "pids.json"
    test_file = tmp_path / "test_inner.py"
    test_file.write_text(
        SCRIPT
        + textwrap.dedent(f"""
        def test_fails_inside_a_stack():
            with start({str(tree)!r}, {str(tmp_path / "run")!r}, {str(pid_file)!r}):
                assert False, "failing on purpose"
        """)
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(test_file), "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=100,
    )
    assert "failing on purpose" in result.stdout, result.stdout + result.stderr
    assert result.returncode == 1
    pids = json.loads(pid_file.read_text())
    assert len(pids) >= 5  # postgres and its helpers, redis, gunicorn and its worker, rq
    assert wait_gone(pids) == []
    assert list((tmp_path / "run").iterdir()) == []


def test_ctrl_c_stops_the_stack(tree: Path, tmp_path: Path, child_env: dict[str, str]) -> None:
    pid_file = tmp_path / "pids.json"
    script = SCRIPT + textwrap.dedent(f"""
        with start({str(tree)!r}, {str(tmp_path / "run")!r}, {str(pid_file)!r}):
            time.sleep(60)
        """)
    proc = subprocess.Popen([sys.executable, "-c", script], env=child_env, text=True)
    wait_for(pid_file, proc)
    proc.send_signal(signal.SIGINT)
    proc.wait(30)
    assert wait_gone(json.loads(pid_file.read_text())) == []
    assert list((tmp_path / "run").iterdir()) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_killed_owner_takes_its_servers_along_and_is_cleaned_next_time(
    tree: Path, tmp_path: Path, child_env: dict[str, str]
) -> None:
    pid_file = tmp_path / "pids.json"
    run = tmp_path / "run"
    script = SCRIPT + textwrap.dedent(f"""
        start({str(tree)!r}, {str(run)!r}, {str(pid_file)!r})
        time.sleep(60)
        """)
    proc = subprocess.Popen([sys.executable, "-c", script], env=child_env, text=True)
    wait_for(pid_file, proc)
    proc.kill()  # SIGKILL: no atexit, no finally; only PR_SET_PDEATHSIG can help
    proc.wait()
    assert wait_gone(json.loads(pid_file.read_text())) == []
    leftovers = list(run.iterdir())
    assert len(leftovers) == 1 and (leftovers[0] / OWNER_FILE).exists()
    # pytest's tmp_path is root-only, so as root the cluster's data went to a /tmp folder
    extra = json.loads((leftovers[0] / OWNER_FILE).read_text())["extra_dirs"]
    assert clean_stale(run) == leftovers
    assert list(run.iterdir()) == []
    assert not any(Path(folder).exists() for folder in extra)


def test_a_stale_folder_has_its_live_servers_stopped(tmp_path: Path) -> None:
    sleeper = subprocess.Popen(["sleep", "60"], start_new_session=True)
    dead = subprocess.run(["true"], check=True)  # a pid that existed and is gone
    assert dead.returncode == 0
    stale = tmp_path / "0101-000000-dead"
    stale.mkdir()
    owner = {
        "owner_pid": 2**22 + 1,  # above the kernel's pid limit: never alive
        "owner_started": "1",
        "detached": False,
        "children": [
            {
                "name": "redis",
                "pid": sleeper.pid,
                "started": start_time(sleeper.pid),
                "signal": int(signal.SIGTERM),
            },
        ],
        "extra_dirs": [],
    }
    (stale / OWNER_FILE).write_text(json.dumps(owner))
    live = tmp_path / "0101-000000-live"
    live.mkdir()
    (live / OWNER_FILE).write_text(
        json.dumps(
            {
                **owner,
                "owner_pid": os.getpid(),
                "owner_started": start_time(os.getpid()),
                "children": [],
            }
        )
    )
    assert clean_stale(tmp_path) == [stale]
    assert sleeper.wait(10) == -signal.SIGTERM
    assert not stale.exists() and live.exists()


def test_detached_stack_survives_reports_and_goes_down(tree: Path, tmp_path: Path) -> None:
    state = tmp_path / "services.json"
    spec = StackSpec(redis=True, app_servers=2, app_server="gunicorn", nginx=True)
    status = start_detached(spec, tree, state, run_dir=tmp_path / "run", quiet=True)
    try:
        assert status["running"] is True
        assert status["redis"].startswith("redis://127.0.0.1:")
        assert len(status["app"]) == 2 and status["nginx"].startswith("http://127.0.0.1:")
        assert status["postgres"] == [] and status["s3"] is None and status["worker"] == 0
        assert status["down"] == []
        json.dumps(status)  # the CLI prints it with --json
        with pytest.raises(ServiceError, match="already running"):
            start_detached(spec, tree, state, run_dir=tmp_path / "run", quiet=True)
        app1 = next(s for s in status["servers"] if s["name"] == "app1")
        os.killpg(app1["pid"], signal.SIGKILL)  # killed from outside
        assert wait_gone([app1["pid"]]) == []
        later = detached_status(state)
        assert later["down"] == ["app1"] and len(later["app"]) == 1 and later["running"]
    finally:
        stopped = stop_detached(state)
    assert "app1" not in stopped and {"app2", "nginx", "redis"} <= set(stopped)
    assert wait_gone([s["pid"] for s in status["servers"]]) == []
    assert not state.exists()
    assert detached_status(state)["running"] is False
    assert stop_detached(state) == []


def test_full_lab09_topology_comes_up_and_goes_down(tree: Path, tmp_path: Path) -> None:
    import psycopg
    import redis

    from tests.plugins.services import S3Bucket

    began = time.monotonic()
    with Stack(FULL, tree, run_dir=tmp_path, quiet=True) as stack:
        up = time.monotonic() - began
        urls = stack.urls()
        assert len(urls["postgres"]) == 2 and len(urls["app"]) == 2 and urls["worker"] == 1
        assert stack.base_url == urls["nginx"]
        for dsn in urls["postgres"]:
            with psycopg.connect(dsn) as conn:
                assert conn.execute("SELECT current_database()").fetchone() == ("photoapp",)
        with redis.Redis.from_url(urls["redis"]) as client:
            assert client.ping()
        assert stack.s3 is not None
        bucket = S3Bucket(urls["s3"], stack.s3.access_key, stack.s3.secret_key)
        assert bucket.client().head_bucket(Bucket="photoapp")
        assert stack.env["PHOTOAPP_S3_URL"] == urls["s3"]
        assert stack.env["PHOTOAPP_DATABASE_URLS"] == ",".join(urls["postgres"])
        pids = [s.pid for s in stack.servers]
        began = time.monotonic()
    down = time.monotonic() - began
    assert wait_gone([p for p in pids if p is not None]) == []
    print(f"lab 09 stack: up {up:.1f} s, down {down:.1f} s")
    assert up + down < 60


def test_one_server_of_a_detached_stack_stops_and_starts_again(tree: Path, tmp_path: Path) -> None:
    """`workshop services stop redis`, then `start redis`: status follows it by its new pid."""
    from workshop.services import start_server, stop_server

    state = tmp_path / "services.json"
    spec = StackSpec(redis=True, app_servers=1, app_server="gunicorn")
    first = start_detached(spec, tree, state, run_dir=tmp_path / "run", quiet=True)
    try:
        [old] = [s for s in first["servers"] if s["name"] == "redis"]
        stop_server("redis", state)
        assert wait_gone([old["pid"]]) == []
        assert detached_status(state)["down"] == ["redis"]
        with pytest.raises(ServiceError, match="not running"):
            stop_server("redis", state)
        again = start_server("redis", state)
        [new] = [s for s in again["servers"] if s["name"] == "redis"]
        assert new["up"] and new["pid"] != old["pid"] and again["down"] == []
        assert again["redis"] == first["redis"], "the same port, so the app finds it again"
        with pytest.raises(ServiceError, match="has no server 'postgres9'"):
            start_server("postgres9", state)
    finally:
        stopped = stop_detached(state)
    assert "redis" in stopped and wait_gone([new["pid"]]) == []


def test_down_keeps_a_folder_that_a_process_still_uses(tree: Path, tmp_path: Path) -> None:
    """A server started by hand in the stack's folder keeps its data: down says who uses it."""
    state = tmp_path / "services.json"
    status = start_detached(StackSpec(redis=True, app_servers=0), tree, state,
                            run_dir=tmp_path / "run", quiet=True)
    scratch = Path(json.loads(state.read_text())["scratch"])
    by_hand = subprocess.Popen(["sleep", "60"], cwd=scratch)
    try:
        with pytest.raises(ServiceError, match=rf"kept .*pid {by_hand.pid} \(sleep\)"):
            stop_detached(state)
        assert scratch.is_dir() and state.exists()
    finally:
        by_hand.kill()
        by_hand.wait()
    stop_detached(state)
    assert not scratch.exists() and wait_gone([s["pid"] for s in status["servers"]]) == []


def test_a_stack_whose_only_server_is_stopped_by_hand_is_not_tidied_away(
    tree: Path, tmp_path: Path
) -> None:
    """Another workshop command cleans stale folders; a held one keeps its data for `start`."""
    from workshop.services import start_server, stop_server

    state, run = tmp_path / "services.json", tmp_path / "run"
    start_detached(StackSpec(redis=True, app_servers=0), tree, state, run_dir=run, quiet=True)
    scratch = Path(json.loads(state.read_text())["scratch"])
    try:
        stop_server("redis", state)
        assert clean_stale(run) == [] and scratch.is_dir()
        assert start_server("redis", state)["redis"]
    finally:
        stop_detached(state)
    assert not scratch.exists()
