"""Golden tests of the grader's isolation: hostile submissions graded next to honest ones.

One class is graded for lab 01, two runs at a time: a cheat that reads the reference, a
tamperer that appends a hook to the tests' conftest.py, a process that double-forks out of
its process group, a peeker that reads its neighbour's files, and honest students graded after them.
Then a checkout whose results plugin is edited, committed or not, grades an empty submission.

Reading is fenced by accounts and a mount namespace, which need root: without root the cheat
and the peeker tests skip (see labs/INSTRUCTORS.md for what a non-root grader protects).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.grading import attacks
from tests.grading import submissions as known
from workshop import manifest as manifest_module
from workshop.grade import isolation
from workshop.grade.batch import Plan, grade_class
from workshop.grade.runner import Limits
from workshop.grade.scoring import StudentRecord

pytestmark = pytest.mark.timeout(900)

TOKEN = f"grading-escape-{uuid.uuid4().hex}"
needs_root = pytest.mark.skipif(
    not isolation.is_root(), reason="runs are fenced from reading only when the grader is root"
)


@pytest.fixture(scope="module")
def accounts() -> None:
    """The two run accounts, created when missing (as root)."""
    if isolation.is_root():
        isolation.create_accounts(2)


@pytest.fixture(scope="module")
def graded(
    tmp_path_factory: pytest.TempPathFactory, accounts: None
) -> tuple[Path, dict[str, StudentRecord]]:
    """Grade hostile submissions beside and before honest ones, two runs at a time."""
    manifest = manifest_module.load()
    lab = manifest.lab(1)
    folder = tmp_path_factory.mktemp("attacks")
    out = tmp_path_factory.mktemp("grades")
    builders: dict[str, known.Builder] = {
        "honest": attacks.honest,
        "peek": attacks.peek("honest", out),  # runs beside the honest student
        "tamper": attacks.tamper,
        "cheat": attacks.cheat,
        "escape": attacks.escape(TOKEN),
        "starter": known.starter,
        "after-tamper": known.reference,  # graded once the tamperer's run has begun
    }
    sources = [build(folder / name, lab) for name, build in builders.items()]
    plan = Plan(
        sources=sources,
        labs=[lab],
        out=out,
        limits=Limits(test_timeout=60, time_limit=400, max_log_bytes=256 * 1024),
        jobs=2,
    )
    records = grade_class(plan, manifest.root)
    return out, {record.student: record for record in records}


def _failed(record: StudentRecord) -> list[str]:
    return sorted(t.nodeid for t in record.labs[1].tests if t.status == "failed")


def test_the_cheat_code_finds_the_reference_where_nothing_stops_it(tmp_path: Path) -> None:
    """Control: run outside the grader, the cheat's search does find the reference."""
    namespace: dict[str, object] = {"__file__": str(tmp_path / "photoapp" / "images.py")}
    os.environ.setdefault("WORKSHOP_ROOT", str(manifest_module.repo_root()))
    exec(compile(attacks.STEAL, "steal", "exec"), namespace)  # noqa: S102 - our own snippet
    stolen = namespace["_steal"](attacks.IMAGES)  # type: ignore[operator]
    assert stolen == (manifest_module.repo_root() / "solutions" / attacks.IMAGES).read_text()


@needs_root
def test_a_cheat_reading_solutions_scores_as_the_starter(
    graded: tuple[Path, dict[str, StudentRecord]],
) -> None:
    """No solutions/ is reachable from a run: the cheat's stubs fail every test."""
    records = graded[1]
    cheat = records["cheat"].labs[1]
    assert cheat.state == "ran"
    assert cheat.score == 0
    assert _failed(records["cheat"]) == _failed(records["starter"])
    assert all("NotImplementedError" in t.output or "Lab 01" in t.message for t in cheat.tests)


def test_tampering_with_the_tests_fails_and_spares_the_neighbours(
    graded: tuple[Path, dict[str, StudentRecord]],
) -> None:
    """The tests are read-only and the run's own: the append fails, later runs are untouched."""
    records = graded[1]
    for student in ("tamper", "after-tamper", "honest"):
        grade = records[student].labs[1]
        assert grade.state == "ran", student
        assert grade.score == grade.max_score, (student, _failed(records[student])[:3])


def test_a_double_forked_setsid_process_does_not_outlive_the_grader(
    graded: tuple[Path, dict[str, StudentRecord]],
) -> None:
    """Nothing the escaping submission started is still running once grade_class returns."""
    assert graded[1]["escape"].labs[1].score == graded[1]["escape"].labs[1].max_score
    alive = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if TOKEN.encode() in (entry / "cmdline").read_bytes():
                    alive.append(int(entry.name))
            except OSError:
                continue
    assert alive == [], f"escaped processes still running: {alive}"


@needs_root
def test_a_run_cannot_read_its_neighbours_files(
    graded: tuple[Path, dict[str, StudentRecord]],
) -> None:
    """Staged files, run tree, log and pristine export of others: none readable (it scores)."""
    records = graded[1]
    peek = records["peek"].labs[1]
    assert peek.score == peek.max_score, [t.message for t in peek.tests if t.message][:1]
    assert records["honest"].labs[1].score == records["honest"].labs[1].max_score


def test_reports_and_runs_are_closed_to_other_accounts(
    graded: tuple[Path, dict[str, StudentRecord]],
) -> None:
    """Each student's folder of logs has no permission for others."""
    out = graded[0]
    assert (out / "honest").stat().st_mode & 0o007 == 0


# An edit of the results plugin that reports every test as passed.
PASS_ALL = (
    '            "outcome": entry.get("outcome", "error"),',
    '            "outcome": "passed",',
)


@pytest.fixture(scope="module")
def edited_checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git checkout of this working tree, committed, then its results plugin edited."""
    source = manifest_module.repo_root()
    checkout = tmp_path_factory.mktemp("checkout") / "repo"
    listed = subprocess.run(
        ["git", "-C", str(source), "ls-files", "-co", "--exclude-standard", "-z"],
        capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for rel in filter(None, listed):
        if (source / rel).is_file():
            (checkout / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / rel, checkout / rel)
    git = ["git", "-C", str(checkout), "-c", "user.name=t", "-c", "user.email=t@x.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "as it is"], check=True)
    plugin = checkout / "workshop" / "results.py"
    text = plugin.read_text(encoding="utf-8")
    assert PASS_ALL[0] in text, "workshop/results.py changed: update PASS_ALL"
    plugin.write_text(text.replace(*PASS_ALL), encoding="utf-8")
    return checkout


def _grade_empty(checkout: Path, tmp: Path) -> tuple[StudentRecord, str]:
    """Grade an empty lab 01 submission with the given checkout; return it and summary.md."""
    lab = manifest_module.load(checkout).lab(1)
    (tmp / "empty").mkdir()
    plan = Plan(
        sources=[str(tmp / "empty")],
        labs=[lab],
        out=tmp / "out",
        limits=Limits(test_timeout=60, time_limit=300, max_log_bytes=256 * 1024),
        jobs=1,
    )
    (record,) = grade_class(plan, checkout)
    return record, (tmp / "out" / "summary.md").read_text(encoding="utf-8")


def test_an_uncommitted_edit_of_the_results_plugin_is_not_used(
    edited_checkout: Path, tmp_path: Path, accounts: None
) -> None:
    """The run imports the plugin of the exported commit: the edit in the checkout is ignored."""
    record, summary = _grade_empty(edited_checkout, tmp_path)
    assert record.labs[1].score == 0
    assert "uncommitted changes in the checkout are not used" in summary


def test_scores_come_from_the_plugin_of_the_exported_commit(
    edited_checkout: Path, tmp_path: Path, accounts: None
) -> None:
    """Control: once the edit is committed, it is what grades (not the installed package)."""
    git = ["git", "-C", str(edited_checkout), "-c", "user.name=t", "-c", "user.email=t@x.org"]
    subprocess.run([*git, "commit", "-q", "-am", "pass everything"], check=True)
    record, _ = _grade_empty(edited_checkout, tmp_path)
    assert record.labs[1].score == record.labs[1].max_score > 0
