"""Passwords and API tokens: hashing, signing and checking."""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

TOKEN_MAX_AGE_SECONDS = 7 * 24 * 3600


def hash_password(password: str) -> str:
    """Return a salted, slow hash (werkzeug's default scrypt)."""
    return generate_password_hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    """Tell whether the password matches the stored hash."""
    return check_password_hash(password_hash, password)


class TokenSigner:
    """Signed, stateless API tokens: any app server with the secret can check them."""

    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="photoapp-api-token")

    def issue(self, user_id: int) -> str:
        """Return a token that proves the bearer logged in as this user."""
        return self._serializer.dumps({"uid": user_id})

    def user_id(self, token: str) -> int | None:
        """Return the user id a valid token carries, or None for a bad or expired one."""
        try:
            data = self._serializer.loads(token, max_age=TOKEN_MAX_AGE_SECONDS)
        except (BadSignature, SignatureExpired):
            return None
        uid = data.get("uid") if isinstance(data, dict) else None
        return uid if isinstance(uid, int) else None
