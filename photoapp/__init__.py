"""Photoapp: a small photo-sharing app that grows, lab by lab, into Instagram's early backend."""

from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from photoapp.auth import TokenSigner
from photoapp.settings import Settings
from photoapp.web import api, register_web
from photoapp.wiring import build_service

# Multipart bodies carry a little framing beyond the file itself.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app: the one place where settings, adapters and views are put together."""
    settings = settings or Settings.from_env()
    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    app.config.update(
        PHOTOAPP_SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes + MULTIPART_OVERHEAD_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        TESTING=settings.testing,
        WTF_CSRF_ENABLED=not settings.testing,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
    )
    app.extensions["photoapp"] = build_service(settings)
    app.extensions["photoapp.tokens"] = TokenSigner(settings.secret_key)
    register_web(app)
    csrf = CSRFProtect(app)
    # The API authenticates with bearer tokens, not cookies. Exempt the blueprint object: a
    # string names a single view ("module.function"), so the module name exempted nothing.
    csrf.exempt(api.bp)
    if settings.proxy_hops:
        # Behind Nginx (lab 04) every connection comes from Nginx; the client's address and
        # scheme arrive in X-Forwarded-For and -Proto. Trust exactly as many entries as there
        # are proxies of ours: anything before them was written by the client and may be forged.
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    return app
