"""Grade a class: stage submissions, run every (submission, lab) job N at a time, report."""

from __future__ import annotations

import copy
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

from workshop.grade import reports
from workshop.grade.runner import Job, Limits, collect_catalog, run_job
from workshop.grade.scoring import LabGrade, StudentRecord
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


def grade_class(
    plan: Plan, root: Path, manifest: Manifest, stream: TextIO = sys.stderr
) -> list[StudentRecord]:
    """Grade every submission of the plan, write the reports, return the class's records."""
    plan.out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="workshop-grade-", dir=plan.scratch))
    try:
        say = _Printer(stream)
        tags = ", ".join(lab.tag for lab in plan.labs)
        say(f"collecting the tests of lab(s) {tags} from the reference")
        catalogs = {lab.number: collect_catalog(root, lab) for lab in plan.labs}
        deliverables = [rel for lab in manifest.labs for rel in lab.deliverables]
        submissions = collect(plan.sources, deliverables, scratch / "submissions", plan.roster)
        jobs = [
            Job(submission, lab, integrated)
            for submission in submissions
            for integrated in ([False, True] if plan.integrated else [False])
            for lab in plan.labs
        ]
        say(f"grading {len(submissions)} submission(s): {len(jobs)} runs, {plan.jobs} at a time")
        progress = _Progress(say, len(jobs))
        grades: dict[Job, LabGrade] = {}

        def run(job: Job, logs: Path) -> LabGrade:
            return run_job(
                job,
                root=root,
                manifest=manifest,
                catalog=catalogs[job.lab.number],
                limits=plan.limits,
                scratch=scratch / "runs",
                logs=logs,
            )

        starter = _StarterGrades(run, scratch)

        def work(job: Job) -> None:
            progress.started(job)
            if job.handed_in:
                grade = run(job, plan.out / job.submission.student)
            else:
                grade = starter.grade(job.lab)
            grades[job] = grade
            progress.finished(job, grade)

        with progress, ThreadPoolExecutor(max_workers=max(1, plan.jobs)) as pool:
            # list() re-raises the first error of a job: a bug in the grader, not in a student.
            list(pool.map(work, jobs))
        records = [_record(s, grades) for s in submissions]
        for record in records:
            reports.save_record(plan.out, _merge(plan.out, record))
        everyone = reports.load_records(plan.out)
        reports.write_grades_csv(plan.out, everyone)
        reports.write_summary(plan.out, everyone)
        say("")
        for line in reports.table(everyone):
            say(line)
        say(f"\nreports in {plan.out}: {reports.GRADES}, {reports.SUMMARY}, <student>/*.json")
        return everyone
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _record(submission: Submission, grades: dict[Job, LabGrade]) -> StudentRecord:
    """Gather one submission's lab grades into its record."""
    record = StudentRecord(
        submission.student, submission.source, submission.found, submission.notes
    )
    for job, grade in grades.items():
        if job.submission is submission:
            (record.integrated if job.integrated else record.labs)[job.lab.number] = grade
    return record


def _merge(out: Path, record: StudentRecord) -> StudentRecord:
    """Keep the labs graded earlier for this student that this run did not grade again."""
    path = out / record.student / reports.RECORD
    if not path.is_file():
        return record
    (earlier,) = [r for r in reports.load_records(out) if r.student == record.student] or [record]
    record.labs = {**earlier.labs, **record.labs}
    record.integrated = {**earlier.integrated, **record.integrated}
    return record


class _StarterGrades:
    """The starter's grade per lab, run once and given to every submission without that lab."""

    def __init__(self, run: Callable[[Job, Path], LabGrade], scratch: Path) -> None:
        self.run = run
        self.folder = scratch / "starter"
        self.grades: dict[int, LabGrade] = {}
        self.lock = threading.Lock()

    def grade(self, lab: Lab) -> LabGrade:
        """Return a copy of the starter's grade for `lab` (running it the first time)."""
        # Running the starter rather than writing zeros keeps an empty submission exactly
        # level with one that handed in the untouched stubs, whatever the tests do.
        with self.lock:
            if lab.number not in self.grades:
                files = self.folder / "files"
                files.mkdir(parents=True, exist_ok=True)
                job = Job(Submission("starter", "", files), lab)
                self.grades[lab.number] = self.run(job, self.folder / "logs")
            grade = copy.deepcopy(self.grades[lab.number])
        grade.state, grade.duration = "no files", 0.0
        grade.note = "none of " + ", ".join(lab.deliverables) + " was handed in"
        return grade


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
        self.say(
            f"[{done:>{len(str(self.total))}}/{self.total}] {job.submission.student:<20} "
            f"{job.name:<16} {_points(grade):>9}  {took:5.1f} s{state}"
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
