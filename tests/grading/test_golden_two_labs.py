"""Golden test of lab independence: lab 01 right and lab 02 wrong give full marks for lab 01.

Lab 02's expected failures live in expected_lab02.toml (regenerate as test_golden.py says).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from tests.grading import submissions as known
from workshop import manifest as manifest_module
from workshop.grade.batch import Plan, grade_class
from workshop.grade.runner import Limits
from workshop.grade.scoring import LabGrade, short_name

pytestmark = pytest.mark.timeout(600)

EXPECTED = Path(__file__).with_name("expected_lab02.toml")


@pytest.fixture(scope="module")
def grades(tmp_path_factory: pytest.TempPathFactory) -> dict[int, LabGrade]:
    """Grade one submission for labs 01 and 02, both at once."""
    manifest = manifest_module.load()
    labs = [manifest.lab(1), manifest.lab(2)]
    assert all(lab.ready for lab in labs), "this test grades labs 01 and 02: both must be ready"
    folder = tmp_path_factory.mktemp("submissions")
    source = known.lab01_right_lab02_wrong(folder / "lab02-wrong", labs[1])
    plan = Plan(
        sources=[source],
        labs=labs,
        out=tmp_path_factory.mktemp("grades"),
        limits=Limits(test_timeout=60, time_limit=300, max_log_bytes=256 * 1024),
        jobs=2,
    )
    (record,) = grade_class(plan, manifest.root)
    return record.labs


def test_lab01_earns_every_point_whatever_lab02_does(grades: dict[int, LabGrade]) -> None:
    """Lab 01 is graded with lab 02's reference, so the student's lab 02 cannot cost it."""
    assert grades[1].state == "ran"
    assert grades[1].score == grades[1].max_score


def test_lab02_fails_exactly_the_expected_tests(grades: dict[int, LabGrade]) -> None:
    """Keeping unsafe request ids fails what it should, and only that."""
    failed = sorted(short_name(t.nodeid) for t in grades[2].tests if t.status == "failed")
    if os.environ.get("GRADING_WRITE_EXPECTED"):
        body = "".join(f'\n    "{name}",' for name in failed)
        EXPECTED.write_text(
            "# Lab 02 tests that fail when request ids keep any incoming value.\n"
            f"fails = [{body}\n]\n",
            encoding="utf-8",
        )
    expected = tomllib.loads(EXPECTED.read_text(encoding="utf-8"))["fails"]
    assert grades[2].state == "ran"
    assert failed == sorted(expected)
    assert 0 < grades[2].score < grades[2].max_score
