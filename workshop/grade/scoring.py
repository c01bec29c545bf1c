"""Scores: which tests a lab has, what each is worth, and what a run earned.

The list of a lab's tests comes from the reference (collected once per grading run), never from
the student's run: a submission that breaks collection or dies half-way still has every test
counted, and it cannot add tests of its own.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from workshop.manifest import Lab
from workshop.results import TestResult

MAX_OUTPUT_CHARS = 4000  # per test in results.json: enough for a traceback's useful end


@dataclass
class TestScore:
    """One graded test of one lab."""

    nodeid: str  # tests/lab01/test_feed.py::test_feed_pages
    score: float
    max_score: float
    status: str  # passed | failed
    message: str = ""  # the first line of the failure
    output: str = ""  # what the student reads: the failure, the hint
    rule: str = ""  # the rule of the guide it checks (labs with [[lab.rule]])


@dataclass
class LabGrade:
    """What one submission earned for one lab in one run."""

    lab: int
    score: float
    max_score: float
    duration: float
    state: str  # ran | timed out | crashed | no files
    tests: list[TestScore] = field(default_factory=list)
    note: str = ""

    @property
    def passed(self) -> int:
        """Return how many tests passed."""
        return sum(1 for test in self.tests if test.status == "passed")

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LabGrade:
        """Rebuild a LabGrade saved by to_dict."""
        tests = [TestScore(**test) for test in data.get("tests", [])]
        return cls(**{**data, "tests": tests})


def points_of(lab: Lab, nodeid: str) -> float:
    """Return a test's weight: the manifest's `points` entry for it (file::name), else 1.

    An entry without [parameters] covers every parametrized case of the test.
    """
    rel = relative_name(lab, nodeid)
    if rel in lab.points:
        return lab.points[rel]
    return lab.points.get(re.sub(r"\[.*\]$", "", rel), 1.0)


class RuleError(ValueError):
    """A lab's rules do not cover its tests exactly (a test in no rule, a rule with no test)."""


def rule_of(lab: Lab, nodeid: str) -> str | None:
    """Return the name of the first rule whose patterns match the test, or None."""
    rel = relative_name(lab, nodeid)
    bare = re.sub(r"\[.*\]$", "", rel)
    for rule in lab.rules:
        for pattern in rule.tests:
            target = rel if "::" in pattern else rel.split("::", 1)[0]
            if fnmatch.fnmatchcase(target, pattern) or fnmatch.fnmatchcase(bare, pattern):
                return rule.name
    return None


def weights(lab: Lab, catalog: list[str]) -> dict[str, tuple[float, str]]:
    """Return each test's (points, rule).

    With rules, each rule carries lab_points x its share (of all the shares), split evenly
    across the tests that check it; every test must belong to a rule and every rule must have
    a test. Without rules, a test weighs its `points` entry, else 1.
    """
    if not lab.rules:
        return {nodeid: (points_of(lab, nodeid), "") for nodeid in catalog}
    members: dict[str, list[str]] = {rule.name: [] for rule in lab.rules}
    for nodeid in catalog:
        name = rule_of(lab, nodeid)
        if name is None:
            raise RuleError(
                f"lab {lab.tag}: {relative_name(lab, nodeid)} checks no rule of labs/labs.toml "
                "([[lab.rule]] tests): add it to the rule it checks"
            )
        members[name].append(nodeid)
    empty = [name for name, tests in members.items() if not tests]
    if empty:
        raise RuleError(f"lab {lab.tag}: no test checks the rule(s) {empty} of labs/labs.toml")
    shares = sum(rule.share for rule in lab.rules)
    result: dict[str, tuple[float, str]] = {}
    for rule in lab.rules:
        each = lab.lab_points * rule.share / shares / len(members[rule.name])
        for nodeid in members[rule.name]:
            result[nodeid] = (each, rule.name)
    return result


def relative_name(lab: Lab, nodeid: str) -> str:
    """Return the test's id inside the lab's folder: test_file.py::test_name."""
    return nodeid.removeprefix(lab.tests_dir.rstrip("/") + "/")


def short_name(nodeid: str) -> str:
    """Return test_file.py::test_name[params] (parameters may hold slashes, the path may not)."""
    path, _, rest = nodeid.partition("::")
    return f"{path.rsplit('/', 1)[-1]}::{rest}" if rest else path.rsplit("/", 1)[-1]


def score_lab(
    lab: Lab,
    catalog: list[str],
    results: list[TestResult],
    *,
    duration: float,
    state: str,
    why_not_run: str,
) -> LabGrade:
    """Score the tests of `catalog` from a run's results; a test not reported earns nothing."""
    by_id = {result.nodeid: result for result in results}
    broken = [r for r in results if "::" not in r.nodeid and r.outcome != "passed"]
    weighed = weights(lab, catalog)
    tests = []
    for nodeid in catalog:
        weight, rule = weighed[nodeid]
        result = by_id.get(nodeid)
        if result is not None and result.outcome == "passed":
            tests.append(TestScore(nodeid, weight, weight, "passed", rule=rule))
            continue
        if result is not None:
            message = result.message or f"the test {result.outcome}"
            output = _output(result)
        elif (cause := _collection_error(nodeid, broken)) is not None:
            message, output = cause.message, _output(cause)
        else:
            message = output = why_not_run
        tests.append(TestScore(nodeid, 0.0, weight, "failed", message, output, rule))
    # Rounded as reports show them: points by rule are fractions (25 / 13 per test, say).
    total = round(sum(test.max_score for test in tests), 2)
    earned = round(sum(test.score for test in tests), 2)
    return LabGrade(lab.number, earned, total, round(duration, 1), state, tests)


def _collection_error(nodeid: str, broken: list[TestResult]) -> TestResult | None:
    """Return the collection error (of its file, folder or conftest) that hid a test."""
    path = nodeid.split("::", 1)[0]
    for entry in broken:
        if entry.nodeid in ("collection", path) or path.startswith(entry.nodeid.rstrip("/") + "/"):
            return entry
    return None


def _output(result: TestResult) -> str:
    """Return what a student reads about a failed test: message, traceback end, hint."""
    parts = [result.message or result.outcome]
    if result.details:
        details = result.details
        if len(details) > MAX_OUTPUT_CHARS:
            details = "[...]\n" + details[-MAX_OUTPUT_CHARS:]
        parts.append(details)
    if result.hint:
        parts.append(f"Hint: {result.hint}")
    return "\n\n".join(parts)


@dataclass
class StudentRecord:
    """Everything graded for one student: saved as <out>/<student>/grade.json."""

    student: str
    source: str
    found: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    graded_with: str = ""  # the repository state that graded it: "commit 1a2b3c4 of ..."
    labs: dict[int, LabGrade] = field(default_factory=dict)
    integrated: dict[int, LabGrade] = field(default_factory=dict)

    @property
    def score(self) -> float:
        """Return the points earned over every lab graded."""
        return sum(grade.score for grade in self.labs.values())

    @property
    def max_score(self) -> float:
        """Return the points available over every lab graded."""
        return sum(grade.max_score for grade in self.labs.values())

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (lab numbers become string keys)."""
        return {
            "student": self.student,
            "source": self.source,
            "found": self.found,
            "notes": self.notes,
            "graded_with": self.graded_with,
            "labs": {str(n): g.to_dict() for n, g in sorted(self.labs.items())},
            "integrated": {str(n): g.to_dict() for n, g in sorted(self.integrated.items())},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StudentRecord:
        """Rebuild a record saved by to_dict."""
        return cls(
            student=data["student"],
            source=data.get("source", ""),
            found=list(data.get("found", [])),
            notes=list(data.get("notes", [])),
            graded_with=str(data.get("graded_with", "")),
            labs={int(n): LabGrade.from_dict(g) for n, g in data.get("labs", {}).items()},
            integrated={
                int(n): LabGrade.from_dict(g) for n, g in data.get("integrated", {}).items()
            },
        )
