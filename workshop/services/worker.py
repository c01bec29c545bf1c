"""RQ workers running the tree's job functions."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from workshop.services.app import tree_environment
from workshop.services.process import ManagedProcess


class RqWorker(ManagedProcess):
    """`rq worker` on the stack's Redis; ready once it has registered there."""

    role: ClassVar[str] = "worker"
    listens: ClassVar[bool] = False
    ready_timeout: ClassVar[float] = 60.0

    def __init__(
        self,
        name: str,
        scratch: Path,
        *,
        tree: Path,
        redis_url: str,
        env: dict[str, str],
        queues: Sequence[str] = (),
        detached: bool = False,
    ) -> None:
        super().__init__(name, scratch, detached=detached)
        self.tree = tree
        self.redis_url = redis_url
        self.env = env
        self.queues = list(queues)

    @property
    def address(self) -> str:
        """Where the worker takes jobs from."""
        return self.redis_url

    @property
    def url(self) -> str:
        """The Redis URL the worker listens to."""
        return self.redis_url

    def command(self) -> list[str]:
        """rq worker with the scheduler (retries with intervals need it)."""
        return [
            sys.executable,
            "-m",
            "rq.cli",
            "worker",
            "--url",
            self.redis_url,
            "--path",
            str(self.tree),
            "--with-scheduler",
            *self.queues,
        ]

    def environment(self) -> dict[str, str]:
        """The stack's settings, with the tree first on PYTHONPATH."""
        return tree_environment(self.env, self.tree)

    def workdir(self) -> Path:
        """The tree."""
        return self.tree

    def check_ready(self) -> bool:
        """Ready when RQ lists a worker with our pid."""
        import redis
        from rq import Worker

        with redis.Redis.from_url(self.redis_url, socket_timeout=1) as conn:
            return any(w.pid == self.pid for w in Worker.all(connection=conn))
