"""What limited a load run: the CPU of each server's machine, of Locust, and of the whole box.

A throughput figure means something only when the server was the limit. If the simulated users
pause between actions, or Locust itself runs out of CPU, two stacks serve the same number of
requests per second however different they are, and their ratio says nothing. So every run
measures, over its timed window:

- each budgeted server: the share of its CPU budget it used (a machine at >= 85 % is the limit);
- each app server's CPU (one Python process near 1 CPU is held by its GIL: the limit);
- the whole box's CPU used by the stack and Locust (>= 90 %: no core was left, the limit,
  budgets or not); with cgroups only our own groups count, so a stranger's busy program
  (which gets the CPU after us) does not pass for saturation;
- how many requests were in flight on average (Little's law: throughput x mean latency): when
  nearly every simulated person is waiting on the server all the time, the server set the pace,
  even when what held it back was a lock (SQLite's one writer) rather than the CPU;
- Locust's own CPU (one process: >= 90 % of a core means the numbers are Locust's limit).

`RunFacts.saturated` is True when a server or the box was the limit, False when nothing was,
and a throughput ratio between runs is judged only when both saturated their target.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from workshop.services import Stack
from workshop.services.machine import process_tree_cpu_s

MACHINE_LIMIT = 0.85  # a budgeted server using this share of its budget is the bottleneck
BOX_LIMIT = 0.90  # the whole machine this busy is the bottleneck (runs without budgets)
PROCESS_LIMIT = 0.90  # one Python process this busy is held by its GIL (Flask's dev server)
WAITING_LIMIT = 0.90  # this share of the users always waiting on the server: it sets the pace
LOCUST_LIMIT = 0.90  # Locust is one process: this much of a core and it cannot send more


@dataclass(frozen=True)
class RunFacts:
    """The CPU figures of one run's timed window."""

    variant: str
    seconds: float
    budget_cpu: float  # CPUs per server machine, 0 without budgets
    budgets: str  # how the run was budgeted, in words
    machine_cpu: dict[str, float] = field(default_factory=dict)  # server: its budget, if own
    machine_busy: dict[str, float] = field(default_factory=dict)  # server: share of its budget
    app_cpu: dict[str, float] = field(default_factory=dict)  # app server: CPUs used
    locust_cpu: float = 0.0  # CPUs Locust used (1.0 = a whole core)
    box_busy: float = 0.0  # share of all the machine's cores in use
    single_process: bool = False  # each app server is one Python process (Flask's dev server)
    users: int = 0  # simulated people in the run
    in_flight: float = 0.0  # requests waiting on the server, on average (rps x mean latency)

    @property
    def budgeted(self) -> bool:
        """Tell whether the servers ran under CPU budgets."""
        return bool(self.machine_busy)

    @property
    def locust_bound(self) -> bool:
        """Tell whether Locust ran out of CPU (its figures are then its own limit)."""
        return self.locust_cpu >= LOCUST_LIMIT

    @property
    def saturated(self) -> bool:
        """Tell whether a server (or the whole box) was the limit of this run."""
        return bool(self.bottleneck())

    def bottleneck(self) -> str:
        """Name what limited the run ("app1 at 97 % of its 0.5 CPU"), or "" when nothing did."""
        if self.budgeted:
            busiest = max(self.machine_busy, key=self.machine_busy.__getitem__)
            share = self.machine_busy[busiest]
            if share >= MACHINE_LIMIT:
                budget = self.machine_cpu.get(busiest, self.budget_cpu)
                return f"{busiest} at {share:.0%} of its {budget:g} CPU"
        if self.single_process:
            for name, cpus in self.app_cpu.items():
                if cpus >= PROCESS_LIMIT:
                    return f"{name} at {cpus:.2f} CPU (one Python process tops out near 1: the GIL)"
        if self.box_busy >= BOX_LIMIT:
            # Budgets or not, a box with no idle core left was the limit: one more server could
            # not have been faster (on a real data centre's separate machines it would be).
            return f"the whole machine ({self.box_busy:.0%} of its cores busy)"
        if self.users and self.in_flight >= WAITING_LIMIT * self.users:
            return (
                f"the server: {self.in_flight:.1f} of {self.users} people waiting on it at any "
                "moment, on average"
            )
        return ""

    def summary(self) -> str:
        """One line for the terminal: what was busy, and whether the run measured capacity."""
        if self.budgeted:
            busy = ", ".join(f"{n} {s:.0%}" for n, s in self.machine_busy.items())
            other = {n: c for n, c in self.machine_cpu.items() if c != self.budget_cpu}
            sizes = "".join(f", {n} {c:g}" for n, c in other.items())
            cpu = (
                f"machines ({self.budget_cpu:g} CPU each{sizes}) busy: {busy}; "
                f"the whole box {self.box_busy:.0%}"
            )
        else:
            apps = ", ".join(f"{n} {c:.2f} CPU" for n, c in self.app_cpu.items())
            cpu = f"no CPU budgets; {apps}; the whole box {self.box_busy:.0%}"
        bound = " (CPU-bound!)" if self.locust_bound else ""
        locust = f"Locust {self.locust_cpu:.2f} CPU{bound}"
        limit = self.bottleneck()
        verdict = f"saturated by {limit}" if limit else "not saturated: the users set the pace"
        return f"{cpu}; {locust}; {verdict}"

    def as_json(self) -> dict[str, Any]:
        """The facts for summary.json."""
        data = asdict(self)
        data.update(
            saturated=self.saturated, bottleneck=self.bottleneck(), locust_bound=self.locust_bound
        )
        return data


class Meter:
    """Read the CPU counters at the start and the end of a run's timed window."""

    def __init__(self, stack: Stack, variant: str) -> None:
        self.stack = stack
        self.variant = variant
        self.began = time.monotonic()
        self.machines = stack.machine_usage()
        self.apps = self._app_cpu()
        self.box = self._box_times()

    def finish(self, locust_cpu_s: float) -> RunFacts:
        """Return the figures of the window since the Meter was made."""
        seconds = max(time.monotonic() - self.began, 1e-6)
        spec, machines = self.stack.spec, self.stack.machines
        busy: dict[str, float] = {}
        budgets = {s.name: spec.cpu_for(s.role) for s in self.stack.servers}
        for name, used in self.stack.machine_usage().items():
            if name in self.machines and budgets.get(name):
                busy[name] = round((used - self.machines[name]) / (budgets[name] * seconds), 3)
        apps = {
            name: round(max(0.0, used - self.apps.get(name, 0.0)) / seconds, 3)
            for name, used in self._app_cpu().items()
        }
        return RunFacts(
            variant=self.variant,
            seconds=round(seconds, 1),
            budget_cpu=spec.machine_cpu if busy else 0.0,
            machine_cpu={name: budgets[name] for name in busy},
            budgets=machines.describe() if machines is not None else "no CPU budgets",
            machine_busy=busy,
            app_cpu=apps,
            locust_cpu=round(locust_cpu_s / seconds, 3),
            box_busy=round(_box_busy(self.box, self._box_times()), 3),
            single_process=spec.app_server == "flask",
        )

    def _app_cpu(self) -> dict[str, float]:
        """CPU seconds used so far by each app server's live processes."""
        used = {}
        for server in self.stack.app_servers:
            if server.pid is not None:
                with contextlib.suppress(Exception):  # a server killed by a fault just now
                    used[server.name] = process_tree_cpu_s(server.pid)
        return used

    def _box_times(self) -> tuple[float, float]:
        """(busy, total) CPU seconds: the stack's groups on all cores, else the whole machine."""
        machines = self.stack.machines
        ours = machines.total_usage_s() if machines is not None else None
        if ours is not None:
            cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
            return ours, time.monotonic() * cores
        import psutil

        times = psutil.cpu_times()
        idle = times.idle + getattr(times, "iowait", 0.0)
        total = sum(times)
        return total - idle, total


def _box_busy(before: tuple[float, float], after: tuple[float, float]) -> float:
    """The share of all cores that was busy between two readings."""
    total = after[1] - before[1]
    return (after[0] - before[0]) / total if total > 0 else 0.0
