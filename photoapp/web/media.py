"""Media files by storage key: /media/photos/<key>.jpg (Nginx serves the same path in lab 04)."""

from __future__ import annotations

from flask import Blueprint, Response

from photoapp.web.context import service

bp = Blueprint("media", __name__)

CACHE_FOREVER = "public, max-age=31536000, immutable"  # keys are random and never reused


@bp.get("/media/<path:key>")
def blob(key: str) -> Response:
    """Send one stored file with its content type."""
    stored = service().media(key)
    return Response(stored.data, content_type=stored.content_type,
                    headers={"Cache-Control": CACHE_FOREVER})
