"""Machines as CPU budgets: each server of a stack under its own CPU quota, like its own box.

On one laptop, "two app servers" share the same cores, so a second server adds processes, not
capacity. A budget caps each server's whole process tree (Gunicorn's master and workers,
PostgreSQL's backends) at, say, 0.5 CPU with the kernel's cgroup cpu controller. Two servers
then really have twice the CPU of one, as on two machines, and a load run measures the step.

Three ways to get a budget, tried in order:
- cgroup v2 (`cpu.max`, usage from `cpu.stat`), when the unified hierarchy has the cpu
  controller and we may write it (root, or a delegated subtree);
- cgroup v1 (`cpu.cfs_quota_us` / `cpu.cfs_period_us`, usage from `cpuacct.usage`), as root;
- none: the stack runs without budgets and every report says that its ratios are not
  comparable to those of a run with budgets.
(systemd's `systemd-run --user --scope -p CPUQuota=` gives an unprivileged user the same cap,
but only for a process it starts itself; the harness starts servers itself, so it uses
the cgroup files directly and names systemd in the message when neither is writable.)

A budget is also a priority: our groups get the largest CPU weight the kernel allows, so that
other programs on the machine (a test run next door) take the leftovers rather than the load
run's budget. The load generator gets a group of its own too, weighted but uncapped: a load
run's client must never be starved by the servers it measures, nor by strangers.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
PERIOD_US = 100_000  # the kernel's default scheduling period: 0.1 s
GROUP = "photoapp-workshop"  # our folder in each hierarchy: every stack's groups live under it
V1_SHARES = 262144  # the most cpu.shares allows (default 1024): our groups come first
V2_WEIGHT = 10000  # the most cpu.weight allows (default 100)
# Servers whose CPU a budget caps: the ones a real deployment puts on machines of their own.
# Nginx and the S3 stand-in stay outside, like the load balancer and the managed S3 service.
BUDGETED_ROLES = ("app", "postgres", "worker", "redis", "memcached")


@dataclass(frozen=True)
class CpuControl:
    """Where the cpu controller lives, or why there is none."""

    kind: str  # "cgroup2", "cgroup1" or "none"
    cpu_dir: Path | None = None  # the folder our groups go in (cgroup2: also the usage)
    usage_dir: Path | None = None  # cgroup1: the cpuacct folder our groups go in
    reason: str = ""  # kind "none": why, and what would give budgets

    @property
    def available(self) -> bool:
        """Tell whether budgets can be set."""
        return self.kind != "none"


def detect(root: Path = CGROUP_ROOT) -> CpuControl:
    """Find a writable cpu controller under `root`, preferring cgroup v2."""
    unified = _unified_root(root)
    if (
        unified is not None
        and "cpu" in _read(unified / "cgroup.controllers").split()
        and os.access(unified / "cgroup.subtree_control", os.W_OK)
    ):
        return CpuControl("cgroup2", cpu_dir=unified / GROUP)
    cpu, usage = root / "cpu", root / "cpuacct"
    if (cpu / "cpu.cfs_quota_us").exists() and os.access(cpu, os.W_OK):
        if not (usage / "cpuacct.usage").exists():
            usage = cpu  # cpu and cpuacct mounted together (cpu,cpuacct)
        if os.access(usage, os.W_OK):
            return CpuControl("cgroup1", cpu_dir=cpu / GROUP, usage_dir=usage / GROUP)
    return CpuControl(
        "none",
        reason=(
            "no writable cgroup cpu controller (run as root on Linux, or with a delegated "
            "cgroup v2 subtree such as a systemd user scope)"
        ),
    )


def _unified_root(root: Path) -> Path | None:
    """Return the cgroup v2 mount: `root` itself on a pure v2 system, or root/unified."""
    for candidate in (root, root / "unified"):
        if (candidate / "cgroup.controllers").exists():
            return candidate
    return None


def _read(path: Path) -> str:
    """Read a small control file; '' when it is missing or unreadable."""
    try:
        return path.read_text().strip()
    except OSError:
        return ""


class Machines:
    """The CPU budgets of one stack: a group per server, removed when the stack stops."""

    def __init__(
        self, stack_id: str, cpus: float, control: CpuControl | None = None,
        database_cpus: float = 0.0,
    ) -> None:
        self.cpus = cpus
        self.database_cpus = database_cpus or cpus
        self.control = control or detect()
        self.stack_id = stack_id
        self.groups: dict[str, list[Path]] = {}  # server name: its folders (cpu, cpuacct)

    @property
    def enabled(self) -> bool:
        """Tell whether servers really get budgets (asked for, and the kernel can)."""
        return self.cpus > 0 and self.control.available

    def describe(self) -> str:
        """One line for progress output and reports."""
        if self.cpus <= 0:
            if self.control.available:
                return "no CPU budgets (the stack asks for none); its servers get CPU first"
            return "no CPU budgets (the stack asks for none)"
        if not self.enabled:
            return f"CPU budgets of {self.cpus:g} CPU unavailable: {self.control.reason}"
        if self.database_cpus != self.cpus:
            return (
                f"each server machine capped at {self.cpus:g} CPU, the database's at "
                f"{self.database_cpus:g} ({self.control.kind})"
            )
        return f"each server machine capped at {self.cpus:g} CPU ({self.control.kind})"

    def place(self, name: str, pid: int, capped: bool = True, cpus: float | None = None) -> None:
        """Put a server's process (and every process of its session) under its budget.

        capped=False makes a group with the priority but without the cap (the load generator,
        the balancer), and so does a stack that asks for no budgets.
        """
        if not self.control.available:
            return
        cpus = self.cpus if cpus is None else cpus
        folders = self.groups.get(name) or self._create(name, capped and cpus > 0, cpus)
        members = [pid, *session_members(pid)]
        for folder in folders:
            for member in dict.fromkeys(members):
                with contextlib.suppress(OSError):  # a process that already exited
                    (folder / "cgroup.procs").write_text(str(member))

    def usage_s(self, name: str) -> float | None:
        """Return the CPU seconds a server's group has used so far (None without a group)."""
        folders = self.groups.get(name)
        if not folders:
            return None
        if self.control.kind == "cgroup2":
            for line in _read(folders[0] / "cpu.stat").splitlines():
                key, _, value = line.partition(" ")
                if key == "usage_usec":
                    return int(value) / 1e6
            return None
        usage = _read(folders[-1] / "cpuacct.usage")
        return int(usage) / 1e9 if usage else None

    def total_usage_s(self) -> float | None:
        """Return the CPU seconds every group of the stack used together (None without any)."""
        if not self.groups:
            return None
        control = self.control
        if control.kind == "cgroup2":
            assert control.cpu_dir is not None
            for line in _read(control.cpu_dir / self.stack_id / "cpu.stat").splitlines():
                key, _, value = line.partition(" ")
                if key == "usage_usec":
                    return int(value) / 1e6
            return None
        assert control.usage_dir is not None
        usage = _read(control.usage_dir / self.stack_id / "cpuacct.usage")
        return int(usage) / 1e9 if usage else None

    def folders(self) -> list[Path]:
        """Every group folder made so far, deepest first (the order rmdir needs)."""
        found = [f for group in self.groups.values() for f in group]
        parents = {f.parent for f in found}
        return found + sorted(parents, key=lambda p: len(p.parts), reverse=True)

    def remove(self) -> None:
        """Remove the stack's groups (their processes are gone by now)."""
        remove_groups(self.folders())
        self.groups.clear()

    def _create(self, name: str, capped: bool = True, cpus: float | None = None) -> list[Path]:
        """Make a server's group with its quota (the stack's by default); return its folders."""
        control = self.control
        assert control.cpu_dir is not None
        quota = max(1000, round((self.cpus if cpus is None else cpus) * PERIOD_US))
        folder = control.cpu_dir / self.stack_id / name
        if control.kind == "cgroup2":
            _enable_cpu(control.cpu_dir.parent, folder)
            (folder / "cpu.max").write_text(f"{quota if capped else 'max'} {PERIOD_US}")
            _write_each([control.cpu_dir, folder.parent], "cpu.weight", V2_WEIGHT)
            folders = [folder]
        else:
            assert control.usage_dir is not None
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "cpu.cfs_period_us").write_text(str(PERIOD_US))
            (folder / "cpu.cfs_quota_us").write_text(str(quota if capped else -1))
            # Shares count between siblings: our top folder against everything else running.
            _write_each([control.cpu_dir, folder.parent], "cpu.shares", V1_SHARES)
            folders = [folder]
            if control.usage_dir != control.cpu_dir:
                usage = control.usage_dir / self.stack_id / name
                usage.mkdir(parents=True, exist_ok=True)
                folders.append(usage)
        self.groups[name] = folders
        return folders


def _write_each(folders: list[Path], name: str, value: int) -> None:
    """Write one control file in several folders; one we may not write is left as it is."""
    for folder in folders:
        with contextlib.suppress(OSError):
            (folder / name).write_text(str(value))


def _enable_cpu(top: Path, folder: Path) -> None:
    """Create a cgroup v2 folder with the cpu controller enabled on every level above it."""
    level = top
    for part in folder.relative_to(top).parts:
        with contextlib.suppress(OSError):  # already enabled, or enabled by our parent
            (level / "cgroup.subtree_control").write_text("+cpu")
        level = level / part
        level.mkdir(exist_ok=True)


def remove_groups(folders: list[Path]) -> None:
    """rmdir cgroup folders (deepest first), waiting a moment for exiting processes to leave."""
    for folder in folders:
        deadline = time.monotonic() + 2.0
        while folder.exists():
            try:
                folder.rmdir()
            except OSError:
                if time.monotonic() > deadline:
                    break  # still in use: a stale-folder clean-up removes it later
                time.sleep(0.05)


def session_members(leader: int) -> list[int]:
    """Return the pids of every process in the session `leader` started (Linux: from /proc)."""
    members = []
    for entry in Path("/proc").iterdir() if Path("/proc/self/stat").exists() else []:
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == leader and int(entry.name) != leader:  # field 6: session id
            members.append(int(entry.name))
    return members


def process_tree_cpu_s(leader: int) -> float:
    """Return the CPU seconds the live processes of a session have used (no cgroup needed)."""
    import psutil

    total = 0.0
    for pid in [leader, *session_members(leader)]:
        with contextlib.suppress(psutil.Error):
            times = psutil.Process(pid).cpu_times()
            total += times.user + times.system
    return total
