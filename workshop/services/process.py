"""The base of every server handle: spawn, wait until ready, show the log tail, stop."""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar

from workshop.services.errors import ServiceError
from workshop.services.pids import kill_group, start_time
from workshop.services.ports import HOST, free_port, port_answers, port_is_free, wait_port_free

PR_SET_PDEATHSIG = 1
PORT_CLASH = re.compile(
    r"address already in use|in use by another program|connection in use|eaddrinuse",
    re.IGNORECASE,
)
PORT_RETRIES = 3
PORT_RELEASE_TIMEOUT_S = 5.0  # how long a restart waits for a killed server's port


class Reporter:
    """Progress lines on stderr ("redis ready on 127.0.0.1:6379 (0.1 s)"), unless quiet."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet

    def say(self, message: str) -> None:
        """Print one progress line."""
        if not self.quiet:
            print(message, file=sys.stderr, flush=True)


def _die_with_parent(sig: int) -> Callable[[], None] | None:
    """Return a preexec_fn asking Linux to send `sig` to the child when we die, or None."""
    if not sys.platform.startswith("linux"):
        return None
    # The signal fires when the *thread* that forked the child exits, so only the main thread
    # (which lives as long as the process) may use it; other callers rely on atexit and stop().
    if threading.current_thread() is not threading.main_thread():
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    parent = os.getpid()

    def preexec() -> None:
        # Runs in the child after the user switch (which would clear the setting otherwise).
        libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl: nobody will tell us
            os.kill(os.getpid(), sig)

    return preexec


class ManagedProcess:
    """One server run as a child process on a free loopback port."""

    role: ClassVar[str] = "server"
    listens: ClassVar[bool] = True  # False for servers without a port (RQ workers)
    stop_signal: int = signal.SIGTERM
    ready_timeout: ClassVar[float] = 30.0
    stop_timeout: ClassVar[float] = 10.0  # grace after the stop signal, then SIGKILL

    def __init__(self, name: str, scratch: Path, *, detached: bool = False) -> None:
        self.name = name
        self.scratch = scratch
        self.folder = scratch / name
        self.log_path = scratch / f"{name}.log"
        self.detached = detached
        self.port = free_port() if self.listens else 0
        self.process: subprocess.Popen[bytes] | None = None
        self.started: str | None = None
        self.spawned_at = 0.0
        self.on_spawn: Callable[[ManagedProcess], None] | None = None
        self._log_offset = 0

    # --- what each kind of server defines -------------------------------------------------

    def command(self) -> list[str]:
        """The argv that runs the server in the foreground."""
        raise NotImplementedError

    def environment(self) -> dict[str, str] | None:
        """The child's environment (None: inherit ours)."""
        return None

    def workdir(self) -> Path | None:
        """The child's working directory (None: ours)."""
        return None

    def run_as(self) -> tuple[int, int] | None:
        """The (uid, gid) to run as, or None for our own."""
        return None

    def prepare(self) -> None:
        """Create what the server needs before each spawn (folders, config files)."""
        self.folder.mkdir(parents=True, exist_ok=True)

    def check_ready(self) -> bool:
        """Return True once the server serves; called repeatedly, must be quick."""
        return port_answers(self.port)

    def after_ready(self) -> None:
        """Finish setting up once ready (create a database, a bucket)."""

    # --- the handle -----------------------------------------------------------------------

    @property
    def address(self) -> str:
        """host:port the server listens on."""
        return f"{HOST}:{self.port}"

    @property
    def url(self) -> str:
        """The URL clients use."""
        return f"http://{self.address}"

    @property
    def pid(self) -> int | None:
        """The server's process id (also its process group id), None before the first spawn."""
        return self.process.pid if self.process else None

    def is_running(self) -> bool:
        """Return True while the server process is alive."""
        return self.process is not None and self.process.poll() is None

    def spawn(self) -> None:
        """Start the process without waiting for it to be ready."""
        self.prepare()
        argv = self.command()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            log.write(f"--- {time.strftime('%H:%M:%S')} {shlex.join(argv)}\n".encode())
            log.flush()
            self._log_offset = log.tell()
            owner = self.run_as()
            preexec = None if self.detached else _die_with_parent(self.stop_signal)
            self.process = subprocess.Popen(  # noqa: S603 - argv built by us, no shell
                argv,
                cwd=self.workdir(),
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own group: Ctrl-C reaches us only; killpg takes all
                preexec_fn=preexec,
                user=owner[0] if owner else None,
                group=owner[1] if owner else None,
                extra_groups=[] if owner else None,  # drop root's groups with root's uid
            )
        self.spawned_at = time.monotonic()
        self.started = start_time(self.process.pid)
        if self.on_spawn:
            self.on_spawn(self)

    def start(self, timeout: float | None = None, reporter: Reporter | None = None) -> None:
        """Start the server and wait until it is ready (restarts it after stop() or kill())."""
        if self.is_running():
            return
        # After kill() the dying processes release the port a moment later: wait for it.
        if self.listens and not wait_port_free(self.port, PORT_RELEASE_TIMEOUT_S):
            raise ServiceError(f"{self.name}: port {self.port} is taken by another program")
        start_all([self], reporter or Reporter(quiet=True), timeout=timeout, new_ports=False)

    def stop(self, timeout: float | None = None) -> None:
        """Stop the server: its stop signal, a grace period, then SIGKILL to its whole group."""
        stop_all([self], timeout)

    def send_stop_signal(self) -> None:
        """Ask the server to shut down, without waiting."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, self.stop_signal)

    def wait_stopped(self, deadline: float) -> None:
        """Wait until `deadline` (monotonic) for the server to exit, then SIGKILL its group."""
        proc = self.process
        if proc is None:
            return
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(max(0.0, deadline - time.monotonic()))
        kill_group(proc.pid)  # leftovers: workers, backends, a server that ignored the signal
        if proc.poll() is None:
            proc.kill()  # in case it left its process group
        proc.wait()

    def kill(self) -> None:
        """Kill the server and its whole group at once with SIGKILL (a crash, for fault tests)."""
        proc = self.process
        if proc is None:
            return
        kill_group(proc.pid)
        if proc.poll() is None:
            proc.kill()
        proc.wait()

    def log_tail(self, lines: int = 20) -> str:
        """The last lines of the server's log."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def _log_since_spawn(self) -> str:
        try:
            with open(self.log_path, "rb") as log:
                log.seek(self._log_offset)
                return log.read().decode(errors="replace")
        except OSError:
            return ""

    def port_clash(self) -> bool:
        """Return True when the last spawn failed because its port was taken."""
        return bool(PORT_CLASH.search(self._log_since_spawn()))

    def failure(self, what: str) -> ServiceError:
        """A ServiceError that says what went wrong and shows the log tail."""
        return ServiceError(f"{self.name} {what}; the end of its log:\n{self.log_tail()}")

    def __repr__(self) -> str:
        state = "running" if self.is_running() else "stopped"
        return f"<{type(self).__name__} {self.name} {self.address} pid={self.pid} {state}>"


def start_all(
    servers: Sequence[ManagedProcess],
    reporter: Reporter,
    timeout: float | None = None,
    new_ports: bool = True,
) -> None:
    """Spawn `servers` together and wait until all are ready (ports retried on a clash).

    Everything is spawned from the calling thread (see _die_with_parent) and polled in turn,
    so slow starters overlap.
    """
    attempts = dict.fromkeys(servers, 0)
    for server in servers:
        if new_ports and server.listens and not port_is_free(server.port):
            server.port = free_port()
        server.spawn()
    pending = list(servers)
    while pending:
        for server in list(pending):
            assert server.process is not None
            code = server.process.poll()
            if code is not None:
                if new_ports and server.port_clash() and attempts[server] < PORT_RETRIES:
                    attempts[server] += 1
                    reporter.say(f"{server.name}: port {server.port} was taken, trying another")
                    server.port = free_port()
                    server.spawn()
                    continue
                clash = " (its port was taken)" if server.port_clash() else ""
                raise server.failure(f"exited with code {code} while starting{clash}")
            if _ready(server):
                try:
                    server.after_ready()
                except Exception as error:
                    raise server.failure(f"started, but setting it up failed: {error}") from error
                pending.remove(server)
                took = time.monotonic() - server.spawned_at
                reporter.say(f"{server.name} ready on {server.address} ({took:.1f} s)")
                continue
            limit = timeout or server.ready_timeout
            if time.monotonic() - server.spawned_at > limit:
                server.stop()
                raise server.failure(f"was not ready on {server.address} within {limit:.0f} s")
        if pending:
            time.sleep(0.05)


def stop_all(servers: Sequence[ManagedProcess], timeout: float | None = None) -> None:
    """Stop several servers at once: signal them all, then wait for each (SIGKILL when late)."""
    for server in servers:
        server.send_stop_signal()
    began = time.monotonic()
    for server in servers:
        server.wait_stopped(began + (server.stop_timeout if timeout is None else timeout))


def _ready(server: ManagedProcess) -> bool:
    try:
        return server.check_ready()
    except Exception:  # not ready yet: refused, reset, half-started protocol
        return False
