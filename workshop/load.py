"""`workshop load N`: lab N's Locust scenario against lab N's stack, judged by its SLOs.

The steps: read the lab from labs/labs.toml, build the tree to run (--impl), start the lab's
stack, make the accounts the simulated people log in as (workshop/accounts.py, before the
timed window), run Locust headless as a child process (importing Locust here would
monkey-patch this process with gevent) while measuring the CPU of every server, of Locust and
of the machine (workshop/saturation.py), then print a table per endpoint, judge [lab.slo] and
write summary.json next to Locust's CSV and HTML report under reports/labNN-<time>/.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workshop import compare, faults, manifest, topology
from workshop.manifest import Lab, ManifestError
from workshop.report import (
    PREFIX,
    LoadReport,
    Progress,
    ReportError,
    format_table,
    latest_progress,
    read_report,
    stats_json,
    write_summary,
)
from workshop.saturation import Meter, RunFacts
from workshop.services import ServiceError, Stack, StackSpec
from workshop.services.app import tree_environment
from workshop.services.machine import Machines
from workshop.services.ports import port_is_free
from workshop.slo import CHECKS, SloError, Verdict, judge
from workshop.trees import TreeError, resolve_impl

REPORTS = "reports"
ACCOUNTS_TIMEOUT_S = 300  # making the accounts: a few seconds, unless the app is broken
UI_PORT = 8089  # Locust's usual port, so a presenter finds it where the docs say
STOP_GRACE_S = 60  # how long past its run time Locust may take to stop and write its report
PROGRESS_EVERY_S = 10  # progress lines when the output is a file, not a terminal


class LoadError(RuntimeError):
    """The load run could not be set up or Locust failed; the message says what to do."""


@dataclass(frozen=True)
class LoadPlan:
    """What to run and how hard: the [lab.load] table, shortened for --quick."""

    scenario: Path
    users: int
    spawn_rate: float
    run_time_s: int

    @classmethod
    def from_lab(cls, lab: Lab, root: Path, quick: bool) -> LoadPlan:
        """Read [lab.load]; --quick shortens the run (quick_run_time), same users unless
        the manifest sets quick_users: a quick figure lines up with the guide's table."""
        table = lab.load
        if "scenario" not in table:
            raise LoadError(f"lab {lab.number} has no [lab.load] scenario in labs/labs.toml")
        scenario = root / table["scenario"]
        if not scenario.is_file():
            raise LoadError(f"lab {lab.number}'s scenario {table['scenario']} does not exist")
        users = int(table.get("users", 10))
        run_time = str(table.get("run_time", "60s"))
        if quick:
            users = int(table.get("quick_users", users))
            run_time = str(table.get("quick_run_time", "15s"))
        spawn_rate = float(table.get("spawn_rate", users))
        return cls(scenario, users, spawn_rate, parse_duration(run_time))

    def describe(self) -> str:
        """What the run does, in words: "20 users for 60 s"."""
        return f"{self.users} users for {self.run_time_s} s"


def parse_duration(text: str) -> int:
    """Turn "90s", "2m", "1m30s" or "1h" into seconds, as Locust's -t understands them."""
    parts = re.fullmatch(r"\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s?)?\s*", text)
    if not parts or not text.strip():
        raise LoadError(f"bad run time {text!r} in labs/labs.toml: use e.g. 60s, 2m or 1m30s")
    hours, minutes, seconds = (int(p or 0) for p in parts.groups())
    return hours * 3600 + minutes * 60 + seconds


def main(lab: int, impl: str, quick: bool, ui: bool) -> int:
    """Run lab `lab`'s load test; return 0 when every SLO holds, 1 on a breach, 2 on an error."""
    try:
        with _sigterm_as_interrupt():
            return _run(lab, impl, quick, ui)
    except (ManifestError, TreeError, ServiceError, LoadError, ReportError, SloError) as error:
        print(f"workshop load: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nworkshop load: stopped", file=sys.stderr)
        return 130  # the shell's code for "ended by Ctrl-C"


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C, so `kill` also stops Locust and the stack cleanly."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set signal handlers
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run(number: int, impl: str, quick: bool, ui: bool) -> int:
    """Set up, run and judge; errors travel up as exceptions with a one-line message."""
    root = manifest.repo_root()
    lab = manifest.load(root).ready_lab(number)
    plan = LoadPlan.from_lab(lab, root, quick)
    _check_slo_keys(lab)  # a typo in [lab.slo] should fail now, not after the whole run
    spec = StackSpec.from_manifest(lab.stack)
    variants = compare.variants(lab)  # one, unless [lab.load] compares stacks
    if ui and not port_is_free(UI_PORT):
        raise LoadError(
            f"port {UI_PORT} for Locust's web UI is taken: stop the other Locust "
            f"(lsof -i :{UI_PORT} shows which process holds it)"
        )
    tree = resolve_impl(impl, root)
    folder = _new_report_folder(root, lab)
    started = datetime.now(UTC)
    try:
        if ui:
            with Stack(variants[-1].spec, tree=tree, extra_env=variants[-1].env) as stack:
                return _run_ui(plan, stack.base_url, folder, root)
        if len(variants) > 1 and (warning := compare.busy_warning()):
            print(warning, file=sys.stderr)
        measured = [(v, *_run_variant(lab, plan, v, tree, folder, root, impl)) for v in variants]
    except BaseException:
        _remove_if_empty(folder)  # a stack that failed to start leaves no empty report behind
        raise
    report = compare.merge([(variant, run) for variant, run, _ in measured])
    facts = {variant.name: run_facts for variant, _, run_facts in measured}
    # Latency, failures and throughput from Locust's figures; cache hits and database calls
    # from the servers' own counters (workshop/topology.py).
    plain = {k: v for k, v in lab.slo.items() if k not in topology.CHECKS}
    verdicts = judge(plain, report, facts) + topology.judge(lab.slo, folder, report)
    print()
    print(format_table(report))
    print()
    for name, run_facts in facts.items():
        print(f"{name or 'the run'}: {run_facts.summary()}")
    print()
    for verdict in verdicts:
        print(verdict.line())
    summary = _summary(lab, impl, quick, started, plan, spec, variants, report, verdicts, facts)
    write_summary(folder, summary)
    print(f"\nreport: {_shown(folder, root)}  ({_contents(variants)})")
    passed = all(v.passed for v in verdicts)
    print("SLOs met" if passed else "SLO breached: see FAIL above")
    return 0 if passed else 1


def _run_variant(
    lab: Lab,
    plan: LoadPlan,
    variant: compare.Variant,
    tree: Path,
    folder: Path,
    root: Path,
    impl: str,
) -> tuple[LoadReport, RunFacts]:
    """Run the scenario on a fresh stack; a compared variant reports into its own subfolder."""
    if variant.name:
        folder = folder / variant.name
        folder.mkdir()
    with Stack(variant.spec, tree=tree, extra_env=variant.env) as stack:
        try:
            accounts = _make_accounts(stack, tree, plan.users, folder)
            assert stack.machines is not None
            print(
                f"lab {lab.tag} load{variant.label('')}: {plan.describe()} against "
                f"{stack.base_url} ({impl}); {stack.machines.describe()}",
                file=sys.stderr,
            )
            with (
                faults.injected(variant.fault, stack, plan.run_time_s, folder),
                topology.watched(stack, folder),
            ):
                facts = _run_headless(
                    plan, stack.base_url, folder, root, accounts=accounts,
                    meter=lambda: Meter(stack, variant.name), machines=stack.machines,
                )  # fmt: skip
        finally:
            _keep_logs(stack, folder)
    assert facts is not None
    report = read_report(folder)
    # Little's law: requests in flight = throughput x time each one takes.
    in_flight = report.total.rps * report.total.mean_ms / 1000
    in_flight = 0.0 if math.isnan(in_flight) else round(in_flight, 2)
    return report, replace(facts, users=plan.users, in_flight=in_flight)


def _make_accounts(stack: Stack, tree: Path, count: int, folder: Path) -> Path:
    """Create the accounts the simulated people log in as, before the timed window."""
    path = folder / "accounts.json"
    env = tree_environment(stack.app_environment(), tree)
    command = [sys.executable, "-m", "workshop.accounts", str(count), str(path)]
    print(f"making {count} accounts (a photo and a few follows each) ...", file=sys.stderr)
    try:
        done = subprocess.run(  # noqa: S603 - argv built by us
            command, cwd=tree, env=env, capture_output=True, text=True,
            timeout=ACCOUNTS_TIMEOUT_S, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise LoadError(f"making the accounts took over {ACCOUNTS_TIMEOUT_S} s") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise LoadError(f"could not make the load run's accounts with your app: {last}")
    return path


def _keep_logs(stack: Stack, folder: Path) -> None:
    """Copy every server's log into the report folder before the stack's scratch goes away."""
    logs = folder / "logs"
    logs.mkdir(exist_ok=True)
    for server in stack.servers:
        with contextlib.suppress(OSError):
            shutil.copyfile(server.log_path, logs / f"{server.name}.log")


def _check_slo_keys(lab: Lab) -> None:
    """Refuse [lab.slo] keys that name no check."""
    known = [*CHECKS, *topology.CHECKS]
    unknown = sorted(set(lab.slo) - set(known))
    if unknown:
        raise SloError(
            f"lab {lab.number}: [lab.slo] has unknown key(s) {', '.join(unknown)}; "
            f"known: {', '.join(known)}"
        )


def _new_report_folder(root: Path, lab: Lab) -> Path:
    """Create reports/labNN-<UTC time>, adding -2, -3 ... when two runs start in one second."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    base = root / REPORTS / f"lab{lab.tag}-{stamp}"
    folder, n = base, 1
    while True:
        try:
            folder.mkdir(parents=True)
            return folder
        except FileExistsError:
            n += 1
            folder = base.with_name(f"{base.name}-{n}")


def _remove_if_empty(folder: Path) -> None:
    """Delete a report folder nothing was written to."""
    with suppress(OSError):
        folder.rmdir()  # refuses a folder that holds anything


def _locust(plan: LoadPlan, host: str, folder: Path) -> list[str]:
    """The Locust command line shared by headless and web UI runs."""
    return [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(plan.scenario),
        "--host",
        host,
        "-u",
        str(plan.users),
        "-r",
        str(plan.spawn_rate),
        "--csv",
        str(folder / PREFIX),
        "--csv-full-history",  # per-endpoint history too, for the notebook
        "--html",
        str(folder / "report.html"),
    ]


def _run_headless(
    plan: LoadPlan,
    host: str,
    folder: Path,
    root: Path,
    *,
    accounts: Path | None = None,
    meter: Callable[[], Meter] | None = None,
    machines: Machines | None = None,
) -> RunFacts | None:
    """Run Locust without its UI for the plan's run time, showing progress on the terminal.

    The CPU meter starts when Locust reports its first second of traffic and stops when the
    run time is over, so neither Locust's start-up nor its shutdown counts.
    """
    command = _locust(plan, host, folder) + [
        "--headless",
        "-t",
        f"{plan.run_time_s}s",
        "--only-summary",  # we print our own progress and table
        "--stop-timeout",
        "5",  # let users finish the request they are in
    ]
    log_path = folder / "locust.log"
    env = dict(os.environ)
    if accounts is not None:
        env["WORKSHOP_LOAD_ACCOUNTS"] = str(accounts)
    began = time.monotonic()
    deadline = began + plan.run_time_s + STOP_GRACE_S
    # cwd is the repository so the scenario's `from loadtests.common import ...` resolves.
    with open(log_path, "wb") as log:
        process = _start_locust(command, root, env=env, stdout=log, stderr=subprocess.STDOUT)
    if machines is not None:
        # The load generator on a machine of its own: first in line for CPU, never capped.
        machines.place("locust", process.pid, capped=False)
    shown = _ProgressLine(plan.run_time_s)
    window: tuple[Meter, float] | None = None  # the meter and Locust's CPU when it started
    facts: RunFacts | None = None
    locust_cpu = 0.0
    try:
        while process.poll() is None:
            if time.monotonic() > deadline:
                raise LoadError(f"Locust did not stop after {plan.run_time_s} s; see {log_path}")
            progress = latest_progress(folder)
            locust_cpu = _cpu_seconds(process.pid, locust_cpu)
            if meter is not None and window is None and progress is not None:
                window = (meter(), locust_cpu)
            # Locust's clock starts about when its first figures appear (its start-up before
            # that may take long on a busy machine): the window lasts the run time from there.
            if (
                window is not None
                and facts is None
                and time.monotonic() - window[0].began >= plan.run_time_s - 1
            ):
                facts = window[0].finish(locust_cpu - window[1])
            shown.update(time.monotonic() - began, progress)
            time.sleep(1)
    except KeyboardInterrupt:
        shown.done()
        print(f"stopping Locust; its partial report goes to {folder}", file=sys.stderr)
        raise
    finally:
        _stop(process)
        shown.done()
    # Locust exits with 1 when some requests failed: that is for the SLOs to judge. A missing
    # stats file means it never ran (a broken scenario, for example).
    if not (folder / f"{PREFIX}_stats.csv").is_file():
        raise LoadError(
            f"Locust failed (exit code {process.returncode}); last lines of {log_path}:\n"
            + _tail(log_path)
        )
    if window is not None and facts is None:  # Locust stopped a little early
        facts = window[0].finish(locust_cpu - window[1])
    return facts


def _cpu_seconds(pid: int, last: float) -> float:
    """Return the CPU seconds a process has used so far (the last reading once it is gone)."""
    import psutil

    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return last
    return float(times.user + times.system)


def _run_ui(plan: LoadPlan, host: str, folder: Path, root: Path) -> int:
    """Run Locust's web UI until Ctrl-C; the CSV and HTML report are kept, no SLO is judged."""
    command = _locust(plan, host, folder) + ["--web-host", "127.0.0.1", "--web-port", str(UI_PORT)]
    process = _start_locust(command, root)
    print(f"\nLocust's web UI: http://127.0.0.1:{UI_PORT}   the app: {host}", file=sys.stderr)
    print("press Ctrl-C to stop Locust and the stack\n", file=sys.stderr)
    try:
        process.wait()
    except KeyboardInterrupt:
        pass  # _stop asks Locust to write its report and quit
    finally:
        _stop(process)
    print(f"report: {_shown(folder, root)}", file=sys.stderr)
    return 0


def _start_locust(command: list[str], root: Path, **streams: Any) -> subprocess.Popen[bytes]:
    """Start Locust in the repository (so `loadtests.common` imports) in its own process group.

    Its own group, because Ctrl-C in a terminal signals the whole foreground group: Locust
    would get one SIGINT from the terminal and another from _stop, and the second one
    interrupts it while it writes its report. This way only _stop signals it, once.
    """
    return subprocess.Popen(command, cwd=root, start_new_session=True, **streams)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Ask a Locust we started to stop (SIGINT: it writes its report), then insist."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except (subprocess.TimeoutExpired, KeyboardInterrupt):  # a second Ctrl-C: wait no more
        process.kill()
        process.wait()


class _ProgressLine:
    """Show elapsed time, users, throughput and p95 while Locust runs."""

    def __init__(self, total_s: int) -> None:
        self.total_s = total_s
        self.live = sys.stderr.isatty()  # a terminal gets one line redrawn in place
        self.last_print = -PROGRESS_EVERY_S

    def update(self, elapsed: float, progress: Progress | None) -> None:
        """Redraw the line (terminal) or print one every PROGRESS_EVERY_S (log file)."""
        text = f"  {min(elapsed, self.total_s):3.0f} s / {self.total_s} s"
        if progress is not None:
            p95 = "-" if math.isnan(progress.p95_ms) else f"{progress.p95_ms:.0f}"
            text += (
                f"   {progress.users:3d} users   {progress.rps:6.1f} req/s   p95 {p95:>5} ms"
                f"   {progress.requests} requests, {progress.failures} failed"
            )
        elif not self.live:
            return  # a log gets lines with figures only: the first one as soon as there are any
        if self.live:
            print(f"\r{text:<100}", end="", file=sys.stderr, flush=True)
        elif elapsed - self.last_print >= PROGRESS_EVERY_S:
            print(text, file=sys.stderr, flush=True)
            self.last_print = int(elapsed)

    def done(self) -> None:
        """End the redrawn line so later output starts on a fresh one."""
        if self.live:
            print(file=sys.stderr)


def _tail(path: Path, lines: int = 15) -> str:
    """Return the last lines of a log file."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _contents(variants: list[compare.Variant]) -> str:
    """Say where a report's files are: at the top, or one subfolder per compared run."""
    named = [v.name for v in variants if v.name]
    if not named:
        return "report.html, summary.json, locust_*.csv, logs/"
    runs = ", ".join(f"{name}/" for name in named)
    return f"summary.json; report.html, locust_*.csv and logs/ of each run in {runs}"


def _shown(folder: Path, root: Path) -> str:
    """Show a report folder relative to the repository when it is inside it."""
    try:
        return str(folder.relative_to(root))
    except ValueError:
        return str(folder)


def _summary(
    lab: Lab,
    impl: str,
    quick: bool,
    started: datetime,
    plan: LoadPlan,
    spec: StackSpec,
    variants: list[compare.Variant],
    report: LoadReport,
    verdicts: list[Verdict],
    facts: dict[str, RunFacts],
) -> dict[str, Any]:
    """Everything a notebook or a grader needs to know about the run, as JSON."""
    return {
        "lab": lab.number,
        "title": lab.title,
        "impl": impl,
        "quick": quick,
        "started": started.isoformat(timespec="seconds"),
        "duration_s": plan.run_time_s,
        "users": plan.users,
        "spawn_rate": plan.spawn_rate,
        "scenario": plan.scenario.name,
        "stack": spec.as_dict(),
        "compared": [
            {"name": v.name, "stack": v.spec.as_dict(), "env": v.env} for v in variants if v.name
        ],
        "total": stats_json(report.total),
        "endpoints": [stats_json(s) for s in report.endpoints],
        # The CPU budget each run's servers had, and what limited each run.
        "machines": [run.as_json() for run in facts.values()],
        "slo": [
            {
                "name": v.name,
                "passed": v.passed,
                "measured": None if math.isnan(v.measured) else v.measured,  # JSON has no NaN
                "target": v.target,
                "explanation": v.explanation,
            }
            for v in verdicts
        ],
        "passed": all(v.passed for v in verdicts),
    }
