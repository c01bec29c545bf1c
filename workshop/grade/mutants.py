"""Wrong versions of the reference, graded like submissions: does each lab's suite catch them?

A mutant is one realistic bug in one reference deliverable, written as a replacement of a
piece of its text: tests/mutants/labNN.toml lists them, each with why it is wrong.

    [[mutant]]
    name = "feed-ignores-follows"
    file = "photoapp/backends/repository_sqlite.py"
    old = "OR p.user_id IN (SELECT followee_id FROM follows WHERE follower_id = :me)"
    new = "OR 0"
    why = "the feed shows only the user's own photos"

`workshop selfcheck --mutants` builds each mutant as a student's submission (the lab's
reference deliverables, one of them changed), grades them all with `workshop grade`'s own code
for that lab, and reports the share caught (a mutant is caught when it loses a point). The
reference itself is graded alongside: it must earn every point, or the figures mean nothing.
"""

from __future__ import annotations

import sys
import tempfile
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from workshop.grade.batch import Plan, grade_class
from workshop.grade.runner import Limits
from workshop.grade.scoring import LabGrade
from workshop.manifest import Lab, Manifest
from workshop.trees import SOLUTIONS

MUTANTS_DIR = Path("tests") / "mutants"
REFERENCE = "reference"  # the control's name among the graded mutants
GOAL = 0.9  # the share of mutants each lab's tests must catch
# A mutant run stops at its first failure; one that survives runs the whole lab, which takes
# minutes on a busy machine: its time limit must never be what "catches" it.
TIME_LIMIT_S = 900.0


class MutantError(ValueError):
    """A mutant no longer applies to the reference (its text is gone): update it."""


@dataclass(frozen=True)
class Mutant:
    """One wrong version of one reference deliverable."""

    name: str
    file: str
    old: str
    new: str
    why: str


@dataclass
class LabReport:
    """What one lab's tests made of its mutants."""

    lab: Lab
    caught: list[str] = field(default_factory=list)
    survived: list[Mutant] = field(default_factory=list)
    undecided: list[str] = field(default_factory=list)  # timed out or crashed: grade again
    reference_ok: bool = True
    seconds: float = 0.0

    @property
    def total(self) -> int:
        """Return how many mutants were graded to the end (caught or survived)."""
        return len(self.caught) + len(self.survived)

    @property
    def share(self) -> float:
        """Return the share caught (0 when the lab has none)."""
        return len(self.caught) / self.total if self.total else 0.0


def load(root: Path, lab: Lab) -> list[Mutant]:
    """Return the mutants of a lab (none when it has no file of mutants yet)."""
    path = root / MUTANTS_DIR / f"lab{lab.tag}.toml"
    if not path.is_file():
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    mutants = [Mutant(**entry) for entry in data.get("mutant", [])]
    names = [m.name for m in mutants]
    if len(set(names)) != len(names) or REFERENCE in names:
        raise MutantError(f"{path}: mutant names must be unique and not {REFERENCE!r}")
    for mutant in mutants:
        if mutant.file not in lab.deliverables:
            raise MutantError(f"{path}: {mutant.name}: {mutant.file} is not a lab deliverable")
    return mutants


def build(mutant: Mutant | None, root: Path, lab: Lab, dest: Path) -> Path:
    """Write the lab's reference deliverables to dest, with the mutant's change if any."""
    for rel in lab.deliverables:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        text = (root / SOLUTIONS / rel).read_text(encoding="utf-8")
        if mutant is not None and mutant.file == rel:
            found = text.count(mutant.old)
            if found != 1:
                raise MutantError(
                    f"mutant {mutant.name} of lab {lab.tag}: its text is in {rel} {found} "
                    "times, not once: the reference changed, update tests/mutants"
                )
            text = text.replace(mutant.old, mutant.new)
        target.write_text(text, encoding="utf-8")
    return dest


def grade_mutants(
    manifest: Manifest,
    labs: Sequence[Lab],
    *,
    jobs: int = 2,
    only: Sequence[str] = (),
    stream: TextIO = sys.stderr,
) -> list[LabReport]:
    """Grade every mutant of the labs (or those named in `only`); return a report per lab."""
    reports = []
    for lab in labs:
        mutants = [m for m in load(manifest.root, lab) if not only or m.name in only]
        report = LabReport(lab)
        reports.append(report)
        if not mutants:
            continue
        with tempfile.TemporaryDirectory(prefix=f"workshop-mutants-{lab.tag}-") as scratch:
            folder = Path(scratch)
            sources = [str(build(None, manifest.root, lab, folder / "in" / REFERENCE))]
            sources += [str(build(m, manifest.root, lab, folder / "in" / m.name)) for m in mutants]
            plan = Plan(
                sources=sources,
                labs=[lab],
                out=folder / "out",
                # One failure is enough to catch a mutant: stop there (--maxfail=1).
                limits=Limits(60, TIME_LIMIT_S, max_log_bytes=1 << 20, max_fail=1),
                jobs=jobs,
                scratch=None,
            )
            records = {r.student: r for r in grade_class(plan, manifest.root, stream=stream)}
        report.reference_ok = _full(records[REFERENCE].labs[lab.number])
        report.seconds = sum(r.labs[lab.number].duration for r in records.values())
        for mutant in mutants:
            grade = records[mutant.name].labs[lab.number]
            if grade.state != "ran":  # the time limit, not a test, stopped it
                report.undecided.append(f"{mutant.name} ({grade.state})")
            elif _full(grade):
                report.survived.append(mutant)
            else:
                report.caught.append(mutant.name)
    return reports


def print_reports(reports: Sequence[LabReport], stream: TextIO = sys.stdout) -> int:
    """Print the share caught per lab and every survivor; 1 if a lab misses the goal."""
    print("\nMutants caught by the graded tests (workshop selfcheck --mutants)\n", file=stream)
    print(f"{'lab':<5} {'caught':>9} {'share':>7}  {'run time':>9}", file=stream)
    breach = False
    for report in reports:
        if not report.total:
            print(f"{report.lab.tag:<5} {'-':>9} {'-':>7}  (no mutants written yet)", file=stream)
            continue
        mark = "" if report.share >= GOAL and report.reference_ok else "  <- below the goal"
        if not report.reference_ok:
            mark = "  <- the reference itself lost points: figures are meaningless"
        breach = breach or bool(mark)
        caught = f"{len(report.caught)}/{report.total}"
        print(
            f"{report.lab.tag:<5} {caught:>9} {report.share:>7.0%}  {report.seconds:>7.0f} s{mark}",
            file=stream,
        )
    for report in reports:
        for mutant in report.survived:
            print(f"  survived: lab {report.lab.tag} {mutant.name}: {mutant.why}", file=stream)
        for name in report.undecided:
            print(f"  undecided (not counted): lab {report.lab.tag} {name}", file=stream)
    return 1 if breach or any(r.undecided for r in reports) else 0


def _full(grade: LabGrade) -> bool:
    """Tell whether a run earned every point."""
    return grade.state in ("ran", "no files") and grade.score >= grade.max_score > 0
