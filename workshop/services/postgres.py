"""PostgreSQL: a fresh cluster per server, copied from a cached initdb template."""

from __future__ import annotations

import contextlib
import functools
import os
import pwd
import shutil
import signal
import stat
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from workshop.services.binaries import postgres_bindir
from workshop.services.errors import ServiceError
from workshop.services.ports import HOST, port_answers
from workshop.services.process import ManagedProcess, Reporter
from workshop.services.scratch import Scratch

DATABASE = "photoapp"
SUPERUSER = "postgres"
NO_ACCOUNT = (
    "PostgreSQL refuses to run as root and there is no 'postgres' account to run it as: "
    "sudo useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres"
)


def cache_root() -> Path:
    """The workshop's cache folder (WORKSHOP_CACHE_DIR, else ~/.cache/photoapp-workshop)."""
    override = os.environ.get("WORKSHOP_CACHE_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "photoapp-workshop"


@functools.cache
def server_account() -> tuple[int, int] | None:
    """The (uid, gid) PostgreSQL must run as: the postgres account when we are root."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(SUPERUSER)
    except KeyError:
        raise ServiceError(NO_ACCOUNT) from None
    return entry.pw_uid, entry.pw_gid


@functools.cache
def server_version() -> str:
    """The version line of the postgres binary, which keys the template cache."""
    out = subprocess.run(
        [str(postgres_bindir() / "postgres"), "--version"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return out.stdout.strip()


def _reachable_by(path: Path, uid: int, gid: int) -> bool:
    """Return True when user uid can traverse every folder down to `path`."""
    for folder in [path, *path.parents]:
        try:
            info = folder.stat()
        except OSError:
            return False
        if info.st_uid == uid:
            bit = stat.S_IXUSR
        elif info.st_gid == gid:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not info.st_mode & bit:
            return False
    return True


def _chown_tree(path: Path, uid: int, gid: int) -> None:
    os.chown(path, uid, gid)
    for folder, dirs, files in os.walk(path):
        for name in dirs + files:
            os.lchown(os.path.join(folder, name), uid, gid)


class PostgresServer(ManagedProcess):
    """One PostgreSQL cluster with a `photoapp` database; durable, or fast for test data."""

    role: ClassVar[str] = "postgres"
    # SIGINT is PostgreSQL's "fast shutdown": it disconnects clients instead of waiting for
    # them like SIGTERM ("smart") would.
    stop_signal = signal.SIGINT
    ready_timeout: ClassVar[float] = 60.0
    _announced: ClassVar[bool] = False

    def __init__(
        self,
        name: str,
        scratch: Path,
        *,
        detached: bool = False,
        reporter: Reporter | None = None,
        record_dir: Callable[[Path], None] | None = None,
        durable: bool = False,
    ) -> None:
        super().__init__(name, scratch, detached=detached)
        self.durable = durable
        self.bindir = postgres_bindir()
        self.account = server_account()
        self.reporter = reporter or Reporter(quiet=True)
        self.home_scratch: Scratch | None = None
        self.data_dir = self._data_home(record_dir) / "data"

    def _data_home(self, record_dir: Callable[[Path], None] | None) -> Path:
        """Return a folder the server account can reach (one under /tmp if need be)."""
        if self.account is None or _reachable_by(self.scratch, *self.account):
            return self.folder
        # e.g. pytest's tmp_path sits in a root-only folder. The /tmp folder gets its own owner
        # file, so a killed run's data there is cleaned up like any scratch folder.
        root = Path(tempfile.gettempdir()) / "workshop-postgres"
        root.mkdir(mode=0o755, exist_ok=True)
        self.home_scratch = Scratch(root, detached=self.detached)
        if record_dir is not None:
            record_dir(self.home_scratch.path)
        return self.home_scratch.path

    def spawn(self) -> None:
        """Start the server, recording it in the /tmp data folder's owner file too."""
        super().spawn()
        if self.home_scratch is not None and self.pid is not None:
            self.home_scratch.record_child(self.name, self.pid, self.started, self.stop_signal)

    def dsn(self, database: str = DATABASE) -> str:
        """The connection URL of a database on this server."""
        return f"postgresql://{SUPERUSER}@{HOST}:{self.port}/{database}"

    @property
    def url(self) -> str:
        """The DSN of the photoapp database."""
        return self.dsn()

    def run_as(self) -> tuple[int, int] | None:
        """The postgres account when we are root (PostgreSQL refuses root)."""
        return self.account

    def prepare(self) -> None:
        """Create the cluster from the template on first start."""
        super().prepare()
        if self.account and not PostgresServer._announced:
            PostgresServer._announced = True
            self.reporter.say("postgres: running as the 'postgres' account (it refuses root)")
        if (self.data_dir / "PG_VERSION").exists():
            return
        template = self._template()
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(template, self.data_dir, symlinks=True)
        if self.account:
            _chown_tree(self.data_dir.parent, *self.account)
        # A copied template may carry the pid file of nothing; PostgreSQL wants 0700 either way.
        os.chmod(self.data_dir, 0o700)

    def _template(self) -> Path:
        """Return a cached, freshly initdb'ed cluster for this PostgreSQL version."""
        key = "".join(c if c.isalnum() else "-" for c in server_version())
        # v1: bump when the initdb options below change, so old caches are not reused.
        template = cache_root() / f"pg-template-v1-{key}"
        if (template / "PG_VERSION").exists():
            return template
        work = self.data_dir.parent / "initdb"
        work.mkdir(parents=True, exist_ok=True)
        if self.account:
            os.chown(work, *self.account)
        argv = [
            str(self.bindir / "initdb"),
            "-D",
            str(work / "data"),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
            "--no-instructions",
        ]
        account = self.account
        result = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=work,
            user=account[0] if account else None,
            group=account[1] if account else None,
            extra_groups=[] if account else None,
        )
        if result.returncode != 0:
            raise ServiceError(f"initdb failed ({' '.join(argv)}):\n{result.stderr[-2000:]}")
        template.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".pg-template-", dir=template.parent))
        shutil.copytree(work / "data", staging / "data", symlinks=True)
        # Losing the race to another process is fine: its template is as good as ours.
        with contextlib.suppress(OSError):
            (staging / "data").rename(template)
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
        return template

    def command(self) -> list[str]:
        """postgres in the foreground on TCP only; durable, or never waiting for the disk."""
        settings = {
            "listen_addresses": HOST,
            # No Unix socket: clients use TCP, and socket paths have a 107-byte limit.
            "unix_socket_directories": "",
            "max_connections": "200",
        }
        if not self.durable:
            # Test data nobody crashes: a commit returns before its WAL reaches the disk, so a
            # server killed with -m immediate may lose the last acknowledged writes.
            settings.update(fsync="off", synchronous_commit="off", full_page_writes="off")
        argv = [str(self.bindir / "postgres"), "-D", str(self.data_dir), "-p", str(self.port)]
        for name, value in settings.items():
            argv += ["-c", f"{name}={value}"]
        return argv

    def workdir(self) -> Path | None:
        """The data folder's parent, which the server account can read."""
        return self.data_dir.parent

    def check_ready(self) -> bool:
        """Ready when a connection to the maintenance database succeeds."""
        if not port_answers(self.port):
            return False
        import psycopg

        with psycopg.connect(self.dsn("postgres"), connect_timeout=2):
            return True

    def after_ready(self) -> None:
        """Create the photoapp database (once per cluster)."""
        self.create_database(DATABASE, exist_ok=True)

    def create_database(self, name: str, exist_ok: bool = False) -> str:
        """Create a database and return its DSN."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if exists and not exist_ok:
                raise ServiceError(f"database {name} already exists on {self.address}")
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.dsn(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, disconnecting its clients."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
