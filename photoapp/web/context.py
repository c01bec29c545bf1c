"""Request helpers shared by the blueprints: the service, the logged-in user, paging."""

from __future__ import annotations

from flask import current_app, request, session

from photoapp.auth import TokenSigner
from photoapp.errors import InvalidInput, Unauthorized
from photoapp.services import PhotoService


def service() -> PhotoService:
    """Return the app's use cases."""
    svc: PhotoService = current_app.extensions["photoapp"]
    return svc


def token_signer() -> TokenSigner:
    """Return the signer of API tokens."""
    signer: TokenSigner = current_app.extensions["photoapp.tokens"]
    return signer


def api_user_id() -> int:
    """Return the user id of the request's bearer token, or raise Unauthorized."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    user_id = token_signer().user_id(token.strip()) if scheme.lower() == "bearer" else None
    if user_id is None:
        raise Unauthorized("send Authorization: Bearer <token> from /api/login")
    return user_id


def page_user_id() -> int | None:
    """Return the id of the user logged in through the session cookie, if any."""
    user_id = session.get("uid")
    return user_id if isinstance(user_id, int) else None


def cursor_args() -> tuple[int | None, int | None]:
    """Parse ?before=<id>&limit=<n>, refusing anything that is not a whole number."""
    return _int_arg("before"), _int_arg("limit")


def _int_arg(name: str) -> int | None:
    """Return a query argument as an int, None when absent."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number") from None
