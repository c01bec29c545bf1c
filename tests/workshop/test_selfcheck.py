"""Selfcheck: the reference passes, starters fail for the right reason, labs fail alone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.workshop.fake_repo import REPO, make_fake_repo, workshop
from workshop import manifest as manifest_module
from workshop.results import TestResult
from workshop.selfcheck import _wrong_reason

STUB = "NotImplementedError: Lab 01: write x (see labs/01-single-box/README.md)"


@pytest.fixture(scope="module")
def manifest() -> manifest_module.Manifest:
    return manifest_module.load()


def _result(outcome: str, message: str = "", details: str = "") -> TestResult:
    return TestResult("tests/lab01/test_x.py::test_x", outcome, 0.1, message, details)


def test_a_stub_failure_is_the_right_reason(manifest):
    lab = manifest.lab(1)
    assert _wrong_reason(manifest, lab, _result("failed", STUB), {1}) is None
    assert _wrong_reason(manifest, lab, _result("error", "boom", "E   " + STUB), {1}) is None


@pytest.mark.parametrize(
    ("result", "complaint"),
    [
        (_result("passed"), "passes on the starter"),
        (_result("skipped", "no server"), "skipped (no server) instead of failing"),
        (_result("failed", "expected 201, got 500"), "fails for another reason: expected 201"),
        (
            _result("failed", "NotImplementedError: Lab 03: x (see labs/03-postgresql/README.md)"),
            "names Lab 03, not Lab 01",
        ),
        (_result("failed", "NotImplementedError: Lab 01: write x"), "does not point to the guide"),
    ],
)
def test_other_outcomes_are_breaches(manifest, result, complaint):
    assert complaint in (_wrong_reason(manifest, manifest.lab(1), result, {1}) or "")


def test_a_fake_lab_that_is_sound_passes_selfcheck(tmp_path: Path):
    repo = make_fake_repo(tmp_path / "repo")
    done = workshop(repo, "selfcheck")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "selfcheck: every check holds" in done.stdout


def test_a_test_that_passes_on_the_starter_is_a_breach(tmp_path: Path):
    repo = make_fake_repo(tmp_path / "repo", extra_tests="\n\ndef test_nothing():\n    pass\n")
    done = workshop(repo, "selfcheck")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "test_nothing: passes on the starter" in done.stdout
    assert "BREACH" in done.stdout


def test_a_starter_that_is_the_solution_is_a_breach(tmp_path: Path):
    repo = make_fake_repo(tmp_path / "repo")
    official = (repo / "solutions" / "photoapp" / "answer.py").read_text()
    (repo / "photoapp" / "answer.py").write_text(official)
    done = workshop(repo, "selfcheck")
    assert done.returncode == 1
    assert "the starter photoapp/answer.py is the same as the official version" in done.stdout


def test_a_later_lab_may_build_on_an_earlier_one_unless_strict(tmp_path: Path):
    repo = make_fake_repo(tmp_path / "repo", lab2=True)
    done = workshop(repo, "selfcheck", "--jobs", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "fails alone, earlier labs pass" in done.stdout
    strict = workshop(repo, "selfcheck", "--strict")
    assert strict.returncode == 1, strict.stdout + strict.stderr
    assert "lab 02 broke too: test_double.py::test_double_is_84 failed" in strict.stdout


# Every ready lab's tests, once per lab alone and twice more: with labs 01-05 and 08 ready,
# about 15 min on a busy 2-core machine (its longest part grows with each lab).
@pytest.mark.timeout(2700)
def test_selfcheck_of_every_ready_lab_holds():
    """Every ready lab: reference green, starter red for the stub's reason, and alone."""
    env = {k: v for k, v in os.environ.items() if k != "PHOTOAPP_IMPL"}
    done = subprocess.run(
        [sys.executable, "-m", "workshop", "selfcheck", "--jobs", "2"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=2650,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "selfcheck: every check holds" in done.stdout
