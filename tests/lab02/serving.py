"""Helpers for lab 02's tests: start Gunicorn stacks, call them over HTTP, look at processes.

When the code under test is still a lab stub, the server cannot start and its log holds the
stub's NotImplementedError; these helpers raise that very error, so the failure says which
file to write and where the guide explains it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workshop.services import ServiceError, Stack, StackSpec

GUIDE = "labs/02-real-serving/README.md"
APP = "photoapp:create_app()"
STUB_ERROR = re.compile(r"NotImplementedError: (Lab \d\d: .*)")
HTTP_TIMEOUT = 10.0


def raise_if_stub(output: str) -> None:
    """Raise the NotImplementedError of a lab stub that a server's output shows, if any."""
    found = STUB_ERROR.search(output)
    if found:
        raise NotImplementedError(found.group(1).strip())


def start_gunicorn(
    stack_factory: Callable[..., Stack],
    run_dir: Path,
    servers: int = 1,
    env: Mapping[str, str] | None = None,
) -> Stack:
    """Start `servers` Gunicorn app servers of the tree under test on one shared database.

    The stack's folder (logs included) stays under `run_dir`: when a server cannot start, the
    stub error may be far above the end of its log that the ServiceError shows.
    """
    try:
        return stack_factory(
            StackSpec(app_servers=servers, app_server="gunicorn"),
            extra_env=dict(env or {}),
            run_dir=run_dir,
            keep_scratch=True,
        )
    except ServiceError as error:
        raise_if_stub(str(error))
        for log in sorted(run_dir.rglob("app*.log")):
            raise_if_stub(log.read_text(errors="replace"))
        raise


@dataclass
class Reply:
    """An HTTP response: status, headers and the body parsed as JSON (None if it is not)."""

    status: int
    headers: Mapping[str, str]
    body: Any = None
    text: str = ""
    _lower: dict[str, str] = field(default_factory=dict, repr=False)

    def header(self, name: str) -> str | None:
        """Return a response header by case-insensitive name."""
        if not self._lower:
            self._lower = {k.lower(): v for k, v in self.headers.items()}
        return self._lower.get(name.lower())


def call(
    method: str,
    url: str,
    *,
    json_body: Any = None,
    data: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> Reply:
    """Send one request on a fresh connection and return the reply, whatever its status."""
    all_headers = dict(headers or {})
    if json_body is not None:
        data = json.dumps(json_body).encode()
        all_headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, headers=all_headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            return _reply(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        with error:
            return _reply(error.code, dict(error.headers), error.read())


def _reply(status: int, headers: dict[str, str], raw: bytes) -> Reply:
    """Build a Reply, parsing JSON bodies."""
    text = raw.decode(errors="replace")
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = None
    return Reply(status, headers, body, text)


def children_of(pid: int) -> set[int]:
    """Return the ids of the processes whose parent is `pid`, read from /proc."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # the process ended while we looked
        # The command name (2nd field) is in parentheses and may hold spaces: split after it.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":  # fields: state, ppid, ...
            found.add(int(entry.name))
    return found


def wait_for(check: Callable[[], bool], timeout: float) -> bool:
    """Poll `check` until it returns True or `timeout` seconds pass; return its last answer."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)


@dataclass
class Finished:
    """How a process that should have stopped by itself ended."""

    returncode: int | None  # None: it was still running at the deadline and we stopped it
    output: str


def run_gunicorn_briefly(tree: Path, env: Mapping[str, str], timeout: float = 20.0) -> Finished:
    """Run Gunicorn on the tree with exactly these PHOTOAPP_* settings; stop it at the deadline."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("PHOTOAPP_")}
    base.update(env)
    base["PYTHONPATH"] = str(tree)
    argv = [sys.executable, "-m", "gunicorn", "-c", str(tree / "deploy" / "gunicorn.conf.py"), APP]
    process = subprocess.Popen(  # noqa: S603 - our own argv, no shell
        argv,
        cwd=tree,
        env=base,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
        return Finished(process.returncode, output.decode(errors="replace"))
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # our own child's group: master and workers
        output, _ = process.communicate()
        return Finished(None, output.decode(errors="replace"))


def fetch(server: Any, method: str, path: str, **options: Any) -> Reply:
    """Call one app server; a 500 caused by a lab stub raises the stub's NotImplementedError."""
    reply = call(method, server.url + path, **options)
    if reply.status == 500:
        time.sleep(0.2)  # let the worker's traceback reach the log
        raise_if_stub(server.log_tail(200))
    return reply
