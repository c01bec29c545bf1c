"""Health endpoints that load balancers and the workshop's readiness waits use."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    """Answer 200 while the process is up; it checks nothing else on purpose."""
    return {"status": "ok"}, 200
