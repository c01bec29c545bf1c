"""Known submissions for the grader's golden tests, built from this repository at test time.

Each builder writes one student's folder, a copy of the files a student would hand in, so the
expected grades follow the repository: the reference earns every point, the starter none.
"""

from __future__ import annotations

import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

from workshop.manifest import Lab, load, repo_root

# A builder writes a submission at dest and returns what to pass to the grader.
Builder = Callable[[Path, Lab], str]

# The feed query's follow clause in the reference SqliteRepository; dropping it makes the
# feed show the user's own photos only.
FOLLOWS_CLAUSE = "OR p.user_id IN (SELECT followee_id FROM follows WHERE follower_id = :me)"


def reference(dest: Path, lab: Lab) -> str:
    """The reference deliverables: every point."""
    for rel in lab.deliverables:
        _write(dest / rel, (repo_root() / "solutions" / rel).read_bytes())
    return str(dest)


def starter(dest: Path, lab: Lab) -> str:
    """The committed stubs, untouched: no point."""
    for rel in lab.deliverables:
        _write(dest / rel, _committed(rel))
    return str(dest)


def empty(dest: Path, lab: Lab) -> str:
    """A folder with nothing in it."""
    dest.mkdir(parents=True)
    return str(dest)


def feed_ignores_follows(dest: Path, lab: Lab) -> str:
    """The reference, except that the feed forgets the people the user follows."""
    reference(dest, lab)
    _replace(dest / "photoapp/backends/repository_sqlite.py", FOLLOWS_CLAUSE, "OR 0")
    return str(dest)


def loops_forever(dest: Path, lab: Lab) -> str:
    """The reference, except that importing the repository never returns."""
    reference(dest, lab)
    path = dest / "photoapp/backends/repository_sqlite.py"
    path.write_text(
        path.read_text(encoding="utf-8") + "\nwhile True:\n    pass\n", encoding="utf-8"
    )
    return str(dest)


def crashes(dest: Path, lab: Lab) -> str:
    """The reference, except that importing the repository kills the Python process."""
    reference(dest, lab)
    path = dest / "photoapp/backends/repository_sqlite.py"
    path.write_text(
        path.read_text(encoding="utf-8") + "\nimport os\nos._exit(3)\n", encoding="utf-8"
    )
    return str(dest)


def syntax_error(dest: Path, lab: Lab) -> str:
    """The reference, except that the repository module does not parse."""
    reference(dest, lab)
    path = dest / "photoapp/backends/repository_sqlite.py"
    path.write_text(path.read_text(encoding="utf-8") + "\ndef broken(:\n", encoding="utf-8")
    return str(dest)


def edits_tests_and_grader(dest: Path, lab: Lab) -> str:
    """The starter, plus tests, grader, results plugin and manifest rewritten to pass it all."""
    starter(dest, lab)
    for rel in lab.deliverables:  # a touch of its own, so that its run is not the starter's
        with (dest / rel).open("a", encoding="utf-8") as handle:
            handle.write("\n")
    always_pass = "def test_everything():\n    assert True\n"
    for test in (repo_root() / lab.tests_dir).glob("test_*.py"):
        _write(dest / lab.tests_dir / test.name, always_pass.encode())
    pass_all_hook = (
        "import pytest\n\n"
        "@pytest.hookimpl(hookwrapper=True)\n"
        "def pytest_runtest_makereport(item, call):\n"
        "    outcome = yield\n"
        "    report = outcome.get_result()\n"
        "    report.outcome = 'passed'\n"
    )
    _write(dest / lab.tests_dir / "conftest.py", pass_all_hook.encode())
    _write(dest / "tests/conftest.py", pass_all_hook.encode())
    _write(dest / "workshop/grade/scoring.py", b"def score_lab(*args, **kwargs):\n    return 100\n")
    _write(dest / "workshop/results.py", b"raise SystemExit('the grader is mine')\n")
    manifest = (repo_root() / "labs/labs.toml").read_text(encoding="utf-8")
    _write(dest / "labs/labs.toml", manifest.replace("ready = false", "ready = true").encode())
    return str(dest)


def lab01_right_lab02_wrong(dest: Path, lab: Lab) -> str:
    """Lab 01's reference; lab 02's reference, except that any incoming request id is kept."""
    reference(dest, load().lab(1))
    reference(dest, lab)
    _replace(
        dest / "photoapp/request_ids.py",
        "if incoming and SANE_ID.fullmatch(incoming):",
        "if incoming:  # trusts whatever the client sends",
    )
    return str(dest)


def zipped(builder: Builder) -> Builder:
    """Wrap a builder: the same files, handed in as a zip holding one top-level folder."""

    def build(dest: Path, lab: Lab) -> str:
        folder = dest.with_name(dest.name + "-files") / "my-photo-app"
        builder(folder, lab)
        archive_path = dest.with_suffix(".zip")
        with zipfile.ZipFile(archive_path, "w") as archive:
            for path in sorted(folder.rglob("*")):
                archive.write(path, Path("my-photo-app") / path.relative_to(folder))
        return str(archive_path)

    return build


def git_repository(builder: Builder) -> Builder:
    """Wrap a builder: the same files, committed to a git repository (graded by cloning)."""

    def build(dest: Path, lab: Lab) -> str:
        repository = dest.with_name(dest.name + ".git")
        builder(repository, lab)
        git = ["git", "-C", str(repository), "-c", "user.name=s", "-c", "user.email=s@x.org"]
        subprocess.run([*git, "init", "-q"], check=True)
        subprocess.run([*git, "add", "."], check=True)
        subprocess.run([*git, "commit", "-q", "-m", "lab 01"], check=True)
        return repository.as_uri()  # file:///.../name.git: graded by cloning, like a URL

    return build


def _committed(rel: str) -> bytes:
    """Return the committed version of a repository file (the starter, whatever the workspace)."""
    done = subprocess.run(
        ["git", "-C", str(repo_root()), "show", f"HEAD:{rel}"], capture_output=True, check=False
    )
    return done.stdout if done.returncode == 0 else (repo_root() / rel).read_bytes()


def _replace(path: Path, old: str, new: str) -> None:
    """Replace text that must be there (a changed reference must break the test, loudly)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path.name} no longer contains {old!r}: update tests/grading"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _write(path: Path, data: bytes) -> None:
    """Write a file, creating its folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
