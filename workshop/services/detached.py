"""Stacks that outlive the command that started them: `workshop services up/down/status`."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workshop.services.errors import ServiceError
from workshop.services.pids import is_ours, stop_pids
from workshop.services.ports import port_answers
from workshop.services.scratch import remove_folder, repo_root
from workshop.services.spec import StackSpec
from workshop.services.stack import Stack


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
            }
            for s in stack.servers
        ],
    }
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
        remove_folder(Path(state["scratch"]))
    state_path.unlink(missing_ok=True)
    return stopped


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
