"""The web layer: blueprints that parse a request, call one use case and render."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from photoapp.errors import PhotoAppError
from photoapp.web import api, health, media, pages


def register_web(app: Flask) -> None:
    """Attach every blueprint, the error handlers and the security headers."""
    for blueprint in (health.bp, api.bp, media.bp, pages.bp):
        app.register_blueprint(blueprint)
    app.register_error_handler(PhotoAppError, _app_error)
    app.register_error_handler(HTTPException, _http_error)
    app.after_request(_common_headers)


def _wants_json() -> bool:
    """API clients get JSON errors; browsers get pages."""
    return request.path.startswith("/api/")


def _app_error(error: PhotoAppError) -> tuple[Response | str, int]:
    """Render a use-case error with its status."""
    return _error(error.status, str(error))


def _http_error(error: HTTPException) -> tuple[Response | str, int]:
    """Render Flask's own errors (404, 405, 413 ...) the same way."""
    return _error(error.code or 500, error.description or error.name)


def _error(status: int, message: str) -> tuple[Response | str, int]:
    """Return a JSON error for the API, an HTML page otherwise."""
    if _wants_json():
        return jsonify(error=message, status=status), status
    return render_template("error.html", status=status, message=message), status


def _common_headers(response: Response) -> Response:
    """Add headers every response carries: nosniff, and which app server answered."""
    from flask import current_app

    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Served-By"] = current_app.config["PHOTOAPP_SETTINGS"].instance_name
    return response
