"""Grade one (submission, lab): build its tree, run the lab's tests on it fenced in, score it."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from workshop.grade import isolation
from workshop.grade.isolation import Account, RunFolder
from workshop.grade.sandbox import Fence, clean_env, run_fenced, scratch_env
from workshop.grade.scoring import LabGrade, score_lab
from workshop.grade.submissions import Submission
from workshop.manifest import Lab, Manifest
from workshop.results import ENV as RESULTS_ENV
from workshop.results import TestResult, read_results
from workshop.services.scratch import OWNER_FILE, default_run_root, remove_folder, stop_recorded
from workshop.trees import build_tree

COLLECT_TIMEOUT_S = 120
MAX_RESULTS_BYTES = 64 * 1024 * 1024


class GradingError(RuntimeError):
    """The grader itself cannot work (the reference's tests do not even collect)."""


@dataclass(frozen=True)
class Limits:
    """The fences around each run."""

    test_timeout: float  # seconds per test (pytest-timeout)
    time_limit: float  # seconds for the whole run of one lab
    max_log_bytes: int  # pytest output kept per run
    max_fail: int | None = None  # stop a run after this many failures (selfcheck --mutants)


@dataclass(frozen=True, eq=False)  # each job is one run: compared by identity
class Job:
    """One pytest run: a submission's lab, fair (reference elsewhere) or integrated."""

    submission: Submission
    lab: Lab
    integrated: bool = False

    @property
    def handed_in(self) -> bool:
        """Tell whether the submission holds a file this run grades (any lab's, if integrated)."""
        if self.integrated:
            return bool(self.submission.found)
        return any(rel in self.submission.found for rel in self.lab.deliverables)

    def fingerprint(self, root: Path, manifest: Manifest) -> str:
        """Return a hash of the files this run lays over the reference (starters where missing).

        Two jobs with the same fingerprint test the very same code, so one run serves both.
        """
        labs = manifest.labs if self.integrated else [self.lab]
        digest = hashlib.sha256(f"lab {self.lab.number} integrated {self.integrated}".encode())
        for lab in labs:
            for rel in lab.deliverables:
                found = rel in self.submission.found
                source = (self.submission.files if found else root) / rel
                data = source.read_bytes() if source.is_file() else b"(none)"
                digest.update(f"\0{rel}\0{len(data)}\0".encode() + data)
        return digest.hexdigest()

    @property
    def name(self) -> str:
        """Return the run's name in folders and logs: lab01 or lab01-integrated."""
        return f"lab{self.lab.tag}" + ("-integrated" if self.integrated else "")


def pytest_argv(root: Path, lab: Lab, tree: str, extra: list[str]) -> list[str]:
    """Return the command that runs the lab's tests of the repository at `root` against a tree.

    Run it with PYTHONPATH=root (see pytest_env): the results plugin, the tests' plugins and
    the workshop package then come from `root`, the exported commit, never the checkout.
    """
    return [
        sys.executable, "-m", "pytest", str(root / lab.tests_dir),
        "--impl", tree,
        "-c", str(root / "pyproject.toml"), "--rootdir", str(root),
        "-p", "no:cacheprovider",  # nothing written into the shared repository
        "-p", "pytest_timeout",  # the one installed plugin the graded tests need (see below)
        "-p", "workshop.results",
        *extra,
    ]  # fmt: skip


def pytest_env(root: Path) -> dict[str, str]:
    """Return the variables every grading pytest over the repository at `root` needs."""
    # Other installed plugins (nbmake, locust's) cost a second of start-up per run, and
    # importing locust patches the standard library with gevent: load none of them.
    # PYTHONPATH first: `workshop` (and its results plugin) is the one of `root`, not the
    # checkout's that the editable install points to.
    return {
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "PYTHONPATH": str(root),
        "WORKSHOP_ROOT": str(root),
    }


def collect_catalog(root: Path, lab: Lab) -> list[str]:
    """Return the test ids of a lab, collected from the reference (they decide max scores)."""
    argv = pytest_argv(root, lab, "reference", ["--collect-only", "-q"])
    done = subprocess.run(  # noqa: S603 - our own argv
        argv,
        cwd=root,
        env={**clean_env(), **pytest_env(root)},
        capture_output=True,
        text=True,
        timeout=COLLECT_TIMEOUT_S,
        check=False,
    )
    prefix = lab.tests_dir.rstrip("/") + "/"
    catalog = [
        line.strip()
        for line in done.stdout.splitlines()
        if line.startswith(prefix) and "::" in line
    ]
    if done.returncode != 0 or not catalog:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise GradingError(
            f"lab {lab.tag}: the reference's tests do not collect (pytest exit code "
            f"{done.returncode}); fix the repository before grading:\n{tail}"
        )
    return catalog


def run_job(
    job: Job,
    *,
    root: Path,
    manifest: Manifest,
    catalog: list[str],
    limits: Limits,
    scratch: Path,
    logs: Path,
    account: Account | None = None,
) -> LabGrade:
    """Grade one job; whatever the student's code does, return a LabGrade.

    account: the system account the run executes as (root only), in a view of the machine
    that holds only its own run folder besides the system and Python (isolation.view).
    """
    submission = job.submission
    folder = scratch / submission.student / job.name
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.parent.chmod(0o711)  # enterable, not listable: a run cannot see its neighbours'
    logs.mkdir(parents=True, exist_ok=True)
    logs.chmod(0o750)  # the instructor's (and the grader's), not the run accounts'
    view: dict[str, object] | None = None
    try:
        run = isolation.make_run_folder(folder, root, account)
        view = None if account is None else isolation.view(run, scratch.parent / "views")
        return _run(job, run, root, manifest, catalog, limits, logs / f"{job.name}.log", view)
    finally:
        isolation.remove_run_folder(folder)
        if view is not None:  # empty: its tmpfs died with the run's namespace
            with contextlib.suppress(OSError):
                Path(str(view["root"])).rmdir()


def _run(
    job: Job,
    run: RunFolder,
    root: Path,
    manifest: Manifest,
    catalog: list[str],
    limits: Limits,
    log: Path,
    view: dict[str, object] | None,
) -> LabGrade:
    """Build the job's tree in its run folder, run the tests fenced in, score the results."""
    files = job.submission.files
    if job.integrated:
        every_lab = {lab.number: files for lab in manifest.labs if lab.deliverables}
        build_tree(run.tree, base="workspace", overlays=every_lab, root=root, manifest=manifest)
    else:
        overlay = {job.lab.number: files}
        build_tree(run.tree, base="reference", overlays=overlay, root=root, manifest=manifest)
    isolation.seal(run)
    results_file = run.work / "results.jsonl"
    env = scratch_env(run.work, {**pytest_env(run.repo), RESULTS_ENV: str(results_file)})
    isolation.give_all(run.work, run.account)  # HOME, TMPDIR and the cache are the run's
    extra = [f"--timeout={limits.test_timeout:g}", "-q", "--basetemp", str(run.work / "pytest")]
    if limits.max_fail:
        extra.append(f"--maxfail={limits.max_fail}")
    fence = Fence(
        account=run.account,
        cgroup=True,
        view=view,
    )
    outcome = run_fenced(
        pytest_argv(run.repo, job.lab, str(run.tree), extra),
        cwd=run.work,
        env=env,
        log=log,
        time_limit=limits.time_limit,
        max_log_bytes=limits.max_log_bytes,
        fence=fence,
    )
    if not sys.platform.startswith("linux"):  # on Linux the launcher killed them all
        _stop_servers_left_by(outcome.pid, run.repo)
    # Paths into the run's scratch tree differ for every student: say "tree/" instead, so the
    # same mistake reads the same in everyone's report.
    tree = str(run.tree)
    results = [
        dataclasses.replace(
            r, message=r.message.replace(tree, "tree"), details=r.details.replace(tree, "tree")
        )
        for r in _read(results_file)
    ]
    if outcome.timed_out:
        state = "timed out"
        why = f"not run: the lab's time limit of {limits.time_limit:g} s ran out first"
    elif outcome.exit_code in (0, 1, 2):  # passed, failed, collection errors
        state = "ran"
        why = "not run: pytest did not report this test (see the lab's log)"
    else:
        state = f"crashed (exit code {outcome.exit_code})"
        why = f"not run: pytest stopped with exit code {outcome.exit_code} (see the lab's log)"
    grade = score_lab(
        job.lab, catalog, results, duration=outcome.duration, state=state, why_not_run=why
    )
    if outcome.dropped_bytes:
        grade.note = f"{outcome.output_bytes} bytes of output, log cut at {limits.max_log_bytes}"
    return grade


def check_isolation(scratch: Path, root: Path, account: Account) -> None:
    """Start one empty run fenced as graded runs are; raise IsolationError if it cannot start."""
    folder = scratch / "check"
    run = isolation.make_run_folder(folder, root, account)
    view: dict[str, object] | None = None
    try:
        isolation.seal(run)
        view = isolation.view(run, scratch.parent / "views")
        outcome = run_fenced(
            [sys.executable, "-c", "import os; os.listdir(os.getcwd())"],
            cwd=run.work,
            env=scratch_env(run.work, {}),
            log=run.path / "check.log",
            time_limit=60,
            max_log_bytes=4096,
            fence=Fence(account=account, cgroup=True, view=view),
        )
        if outcome.exit_code != 0:
            said = (run.path / "check.log").read_text(errors="replace").strip().splitlines()
            raise isolation.IsolationError(
                f"runs cannot be fenced on this machine ({said[-1] if said else outcome}): grade "
                "on a machine that allows mount namespaces as root (Docker: --cap-add "
                "SYS_ADMIN), or grade without root (less protection: see labs/INSTRUCTORS.md)"
            )
    finally:
        isolation.remove_run_folder(folder)
        if view is not None:
            with contextlib.suppress(OSError):
                Path(str(view["root"])).rmdir()


def _stop_servers_left_by(pid: int, root: Path) -> None:
    """Stop the servers a run's fixtures started and did not stop (it was killed, say)."""
    # Servers run in sessions of their own, out of reach of the run's process group; each
    # stack records its owner (the pytest process) and its servers in an owner file, under
    # .workshop/run of whichever copy of the workshop package the run imported.
    for run_root in {default_run_root(), root / ".workshop" / "run"}:
        for owner_file in run_root.glob(f"*/{OWNER_FILE}") if run_root.is_dir() else []:
            try:
                owner = json.loads(owner_file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if owner.get("owner_pid") == pid:
                stop_recorded(owner_file.parent)
                remove_folder(owner_file.parent)


def _read(path: Path) -> list[TestResult]:
    """Read a run's results; a file the student's code mangled counts as no results."""
    if path.is_symlink() or (path.is_file() and path.stat().st_size > MAX_RESULTS_BYTES):
        return []  # the run's account wrote this file: never follow it elsewhere
    try:
        return read_results(path)
    except (ValueError, TypeError, OSError, UnicodeDecodeError):
        return []
