"""Turn what an instructor collected (folders, git repositories, zips) into staged submissions.

A staged submission is a fresh folder holding only the student's lab deliverables, as regular
files at their repository-relative paths. Everything the grader does later reads that folder,
never the original: symlinks, huge files and paths outside the submission never get in.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import stat
import subprocess
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

MAX_FILE_BYTES = 2 * 1024 * 1024  # a deliverable is source code or config: 2 MB is plenty
CLONE_TIMEOUT_S = 120
SEARCH_DEPTH = 3  # how deep a repository may sit inside a submission (zip/alice/repo/...)
_SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", "__MACOSX", ".workshop"}
_GIT_URL = re.compile(r"^(?:https?|ssh|git|file)://|^[\w.-]+@[\w.-]+:")


class SubmissionError(ValueError):
    """A submission or the roster cannot be read; the message says which and why."""


@dataclass
class Submission:
    """One student's work, staged: their deliverables only, at repository-relative paths."""

    student: str
    source: str  # what the instructor passed on the command line
    files: Path  # the staged folder
    found: list[str] = field(default_factory=list)  # deliverables the student handed in
    notes: list[str] = field(default_factory=list)  # what the instructor should know


def collect(
    sources: Sequence[str],
    deliverables: Iterable[str],
    staging: Path,
    roster: Path | None = None,
) -> list[Submission]:
    """Stage every source; the roster (if any) names students and adds those who sent nothing."""
    wanted = sorted(set(deliverables))
    names = read_roster(roster) if roster else {}
    submissions: list[Submission] = []
    taken: set[str] = set()
    for source in sources:
        student = _unique(names.get(_key(source)) or names.get(source) or _key(source), taken)
        files = staging / student
        submission = Submission(student=student, source=source, files=files)
        try:
            stage(source, wanted, files, submission)
        except SubmissionError as exc:
            submission.notes.append(str(exc))
            files.mkdir(parents=True, exist_ok=True)
        submissions.append(submission)
    for student in sorted(set(names.values()) - taken):
        # On the roster but nothing collected: graded as an empty submission, so the row exists.
        submission = Submission(student=student, source="", files=staging / student)
        submission.files.mkdir(parents=True, exist_ok=True)
        submission.notes.append("no submission collected for this student")
        submissions.append(submission)
        taken.add(student)
    return submissions


def stage(source: str, wanted: list[str], dest: Path, submission: Submission) -> None:
    """Copy the deliverables of one source (folder, git repository or zip) into `dest`."""
    dest.mkdir(parents=True, exist_ok=False)
    path = Path(source).expanduser()
    if _GIT_URL.match(source) or _is_bare_repository(path):
        clone = dest.with_name(dest.name + ".clone")
        try:
            _clone(source, clone)
            _stage_folder(clone, wanted, dest, submission)
        finally:
            shutil.rmtree(clone, ignore_errors=True)
    elif path.is_dir():
        _stage_folder(path, wanted, dest, submission)
    elif path.is_file() and zipfile.is_zipfile(path):
        _stage_zip(path, wanted, dest, submission)
    elif path.exists():
        raise SubmissionError(f"{source}: not a folder, a zip or a git repository")
    else:
        raise SubmissionError(f"{source}: no such file or folder")
    if not submission.found:
        submission.notes.append("no deliverable found: every lab is graded as the starter")


def _is_bare_repository(path: Path) -> bool:
    """Tell whether a local folder is a bare git repository (what `git push` filled)."""
    return (path / "HEAD").is_file() and (path / "objects").is_dir()


def read_roster(path: Path) -> dict[str, str]:
    """Read a roster CSV (columns `submission` and `student`) into {submission name: student}."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise SubmissionError(f"roster {path}: {exc.strerror}") from None
    if not rows or not {"submission", "student"} <= set(rows[0]):
        raise SubmissionError(
            f"roster {path}: needs a header line with the columns submission,student "
            "(submission: the folder, zip or repository name; student: the id to report)"
        )
    roster = {}
    for row in rows:
        submission, student = (row["submission"] or "").strip(), (row["student"] or "").strip()
        if submission and student:
            roster[_key(submission)] = safe_name(student)
    return roster


def safe_name(text: str) -> str:
    """Return a name fit for a folder and a CSV cell: letters, digits, dot, dash, underscore."""
    cleaned = re.sub(r"[^A-Za-z0-9._@-]+", "_", text).strip("._") or "student"
    return cleaned[:80]


def _key(source: str) -> str:
    """Return the name a source goes by: the folder, zip or repository name without suffix."""
    name = source.rstrip("/").split("#", 1)[0]
    name = re.split(r"[/:]", name)[-1]
    for suffix in (".zip", ".git"):
        name = name.removesuffix(suffix)
    return safe_name(name)


def _unique(name: str, taken: set[str]) -> str:
    """Return `name`, or name-2, name-3... when two sources share a name."""
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}-{n}"
    taken.add(candidate)
    return candidate


def _clone(url: str, dest: Path) -> None:
    """Shallow-clone a repository (URL#branch picks a branch), never asking for a password."""
    url, _, branch = url.partition("#")
    command = ["git", "clone", "--quiet", "--depth", "1", "--no-recurse-submodules"]
    command += ["--branch", branch] if branch else []
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true"}
    try:
        subprocess.run(  # noqa: S603 - argv list, no shell
            [*command, "--", url, str(dest)],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=CLONE_TIMEOUT_S,
            check=True,
        )
    except FileNotFoundError:
        raise SubmissionError("git is not installed: sudo apt-get install git") from None
    except subprocess.TimeoutExpired:
        raise SubmissionError(f"{url}: git clone took over {CLONE_TIMEOUT_S} s") from None
    except subprocess.CalledProcessError as exc:
        reason = exc.stderr.decode(errors="replace").strip().splitlines()
        raise SubmissionError(f"{url}: git clone failed: {reason[-1] if reason else ''}") from None


def _stage_folder(folder: Path, wanted: list[str], dest: Path, submission: Submission) -> None:
    """Copy the deliverables found under the repository root inside `folder`."""
    root = _find_root(folder, wanted)
    for rel in wanted:
        source = root / rel
        problem = _unsafe(root, rel)
        if problem == "missing":
            continue
        if problem:
            submission.notes.append(f"{rel}: {problem}: not taken")
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        submission.found.append(rel)


def _unsafe(root: Path, rel: str) -> str:
    """Say why root/rel must not be taken ("" when it is a plain, small file)."""
    current = root
    for part in PurePosixPath(rel).parts:
        current = current / part
        try:
            mode = current.lstat().st_mode
        except OSError:
            return "missing"
        # A symlinked file or folder could point at the reference solutions or another
        # student's files, so no part of the path may be one.
        if stat.S_ISLNK(mode):
            return "a symbolic link"
    if not stat.S_ISREG(mode):
        return "not a regular file"
    if current.lstat().st_size > MAX_FILE_BYTES:
        return f"larger than {MAX_FILE_BYTES // 1024} KB"
    return ""


def _find_root(folder: Path, wanted: list[str]) -> Path:
    """Return the folder (the given one or a descendant) holding the most deliverables."""
    best, best_count = folder, _count(folder, wanted)
    level = [folder]
    for _ in range(SEARCH_DEPTH):
        level = [child for parent in level for child in _subfolders(parent)]
        for candidate in level:
            count = _count(candidate, wanted)
            if count > best_count:  # strictly more: the shallowest wins a tie
                best, best_count = candidate, count
    return best


def _subfolders(parent: Path) -> list[Path]:
    """Return the real (not symlinked) subfolders worth searching."""
    try:
        children = sorted(parent.iterdir())
    except OSError:
        return []
    return [c for c in children if c.name not in _SKIP_DIRS and c.is_dir() and not c.is_symlink()]


def _count(root: Path, wanted: list[str]) -> int:
    """Count the deliverables present under `root`."""
    return sum(1 for rel in wanted if (root / rel).is_file())


def _stage_zip(archive: Path, wanted: list[str], dest: Path, submission: Submission) -> None:
    """Copy the deliverables out of a zip, reading only the entries we need."""
    with zipfile.ZipFile(archive) as zipped:
        entries = {info.filename: info for info in zipped.infolist() if not info.is_dir()}
        prefix = _zip_prefix(entries, wanted)
        for rel in wanted:
            info = entries.get(prefix + rel)
            if info is None:
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                submission.notes.append(f"{rel}: a symbolic link: not taken")
                continue
            if info.file_size > MAX_FILE_BYTES:
                submission.notes.append(f"{rel}: larger than {MAX_FILE_BYTES // 1024} KB")
                continue
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            # Read at most the cap: the size in the zip's directory may lie (a zip bomb).
            with zipped.open(info) as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
            if len(data) > MAX_FILE_BYTES:
                submission.notes.append(f"{rel}: larger than {MAX_FILE_BYTES // 1024} KB")
                continue
            target.write_bytes(data)
            submission.found.append(rel)


def _zip_prefix(entries: dict[str, zipfile.ZipInfo], wanted: list[str]) -> str:
    """Return the folder inside the zip ("" or "alice/repo/") holding the most deliverables."""
    counts: dict[str, int] = {}
    for name in entries:
        for rel in wanted:
            if name.endswith(rel) and (name == rel or name[: -len(rel)].endswith("/")):
                prefix = name[: -len(rel)]
                if prefix.count("/") <= SEARCH_DEPTH and ".." not in prefix.split("/"):
                    counts[prefix] = counts.get(prefix, 0) + 1
    if not counts:
        return ""
    return min(counts, key=lambda p: (-counts[p], p.count("/"), p))
