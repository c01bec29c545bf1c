"""Lab 02: a request id on every response and access-log line.

Your task is in labs/02-real-serving/README.md, section "Step 3: request ids".
deploy/gunicorn.conf.py wraps each worker's app in RequestIdMiddleware.
"""

from __future__ import annotations

from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

GUIDE = "see labs/02-real-serving/README.md"
HEADER = "X-Request-ID"


def request_id_for(incoming: str | None) -> str:
    """Keep a sane incoming id (the whole of it matches a strict pattern), else make one."""
    raise NotImplementedError(f"Lab 02: write request_id_for in {__name__} ({GUIDE})")


class RequestIdMiddleware:
    """WSGI middleware: give each request an id, show it to the app, echo it on the response."""

    def __init__(self, app: WSGIApplication) -> None:
        raise NotImplementedError(f"Lab 02: write RequestIdMiddleware in {__name__} ({GUIDE})")

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Handle one request with its id in the environ and on the response."""
        raise NotImplementedError(f"Lab 02: write RequestIdMiddleware in {__name__} ({GUIDE})")
