"""One settings object, read from PHOTOAPP_* environment variables.

This is the only module that reads `os.environ`; everything else receives a Settings.
"""

from __future__ import annotations

import difflib
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

PREFIX = "PHOTOAPP_"
DEV_SECRET = "dev-only-insecure-secret-change-me"
# PHOTOAPP_* names that are not settings of the app: the test harness's own.
NOT_SETTINGS_PREFIXES = ("PHOTOAPP_IMPL", "PHOTOAPP_TEST_")
# Settings of labs still to come, which the workshop's stacks and compose/ already pass to every
# app server: accepted and unused until their lab adds them as fields below.
LATER_LABS = frozenset({
    "PHOTOAPP_DATABASE_URLS",  # lab 09, sharding
    "PHOTOAPP_S3_URL",  # lab 07, object storage
    "PHOTOAPP_S3_ACCESS_KEY",
    "PHOTOAPP_S3_SECRET_KEY",
    "PHOTOAPP_S3_BUCKET",
    "PHOTOAPP_S3_REGION",
})


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
    # Lab 05, caching: the Redis that caches reads and holds the photo -> owner map; empty means
    # no cache (every read goes to the database). With a Memcached URL too, Memcached caches and
    # Redis keeps only the map, as Instagram ran them. An entry lives cache_ttl seconds; a cached
    # feed page, which other people's uploads change without telling us, feed_cache_ttl.
    redis_url: str = ""
    memcached_url: str = ""
    cache_ttl: int = 300
    feed_cache_ttl: int = 30
    # Lab 08, snowflake ids: "counter" (the database numbers rows 1, 2, 3 ...) or "snowflake"
    # (new users and photos get 64-bit ids from photoapp/backends/ids_snowflake.py on SQLite;
    # on PostgreSQL, `workshop ids switch` makes next_id() the column default). id_shard is
    # the first shard (13 bits) of this machine: each process leases its own from there up.
    ids: str = "counter"
    id_shard: int = 1

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from PHOTOAPP_* variables; refuse names that are no setting (typos)."""
        environ = os.environ if environ is None else environ
        _refuse_unknown(environ)
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


def setting_names() -> list[str]:
    """Return the PHOTOAPP_* name of every setting."""
    return [PREFIX + f.name.upper() for f in fields(Settings)]


def _refuse_unknown(environ: Mapping[str, str]) -> None:
    """Raise SettingsError naming PHOTOAPP_* variables that no setting reads: a typo is silent."""
    known = set(setting_names()) | LATER_LABS
    unknown = sorted(
        name for name in environ
        if name.startswith(PREFIX) and name not in known
        and not name.startswith(NOT_SETTINGS_PREFIXES)
    )
    if not unknown:
        return
    close = difflib.get_close_matches(unknown[0], sorted(known), n=1, cutoff=0.8)
    guess = f" (did you mean {close[0]}?)" if close else ""
    raise SettingsError(
        f"unknown variable{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}{guess}: "
        "photoapp/settings.py lists every PHOTOAPP_* setting"
    )


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
