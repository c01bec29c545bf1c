"""`workshop demo` and `workshop run`: serve a tree of the app locally until Ctrl-C."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

from workshop import seed as seeding
from workshop.children import die_with_parent, stop_on_terminate
from workshop.manifest import Lab, Manifest
from workshop.services import ServiceError, Stack, StackSpec
from workshop.services.ports import HOST, free_port, port_is_free
from workshop.trees import resolve_impl

DEFAULT_PORT = 5000
START_TIMEOUT_S = 30


@dataclass(frozen=True)
class Served:
    """Where the app answers, and how to tell that it still runs."""

    url: str
    alive: Callable[[], bool]
    data: str  # where the database and the photos are, in words


def demo(manifest: Manifest, number: int | None, port: int | None, exit_after_seed: bool) -> int:
    """Serve the reference tree with a seeded world; stop on Ctrl-C (or right after seeding)."""
    lab = manifest.ready_lab(number) if number is not None else None
    print("Building the reference tree ...", flush=True)
    tree = resolve_impl("reference", manifest.root)
    with (
        stop_on_terminate(),
        tempfile.TemporaryDirectory(prefix="workshop-demo-") as scratch,
        _serve(tree, lab, port, Path(scratch)) as served,
    ):
        print(f"Seeding {served.url} with demo users and photos ...", flush=True)
        counts = _seed(served.url)
        print(
            f"Seeded {counts['users']} users, {counts['photos']} photos, "
            f"{counts['follows']} follows and {counts['likes']} likes."
        )
        _banner("demo (reference)", served.url, True, served.data)
        if not exit_after_seed:
            _wait_for_ctrl_c(served)
    return 0


def run(manifest: Manifest, number: int | None, port: int | None, seed: bool) -> int:
    """Serve the student's workspace; data stays in instance/ between runs."""
    lab = manifest.ready_lab(number) if number is not None else None
    root = manifest.root
    with stop_on_terminate(), _serve(root, lab, port, None) as served:
        if seed:
            print(f"Seeding {served.url} with demo users and photos ...", flush=True)
            _seed(served.url)
        _banner("your workspace", served.url, seed, served.data)
        _wait_for_ctrl_c(served)
    return 0


@contextlib.contextmanager
def _serve(tree: Path, lab: Lab | None, port: int | None, scratch: Path | None) -> Iterator[Served]:
    """Serve `tree` with lab's stack (one Flask process when embedded)."""
    spec = StackSpec.from_manifest(lab.stack if lab else None)
    if spec == StackSpec() or lab is None:
        with _flask(tree, port, scratch) as served:
            yield served
        return
    if port is not None:
        print(f"note: --port is for the one-process app; lab {lab.tag}'s stack picks free ports")
    with Stack(spec, tree) as stack:
        assert stack.scratch is not None
        where = f"{stack.scratch.path} (a temporary folder: it goes away when you stop)"
        yield Served(stack.base_url, lambda: all(s.is_running() for s in stack.servers), where)


@contextlib.contextmanager
def _flask(tree: Path, port: int | None, scratch: Path | None) -> Iterator[Served]:
    """Run `flask run` on the tree in its own process group; stop it on the way out."""
    port = _choose_port(port)
    env = dict(os.environ, PYTHONPATH=_pythonpath(tree))
    workdir = tree
    if scratch is not None:  # a demo keeps its database and photos in a throw-away folder
        env["PHOTOAPP_DATABASE_URL"] = f"sqlite:///{scratch / 'demo.db'}"
        env["PHOTOAPP_MEDIA_DIR"] = str(scratch / "media")
        workdir = scratch
    log_path = (scratch or tree / "instance") / "server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "flask", "--app", "photoapp:create_app()",
        "run", "--host", HOST, "--port", str(port), "--no-reload",
    ]  # fmt: skip
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=die_with_parent(),
        )  # fmt: skip
    url = f"http://{HOST}:{port}"
    if scratch is not None:
        where = f"{scratch} (a temporary folder: it goes away when you stop)"
    else:
        where = f"{tree / 'instance'} (kept between runs)"
    try:
        _wait_healthy(proc, url, log_path)
        yield Served(url, lambda: proc.poll() is None, where)
    finally:
        _stop(proc)
    if proc.returncode not in (0, -signal.SIGTERM, -signal.SIGINT, -signal.SIGKILL):
        print(f"the app stopped with code {proc.returncode}; its log: {log_path}")


def _seed(url: str) -> dict[str, int]:
    """Seed the app, turning a refused call into the CLI's one-line error."""
    try:
        return seeding.seed(url)
    except (seeding.SeedError, requests.RequestException) as error:
        raise ServiceError(str(error)) from None


def _choose_port(port: int | None) -> int:
    """Return the asked port if free, else 5000 if free, else any free port (and say so)."""
    if port is not None:
        if not port_is_free(port):
            raise ServiceError(f"port {port} is taken: pick another with --port, or leave it out")
        return port
    if port_is_free(DEFAULT_PORT):
        return DEFAULT_PORT
    chosen = free_port()
    print(f"port {DEFAULT_PORT} is taken; using {chosen}")
    return chosen


def _pythonpath(tree: Path) -> str:
    """Put the tree first, keeping whatever the user had."""
    existing = os.environ.get("PYTHONPATH")
    return f"{tree}{os.pathsep}{existing}" if existing else str(tree)


def _wait_healthy(proc: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    """Wait until /healthz answers; fail with the app's own last words if it died."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServiceError(f"the app did not start: {_last_error(log_path)} (log: {log_path})")
        try:
            if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise ServiceError(
        f"the app did not answer {url}/healthz in {START_TIMEOUT_S} s (log: {log_path})"
    )


def _last_error(log_path: Path) -> str:
    """Return the line of the log that says what went wrong (the exception, usually last)."""
    lines = [ln.strip() for ln in log_path.read_text(errors="replace").splitlines() if ln.strip()]
    for line in reversed(lines):
        if "Error" in line or "Exception" in line:
            return line
    return lines[-1] if lines else "no output"


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server we started (its own process group), politely first."""
    if proc.poll() is not None:
        return
    for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def _banner(what: str, url: str, seeded: bool, data: str) -> None:
    """Tell the user where to go and how to log in."""
    print(f"\nPhotoapp, {what}, is running at {url}")
    if seeded:
        print(
            f"  log in as {seeding.DEMO_USER} / {seeding.DEMO_PASSWORD} "
            "(every seeded user has that password)"
        )
    print(f"  data: {data}")


def _wait_for_ctrl_c(served: Served) -> None:
    """Block until Ctrl-C or until the app dies; the callers' context managers stop it."""
    print("Press Ctrl-C to stop.", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        while served.alive():
            time.sleep(1)
        raise ServiceError("the app stopped by itself; see its log above")
    print("\nStopping ...")
