"""Lab 02: check the settings once, before serving, so a bad value stops the start at once.

Settings.from_env() already refuses values of the wrong type ("abc" for a number). This module
adds what real serving needs on top: a shared secret, a database every worker can see, sane
worker and thread counts. Gunicorn's config (deploy/gunicorn.conf.py) calls load_settings()
while it starts, before any worker forks, and turns a SettingsError into one line and exit 1.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from photoapp.settings import DEV_SECRET, Settings, SettingsError

MIN_SECRET_LENGTH = 32
MAX_WORKERS = 64
MAX_THREADS = 64
MAX_UPLOAD_MB = 100
# Databases that live outside the app server, so every worker and server sees the same data.
SHARED_DATABASES = ("sqlite:///", "postgresql://", "postgres://")
BIND_PATTERN = re.compile(r"^(unix:/.+|[\w.\-]+:\d{1,5}|\[[0-9a-fA-F:]+\]:\d{1,5})$")
NEW_SECRET = "python -c 'import secrets; print(secrets.token_hex(32))'"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the PHOTOAPP_* variables and check them; raise SettingsError naming a bad one."""
    settings = Settings.from_env(environ)
    check_settings(settings)
    return settings


def check_settings(settings: Settings) -> None:
    """Raise SettingsError, naming the variable, for the first value that cannot serve."""
    problem = first_problem(settings)
    if problem:
        raise SettingsError(problem)


def first_problem(s: Settings) -> str | None:
    """Return what is wrong with the first bad value, or None when all can serve."""
    if s.secret_key == DEV_SECRET:
        return f"PHOTOAPP_SECRET_KEY is not set: give every app server one secret ({NEW_SECRET})"
    if len(s.secret_key) < MIN_SECRET_LENGTH:
        return f"PHOTOAPP_SECRET_KEY is too short: use {MIN_SECRET_LENGTH}+ random characters"
    if not s.database_url.startswith(SHARED_DATABASES):
        return (
            f"PHOTOAPP_DATABASE_URL={s.database_url!r} is not a database every worker can share: "
            "use sqlite:///path/to/file.db or postgresql://..."
        )
    if s.media_dir in ("", "memory://"):
        return f"PHOTOAPP_MEDIA_DIR={s.media_dir!r} is not a folder every worker can share"
    if not 1 <= s.max_upload_mb <= MAX_UPLOAD_MB:
        return f"PHOTOAPP_MAX_UPLOAD_MB={s.max_upload_mb} is not between 1 and {MAX_UPLOAD_MB}"
    if not 0 <= s.workers <= MAX_WORKERS:
        return f"PHOTOAPP_WORKERS={s.workers} is not between 0 (2 x cores + 1) and {MAX_WORKERS}"
    if not 1 <= s.threads <= MAX_THREADS:
        return f"PHOTOAPP_THREADS={s.threads} is not between 1 and {MAX_THREADS}"
    if not BIND_PATTERN.match(s.bind):
        return f"PHOTOAPP_BIND={s.bind!r} is not host:port (like 127.0.0.1:8000) or unix:/path"
    return None
