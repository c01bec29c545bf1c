"""One settings object, read from PHOTOAPP_* environment variables.

This is the only module that reads `os.environ`; everything else receives a Settings.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

PREFIX = "PHOTOAPP_"
DEV_SECRET = "dev-only-insecure-secret-change-me"


class SettingsError(ValueError):
    """A PHOTOAPP_* variable is missing or has a bad value."""


@dataclass(frozen=True)
class Settings:
    """Everything the app can be configured with; defaults run one box with no servers."""

    database_url: str = "sqlite:///instance/photoapp.db"
    media_dir: str = "instance/media"
    secret_key: str = DEV_SECRET
    max_upload_mb: int = 10
    instance_name: str = field(default_factory=socket.gethostname)
    testing: bool = False
    # Lab 02, real serving: read by deploy/gunicorn.conf.py. 0 workers means "2 x cores + 1".
    bind: str = "127.0.0.1:8000"
    workers: int = 0
    threads: int = 4
    # Lab 03, PostgreSQL: the connection pool of each app process (workers x db_pool_max must
    # stay below the server's max_connections); a request waits db_pool_timeout s, then 503.
    db_pool_min: int = 1
    db_pool_max: int = 10
    db_pool_timeout: float = 5.0
    # Lab 04, load balancing: how many proxies (Nginx) stand in front of the app. The app then
    # takes the client's address and scheme from that many X-Forwarded-* entries; 0 trusts none.
    proxy_hops: int = 0
    # Lab 08, snowflake ids: "counter" (the database numbers rows 1, 2, 3 ...) or "snowflake"
    # (new users and photos get 64-bit ids from photoapp/backends/ids_snowflake.py on SQLite;
    # on PostgreSQL, `workshop ids switch` makes next_id() the column default). id_shard is
    # the first shard (13 bits) of this machine: each process leases its own from there up.
    ids: str = "counter"
    id_shard: int = 1

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from PHOTOAPP_* variables, e.g. PHOTOAPP_DATABASE_URL."""
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = environ.get(PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = _parse(f.name, f.type, raw)
        return cls(**values)  # type: ignore[arg-type]

    def with_overrides(self, **changes: object) -> Settings:
        """Return a copy with some fields changed (tests use this)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def max_upload_bytes(self) -> int:
        """The upload limit in bytes, shared by Flask and (lab 04) Nginx."""
        return self.max_upload_mb * 1024 * 1024

    def media_path(self) -> Path:
        """The local media folder as an absolute path."""
        return Path(self.media_dir).resolve()


def _parse(name: str, type_name: object, raw: str) -> object:
    """Convert one variable's text to its field's type, or raise SettingsError."""
    variable = PREFIX + name.upper()
    if type_name in ("int", int):
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{variable}={raw!r} is not a whole number") from None
    if type_name in ("float", float):
        try:
            return float(raw)
        except ValueError:
            raise SettingsError(f"{variable}={raw!r} is not a number") from None
    if type_name in ("bool", bool):
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off", ""):
            return False
        raise SettingsError(f"{variable}={raw!r} is not a boolean (use 1/0, true/false)")
    return raw
