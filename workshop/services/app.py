"""App servers: the tree's photoapp under Flask's dev server or Gunicorn."""

from __future__ import annotations

import re
import signal
import sys
from pathlib import Path
from typing import ClassVar

from workshop.services.errors import ServiceError
from workshop.services.process import ManagedProcess
from workshop.services.s3 import http_status

APP = "photoapp:create_app()"
# What a lab's unwritten stub raises: "NotImplementedError: Lab 03: write ... (see labs/...)".
STUB_ERROR = re.compile(r"NotImplementedError: (Lab (\d\d): [^\n]*)")


def tree_environment(base: dict[str, str], tree: Path) -> dict[str, str]:
    """`base` with the tree first on PYTHONPATH, so its photoapp wins over an installed one."""
    env = dict(base)
    env["PYTHONPATH"] = str(tree) + (f":{base['PYTHONPATH']}" if base.get("PYTHONPATH") else "")
    env["PYTHONUNBUFFERED"] = "1"  # logs reach the log file as they happen
    return env


class AppServer(ManagedProcess):
    """One app server process; ready when GET /healthz answers 200."""

    role: ClassVar[str] = "app"
    ready_timeout: ClassVar[float] = 60.0
    # Stateless: after a few seconds of quick shutdown there is nothing left worth waiting for.
    stop_timeout: ClassVar[float] = 5.0

    def __init__(
        self,
        name: str,
        scratch: Path,
        *,
        tree: Path,
        kind: str,
        env: dict[str, str],
        detached: bool = False,
    ) -> None:
        super().__init__(name, scratch, detached=detached)
        self.tree = tree
        self.kind = kind
        self.env = env
        # Gunicorn's SIGTERM waits up to its graceful timeout; SIGINT is its quick shutdown.
        self.stop_signal = signal.SIGINT if kind == "gunicorn" else signal.SIGTERM

    def command(self) -> list[str]:
        """flask run or gunicorn, bound to our loopback port."""
        if self.kind == "gunicorn":
            argv = [sys.executable, "-m", "gunicorn"]
            config = self.tree / "deploy" / "gunicorn.conf.py"
            if config.exists():
                argv += ["-c", str(config)]
            return argv + ["--bind", self.address, APP]
        return [
            sys.executable,
            "-m",
            "flask",
            "--app",
            APP,
            "run",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--with-threads",
            "--no-reload",
            "--no-debugger",
        ]

    def environment(self) -> dict[str, str]:
        """The stack's PHOTOAPP_* settings plus this server's instance name."""
        return tree_environment(self.env, self.tree)

    def workdir(self) -> Path:
        """The tree, so relative paths and `python -m` resolve there."""
        return self.tree

    def check_ready(self) -> bool:
        """Ready when /healthz answers 200."""
        return http_status(self.url + "/healthz") == 200

    def failure(self, what: str) -> ServiceError:
        """When a lab's stub stopped the app, say so in one line, with the ways forward."""
        stub = STUB_ERROR.search(self._log_since_spawn())
        if stub is None:
            return super().failure(what)
        lab = int(stub.group(2))
        return ServiceError(
            f"{self.name} did not start: lab {lab:02d}'s code is not written yet. Finish that "
            f"lab, or lay in the official files with `workshop catchup {lab + 1}`, or run the "
            f"solutions with `--impl reference`.\nNotImplementedError: {stub.group(1)}"
        )
