"""Memcached: a cache and nothing else, as Instagram ran it beside Redis (lab 05's comparison)."""

from __future__ import annotations

import os
import pwd
import socket
from pathlib import Path
from typing import ClassVar

from workshop.services.binaries import find
from workshop.services.ports import HOST, port_answers
from workshop.services.process import ManagedProcess

MEMORY_MB = 64


class MemcachedServer(ManagedProcess):
    """memcached on a free loopback port, TCP only, 64 MB."""

    role: ClassVar[str] = "memcached"
    ready_timeout: ClassVar[float] = 20.0

    def __init__(self, name: str, scratch: Path, *, detached: bool = False) -> None:
        super().__init__(name, scratch, detached=detached)
        self.binary = find("memcached")

    @property
    def url(self) -> str:
        """memcache://127.0.0.1:port"""
        return f"memcache://{HOST}:{self.port}"

    def command(self) -> list[str]:
        """memcached in the foreground; as root it must be told which account to run as."""
        argv = [
            self.binary,
            "--listen",
            HOST,
            "--port",
            str(self.port),
            "--udp-port",
            "0",
            "--memory-limit",
            str(MEMORY_MB),
        ]
        if os.geteuid() == 0:
            argv += ["--user", pwd.getpwuid(0).pw_name]
        return argv

    def check_ready(self) -> bool:
        """Ready when the `version` command answers."""
        if not port_answers(self.port):
            return False
        try:
            with socket.create_connection((HOST, self.port), timeout=1) as conn:
                conn.sendall(b"version\r\n")
                return conn.recv(64).startswith(b"VERSION")
        except OSError:
            return False
