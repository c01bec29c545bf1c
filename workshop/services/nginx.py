"""Nginx from the lab's template, rendered for this stack, with its own prefix and files."""

from __future__ import annotations

import os
import re
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar

from workshop.services.binaries import find
from workshop.services.errors import ServiceError
from workshop.services.ports import HOST, port_answers
from workshop.services.process import ManagedProcess

TEMPLATE = Path("deploy") / "nginx.conf"
TEMP_KINDS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


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
        return template_context(
            listen=self.address,
            app_servers=list(self.backends()),
            media_dir=self.media_dir,
            static_dir=self.tree / "photoapp" / "web" / "static",
            max_body_size=self.max_body_size,
            prefix=self.folder,
            pid_file=self.pid_file,
            # Workers run as `nobody` under a root master and could not read our media folder.
            user_directive="user root;" if os.geteuid() == 0 else "",
        )

    def render(self) -> str:
        """Render the tree's deploy/nginx.conf template for this stack."""
        return render_template(self.template, self.context())

    def prepare(self) -> None:
        """Render the config and create the log and temp folders."""
        super().prepare()
        for sub in ("logs", "temp", *(f"temp/{kind}" for kind in TEMP_KINDS)):
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

    def failure(self, what: str) -> ServiceError:
        """Say why Nginx refused to start in one line: its [emerg] message and the line."""
        emerg = next(
            (line for line in self._log_since_spawn().splitlines() if "[emerg]" in line), ""
        )
        if not emerg:
            return super().failure(what)
        kept = keep_failed_config(self.config_path)
        message = emerg.split("[emerg]", 1)[1].strip()
        message = re.sub(r"^\d+#\d+: ", "", message)  # the pid#thread Nginx puts first
        found = re.search(r" in (\S+):(\d+)$", message)
        if found and kept is not None:
            number = int(found.group(2))
            lines = kept.read_text(errors="replace").splitlines()
            line = lines[number - 1].strip() if 0 < number <= len(lines) else ""
            message = f"{message[: found.start()]} at line {number} of {kept}: {line}"
        return ServiceError(
            f"{self.name} did not start: {message}\n"
            f"(the rendered config is kept at {kept}; the end of Nginx's log:)\n{self.log_tail()}"
        )

    @property
    def url(self) -> str:
        """http://127.0.0.1:port"""
        return f"http://{HOST}:{self.port}"


def keep_failed_config(config: Path) -> Path | None:
    """Copy a rendered config that Nginx refused out of the stack's scratch folder, which goes
    away with the stack, into .workshop/failed/; return the copy."""
    from workshop.services.scratch import repo_root

    if not config.is_file():
        return None
    folder = repo_root() / ".workshop" / "failed"
    folder.mkdir(parents=True, exist_ok=True)
    kept = folder / "nginx.conf"
    kept.write_text(config.read_text(errors="replace"))
    return kept


def template_context(
    *,
    listen: str,
    app_servers: Sequence[str],
    media_dir: Path,
    static_dir: Path,
    max_body_size: str,
    prefix: Path,
    pid_file: Path,
    user_directive: str = "",
) -> dict[str, object]:
    """The variables of a deploy/nginx.conf template; logs and temp files go under `prefix`."""
    log_dir = prefix / "logs"
    temp_dir = prefix / "temp"
    return {
        "listen": listen,
        "listen_port": int(listen.rsplit(":", 1)[-1]),
        "app_servers": list(app_servers),
        "media_dir": str(media_dir),
        "static_dir": str(static_dir),
        "max_body_size": max_body_size,
        "prefix": str(prefix),
        "log_dir": str(log_dir),
        "access_log": str(log_dir / "access.log"),
        "pid_file": str(pid_file),
        "temp_dir": str(temp_dir),
        # Debian's nginx defaults these to /var/lib/nginx: templates paste them in http { }.
        "temp_paths": "\n".join(f"{kind}_temp_path {temp_dir / kind};" for kind in TEMP_KINDS),
        "user_directive": user_directive,
    }


def render_template(template: Path, context: dict[str, object]) -> str:
    """Render an nginx.conf Jinja2 template; a missing file or bad variable is a ServiceError."""
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    if not template.exists():
        raise ServiceError(f"nginx: no template at {template} (lab 04 writes deploy/nginx.conf)")
    # Sandboxed: the grader renders templates students wrote, and a plain Jinja template can
    # reach Python objects through attributes.
    env = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(template.parent)),
        undefined=jinja2.StrictUndefined,  # a misspelt variable is an error, not ""
        keep_trailing_newline=True,
    )
    env.globals["todo"] = _todo  # the starter's {{ todo("Lab 04: ...") }} line
    try:
        return env.get_template(template.name).render(context)
    except jinja2.TemplateError as error:
        line = _template_line(error, template)
        where = f"{template}, line {line}" if line else str(template)
        raise ServiceError(f"nginx: cannot render {where}: {error}") from None


def _template_line(error: Exception, template: Path) -> int | None:
    """The template line an error points to: a syntax error's, or a frame's in the template."""
    line = getattr(error, "lineno", None)
    if isinstance(line, int):
        return line
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == str(template)]
    return frames[-1].lineno if frames else None


def _todo(message: str) -> str:
    """Fail like a Python stub does: a config file cannot raise NotImplementedError itself."""
    raise NotImplementedError(message)
