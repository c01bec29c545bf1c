"""Staging submissions: folders, zips and git repositories give the same files; nothing else."""

from __future__ import annotations

import os
import subprocess
import zipfile
from pathlib import Path

from workshop.grade.submissions import collect, read_roster

WANTED = ["photoapp/images.py", "photoapp/sql/sqlite_schema.sql"]


def _repository(folder: Path) -> Path:
    """Write a student's copy of the repository holding both deliverables and a test edit."""
    (folder / "photoapp/sql").mkdir(parents=True)
    (folder / "photoapp/images.py").write_text("IMAGES = 1\n")
    (folder / "photoapp/sql/sqlite_schema.sql").write_text("CREATE TABLE t (x);\n")
    (folder / "tests").mkdir()
    (folder / "tests/test_x.py").write_text("edited\n")
    return folder


def test_folder_zip_and_git_repository_stage_the_same_files(tmp_path: Path) -> None:
    """Only the deliverables are staged, whatever the form, even inside a top-level folder."""
    folder = _repository(tmp_path / "alice")
    with zipfile.ZipFile(tmp_path / "bob.zip", "w") as archive:
        for path in sorted(folder.rglob("*")):
            archive.write(path, Path("bob-photo-app") / path.relative_to(folder))
    repository = _repository(tmp_path / "carol" / "repo")
    git = ["git", "-C", str(repository), "-c", "user.name=c", "-c", "user.email=c@x.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "x"], check=True)
    sources = [str(folder), str(tmp_path / "bob.zip"), repository.as_uri()]
    staged = collect(sources, WANTED, tmp_path / "staged")
    assert [s.student for s in staged] == ["alice", "bob", "repo"]
    for submission in staged:
        assert sorted(submission.found) == sorted(WANTED), submission
        files = sorted(str(p.relative_to(submission.files)) for p in submission.files.rglob("*.*"))
        assert files == sorted(WANTED)
        assert (submission.files / "photoapp/images.py").read_text() == "IMAGES = 1\n"


def test_symlinks_are_refused_even_as_a_parent_folder(tmp_path: Path) -> None:
    """A symlink could point at the solutions: neither a linked file nor a linked folder counts."""
    secret = _repository(tmp_path / "solutions")
    student = tmp_path / "mallory"
    student.mkdir()
    os.symlink(secret / "photoapp", student / "photoapp")
    (submission,) = collect([str(student)], WANTED, tmp_path / "staged")
    assert submission.found == []
    assert any("symbolic link" in note for note in submission.notes)


def test_a_roster_names_students_and_lists_the_missing(tmp_path: Path) -> None:
    """Submissions are renamed from the roster; a student without one still gets a row."""
    roster = tmp_path / "roster.csv"
    roster.write_text("submission,student\nalice,a.smith\nzed,z.jones\n")
    assert read_roster(roster) == {"alice": "a.smith", "zed": "z.jones"}
    staged = collect([str(_repository(tmp_path / "alice"))], WANTED, tmp_path / "s", roster)
    assert [(s.student, bool(s.found)) for s in staged] == [("a.smith", True), ("z.jones", False)]
    assert "no submission collected" in staged[1].notes[0]


def test_a_missing_source_is_a_note_not_a_crash(tmp_path: Path) -> None:
    """A typo in a path grades that student as empty and says why."""
    (submission,) = collect([str(tmp_path / "nobody")], WANTED, tmp_path / "staged")
    assert submission.found == [] and "no such file" in submission.notes[0]
