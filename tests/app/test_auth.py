"""Password hashing and signed API tokens (photoapp/auth.py)."""

from __future__ import annotations

import pytest


def test_password_hashes_are_salted_and_check_out():
    """One password hashes differently twice, and both hashes match it and nothing else."""
    from photoapp.auth import hash_password, password_matches

    first, second = hash_password("hunter2hunter2"), hash_password("hunter2hunter2")
    assert first != second and "hunter2" not in first
    assert password_matches(first, "hunter2hunter2") and password_matches(second, "hunter2hunter2")
    assert not password_matches(first, "hunter2hunter3")


def test_tokens_carry_the_user_id():
    """A token issued for a user id gives that id back."""
    from photoapp.auth import TokenSigner

    signer = TokenSigner("secret")
    assert signer.user_id(signer.issue(42)) == 42


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c"])
def test_garbage_tokens_give_no_user(token):
    """Anything that is not a signed token gives None."""
    from photoapp.auth import TokenSigner

    assert TokenSigner("secret").user_id(token) is None


def test_tampered_and_foreign_tokens_give_no_user():
    """A token changed by one character, or signed with another secret, gives None."""
    from photoapp.auth import TokenSigner

    token = TokenSigner("secret").issue(42)
    middle = len(token) - 10  # inside the signature (the last character may be padding bits)
    flipped = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1:]
    assert TokenSigner("secret").user_id(flipped) is None
    assert TokenSigner("another secret").user_id(token) is None


def test_expired_tokens_give_no_user(monkeypatch):
    """A token older than its maximum age gives None."""
    from photoapp import auth

    token = auth.TokenSigner("secret").issue(42)
    monkeypatch.setattr(auth, "TOKEN_MAX_AGE_SECONDS", -1)
    assert auth.TokenSigner("secret").user_id(token) is None
