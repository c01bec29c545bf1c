"""What the student has done so far, kept in .workshop/: check results and hints shown."""

from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from workshop.manifest import state_dir

PROGRESS = "progress.json"
HINTS = "hints.json"


@dataclass(frozen=True)
class CheckRecord:
    """The last `workshop check N` of one lab against one tree."""

    passed: int
    total: int
    when: str  # ISO 8601, UTC
    impl: str
    failed: tuple[str, ...] = ()

    @property
    def green(self) -> bool:
        """Tell whether every test passed."""
        return self.total > 0 and self.passed == self.total


def record_check(lab: int, record: CheckRecord, root: Path | None = None) -> None:
    """Save a check result under its lab and impl."""
    data = _read(state_dir(root) / PROGRESS)
    entry = asdict(record)
    entry["failed"] = list(record.failed)
    data.setdefault("labs", {}).setdefault(str(lab), {})[record.impl] = entry
    _write(state_dir(root) / PROGRESS, data)


def last_check(lab: int, impl: str = "workspace", root: Path | None = None) -> CheckRecord | None:
    """Return the last saved check of a lab against an impl, if any."""
    entry = _read(state_dir(root) / PROGRESS).get("labs", {}).get(str(lab), {}).get(impl)
    if not isinstance(entry, dict):
        return None
    try:
        return CheckRecord(
            passed=int(entry["passed"]),
            total=int(entry["total"]),
            when=str(entry["when"]),
            impl=str(entry["impl"]),
            failed=tuple(entry.get("failed", ())),
        )
    except (KeyError, TypeError, ValueError):
        return None  # a hand-edited or older file: treat the lab as not checked


def now_iso() -> str:
    """Return the current UTC time, to the second."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def record_catchup(labs: list[int], root: Path | None = None) -> None:
    """Remember that these labs' deliverables are now the official solutions."""
    data = _read(state_dir(root) / PROGRESS)
    caught = set(data.get("caught_up", [])) | set(labs)
    data["caught_up"] = sorted(caught)
    _write(state_dir(root) / PROGRESS, data)


def caught_up(root: Path | None = None) -> set[int]:
    """Return the labs `workshop catchup` filled with the official solutions."""
    labs = _read(state_dir(root) / PROGRESS).get("caught_up", [])
    return {n for n in labs if isinstance(n, int)} if isinstance(labs, list) else set()


def hints_shown(lab: int, root: Path | None = None) -> int:
    """Return how many hints of a lab were shown already."""
    value = _read(state_dir(root) / HINTS).get(str(lab), 0)
    return value if isinstance(value, int) and value >= 0 else 0


def set_hints_shown(lab: int, count: int, root: Path | None = None) -> None:
    """Remember how many hints of a lab were shown."""
    data = _read(state_dir(root) / HINTS)
    data[str(lab)] = count
    _write(state_dir(root) / HINTS, data)


def _read(path: Path) -> dict[str, Any]:
    """Read a JSON state file; a missing or damaged one counts as empty."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(path: Path, data: dict[str, Any]) -> None:
    """Write a JSON state file atomically, so a Ctrl-C never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)
