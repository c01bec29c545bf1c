"""Find the server programs, or fail with the exact command that installs them."""

from __future__ import annotations

import functools
import glob
import os
import re
import shutil
import subprocess
from pathlib import Path

from workshop.services.errors import ServiceError

INSTALL = {
    "redis-server": "sudo apt-get install redis-server (macOS: brew install redis)",
    "memcached": "sudo apt-get install memcached (macOS: brew install memcached)",
    "nginx": "sudo apt-get install nginx-light (macOS: brew install nginx)",
    "postgres": "sudo apt-get install postgresql (macOS: brew install postgresql@16)",
}

# Debian puts nginx in /usr/sbin, which is not on a normal user's PATH.
_EXTRA_DIRS = ("/usr/sbin", "/usr/local/sbin", "/opt/homebrew/bin", "/usr/local/bin")


def find(program: str) -> str:
    """Return the path of `program`, or raise ServiceError with its install command."""
    found = shutil.which(program)
    if found:
        return found
    for folder in _EXTRA_DIRS:
        candidate = Path(folder) / program
        if os.access(candidate, os.X_OK):
            return str(candidate)
    hint = INSTALL.get(program, f"install {program}")
    raise ServiceError(f"{program} not found: {hint}")


def optional(program: str) -> str | None:
    """Return the path of `program` when it is installed, else None."""
    try:
        return find(program)
    except ServiceError:
        return None


def _version_key(path: str) -> tuple[int, ...]:
    """Sort key that puts /usr/lib/postgresql/16/bin after .../9.6/bin."""
    return tuple(int(n) for n in re.findall(r"\d+", path)) or (0,)


@functools.cache
def postgres_bindir() -> Path:
    """Return the folder holding initdb and postgres (newest version wins)."""
    override = os.environ.get("WORKSHOP_PG_BINDIR")
    candidates: list[str] = [override] if override else []
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            )
            candidates.append(out.stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass  # a broken pg_config is no reason to give up: try the usual places
    for pattern in (
        "/usr/lib/postgresql/*/bin",  # Debian, Ubuntu
        "/usr/pgsql-*/bin",  # Fedora, RHEL (PGDG)
        "/opt/homebrew/opt/postgresql@*/bin",  # Homebrew on Apple silicon
        "/usr/local/opt/postgresql@*/bin",  # Homebrew on Intel
        "/Applications/Postgres.app/Contents/Versions/*/bin",
    ):
        candidates.extend(sorted(glob.glob(pattern), key=_version_key, reverse=True))
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(str(Path(initdb).parent))
    for folder in candidates:
        if (Path(folder) / "initdb").exists() and (Path(folder) / "postgres").exists():
            return Path(folder)
    raise ServiceError(f"PostgreSQL (initdb, postgres) not found: {INSTALL['postgres']}")
