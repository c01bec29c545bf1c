"""Stacks that outlive the command that started them: `workshop services up/down/status`,
and `workshop services stop NAME` / `start NAME` for one server of it (the break-it exercises:
stop PostgreSQL under a running app, watch the 503s, start it again)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workshop.services.errors import ServiceError
from workshop.services.pids import is_ours, start_time, stop_pids
from workshop.services.ports import port_answers
from workshop.services.scratch import hold, remove_folder, repo_root
from workshop.services.spec import StackSpec
from workshop.services.stack import Stack

# The variables that make a server what it is; the rest comes from whoever starts it again.
OWN_VARIABLES = ("PHOTOAPP_", "PYTHONPATH", "PYTHONUNBUFFERED", "MINIO_", "PROMETHEUS_")


def default_state_file() -> Path:
    """.workshop/services.json in the repository."""
    return repo_root() / ".workshop" / "services.json"


def _read(state_file: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(state_file.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _is_up(server: Mapping[str, Any]) -> bool:
    """Alive, still the process we started, and (for servers with a port) answering."""
    if not is_ours(int(server["pid"]), server.get("started")):
        return False
    return not server.get("port") or port_answers(int(server["port"]))


def start_detached(
    spec: StackSpec,
    tree: Path | str,
    state_file: Path | str | None = None,
    *,
    extra_env: Mapping[str, str] | None = None,
    run_dir: Path | str | None = None,
    quiet: bool = False,
) -> dict[str, Any]:
    """Start a stack that keeps running after we return; record it; return its status."""
    state_path = Path(state_file) if state_file else default_state_file()
    previous = _read(state_path)
    if previous is not None:
        if any(_is_up(s) for s in previous.get("servers", [])):
            raise ServiceError(
                f"services are already running (recorded in {state_path}): "
                "stop them first with `workshop services down`"
            )
        stop_detached(state_path)  # all dead: clean the leftovers, start afresh
    stack = Stack(spec, tree, extra_env, run_dir=run_dir, quiet=quiet, detached=True)
    stack.start()
    try:
        _record(stack, spec, state_path)
    except BaseException:  # unrecorded servers could never be stopped by `services down`
        stack.stop()
        raise
    for server in stack.servers:
        # Not ours to wait for any more; this also keeps Popen from warning "still running".
        assert server.process is not None
        server.process.returncode = 0
    return detached_status(state_path)


def _record(stack: Stack, spec: StackSpec, state_path: Path) -> None:
    """Write the state file that status and down read."""
    assert stack.scratch is not None
    state = {
        "version": 1,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "tree": str(stack.tree),
        "spec": spec.as_dict(),
        "machines": stack.machines.describe() if stack.machines else "",
        "scratch": str(stack.scratch.path),
        "base_url": stack.base_url if stack.app_servers else None,
        "env": stack.env,
        "urls": stack.urls(),
        "servers": [
            {
                "name": s.name,
                "role": s.role,
                "pid": s.pid,
                "started": s.started,
                "port": s.port,
                "url": s.url,
                "signal": int(s.stop_signal),
                "log": str(s.log_path),
                # What `services start NAME` needs to start the very same server again.
                "argv": s.command(),
                "cwd": str(s.workdir()) if s.workdir() else None,
                "env": _own_settings(s.environment()),
                "run_as": list(s.run_as() or []) or None,
                "ready_timeout": s.ready_timeout,
                "cgroups": [str(f) for f in stack.machines.groups.get(s.name, [])]
                if stack.machines
                else [],
            }
            for s in stack.servers
        ],
    }
    _write_state(state_path, state)


def _write_state(state_path: Path, state: dict[str, Any]) -> None:
    """Write the state file atomically."""
    state_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = state_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2))
    tmp.replace(state_path)


def stop_detached(state_file: Path | str | None = None, timeout: float = 10.0) -> list[str]:
    """Stop the recorded stack (newest server first), delete its files; return what ran."""
    state_path = Path(state_file) if state_file else default_state_file()
    state = _read(state_path)
    if state is None:
        state_path.unlink(missing_ok=True)
        return []
    servers = state.get("servers", [])
    stopped = []
    # Front first (nginx, app servers, workers), then the data servers; each tier at once.
    for tier in (
        [s for s in servers if s["role"] in ("nginx", "app", "worker")],
        [s for s in servers if s["role"] not in ("nginx", "app", "worker")],
    ):
        targets = [(int(s["pid"]), s.get("started"), int(s["signal"])) for s in tier]
        was_running = stop_pids(targets, timeout)
        stopped += [str(s["name"]) for s in tier if int(s["pid"]) in was_running]
    if state.get("scratch"):
        scratch = Path(state["scratch"])
        users = processes_using(scratch)
        if users:
            # A server started by hand (pg_ctl, a second gunicorn) would lose its data folder
            # under its feet: PostgreSQL panics. Keep everything; say what still runs.
            raise ServiceError(
                f"stopped {', '.join(stopped) or 'nothing'}, but kept {scratch}: "
                f"{_describe(users)} still use it (a server you started by hand, or a shell "
                "in that folder): stop it or leave the folder, then run `workshop services "
                "down` again"
            )
        remove_folder(scratch)
    state_path.unlink(missing_ok=True)
    return stopped


def _own_settings(env: Mapping[str, str] | None) -> dict[str, str] | None:
    """The variables a server was started with that are the stack's own (not the whole
    environment of whoever ran `services up`, which may hold secrets of theirs)."""
    if env is None:
        return None
    return {k: v for k, v in env.items() if k.startswith(OWN_VARIABLES)}


def _environment(stored: Mapping[str, str] | None) -> dict[str, str] | None:
    """A restarted server's environment: ours without stray PHOTOAPP_*, plus its own."""
    if stored is None:
        return None
    base = {k: v for k, v in os.environ.items() if not k.startswith("PHOTOAPP_")}
    return {**base, **stored}


def processes_using(folder: Path) -> list[tuple[int, str]]:
    """Return (pid, command) of the processes whose working folder or open files are inside
    `folder` (Linux: read from /proc; elsewhere nothing is known, so nothing is returned)."""
    proc = Path("/proc")
    if not (proc / "self" / "fd").exists():
        return []
    top = str(folder.resolve())
    inside = top + os.sep
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            links = [entry / "cwd", *(entry / "fd").iterdir()]
            targets = [os.readlink(link) for link in links]
            command = (entry / "comm").read_text().strip()
        except OSError:
            continue  # gone, or not ours to look at
        if any(target == top or target.startswith(inside) for target in targets):
            found.append((int(entry.name), command))
    return found


def _describe(users: list[tuple[int, str]]) -> str:
    """Format processes as "pid 4242 (postgres), pid 4250 (gunicorn)"."""
    return ", ".join(f"pid {pid} ({command})" for pid, command in users[:5])


def stop_server(name: str, state_file: Path | str | None = None, timeout: float = 10.0) -> None:
    """Stop one server of the detached stack (its stop signal, then SIGKILL to its group)."""
    state_path, state, server = _server_named(name, state_file)
    if not _is_up(server):
        raise ServiceError(f"{name} is not running (`workshop services start {name}` starts it)")
    if state.get("scratch"):
        hold(Path(state["scratch"]), True)  # nobody may tidy its folder away meanwhile
    stop_pids([(int(server["pid"]), server.get("started"), int(server["signal"]))], timeout)
    _write_state(state_path, state)


def start_server(name: str, state_file: Path | str | None = None) -> dict[str, Any]:
    """Start one stopped server of the detached stack again, as it first ran; wait for it."""
    state_path, state, server = _server_named(name, state_file)
    if _is_up(server):
        raise ServiceError(f"{name} is running already (pid {server['pid']})")
    if not server.get("argv"):
        raise ServiceError(f"{name} was started by an older workshop: `workshop services down`, "
                           "then `up` again")
    owner = server.get("run_as")
    with open(server["log"], "ab") as log:
        log.write(f"--- {time.strftime('%H:%M:%S')} started again by `services start`\n".encode())
        log.flush()
        process = subprocess.Popen(  # noqa: S603 - the argv the stack itself ran
            server["argv"], cwd=server.get("cwd"), env=_environment(server.get("env")),
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group, as every server of a stack
            user=owner[0] if owner else None, group=owner[1] if owner else None,
            extra_groups=[] if owner else None,
        )  # fmt: skip
    process.returncode = 0  # not ours to wait for: it belongs to the detached stack
    for group in server.get("cgroups", []):  # back on its machine (its CPU budget)
        with contextlib.suppress(OSError):
            (Path(group) / "cgroup.procs").write_text(str(process.pid))
    server.update(pid=process.pid, started=start_time(process.pid))
    _write_state(state_path, state)
    if state.get("scratch"):
        child = {"name": name, "pid": process.pid, "started": server["started"],
                 "signal": int(server["signal"])}
        held = any(not _is_up(s) for s in state["servers"] if s["name"] != name)
        hold(Path(state["scratch"]), held, child)
    deadline = time.monotonic() + float(server.get("ready_timeout") or 60)
    while server.get("port") and not port_answers(int(server["port"])):
        if time.monotonic() > deadline or not is_ours(process.pid, server["started"]):
            raise ServiceError(f"{name} did not come back; the end of its log: {server['log']}")
        time.sleep(0.1)
    return detached_status(state_path)


def _server_named(
    name: str, state_file: Path | str | None
) -> tuple[Path, dict[str, Any], dict[str, Any]]:
    """Return the state file, its contents and the entry of one server, or explain."""
    state_path = Path(state_file) if state_file else default_state_file()
    state = _read(state_path)
    if state is None:
        raise ServiceError("no services are running (start them with `workshop services up`)")
    for server in state.get("servers", []):
        if server["name"] == name:
            return state_path, state, server
    known = ", ".join(s["name"] for s in state.get("servers", []))
    raise ServiceError(f"the stack has no server {name!r}; it has {known}")


def detached_status(state_file: Path | str | None = None) -> dict[str, Any]:
    """What runs where, counting only servers that are up; killed ones are listed in "down"."""
    state_path = Path(state_file) if state_file else default_state_file()
    state = _read(state_path) or {}
    status: dict[str, Any] = {
        "running": False,
        "postgres": [],
        "redis": None,
        "memcached": None,
        "s3": None,
        "nginx": None,
        "app": [],
        "worker": 0,
        "down": [],
        "servers": [],
        "tree": state.get("tree"),
        "started_at": state.get("started_at"),
        "machines": state.get("machines", ""),
        "base_url": state.get("base_url"),
        "state_file": str(state_path),
    }
    for server in state.get("servers", []):
        up = _is_up(server)
        status["servers"].append(
            {
                "name": server["name"],
                "role": server["role"],
                "url": server["url"],
                "pid": server["pid"],
                "up": up,
                "log": server.get("log"),
            }
        )
        if not up:
            status["down"].append(server["name"])
            continue
        status["running"] = True
        role = server["role"]
        if role in ("postgres", "app"):
            status[role].append(server["url"])
        elif role == "worker":
            status["worker"] += 1
        else:
            status[role] = server["url"]
    return status
