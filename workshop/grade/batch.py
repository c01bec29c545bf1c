"""Grade a class: stage submissions, run every (submission, lab) job N at a time, report."""

from __future__ import annotations

import copy
import queue
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from workshop import manifest as manifest_module
from workshop.grade import isolation, reports
from workshop.grade.pristine import export
from workshop.grade.runner import (
    GradingError,
    Job,
    Limits,
    check_isolation,
    collect_catalog,
    run_job,
)
from workshop.grade.sandbox import stop_all_runs
from workshop.grade.scoring import LabGrade, RuleError, StudentRecord, weights
from workshop.grade.submissions import Submission, collect
from workshop.manifest import Lab, Manifest

HEARTBEAT_S = 15.0  # how often to say what is still running


@dataclass(frozen=True)
class Plan:
    """What to grade and how."""

    sources: Sequence[str]
    labs: Sequence[Lab]
    out: Path
    limits: Limits
    jobs: int = 2
    integrated: bool = False
    roster: Path | None = None
    scratch: Path | None = None  # default: a fresh folder under the system's temp folder


def grade_class(plan: Plan, checkout: Path, stream: TextIO = sys.stderr) -> list[StudentRecord]:
    """Grade every submission of the plan, write the reports, return the class's records."""
    plan.out.mkdir(parents=True, exist_ok=True)
    accounts = isolation.run_accounts(max(1, plan.jobs))  # [] unless root; fails early if missing
    scratch = Path(tempfile.mkdtemp(prefix="workshop-grade-", dir=plan.scratch))
    # Enterable, not listable: each run's account reaches its own run folder and nothing else
    # (pristine/ and submissions/ are the grader's alone, and hidden from runs besides).
    scratch.chmod(0o711)
    say = _Printer(stream)
    try:
        (scratch / "pristine").mkdir(mode=0o700)
        (scratch / "submissions").mkdir(mode=0o700)
        (scratch / "runs").mkdir(mode=0o711)
        pristine = export(checkout, scratch / "pristine" / "repo")
        say(f"grading with {pristine.origin}")
        (scratch / "views").mkdir(mode=0o700)
        slots: queue.Queue[isolation.Account | None] = queue.Queue()
        for slot in range(max(1, plan.jobs)):
            slots.put(accounts[slot] if accounts else None)
        if accounts:
            check_isolation(scratch / "runs", pristine.root, accounts[0])
            say(f"runs execute as {', '.join(a.name for a in accounts)}, each in a cgroup")
        root, manifest = pristine.root, manifest_module.load(pristine.root)
        labs = [manifest.ready_lab(lab.number) for lab in plan.labs]
        say(f"collecting the tests of lab(s) {', '.join(lab.tag for lab in labs)}")
        with ThreadPoolExecutor(max_workers=max(1, plan.jobs)) as pool:
            found = pool.map(lambda lab: collect_catalog(root, lab), labs)
            catalogs = dict(zip([lab.number for lab in labs], found, strict=True))
        for lab in labs:  # every test weighs something, every rule is checked: or stop here
            try:
                weights(lab, catalogs[lab.number])
            except RuleError as exc:
                raise GradingError(str(exc)) from None
        deliverables = [rel for lab in manifest.labs for rel in lab.deliverables]
        staging = scratch / "submissions" / "staged"
        submissions = collect(plan.sources, deliverables, staging, plan.roster)
        jobs = [
            Job(submission, lab, integrated)
            for submission in submissions
            for integrated in ([False, True] if plan.integrated else [False])
            for lab in labs
        ]
        say(f"grading {len(submissions)} submission(s): {len(jobs)} runs, {plan.jobs} at a time")

        def run(job: Job) -> LabGrade:
            account = slots.get()  # one account per run going on: runs never share one
            try:
                return run_job(
                    job,
                    root=root,
                    manifest=manifest,
                    catalog=catalogs[job.lab.number],
                    limits=plan.limits,
                    scratch=scratch / "runs",
                    logs=plan.out / job.submission.student,
                    account=account,
                )
            finally:
                slots.put(account)

        grades = _run_all(jobs, _SharedRuns(run, root, manifest, plan.out), plan.jobs, say)
        records = [_record(s, grades, pristine.origin) for s in submissions]
        return _write_reports(plan.out, records, say)
    finally:
        isolation.remove_run_folder(scratch)


def _run_all(
    jobs: list[Job], shared: _SharedRuns, at_once: int, say: _Printer
) -> dict[Job, LabGrade]:
    """Run the jobs `at_once` at a time with progress lines; return each one's grade."""
    grades: dict[Job, LabGrade] = {}
    with _Progress(say, len(jobs)) as progress:

        def work(job: Job) -> None:
            progress.started(job)
            grades[job] = shared.grade(job)
            progress.finished(job, grades[job])

        with ThreadPoolExecutor(max_workers=max(1, at_once)) as pool:
            try:
                # list() re-raises the first error of a job: a grader bug, not a student's.
                list(pool.map(work, jobs))
            except BaseException:  # Ctrl-C, SIGTERM, a grader bug: stop what runs, now
                pool.shutdown(wait=False, cancel_futures=True)
                stop_all_runs()
                raise
    return grades


def _write_reports(out: Path, records: list[StudentRecord], say: _Printer) -> list[StudentRecord]:
    """Save each record, rebuild the class reports from every record in `out`, print the table."""
    for record in records:
        reports.save_record(out, _merge(out, record))
    everyone = reports.load_records(out)
    reports.write_grades_csv(out, everyone)
    reports.write_summary(out, everyone)
    say("")
    for line in reports.table(everyone):
        say(line)
    say(f"\nreports in {out}: {reports.GRADES}, {reports.SUMMARY}, <student>/{reports.RESULTS}")
    return everyone


def _record(submission: Submission, grades: dict[Job, LabGrade], origin: str) -> StudentRecord:
    """Gather one submission's lab grades into its record."""
    record = StudentRecord(
        submission.student, submission.source, submission.found, submission.notes, origin
    )
    for job, grade in grades.items():
        if job.submission is submission:
            (record.integrated if job.integrated else record.labs)[job.lab.number] = grade
    return record


def _merge(out: Path, record: StudentRecord) -> StudentRecord:
    """Keep the labs graded earlier for this student that this run did not grade again."""
    path = out / record.student / reports.RECORD
    if path.is_file():
        earlier = reports.load_record(path)
        record.labs = {**earlier.labs, **record.labs}
        record.integrated = {**earlier.integrated, **record.integrated}
    return record


class _SharedRuns:
    """One pytest run per distinct set of files: identical submissions share its grade.

    Students who did not start a lab all have the starter's files, and handing in nothing
    means the same; one run then grades them all, exactly level with each other.
    """

    def __init__(
        self, run: Callable[[Job], LabGrade], root: Path, manifest: Manifest, out: Path
    ) -> None:
        self.run = run
        self.root = root
        self.manifest = manifest
        self.out = out
        self.lock = threading.Lock()
        self.first: dict[str, Job] = {}
        self.done: dict[str, threading.Event] = {}
        self.grades: dict[str, LabGrade] = {}

    def grade(self, job: Job) -> LabGrade:
        """Run the job, or wait for the run of identical files; return the job's own copy."""
        key = job.fingerprint(self.root, self.manifest)
        with self.lock:
            first = self.first.setdefault(key, job)
            done = self.done.setdefault(key, threading.Event())
        if first is job:
            try:
                self.grades[key] = self.run(job)
            finally:
                done.set()  # a grader error must not leave the others waiting forever
        else:
            done.wait()
            self._copy_log(first, job)
        grade = copy.deepcopy(self.grades[key])
        if not job.handed_in:
            grade.state = "no files"
            grade.note = "none of its files was handed in: graded as the starter"
        elif first is not job and first.handed_in:
            grade.note = f"same files as {first.submission.student}: graded by one run"
        return grade

    def _copy_log(self, first: Job, job: Job) -> None:
        """Give the job the log of the run that graded it."""
        source = self.out / first.submission.student / f"{first.name}.log"
        if source.is_file():
            target = self.out / job.submission.student / f"{job.name}.log"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)


class _Printer:
    """Print progress lines to the terminal, one thread at a time."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.lock = threading.Lock()

    def __call__(self, line: str) -> None:
        with self.lock:
            print(line, file=self.stream, flush=True)


class _Progress:
    """Say which student and lab is running, how long it took, and what is still running."""

    def __init__(self, say: _Printer, total: int) -> None:
        self.say = say
        self.total = total
        self.done = 0
        self.started_at = time.monotonic()
        self.running: dict[Job, float] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.ticker = threading.Thread(target=self._tick, daemon=True)

    def __enter__(self) -> _Progress:
        self.ticker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.ticker.join()
        took = time.monotonic() - self.started_at
        self.say(f"graded {self.done}/{self.total} runs in {took:.0f} s")

    def started(self, job: Job) -> None:
        """Note a job that starts."""
        with self.lock:
            self.running[job] = time.monotonic()

    def finished(self, job: Job, grade: LabGrade) -> None:
        """Print one line for a finished job."""
        with self.lock:
            took = time.monotonic() - self.running.pop(job)
            self.done += 1
            done = self.done
        state = "" if grade.state == "ran" else f"  ({grade.state})"
        shared = "  (shared run)" if grade.note.startswith("same files") else ""
        self.say(
            f"[{done:>{len(str(self.total))}}/{self.total}] {job.submission.student:<20} "
            f"{job.name:<16} {_points(grade):>9}  {took:5.1f} s{state}{shared}"
        )

    def _tick(self) -> None:
        """Every few seconds, say what has been running for a while."""
        while not self.stop.wait(HEARTBEAT_S):
            with self.lock:
                now = time.monotonic()
                slow = [
                    f"{j.submission.student} {j.name} ({now - t:.0f} s)"
                    for j, t in self.running.items()
                    if now - t >= HEARTBEAT_S
                ]
            if slow:
                self.say(f"... {now - self.started_at:.0f} s: still running " + ", ".join(slow))


def _points(grade: LabGrade) -> str:
    """Format a lab's score as earned/available."""
    return f"{grade.score:g}/{grade.max_score:g}"
