"""One scratch folder per stack, with an owner file so a killed run is cleaned up next time."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import time
from pathlib import Path
from typing import Any

from workshop.services.machine import remove_groups
from workshop.services.pids import is_ours, start_time, stop_pids

OWNER_FILE = "owner.json"


def repo_root() -> Path:
    """The repository holding this package (or the current folder for an installed copy)."""
    here = Path(__file__).resolve().parents[2]
    return here if (here / "pyproject.toml").exists() else Path.cwd()


def default_run_root() -> Path:
    """Where stacks keep their scratch folders: .workshop/run/ in the repository."""
    return repo_root() / ".workshop" / "run"


class Scratch:
    """A stack's folder: data and logs of its servers, plus owner.json naming their pids."""

    def __init__(self, root: Path, detached: bool = False) -> None:
        root.mkdir(parents=True, exist_ok=True)
        clean_stale(root)
        while True:
            # Short ids keep paths short (Unix socket names are limited to 107 bytes).
            self.id = time.strftime("%m%d-%H%M%S-") + secrets.token_hex(3)
            self.path = root / self.id
            try:
                self.path.mkdir(mode=0o755)
                break
            except FileExistsError:
                continue
        self._owner: dict[str, Any] = {
            "owner_pid": os.getpid(),
            "owner_started": start_time(os.getpid()),
            "detached": detached,
            "children": [],
            "extra_dirs": [],
            "cgroups": [],
        }
        self._write()

    def record_child(self, name: str, pid: int, started: str | None, stop_signal: int) -> None:
        """Remember a server process so a later run can stop it if we die."""
        self._owner["children"].append(
            {"name": name, "pid": pid, "started": started, "signal": stop_signal}
        )
        self._write()

    def record_dir(self, path: Path) -> None:
        """Remember a folder outside the scratch folder that belongs to this stack."""
        self._owner["extra_dirs"].append(str(path))
        self._write()

    def record_cgroup(self, path: Path) -> None:
        """Remember a CPU-budget group of this stack, so a later run removes it if we die."""
        self._owner["cgroups"].append(str(path))
        self._write()

    def remove(self) -> None:
        """Delete the folder and the extra folders recorded for it."""
        remove_folder(self.path)

    def _write(self) -> None:
        tmp = self.path / (OWNER_FILE + ".tmp")
        tmp.write_text(json.dumps(self._owner, indent=1))
        tmp.replace(self.path / OWNER_FILE)


def _load(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / OWNER_FILE).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_stale(folder: Path) -> bool:
    """Return True when the folder's owner is dead (and, for detached stacks, all servers)."""
    owner = _load(folder)
    if owner is None:
        # No owner file: a run killed while creating it; leave young folders to their owner.
        try:
            return time.time() - folder.stat().st_mtime > 60
        except OSError:
            return False
    if is_ours(int(owner.get("owner_pid", 0)), owner.get("owner_started")):
        return False
    if owner.get("detached"):
        return not any(is_ours(c["pid"], c.get("started")) for c in owner.get("children", []))
    return True


def stop_recorded(folder: Path, timeout: float = 5.0) -> list[str]:
    """Stop the recorded servers of a folder that are still alive; return their names."""
    children = (_load(folder) or {}).get("children", [])
    targets = [
        (int(c["pid"]), c.get("started"), int(c.get("signal", signal.SIGTERM))) for c in children
    ]
    was_running = stop_pids(targets, timeout)
    return [str(c["name"]) for c in children if int(c["pid"]) in was_running]


def remove_folder(folder: Path) -> None:
    """Delete a scratch folder and the extra folders it recorded."""
    owner = _load(folder) or {}
    for extra in owner.get("extra_dirs", []):
        shutil.rmtree(extra, ignore_errors=True)
    # Groups go deepest first; a group still in use stays (rmdir refuses it), harmlessly.
    groups = sorted(map(Path, owner.get("cgroups", [])), key=lambda p: len(p.parts), reverse=True)
    remove_groups(groups)
    shutil.rmtree(folder, ignore_errors=True)


def clean_stale(root: Path) -> list[Path]:
    """Stop the leftovers of killed runs under `root` and delete their folders."""
    cleaned = []
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        if folder.is_dir() and is_stale(folder):
            stop_recorded(folder)
            with contextlib.suppress(OSError):
                remove_folder(folder)
            cleaned.append(folder)
    return cleaned
