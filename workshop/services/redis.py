"""Redis without persistence: a cache and a job queue that start empty.

When the tree has a deploy/redis.conf (lab 05's deliverable), Redis reads it first; the
command line then adds what the harness decides (port, bind address, folder, no persistence).
The starter's `# TODO: Lab 05: ...` line fails like a Python stub does, with NotImplementedError.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

from workshop.services.binaries import find
from workshop.services.ports import HOST, port_answers
from workshop.services.process import ManagedProcess

CONFIG = Path("deploy") / "redis.conf"
TODO = re.compile(r"^#\s*TODO:\s*(Lab \d\d: .*)$", re.MULTILINE)


def config_of(tree: Path | None) -> Path | None:
    """Return the tree's deploy/redis.conf, or None when it has none (before lab 05)."""
    if tree is None:
        return None
    path = tree / CONFIG
    return path if path.is_file() else None


def check_config(path: Path) -> None:
    """Raise the starter's NotImplementedError while the file still has its TODO line."""
    found = TODO.search(path.read_text(errors="replace"))
    if found:
        raise NotImplementedError(found.group(1).strip())


class RedisServer(ManagedProcess):
    """redis-server on a free port, no RDB snapshots, no AOF, with the tree's config if any."""

    role: ClassVar[str] = "redis"
    ready_timeout: ClassVar[float] = 20.0

    def __init__(
        self, name: str, scratch: Path, *, tree: Path | None = None, detached: bool = False
    ) -> None:
        super().__init__(name, scratch, detached=detached)
        self.binary = find("redis-server")
        self.config = config_of(tree)

    @property
    def url(self) -> str:
        """redis://127.0.0.1:port/0"""
        return f"redis://{HOST}:{self.port}/0"

    def prepare(self) -> None:
        """Create the folder; refuse a config that is still the starter."""
        super().prepare()
        if self.config is not None:
            check_config(self.config)

    def command(self) -> list[str]:
        """redis-server in the foreground, nothing written to disk (after the tree's config)."""
        config = [str(self.config)] if self.config is not None else []
        return [
            self.binary,
            *config,
            "--port",
            str(self.port),
            "--bind",
            HOST,
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.folder),
            "--daemonize",
            "no",
            "--protected-mode",
            "no",
        ]

    def check_ready(self) -> bool:
        """Ready when PING answers (the port opens before the data set is loaded)."""
        if not port_answers(self.port):
            return False
        import redis

        with redis.Redis.from_url(self.url, socket_timeout=1) as client:
            return bool(client.ping())
