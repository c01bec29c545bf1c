"""Nginx from the lab's template, rendered for this stack, with its own prefix and files."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar

from workshop.services.binaries import find
from workshop.services.errors import ServiceError
from workshop.services.ports import HOST, port_answers
from workshop.services.process import ManagedProcess

TEMPLATE = Path("deploy") / "nginx.conf"
_TEMP_KINDS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


class NginxServer(ManagedProcess):
    """nginx -p <prefix> -c <rendered> -e <log> -g "daemon off;" as a foreground child."""

    role: ClassVar[str] = "nginx"
    ready_timeout: ClassVar[float] = 20.0

    def __init__(
        self,
        name: str,
        scratch: Path,
        *,
        tree: Path,
        backends: Callable[[], Sequence[str]],
        media_dir: Path,
        max_body_size: str = "10m",
        detached: bool = False,
    ) -> None:
        super().__init__(name, scratch, detached=detached)
        self.binary = find("nginx")
        self.tree = tree
        self.template = tree / TEMPLATE
        self.backends = backends  # called at each spawn: app servers may have moved port
        self.media_dir = media_dir
        self.max_body_size = max_body_size
        self.config_path = self.folder / "nginx.conf"
        self.pid_file = self.folder / "nginx.pid"
        self.error_log = self.folder / "logs" / "error.log"

    def context(self) -> dict[str, object]:
        """The variables a deploy/nginx.conf template may use."""
        log_dir = self.folder / "logs"
        temp_dir = self.folder / "temp"
        temp_paths = "\n".join(f"{kind}_temp_path {temp_dir / kind};" for kind in _TEMP_KINDS)
        return {
            "listen_port": self.port,
            "listen": self.address,
            "app_servers": list(self.backends()),
            "media_dir": str(self.media_dir),
            "static_dir": str(self.tree / "photoapp" / "web" / "static"),
            "max_body_size": self.max_body_size,
            "prefix": str(self.folder),
            "log_dir": str(log_dir),
            "pid_file": str(self.pid_file),
            "temp_dir": str(temp_dir),
            # Debian's nginx defaults these to /var/lib/nginx: paste inside http { }.
            "temp_paths": temp_paths,
            "access_log": str(log_dir / "access.log"),
            # Workers run as `nobody` under a root master and could not read our media folder.
            "user_directive": "user root;" if os.geteuid() == 0 else "",
        }

    def render(self) -> str:
        """Render the tree's deploy/nginx.conf template for this stack."""
        import jinja2

        if not self.template.exists():
            raise ServiceError(
                f"nginx: no template at {self.template} (lab 04 writes deploy/nginx.conf)"
            )
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(self.template.parent)),
            undefined=jinja2.StrictUndefined,  # a misspelt variable is an error, not ""
            keep_trailing_newline=True,
        )
        env.globals["todo"] = _todo  # the starter's {{ todo("Lab 04: ...") }} line
        try:
            return env.get_template(self.template.name).render(self.context())
        except jinja2.TemplateError as error:
            raise ServiceError(f"nginx: cannot render {self.template}: {error}") from None

    def prepare(self) -> None:
        """Render the config and create the log and temp folders."""
        super().prepare()
        for sub in ("logs", "temp", *(f"temp/{kind}" for kind in _TEMP_KINDS)):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        self.pid_file.unlink(missing_ok=True)
        self.config_path.write_text(self.render())

    def command(self) -> list[str]:
        """nginx in the foreground with everything under its own prefix."""
        directives = "daemon off;"
        config = self.config_path.read_text() if self.config_path.exists() else ""
        if not re.search(r"^\s*pid\s", config, re.MULTILINE):
            # Never fall back to the system's /run/nginx.pid.
            directives += f" pid {self.pid_file};"
        return [
            self.binary,
            "-p",
            f"{self.folder}/",
            "-c",
            str(self.config_path),
            "-e",
            str(self.error_log),
            "-g",
            directives,
        ]

    def check_ready(self) -> bool:
        """Ready when our master wrote its pid file (so it bound the port) and the port answers."""
        try:
            written = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return False
        return written == self.pid and port_answers(self.port)

    def log_tail(self, lines: int = 20) -> str:
        """The start-up output and the error log together."""
        tail = super().log_tail(lines)
        try:
            errors = self.error_log.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return tail
        return tail + "\n" + "\n".join(errors)

    def _log_since_spawn(self) -> str:
        return super()._log_since_spawn() + (
            self.error_log.read_text(errors="replace") if self.error_log.exists() else ""
        )

    @property
    def url(self) -> str:
        """http://127.0.0.1:port"""
        return f"http://{HOST}:{self.port}"


def _todo(message: str) -> str:
    """Fail like a Python stub does: a config file cannot raise NotImplementedError itself."""
    raise NotImplementedError(message)
