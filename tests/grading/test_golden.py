"""Golden tests of `workshop grade`: known submissions graded together, outputs compared.

The expected failures live in expected_lab01.toml. When lab 01's tests change on purpose, run
`GRADING_WRITE_EXPECTED=1 pytest tests/grading/test_golden.py`, then read the diff before
committing it: the file is what the grader is promised to do.
"""

from __future__ import annotations

import csv
import json
import os
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.grading import submissions as known
from workshop import manifest as manifest_module
from workshop.grade.batch import Plan, grade_class
from workshop.grade.runner import Limits
from workshop.grade.scoring import StudentRecord, short_name

pytestmark = pytest.mark.timeout(600)

EXPECTED = Path(__file__).with_name("expected_lab01.toml")
# The looping submission costs this much of one worker; generous, because a busy machine
# (CI, or a developer's laptop running other tests) can make lab 01's reference take a minute,
# and more than 150 s under a load average of 15.
TIME_LIMIT_S = 240.0
KNOWN: dict[str, known.Builder] = {
    # First, so that its time limit runs out while the other worker grades the rest.
    "loops-forever": known.loops_forever,
    "reference": known.zipped(known.reference),
    "starter": known.starter,
    "empty": known.empty,
    "feed-ignores-follows": known.git_repository(known.feed_ignores_follows),
    "crashes": known.crashes,
    "syntax-error": known.syntax_error,
    "edits-tests-and-grader": known.edits_tests_and_grader,
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, StudentRecord]]:
    """Grade every known submission for lab 01, two at a time, into one output folder."""
    manifest = manifest_module.load()
    lab = manifest.lab(1)
    folder = tmp_path_factory.mktemp("submissions")
    sources = [build(folder / name, lab) for name, build in KNOWN.items()]
    out = tmp_path_factory.mktemp("grades")
    plan = Plan(
        sources=sources,
        labs=[lab],
        out=out,
        limits=Limits(test_timeout=30, time_limit=TIME_LIMIT_S, max_log_bytes=256 * 1024),
        jobs=2,
    )
    records = grade_class(plan, manifest.root)
    return out, {record.student: record for record in records}


@pytest.fixture(scope="module")
def expected(graded: tuple[Path, dict[str, StudentRecord]]) -> dict[str, Any]:
    """The committed expectations (rewritten from this run with GRADING_WRITE_EXPECTED=1)."""
    if os.environ.get("GRADING_WRITE_EXPECTED"):
        _write_expected(graded[1])
    return tomllib.loads(EXPECTED.read_text(encoding="utf-8"))


def test_every_known_submission_is_graded(graded: tuple[Path, dict[str, StudentRecord]]) -> None:
    """One row per submission, named after its folder, zip or repository."""
    _, records = graded
    assert sorted(records) == sorted(KNOWN)


@pytest.mark.parametrize("student", list(KNOWN))
def test_failures_and_state_are_as_expected(
    graded: tuple[Path, dict[str, StudentRecord]], expected: dict[str, Any], student: str
) -> None:
    """Each submission fails exactly the expected tests, in the expected state."""
    grade = graded[1][student].labs[1]
    failed = sorted(_name(t.nodeid) for t in grade.tests if t.status == "failed")
    want = expected[student]
    assert grade.state == want["state"]
    if want["fails"] == "all":
        assert grade.score == 0 and len(failed) == len(grade.tests)
    else:
        assert failed == sorted(want["fails"])


def test_an_empty_folder_scores_like_the_starter(
    graded: tuple[Path, dict[str, StudentRecord]],
) -> None:
    """Handing in nothing is graded as handing in the stubs, test for test."""
    empty, starter = graded[1]["empty"].labs[1], graded[1]["starter"].labs[1]
    assert [(t.nodeid, t.status) for t in empty.tests] == [
        (t.nodeid, t.status) for t in starter.tests
    ]
    assert empty.state == "no files"


def test_grades_csv_matches_the_expected_scores(
    graded: tuple[Path, dict[str, StudentRecord]], expected: dict[str, Any]
) -> None:
    """grades.csv: student, lab01, total; scores are the points (by rule) of the tests passed."""
    out, records = graded
    with (out / "grades.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["student", "lab01", "total"]
    reference = records["reference"].labs[1]
    assert reference.max_score == pytest.approx(100)  # lab 01's rules share 100 points
    worth = {_name(t.nodeid): t.max_score for t in reference.tests}
    scores = {row[0]: (float(row[1]), float(row[2])) for row in rows[1:]}
    for student, want in expected.items():
        lost = (
            sum(worth.values())
            if want["fails"] == "all"
            else sum(worth[name] for name in want["fails"])
        )
        points = round(reference.max_score - lost, 2)
        assert scores[student] == (pytest.approx(points), pytest.approx(points)), student


def test_the_reference_earns_every_point_next_to_a_looping_neighbour(
    graded: tuple[Path, dict[str, StudentRecord]],
) -> None:
    """A submission that loops forever costs only its own points."""
    records = graded[1]
    assert records["reference"].labs[1].score == records["reference"].labs[1].max_score
    looping = records["loops-forever"].labs[1]
    assert looping.state == "timed out"
    assert looping.duration < TIME_LIMIT_S + 15  # killed, not waited for


def test_starters_fail_for_the_right_reason(
    graded: tuple[Path, dict[str, StudentRecord]],
) -> None:
    """The starter, tests and grader edits or not, fails on its stubs."""
    for student in ("starter", "edits-tests-and-grader"):
        for test in graded[1][student].labs[1].tests:
            assert "NotImplementedError" in test.output or "Lab 01" in test.message, test


def test_a_syntax_error_is_reported(graded: tuple[Path, dict[str, StudentRecord]]) -> None:
    """A module that does not parse fails its tests with the SyntaxError, not a grader crash."""
    tests = graded[1]["syntax-error"].labs[1].tests
    assert any("SyntaxError" in t.output for t in tests if t.status == "failed")


def test_results_json_is_gradescope_format(graded: tuple[Path, dict[str, StudentRecord]]) -> None:
    """results.json: score, max_score, execution_time and tests with name/score/status."""
    out, records = graded
    for student, record in records.items():
        data = json.loads((out / student / "results.json").read_text())
        assert set(data) >= {"score", "max_score", "execution_time", "tests", "output"}
        # The total is rounded to hundredths; points by rule make fractions of each test.
        assert data["score"] == pytest.approx(sum(t["score"] for t in data["tests"]), abs=0.01)
        assert data["max_score"] == record.labs[1].max_score
        for test in data["tests"]:
            assert set(test) >= {"name", "score", "max_score", "status", "output"}
            assert test["status"] in ("passed", "failed")
            assert test["name"].startswith("lab 01 · test_")
            assert test["score"] == (test["max_score"] if test["status"] == "passed" else 0)


def test_summary_names_the_common_failures(graded: tuple[Path, dict[str, StudentRecord]]) -> None:
    """summary.md has the class table, lab pass rates and the feed failure with its message."""
    out, records = graded
    text = (out / "summary.md").read_text()
    full = f"{records['reference'].max_score:g}"
    assert f"| reference | {full}/{full} | {full}/{full} |" in text
    assert "| 01 | " in text.split("## Labs", 1)[1]
    (feed,) = [
        t
        for t in records["feed-ignores-follows"].labs[1].tests
        if t.nodeid.endswith("::test_feed_has_own_and_followees_photos_only")
    ]
    failures = text.split("## Most common failures", 1)[1]
    assert feed.message.splitlines()[0][:150] in failures
    assert "**loops-forever**: lab 01: timed out" in text


def test_logs_are_kept_per_student_and_lab(graded: tuple[Path, dict[str, StudentRecord]]) -> None:
    """Each run's pytest output is in <student>/lab01.log; the killed one says so."""
    out = graded[0]
    assert "passed" in (out / "reference" / "lab01.log").read_text()
    assert "time limit" in (out / "loops-forever" / "lab01.log").read_text()


def _name(nodeid: str) -> str:
    """Return test_file.py::test_name from a node id."""
    return short_name(nodeid)


def _write_expected(records: dict[str, StudentRecord]) -> None:
    """Write expected_lab01.toml from a run (for a maintainer to review, then commit)."""
    lines = [
        "# Expected lab 01 grades of the known submissions in tests/grading/submissions.",
        '# fails: "all", or exactly the tests that fail; state: how the run ended.',
        "",
    ]
    for student in KNOWN:
        grade = records[student].labs[1]
        failed = sorted(_name(t.nodeid) for t in grade.tests if t.status == "failed")
        lines.append(f'["{student}"]')
        lines.append(f'state = "{grade.state}"')
        if failed and len(failed) == len(grade.tests):
            lines.append('fails = "all"')
        else:
            lines.append("fails = [" + "".join(f'\n    "{name}",' for name in failed) + "\n]")
        lines.append("")
    EXPECTED.write_text("\n".join(lines), encoding="utf-8")
