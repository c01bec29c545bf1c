"""What a stack is made of: the [lab.stack] table of labs/labs.toml as a value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

from workshop.services.errors import ServiceError

AppServerKind = Literal["flask", "gunicorn"]


@dataclass(frozen=True)
class StackSpec:
    """The servers one stack runs; the defaults are lab 01's single box."""

    postgres: int = 0
    redis: bool = False
    memcached: bool = False
    s3: bool = False
    nginx: bool = False
    app_servers: int = 1
    app_server: AppServerKind = "flask"
    workers: int = 0
    # Each app, database and worker server under its own CPU budget ("a machine"), in CPUs;
    # 0 runs them without budgets (see machine.py).
    machine_cpu: float = 0.0
    # The PostgreSQL servers' machines, when they differ from the others (0: machine_cpu too);
    # a smaller database machine makes the database the first limit, as with years of data.
    database_cpu: float = 0.0
    # PostgreSQL with fsync and synchronous commit on: wherever a server is killed or "nothing
    # lost" is claimed. Off, it skips waiting for the disk: fast, and fine where nobody crashes.
    durable: bool = False

    def __post_init__(self) -> None:
        """Refuse specs that cannot run, with a message naming the bad key."""
        for name in ("postgres", "app_servers", "workers"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ServiceError(f"stack: {name} must be a whole number >= 0, got {value!r}")
        for name in ("redis", "memcached", "s3", "nginx", "durable"):
            if not isinstance(getattr(self, name), bool):
                raise ServiceError(f"stack: {name} must be true or false")
        for name in ("machine_cpu", "database_cpu"):
            cpu = getattr(self, name)
            if isinstance(cpu, bool) or not isinstance(cpu, int | float) or not 0 <= cpu <= 64:
                raise ServiceError(f"stack: {name} must be a number of CPUs (0-64), got {cpu!r}")
        if self.database_cpu and not self.machine_cpu:
            raise ServiceError("stack: database_cpu needs machine_cpu (the other machines' CPUs)")
        if self.app_server not in ("flask", "gunicorn"):
            raise ServiceError(
                f"stack: app_server must be 'flask' or 'gunicorn', got {self.app_server!r}"
            )
        if self.workers and not self.redis:
            raise ServiceError("stack: RQ workers need redis = true")
        if self.nginx and not self.app_servers:
            raise ServiceError("stack: nginx needs at least one app server to balance")

    @classmethod
    def from_manifest(cls, table: Mapping[str, Any] | None) -> StackSpec:
        """Build a spec from a [lab.stack] table; missing keys take the defaults."""
        table = dict(table or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(table) - known)
        if unknown:
            raise ServiceError(
                f"stack: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        return cls(**table)

    def cpu_for(self, role: str) -> float:
        """The CPU budget of a server of this role (0: none)."""
        if role == "postgres" and self.database_cpu:
            return self.database_cpu
        return self.machine_cpu

    def as_dict(self) -> dict[str, Any]:
        """The spec as a plain dict (for state files and reports)."""
        return asdict(self)
