"""`workshop selfcheck`: prove the labs are sound before students (or the grader) rely on them.

For the selected ready labs:
1. the reference tree passes every test;
2. the starter (the workspace as committed) fails every test, each with the NotImplementedError
   of a stub that names the lab ("Lab 01") and its guide, and nothing fails for another reason;
3. the reference with only lab N's deliverables turned back into starters fails lab N's tests
   (for the right reason) and passes the tests of every earlier lab: a student working on an
   earlier lab has lab N's starters in their tree. Later labs may build on lab N (lab 02 serves
   lab 01's SQLite repository with Gunicorn), so by default they are not run; --strict runs them
   too and demands that they pass, which a cumulative course cannot meet.
   Grading stays fair either way: lab M is graded with the reference of every other lab.
"""

from __future__ import annotations

import filecmp
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from workshop.manifest import Lab, Manifest, ManifestError
from workshop.results import TestResult
from workshop.testrun import TestRun, run_pytest
from workshop.trees import SOLUTIONS, cached_tree, resolve_impl

SHOWN_PROBLEMS = 8
_LAB_TAG = re.compile(r"Lab (\d\d)")


@dataclass
class Row:
    """One line of the selfcheck table."""

    lab: Lab
    check: str
    total: int = 0
    good: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Tell whether this check holds."""
        return not self.problems and self.total > 0


def selfcheck(
    manifest: Manifest, numbers: list[int] | None = None, strict: bool = False, jobs: int = 1
) -> int:
    """Run the three checks for the selected labs; print a table; 1 on any breach."""
    every_ready = manifest.ready_labs()
    labs = [manifest.ready_lab(n) for n in numbers] if numbers else every_ready
    if not labs:
        raise ManifestError("no lab is ready yet: nothing to check")
    dirs = [lab.tests_dir for lab in labs]
    plans = [("reference", "reference", dirs), ("starter", "starter", dirs)]
    for lab in labs:
        print(f"Building the tree of lab {lab.tag} alone ...", flush=True)
        tree = cached_tree(
            f"alone-{lab.tag}", base="reference", overlays={lab.number: manifest.root},
            root=manifest.root, manifest=manifest,
        )  # fmt: skip
        scope = [x for x in every_ready if strict or x.number <= lab.number]
        plans.append((f"lab {lab.tag} alone", str(tree), [x.tests_dir for x in scope]))
    runs = _run_all(manifest, plans, jobs)

    rows: list[Row] = [_files_row(manifest, lab) for lab in labs]
    rows += [_reference_row(lab, _of(runs["reference"], lab)) for lab in labs]
    for lab in labs:
        # With every lab a starter, a test may meet an earlier lab's stub first: that is fine.
        earlier = {x.number for x in manifest.labs if x.number <= lab.number}
        rows.append(
            _starter_row(manifest, lab, _of(runs["starter"], lab), earlier, "starter fails")
        )
    for lab in labs:
        alone = runs[f"lab {lab.tag} alone"]
        check = "fails alone, others pass" if strict else "fails alone, earlier labs pass"
        row = _starter_row(manifest, lab, _of(alone, lab), {lab.number}, check)
        for other in every_ready:
            if other.number == lab.number:
                continue
            for result in _of(alone, other):
                row.total += 1
                if result.outcome == "passed":
                    row.good += 1
                else:
                    row.problems.append(f"lab {other.tag} broke too: {_describe(result)}")
        rows.append(row)
    return _print_table(rows)


def selfcheck_mutants(
    manifest: Manifest,
    numbers: list[int] | None = None,
    jobs: int = 2,
    only: list[str] | None = None,
) -> int:
    """Grade the wrong versions of each lab (tests/mutants) like submissions; print the shares."""
    from workshop.grade.isolation import IsolationError
    from workshop.grade.mutants import MutantError, grade_mutants, print_reports
    from workshop.grade.runner import GradingError

    labs = [manifest.ready_lab(n) for n in numbers] if numbers else manifest.ready_labs()
    if not labs:
        raise ManifestError("no lab is ready yet: nothing to check")
    try:
        reports = grade_mutants(manifest, labs, jobs=jobs, only=only or ())
    except (MutantError, GradingError, IsolationError) as exc:
        print(f"workshop selfcheck --mutants: {exc}", file=sys.stderr)
        return 2
    return print_reports(reports)


def _run_all(
    manifest: Manifest, plans: list[tuple[str, str, list[str]]], jobs: int
) -> dict[str, TestRun]:
    """Run each (label, impl, test folders), `jobs` at a time, saying when each is done."""
    total = len(plans)
    began = time.monotonic()
    done = 0

    def one(plan: tuple[str, str, list[str]]) -> tuple[str, TestRun]:
        nonlocal done
        label, impl, dirs = plan
        # A live counter only makes sense when one run at a time writes to the terminal.
        run = _run(manifest, dirs, impl, label, live=jobs == 1)
        done += 1
        print(
            f"[{done}/{total}] {label}: {len(run.results)} tests in {run.seconds:.0f}s "
            f"({time.monotonic() - began:.0f}s so far)",
            flush=True,
        )
        return label, run

    print(f"Running {total} test runs, {jobs} at a time ...", flush=True)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return dict(pool.map(one, plans))


def _run(manifest: Manifest, dirs: list[str], impl: str, label: str, live: bool) -> TestRun:
    """Run the tests, turning a run that could not even start into an error."""
    resolve_impl(impl, manifest.root)  # build the tree now, so a broken one fails here, clearly
    run = run_pytest(dirs, impl, root=manifest.root, progress=label if live else None)
    if run.crashed:
        tail = "\n".join(run.output.rstrip().splitlines()[-15:])
        raise ManifestError(f"pytest could not run on {label} (exit {run.returncode}):\n{tail}")
    return run


def _of(run: TestRun, lab: Lab) -> list[TestResult]:
    """Return the results of one lab's tests."""
    return [r for r in run.results if r.nodeid.startswith(lab.tests_dir + "/")]


def _files_row(manifest: Manifest, lab: Lab) -> Row:
    """Check the lab's files: tests exist, every deliverable has a stub and an official version."""
    row = Row(lab, "files: tests, stubs, solutions")
    if not (manifest.root / lab.tests_dir).is_dir():
        row.problems.append(f"{lab.tests_dir} is missing")
    for rel in lab.deliverables:
        row.total += 1
        stub, official = manifest.root / rel, manifest.root / SOLUTIONS / rel
        if not official.is_file():
            row.problems.append(f"{SOLUTIONS}/{rel} is missing")
        elif not stub.is_file():
            row.problems.append(f"the starter {rel} is missing")
        elif filecmp.cmp(stub, official, shallow=False):
            row.problems.append(f"the starter {rel} is the same as the official version")
        else:
            row.good += 1
    if not (manifest.root / lab.guide).is_file():
        row.problems.append(f"the guide {lab.guide} is missing")
    return row


def _reference_row(lab: Lab, results: list[TestResult]) -> Row:
    """Every test of the lab passes on the reference."""
    row = Row(lab, "reference passes", total=len(results))
    for result in results:
        if result.outcome == "passed":
            row.good += 1
        else:
            row.problems.append(_describe(result))
    if not results:
        row.problems.append("no tests ran")
    return row


def _starter_row(
    manifest: Manifest, lab: Lab, results: list[TestResult], allowed: set[int], check: str
) -> Row:
    """Every test of the lab fails because of a stub of one of the `allowed` labs."""
    row = Row(lab, check, total=len(results))
    for result in results:
        problem = _wrong_reason(manifest, lab, result, allowed)
        if problem:
            row.problems.append(f"{result.name}: {problem}")
        else:
            row.good += 1
    if not results:
        row.problems.append("no tests ran")
    return row


def _wrong_reason(
    manifest: Manifest, lab: Lab, result: TestResult, allowed: set[int]
) -> str | None:
    """Return why a starter failure is not the expected one, or None when it is."""
    if result.outcome == "passed":
        return "passes on the starter, so it does not test the lab's work"
    if result.outcome == "skipped":
        return f"skipped ({result.message}) instead of failing"
    text = f"{result.message}\n{result.details}"
    if "NotImplementedError" not in text:
        return f"fails for another reason: {result.message}"
    named = {int(n) for n in _LAB_TAG.findall(text)}
    fitting = sorted(named & allowed)
    if not fitting:
        wanted = f"Lab {lab.tag}"
        return f"its NotImplementedError names {_tags(named) or 'no lab'}, not {wanted}"
    guides = [manifest.lab(n).guide for n in fitting]
    if not any(guide in text for guide in guides):
        return f"its failure does not point to the guide ({' or '.join(guides)})"
    return None


def _tags(numbers: set[int]) -> str:
    """Format lab numbers as "Lab 01, Lab 03"."""
    return ", ".join(f"Lab {n:02d}" for n in sorted(numbers))


def _describe(result: TestResult) -> str:
    """Return a one-line account of a test that did not pass."""
    return f"{result.name} {result.outcome}: {result.message}"


def _print_table(rows: list[Row]) -> int:
    """Print the table and the problems; return 0 when every check holds."""
    print(f"\n{'lab':<4} {'check':<32} {'good':>9}  result")
    for row in rows:
        verdict = "ok" if row.ok else "BREACH"
        print(f"{row.lab.tag:<4} {row.check:<32} {row.good:>4}/{row.total:<4}  {verdict}")
        for problem in row.problems[:SHOWN_PROBLEMS]:
            print(f"       - {problem}")
        if len(row.problems) > SHOWN_PROBLEMS:
            print(f"       ... and {len(row.problems) - SHOWN_PROBLEMS} more")
    breaches = sum(not row.ok for row in rows)
    if breaches:
        print(f"\nselfcheck: {breaches} check(s) failed")
        return 1
    print("\nselfcheck: every check holds")
    return 0
