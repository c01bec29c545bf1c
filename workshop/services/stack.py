"""A stack: the servers one lab needs, started together and always stopped together."""

from __future__ import annotations

import atexit
import os
import secrets
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from workshop.services.app import AppServer
from workshop.services.errors import ServiceError
from workshop.services.machine import BUDGETED_ROLES, Machines
from workshop.services.memcached import MemcachedServer
from workshop.services.nginx import NginxServer
from workshop.services.postgres import PostgresServer
from workshop.services.process import ManagedProcess, Reporter, start_all, stop_all
from workshop.services.redis import RedisServer
from workshop.services.s3 import S3Server
from workshop.services.scratch import Scratch, default_run_root
from workshop.services.spec import StackSpec
from workshop.services.worker import RqWorker

# Stacks started by this process and not stopped yet: atexit stops them.
_live: set[Stack] = set()


@atexit.register
def _stop_live_stacks() -> None:
    for stack in list(_live):
        stack.stop()


class Stack:
    """Start the servers of a StackSpec running `tree`; a context manager that always cleans up.

    Handles: `postgres` (a list, lab 09 runs two), `redis`, `memcached`, `s3`, `nginx` (None
    when not in the spec), `app_servers` and `workers` (lists).
    """

    def __init__(
        self,
        spec: StackSpec,
        tree: Path | str,
        extra_env: Mapping[str, str] | None = None,
        *,
        run_dir: Path | str | None = None,
        quiet: bool = False,
        detached: bool = False,
        worker_queues: Sequence[str] = (),
        keep_scratch: bool = False,
    ) -> None:
        self.spec = spec
        self.tree = Path(tree).resolve()
        self.extra_env = dict(extra_env or {})
        self.run_root = Path(run_dir) if run_dir else default_run_root()
        self.reporter = Reporter(quiet)
        self.detached = detached
        self.worker_queues = tuple(worker_queues)
        self.keep_scratch = keep_scratch
        self.postgres: list[PostgresServer] = []
        self.redis: RedisServer | None = None
        self.memcached: MemcachedServer | None = None
        self.s3: S3Server | None = None
        self.nginx: NginxServer | None = None
        self.app_servers: list[AppServer] = []
        self.workers: list[RqWorker] = []
        self.env: dict[str, str] = {}
        self.scratch: Scratch | None = None
        self.machines: Machines | None = None
        self.started_in = 0.0

    # --- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> Stack:
        if self.scratch is None:  # `with stack:` after stack.start() is fine too
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start every server and wait until all are ready; on any failure stop them all."""
        if self.scratch is not None:
            raise ServiceError("this stack was started already (a Stack starts once)")
        runs_tree = self.spec.app_servers or self.spec.workers
        if runs_tree and not (self.tree / "photoapp" / "__init__.py").exists():
            raise ServiceError(f"{self.tree} holds no photoapp package to run")
        began = time.monotonic()
        self.scratch = Scratch(self.run_root, detached=self.detached)
        self.machines = Machines(
            self.scratch.id, self.spec.machine_cpu, database_cpus=self.spec.database_cpu
        )
        if self.spec.machine_cpu:
            self.reporter.say(f"machines: {self.machines.describe()}")
        if not self.detached:
            _live.add(self)
        try:
            self._start_all()
        except BaseException:  # KeyboardInterrupt included: leave nothing behind
            self.stop()
            raise
        self.started_in = time.monotonic() - began
        self.reporter.say(f"stack up in {self.started_in:.1f} s; scratch {self.scratch.path}")

    def _start_all(self) -> None:
        assert self.scratch is not None
        path = self.scratch.path
        spec = self.spec
        # 1. Data servers, side by side: PostgreSQL is the slow one, the others overlap it.
        for n in range(1, spec.postgres + 1):
            self.postgres.append(
                PostgresServer(
                    f"postgres{n}",
                    path,
                    detached=self.detached,
                    reporter=self.reporter,
                    record_dir=self.scratch.record_dir,
                    durable=spec.durable,
                )
            )
        if spec.redis:
            # With the tree's deploy/redis.conf when it has one (lab 05 on).
            self.redis = RedisServer("redis", path, tree=self.tree, detached=self.detached)
        if spec.memcached:
            self.memcached = MemcachedServer("memcached", path, detached=self.detached)
        if spec.s3:
            self.s3 = S3Server("s3", path, detached=self.detached)
            self.reporter.say(
                f"s3: using {self.s3.kind}"
                + (
                    ""
                    if self.s3.verifies_signatures
                    else " (it does not verify signatures or presigned-URL expiry)"
                )
            )
        self._start_group([*self.postgres, *filter(None, [self.redis, self.memcached, self.s3])])
        # 2. App servers and workers, which connect to the data servers.
        self.env = self._settings()
        (path / "media").mkdir(exist_ok=True)
        base = self.app_environment()
        for n in range(1, spec.app_servers + 1):
            self.app_servers.append(
                AppServer(
                    f"app{n}",
                    path,
                    tree=self.tree,
                    kind=spec.app_server,
                    env={**base, "PHOTOAPP_INSTANCE_NAME": f"app{n}"},
                    detached=self.detached,
                )
            )
        for n in range(1, spec.workers + 1):
            assert self.redis is not None
            self.workers.append(
                RqWorker(
                    f"worker{n}",
                    path,
                    tree=self.tree,
                    redis_url=self.redis.url,
                    env={**base, "PHOTOAPP_INSTANCE_NAME": f"worker{n}"},
                    queues=self.worker_queues,
                    detached=self.detached,
                )
            )
        self._start_group([*self.app_servers, *self.workers])
        # 3. Nginx last: its upstream block needs the app servers' final ports.
        if spec.nginx:
            self.nginx = NginxServer(
                "nginx",
                path,
                tree=self.tree,
                media_dir=path / "media",
                backends=lambda: [a.address for a in self.app_servers],
                max_body_size=f"{self.env.get('PHOTOAPP_MAX_UPLOAD_MB', '10')}m",
                detached=self.detached,
            )
            self._start_group([self.nginx])

    def _start_group(self, servers: list[ManagedProcess]) -> None:
        for server in servers:
            server.on_spawn = self._record
        start_all(servers, self.reporter)
        for server in servers:
            # Processes forked before the budget was set (a quick master's first workers)
            # join it now; later ones are forked inside it.
            self._budget(server)

    def _record(self, server: ManagedProcess) -> None:
        assert self.scratch is not None and server.pid is not None
        self.scratch.record_child(server.name, server.pid, server.started, server.stop_signal)
        self._budget(server)

    def _budget(self, server: ManagedProcess) -> None:
        """Put a server on its own machine: its process tree under the stack's CPU budget."""
        machines = self.machines
        if machines is None or not machines.control.available:
            return
        assert self.scratch is not None and server.pid is not None
        known = set(machines.folders())
        # Nginx and S3 get the priority but no cap: the balancer and the storage service are
        # not the machines a lab measures.
        machines.place(
            server.name,
            server.pid,
            capped=server.role in BUDGETED_ROLES,
            cpus=self.spec.cpu_for(server.role),
        )
        for folder in machines.folders():
            if folder not in known:
                self.scratch.record_cgroup(folder)

    def _settings(self) -> dict[str, str]:
        """The PHOTOAPP_* settings every app server and worker gets."""
        assert self.scratch is not None
        path = self.scratch.path
        env = {
            "PHOTOAPP_SECRET_KEY": secrets.token_hex(32),
            "PHOTOAPP_MEDIA_DIR": str(path / "media"),
            "PHOTOAPP_DATABASE_URL": f"sqlite:///{path / 'photoapp.db'}",
        }
        if self.postgres:
            env["PHOTOAPP_DATABASE_URL"] = self.postgres[0].dsn()
            env["PHOTOAPP_DATABASE_URLS"] = ",".join(p.dsn() for p in self.postgres)
        if self.redis:
            env["PHOTOAPP_REDIS_URL"] = self.redis.url
        if self.memcached:
            env["PHOTOAPP_MEMCACHED_URL"] = self.memcached.url
        if self.s3:
            env.update(
                PHOTOAPP_S3_URL=self.s3.url,
                PHOTOAPP_S3_ACCESS_KEY=self.s3.access_key,
                PHOTOAPP_S3_SECRET_KEY=self.s3.secret_key,
                PHOTOAPP_S3_BUCKET=self.s3.bucket,
                PHOTOAPP_S3_REGION=self.s3.region,
            )
        if self.spec.nginx:
            # The app servers sit behind one proxy: trust one X-Forwarded-For/-Proto entry.
            env["PHOTOAPP_PROXY_HOPS"] = "1"
        env.update(self.extra_env)
        return env

    def app_environment(self) -> dict[str, str]:
        """Our environment without stray PHOTOAPP_* variables, plus the stack's settings."""
        base = {k: v for k, v in os.environ.items() if not k.startswith("PHOTOAPP_")}
        base.update(self.env)
        return base

    def stop(self) -> None:
        """Stop every server and delete the scratch folder; safe to call again."""
        # Front first (nginx, app servers, workers) so clients never see their data servers
        # vanish; each tier stops in parallel.
        front = [*filter(None, [self.nginx]), *self.app_servers, *self.workers]
        back = [*self.postgres, *filter(None, [self.redis, self.memcached, self.s3])]
        errors = []
        for tier in (front, back):
            try:
                stop_all(tier)
            except Exception as error:  # keep going: the other tier must stop too
                errors.append(str(error))
        if self.machines is not None:
            self.machines.remove()
        if self.scratch is not None and not self.keep_scratch:
            self.scratch.remove()
        _live.discard(self)
        if errors:
            raise ServiceError("could not stop cleanly: " + "; ".join(errors))

    # --- what runs where ---------------------------------------------------------------------

    @property
    def servers(self) -> list[ManagedProcess]:
        """Every server handle, in start order."""
        data: list[ManagedProcess] = [
            *self.postgres, *filter(None, [self.redis, self.memcached, self.s3])
        ]
        return [*data, *self.app_servers, *self.workers, *filter(None, [self.nginx])]

    @property
    def base_url(self) -> str:
        """Where a browser goes: Nginx when it runs, else the first app server."""
        if self.nginx:
            return self.nginx.url
        if not self.app_servers:
            raise ServiceError("this stack runs no app server")
        return self.app_servers[0].url

    def machine_usage(self) -> dict[str, float]:
        """CPU seconds each budgeted server has used so far (empty without budgets)."""
        if self.machines is None or not self.machines.enabled:
            return {}
        budgeted = [s for s in self.servers if s.role in BUDGETED_ROLES]
        used = {s.name: self.machines.usage_s(s.name) for s in budgeted}
        return {name: seconds for name, seconds in used.items() if seconds is not None}

    def urls(self) -> dict[str, Any]:
        """Map postgres to DSNs, redis/memcached/s3/nginx to a URL or None, app to URLs, worker to
        a count."""
        return {
            "postgres": [p.dsn() for p in self.postgres],
            "redis": self.redis.url if self.redis else None,
            "memcached": self.memcached.url if self.memcached else None,
            "s3": self.s3.url if self.s3 else None,
            "nginx": self.nginx.url if self.nginx else None,
            "app": [a.url for a in self.app_servers],
            "worker": len(self.workers),
        }

    def __repr__(self) -> str:
        return f"<Stack {self.spec} tree={self.tree}>"
