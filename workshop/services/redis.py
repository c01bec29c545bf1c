"""Redis without persistence: a cache and a job queue that start empty."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from workshop.services.binaries import find
from workshop.services.ports import HOST, port_answers
from workshop.services.process import ManagedProcess


class RedisServer(ManagedProcess):
    """redis-server on a free port, no RDB snapshots, no AOF."""

    role: ClassVar[str] = "redis"
    ready_timeout: ClassVar[float] = 20.0

    def __init__(self, name: str, scratch: Path, *, detached: bool = False) -> None:
        super().__init__(name, scratch, detached=detached)
        self.binary = find("redis-server")

    @property
    def url(self) -> str:
        """redis://127.0.0.1:port/0"""
        return f"redis://{HOST}:{self.port}/0"

    def command(self) -> list[str]:
        """redis-server in the foreground, nothing written to disk."""
        return [
            self.binary,
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
