"""The workshop CLI on a fake one-lab repository: check, status, hint, catchup, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.workshop.fake_repo import GUIDE, REPO, SOLUTION, make_fake_repo, workshop

FAILING_TEST = '''

def test_uploads_answer_201():
    """Uploads answer 201 Created."""
    assert 500 == 201, "expected 201, got 500\\nmore detail on a second line"
'''


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_fake_repo(tmp_path / "repo")


def test_check_prints_one_line_per_test_with_reason_and_hint(repo):
    make_fake_repo(repo, extra_tests=FAILING_TEST)
    (repo / "photoapp" / "answer.py").write_text(SOLUTION)
    done = workshop(repo, "check", "1")
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert "✓ test_answer.py::test_the_answer_is_42" in out
    assert "✗ test_answer.py::test_uploads_answer_201" in out
    assert "      expected 201, got 500\n" in out, "only the first line of the message"
    assert f"hint: Uploads answer 201 Created. — {GUIDE}" in out
    assert "lab 01: 1/2 passed" in out
    assert "next: start with test_answer.py::test_uploads_answer_201" in out
    assert "Traceback" not in out + done.stderr


def test_check_saves_progress_that_status_shows(repo):
    assert workshop(repo, "status").stdout.count("not started") == 1
    done = workshop(repo, "check", "1")
    assert done.returncode == 1
    progress = json.loads((repo / ".workshop" / "progress.json").read_text())
    record = progress["labs"]["1"]["workspace"]
    assert (record["passed"], record["total"]) == (0, 1)
    assert record["failed"] == ["test_answer.py::test_the_answer_is_42"]
    assert "failing 0/1" in workshop(repo, "status").stdout

    (repo / "photoapp" / "answer.py").write_text(SOLUTION)
    green = workshop(repo, "check", "1")
    assert green.returncode == 0, green.stdout
    assert "lab 01: 1/1 passed" in green.stdout
    assert "next: all green!" in green.stdout
    status = workshop(repo, "status").stdout
    assert "passed 1/1" in status and "Every ready lab is green" in status


def test_check_of_the_starter_names_the_stub(repo):
    done = workshop(repo, "check", "1")
    assert "NotImplementedError: Lab 01: write answer() in photoapp/answer.py" in done.stdout


def test_check_against_the_reference_does_not_touch_workspace_progress(repo):
    done = workshop(repo, "check", "1", "--impl", "reference")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "all green against --impl reference" in done.stdout
    assert "not started" in workshop(repo, "status").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "2"], "workshop: lab 2 is not ready yet: its guide and tests are still"),
        (["check", "9"], "workshop: there is no lab 9: the labs are 1, 2"),
        (["hint", "2"], "workshop: lab 2 is not ready yet"),
        (["load", "2"], "workshop: lab 2 is not ready yet"),
        (["services", "up", "--lab", "2"], "workshop: lab 2 is not ready yet"),
        (["check", "1", "--impl", "/no/such/folder"], "--impl /no/such/folder: no such folder"),
        (["catchup", "1"], "lab 1 is the first lab: there is nothing to catch up on"),
        (["selfcheck", "--labs", "x"], "workshop: bad lab range 'x'"),
    ],
)
def test_errors_are_one_line_with_exit_code_2(repo, args, message):
    done = workshop(repo, *args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) <= 3


def test_hints_come_one_at_a_time_and_remember(repo):
    assert "Hint 1/3 (lab 01): First hint" in workshop(repo, "hint", "1").stdout
    assert "Hint 2/3 (lab 01): Second hint" in workshop(repo, "hint", "1").stdout
    assert "Hint 3/3 (lab 01): Third hint" in workshop(repo, "hint", "1").stdout
    assert "That was the last hint" in workshop(repo, "hint", "1").stdout
    assert workshop(repo, "hint", "1", "--all").stdout.count("Hint ") == 3
    workshop(repo, "hint", "1", "--reset")
    assert "Hint 1/3" in workshop(repo, "hint", "1").stdout


def test_catchup_lays_official_files_and_keeps_a_backup(repo):
    mine = repo / "photoapp" / "answer.py"
    mine.write_text("# my own attempt\n")
    dry = workshop(repo, "catchup", "2", "--dry-run")
    assert "would replace photoapp/answer.py" in dry.stdout
    assert mine.read_text() == "# my own attempt\n"

    done = workshop(repo, "catchup", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    assert mine.read_text() == SOLUTION.lstrip()
    backups = list((repo / ".workshop" / "backups").glob("*/photoapp/answer.py"))
    assert [b.read_text() for b in backups] == ["# my own attempt\n"]
    assert "replaced photoapp/answer.py" in done.stdout
    assert str(backups[0].parents[1].relative_to(repo)) in done.stdout

    again = workshop(repo, "catchup", "2")
    assert again.returncode == 2
    assert "nothing to replace" in again.stderr


def test_no_command_prints_help(repo):
    done = workshop(repo)
    assert done.returncode == 2
    assert "check" in done.stdout and "selfcheck" in done.stdout


def test_load_and_grade_are_wired(repo):
    for command in (["load", "--help"], ["grade", "--help"], ["services", "--help"]):
        done = workshop(repo, *command)
        assert done.returncode == 0, (command, done.stderr)


def test_plain_pytest_adds_a_hint_to_a_failing_graded_test(repo):
    env = dict(os.environ, WORKSHOP_ROOT=str(repo), PYTHONPATH=str(REPO))
    env.pop("PHOTOAPP_IMPL", None)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/lab01"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    expected = f"Hint: answer() returns 42: the question is in the guide. (see {GUIDE})"
    assert expected in done.stdout
    assert f"impl: workspace ({repo.resolve()})" in done.stdout


def test_check_reports_a_deliverable_that_does_not_import(repo):
    (repo / "photoapp" / "answer.py").write_text("def answer(:\n    return 42\n")
    done = workshop(repo, "check", "1")
    assert done.returncode == 1, done.stdout + done.stderr
    assert (
        "could not import the tests: SyntaxError: invalid syntax (photoapp/answer.py, line 1)"
        in done.stdout
    )
    assert "lab 01: 0/1 passed" in done.stdout


def test_check_k_runs_some_tests_and_saves_no_progress(repo):
    make_fake_repo(repo, extra_tests=FAILING_TEST)
    done = workshop(repo, "check", "1", "-k", "uploads", "--full")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "test_uploads_answer_201" in done.stdout
    assert "test_the_answer_is_42" not in done.stdout.split("lab 01 ·")[1]
    assert "1 deselected" in done.stdout, "--full prints pytest's own output"
    assert not (repo / ".workshop" / "progress.json").exists()


def test_status_shows_the_newest_load_verdict_of_the_workspace(repo):
    def report(name: str, **summary: object) -> None:
        folder = repo / "reports" / name
        folder.mkdir(parents=True)
        (folder / "summary.json").write_text(json.dumps(summary))

    assert "not run" in workshop(repo, "status").stdout
    report("lab01-20260101-000000", impl="workspace", passed=False, quick=False)
    report("lab01-20260102-000000", impl="workspace", passed=True, quick=True)
    report("lab01-20260103-000000", impl="reference", passed=False, quick=False)
    assert "SLOs met (quick)" in workshop(repo, "status").stdout


def test_status_after_catchup_shows_the_official_labs_and_points_past_them(tmp_path):
    repo = make_fake_repo(tmp_path / "repo", lab2=True)
    assert "next: lab 01" in workshop(repo, "status").stdout
    assert workshop(repo, "catchup", "2").returncode == 0
    shown = workshop(repo, "status").stdout
    [lab1] = [line for line in shown.splitlines() if line.startswith("01 ")]
    assert "from the solutions" in lab1
    assert "next: lab 02" in shown


def test_check_points_at_the_failing_test_the_guide_names_first(repo):
    """Alphabetically test_a_later.py comes first; the guide's steps say test_answer.py."""
    (repo / "tests" / "lab01" / "test_a_later.py").write_text(
        "from photoapp.answer import answer\n\n\ndef test_later():\n    assert answer() == 42\n"
    )
    (repo / GUIDE).write_text("# The answer\n\nStep 1: test_answer.py. Step 2: test_a_later.py.\n")
    done = workshop(repo, "check", "1")
    assert "next: start with test_answer.py::test_the_answer_is_42;" in done.stdout, done.stdout
