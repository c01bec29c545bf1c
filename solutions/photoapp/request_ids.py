"""Lab 02: a request id on every response and access-log line.

One id follows a request through every server it crosses: Nginx (lab 04) can set one, the app
server keeps it, logs print it, and the client sees it in the X-Request-ID response header, so
"my upload failed" becomes one grep across all the logs. An incoming id is kept only when it is
short and plain, because it ends up in log lines (no spaces, quotes or newlines to forge them).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

if TYPE_CHECKING:
    from _typeshed import OptExcInfo  # the type of start_response's exc_info (typing only)

HEADER = "X-Request-ID"
ENVIRON_KEY = "HTTP_X_REQUEST_ID"  # how WSGI spells the request header X-Request-ID
SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")  # used with fullmatch: nothing else


def request_id_for(incoming: str | None) -> str:
    """Keep a sane incoming id, otherwise make a fresh random one."""
    if incoming and SANE_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """WSGI middleware: give each request an id, show it to the app, echo it on the response."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Handle one request with its id in the environ and on the response."""
        request_id = request_id_for(environ.get(ENVIRON_KEY))
        environ[ENVIRON_KEY] = request_id  # the app sees the same id in request.headers

        def start_with_id(
            status: str, headers: list[tuple[str, str]], exc_info: OptExcInfo | None = None
        ) -> Callable[[bytes], object]:
            headers = [(k, v) for k, v in headers if k.lower() != HEADER.lower()]
            headers.append((HEADER, request_id))
            return start_response(status, headers, exc_info)

        return self.app(environ, start_with_id)
