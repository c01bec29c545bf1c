"""Scores from results: weights from the manifest, tests that never ran, reports' arithmetic."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from workshop.grade import reports
from workshop.grade.scoring import (
    RuleError,
    StudentRecord,
    points_of,
    score_lab,
    short_name,
    weights,
)
from workshop.manifest import Lab, Rule
from workshop.results import TestResult

LAB = Lab(
    number=7,
    slug="07-x",
    title="X",
    tests="tests/lab07",
    points={"test_a.py::test_heavy": 3, "test_a.py::test_param[big]": 5},
)
CATALOG = [
    "tests/lab07/test_a.py::test_heavy",
    "tests/lab07/test_a.py::test_param[big]",
    "tests/lab07/test_a.py::test_param[small]",
    "tests/lab07/test_b.py::test_light",
]


def test_points_come_from_the_manifest_and_default_to_one() -> None:
    """A listed test weighs its points; a listed parameter case only itself; others weigh 1."""
    assert [points_of(LAB, nodeid) for nodeid in CATALOG] == [3, 5, 1, 1]


def test_unreported_tests_fail_with_the_reason_and_earn_nothing() -> None:
    """Passed tests earn their weight; a broken file fails its tests; the rest were not run."""
    results = [
        TestResult("tests/lab07/test_a.py::test_heavy", "passed", 0.1),
        TestResult("tests/lab07/test_a.py::test_param[big]", "failed", 0.1, "expected 2, got 3"),
        TestResult("tests/lab07/test_b.py", "error", 0.0, "could not collect: SyntaxError"),
    ]
    grade = score_lab(LAB, CATALOG, results, duration=1.0, state="timed out", why_not_run="late")
    assert (grade.score, grade.max_score) == (3, 10)
    assert [(t.status, t.message) for t in grade.tests] == [
        ("passed", ""),
        ("failed", "expected 2, got 3"),
        ("failed", "late"),
        ("failed", "could not collect: SyntaxError"),
    ]


def test_short_names_keep_slashes_in_parameters() -> None:
    """Parameters may hold paths; only the folder of the file is dropped."""
    assert short_name("tests/lab02/test_s.py::test_x[DIR-/a/b]") == "test_s.py::test_x[DIR-/a/b]"


def test_reports_add_up(tmp_path: Path) -> None:
    """results.json's score is the sum of its tests; grades.csv has a column per lab."""
    grade = score_lab(
        LAB,
        CATALOG,
        [TestResult(CATALOG[0], "passed", 0.1), TestResult(CATALOG[3], "passed", 0.1)],
        duration=2.0,
        state="ran",
        why_not_run="not run",
    )
    record = StudentRecord("ann", "ann/", labs={7: grade})
    reports.save_record(tmp_path, record)
    data = json.loads((tmp_path / "ann" / "results.json").read_text())
    assert data["score"] == 4 == sum(test["score"] for test in data["tests"])
    assert data["max_score"] == 10
    assert data["tests"][0]["name"] == "lab 07 · test_a.py::test_heavy"
    reports.write_grades_csv(tmp_path, reports.load_records(tmp_path))
    with (tmp_path / "grades.csv").open(newline="") as handle:
        assert list(csv.reader(handle)) == [["student", "lab07", "total"], ["ann", "4", "4"]]


RULED = Lab(
    number=8,
    slug="08-x",
    title="X",
    tests="tests/lab08",
    rules=(
        Rule("heavy rule", 3, ("test_a.py::test_heavy",)),
        Rule("the rest of test_a", 1, ("test_a.py",)),
        Rule("test_b", 1, ("test_b.py",)),
    ),
    lab_points=100,
)
RULED_CATALOG = [nodeid.replace("lab07", "lab08") for nodeid in CATALOG]


def test_rules_share_the_labs_points_across_their_tests() -> None:
    """A rule's share of 100 points is split evenly across its tests; first matching rule."""
    weighed = weights(RULED, RULED_CATALOG)
    assert [round(w, 6) for w, _ in weighed.values()] == [60, 10, 10, 20]
    assert [rule for _, rule in weighed.values()] == [
        "heavy rule", "the rest of test_a", "the rest of test_a", "test_b",
    ]  # fmt: skip
    grade = score_lab(RULED, RULED_CATALOG, [TestResult(RULED_CATALOG[0], "passed", 0.1)],
                      duration=1.0, state="ran", why_not_run="late")  # fmt: skip
    assert (grade.score, grade.max_score) == (60, 100)
    assert grade.tests[0].rule == "heavy rule"


def test_a_test_in_no_rule_or_a_rule_with_no_test_is_an_error() -> None:
    """Rules must cover the catalog exactly: nothing weighs 0 by accident, no rule is unchecked."""
    with pytest.raises(RuleError, match="test_c.py::test_new checks no rule"):
        weights(RULED, [*RULED_CATALOG, "tests/lab08/test_c.py::test_new"])
    with pytest.raises(RuleError, match="no test checks the rule"):
        weights(RULED, RULED_CATALOG[1:])


def test_summary_shows_points_by_rule(tmp_path: Path) -> None:
    """summary.md lists each rule with its points, tests and the class mean."""
    grade = score_lab(RULED, RULED_CATALOG, [TestResult(RULED_CATALOG[3], "passed", 0.1)],
                      duration=1.0, state="ran", why_not_run="late")  # fmt: skip
    reports.save_record(tmp_path, StudentRecord("ann", "ann/", labs={8: grade}))
    text = reports.write_summary(tmp_path, reports.load_records(tmp_path)).read_text()
    assert "## Points by rule" in text
    assert "| heavy rule | 60 | 1 | 0 | 0/1 |" in text
    assert "| test_b | 20 | 1 | 20 | 1/1 |" in text
