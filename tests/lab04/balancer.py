"""Helpers for lab 04's tests: start Nginx over app servers, talk HTTP to it, read the logs.

When the config under test is still the starter, rendering it raises the starter's
NotImplementedError ("Lab 04: ..."), before any server starts; when another lab's code is still
a stub, the app servers cannot start and the helpers raise that lab's NotImplementedError.
"""

from __future__ import annotations

import contextlib
import dataclasses
import http.client
import json
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.helpers.multipart import upload_form
from workshop import manifest
from workshop.services import ServiceError, Stack, StackSpec
from workshop.services.nginx import NginxServer

LAB = 4
HTTP_TIMEOUT = 15.0
# Tests that start three servers, or restart one, may take longer than the usual 120 s on a
# busy machine: an app server boots in 2 s on a quiet laptop, in 20 s on an overloaded one.
SLOW_TEST_S = 240
STUB_ERROR = re.compile(r"NotImplementedError: (Lab \d\d: .*)")
# Small Gunicorn servers: two or three of them share this machine's cores with Nginx,
# PostgreSQL and the test itself.
APP_SETTINGS = {"PHOTOAPP_WORKERS": "2", "PHOTOAPP_THREADS": "2"}


def lab_spec(app_servers: int) -> StackSpec:
    """Lab 04's stack from labs/labs.toml, with this many app servers and no CPU budgets.

    The budgets are for measuring capacity (`workshop load 4`); the graded tests check
    behaviour, which a server held to 0.4 CPU would only slow down.
    """
    spec = StackSpec.from_manifest(manifest.load().lab(LAB).stack)
    return dataclasses.replace(spec, app_servers=app_servers, machine_cpu=0.0)


def render_config(tree: Path, scratch: Path) -> str:
    """Render the tree's deploy/nginx.conf once, so a starter fails before any server starts."""
    nginx = NginxServer(
        "nginx-render-check",
        scratch,
        tree=tree,
        backends=lambda: ["127.0.0.1:9"],
        media_dir=scratch / "media",
    )
    return nginx.render()


def start_balanced(
    stack_factory: Callable[..., Stack], tree: Path, scratch: Path, app_servers: int
) -> Stack:
    """Start Nginx with the tree's config over `app_servers` Gunicorn servers."""
    render_config(tree, scratch)
    try:
        return stack_factory(lab_spec(app_servers), extra_env=APP_SETTINGS)
    except ServiceError as error:
        raise_if_stub(str(error))
        raise


def raise_if_stub(output: str) -> None:
    """Raise the NotImplementedError of a lab stub that a server's output shows, if any."""
    found = STUB_ERROR.search(output)
    if found:
        raise NotImplementedError(found.group(1).strip())


# --- HTTP -----------------------------------------------------------------------------------


@dataclass
class Reply:
    """An HTTP response (status 0 when the request failed without one)."""

    status: int
    headers: Mapping[str, str] = field(repr=False)
    body: bytes = field(default=b"", repr=False)
    error: str = ""

    def header(self, name: str) -> str | None:
        """Return a response header by case-insensitive name."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)

    @property
    def served_by(self) -> str | None:
        """The app server that answered (its X-Served-By header), None if none did."""
        return self.header("X-Served-By")

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)

    def describe(self) -> str:
        """A short description for failure messages."""
        if not self.status:
            return f"no response ({self.error})"
        text = " ".join(self.body[:300].decode(errors="replace").split())[:80]
        return f"{self.status} (X-Served-By: {self.served_by}) {text!r}"


def call(
    base_url: str,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    source_address: str | None = None,
) -> Reply:
    """Send one request on a fresh connection, optionally from another loopback address."""
    url = urlsplit(base_url)
    assert url.hostname is not None and url.port is not None
    source = (source_address, 0) if source_address else None
    conn = http.client.HTTPConnection(
        url.hostname, url.port, timeout=HTTP_TIMEOUT, source_address=source
    )
    try:
        # Nginx may answer 413 and stop reading a big body: its answer still counts.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            conn.request(method, path, body=body, headers=dict(headers or {}))
        response = conn.getresponse()
        return Reply(response.status, dict(response.getheaders()), response.read())
    except (OSError, http.client.HTTPException) as error:
        return Reply(0, {}, error=f"{type(error).__name__}: {error}")
    finally:
        conn.close()


def get(base_url: str, path: str, **options: Any) -> Reply:
    """GET a path."""
    return call(base_url, "GET", path, **options)


def register(base_url: str) -> dict[str, str]:
    """Register a fresh user through Nginx; return the Authorization header that acts as it."""
    username = f"lb_{secrets.token_hex(5)}"
    payload = json.dumps({"username": username, "password": "correct-horse-battery"}).encode()
    reply = call(
        base_url,
        "POST",
        "/api/register",
        body=payload,
        headers={"Content-Type": "application/json"},
    )
    assert reply.status == 201, (
        f"expected 201 from POST /api/register through Nginx, got {reply.describe()}"
    )
    return {"Authorization": f"Bearer {reply.json()['token']}"}


def upload(base_url: str, auth: Mapping[str, str], image: bytes) -> Reply:
    """POST /api/photos through Nginx."""
    body, content_type = upload_form(image, "through nginx")
    return call(
        base_url,
        "POST",
        "/api/photos",
        body=body,
        headers={**auth, "Content-Type": content_type},
    )


# --- Logs and waiting -----------------------------------------------------------------------


def app_log_lines(stack: Stack, marker: str) -> list[str]:
    """Return the lines of every app server's log that contain `marker`."""
    lines = []
    for server in stack.app_servers:
        text = server.log_path.read_text(errors="replace") if server.log_path.exists() else ""
        lines.extend(line for line in text.splitlines() if marker in line)
    return lines


def nginx_log_lines(stack: Stack, marker: str) -> list[str]:
    """Return the lines of Nginx's log files (access and error) that contain `marker`."""
    assert stack.nginx is not None
    lines = []
    for path in sorted((stack.nginx.folder / "logs").glob("*")):
        if path.is_file():
            text = path.read_text(errors="replace")
            lines.extend(line for line in text.splitlines() if marker in line)
    return lines


def wait_for(check: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    """Poll `check` until it returns True or `timeout` seconds pass; return its last answer."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
