"""Health endpoints that load balancers and the workshop's readiness waits use."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from photoapp.readiness import check_readiness
from photoapp.web.context import service

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    """Answer 200 while the process is up; it checks nothing else on purpose."""
    return {"status": "ok"}, 200


@bp.get("/readyz")
def readyz() -> tuple[dict[str, Any], int]:
    """Answer 200 when the database and media store answer, 503 naming any that does not."""
    readiness = check_readiness(service())
    if readiness.ready:
        return {"status": "ready", "checks": readiness.checks}, 200
    return {"status": "unavailable", "checks": readiness.checks}, 503
