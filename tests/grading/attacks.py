"""Hostile lab 01 submissions for the grader's isolation tests, built from this repository.

Each attack is Python appended to a deliverable, run when the tests import it. The snippets
are plain strings, so that a test can also run them outside the grader and prove that the
attack works where nothing stops it.
"""

from __future__ import annotations

from pathlib import Path

from tests.grading import submissions as known
from workshop.manifest import Lab

REPOSITORY = "photoapp/backends/repository_sqlite.py"
IMAGES = "photoapp/images.py"

# Look for the reference of the module's own file under every solutions/ folder a run could
# name: $WORKSHOP_ROOT, each folder above the module, the checkout of the Python that runs it,
# the grader's pristine export (its path is in the grader's command line), and git's objects.
STEAL = r"""
def _steal(rel):
    import os, subprocess, sys
    from pathlib import Path
    places = []
    if os.environ.get("WORKSHOP_ROOT"):
        places.append(Path(os.environ["WORKSHOP_ROOT"]))
    places += list(Path(__file__).resolve().parents)
    places += list(Path(sys.executable).absolute().parents)
    for parent in list(places):
        for child in ("pristine/repo", "repo", "main", "grader"):
            places.append(parent / child)
    for place in places:
        try:
            return (place / "solutions" / rel).read_text()
        except OSError:
            pass
    for place in places:
        try:
            done = subprocess.run(["git", "-C", str(place), "show", "HEAD:solutions/" + rel],
                                  capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            continue
        if done.returncode == 0 and done.stdout:
            return done.stdout
    return None
"""

CHEAT = (
    STEAL
    + r"""
_stolen = _steal(__REL__)
if _stolen:
    exec(compile(_stolen, __file__, "exec"), globals())
"""
)

# Append a hook that fails every test to the tests' conftest.py, wherever it can be found; a
# write that succeeds makes this very module fail to import, so the tamperer's own score says
# whether the grader let it write.
TAMPER = r"""
def _tamper():
    import os, sys
    from pathlib import Path
    hook = ("\nimport pytest\n\n@pytest.hookimpl(hookwrapper=True)\n"
            "def pytest_runtest_makereport(item, call):\n"
            "    outcome = yield\n    outcome.get_result().outcome = 'failed'\n")
    places = [Path(os.environ.get("WORKSHOP_ROOT", "/nonexistent"))]
    places += list(Path(__file__).resolve().parents)
    conftest = sys.modules.get("tests.lab01.conftest")
    if conftest is not None:
        places.append(Path(conftest.__file__).resolve().parents[2])
    wrote = []
    for place in places:
        target = place / "tests" / "lab01" / "conftest.py"
        try:
            with open(target, "a") as out:
                out.write(hook)
            wrote.append(str(target))
        except OSError:
            pass
    return wrote

_wrote = _tamper()
if _wrote:
    raise RuntimeError(f"tampered with {_wrote}")
"""

# Start a process that leaves its process group and its parent (double fork + setsid) and sleeps:
# it must not be alive after the grader returns.
ESCAPE = r"""
def _escape():
    import os, sys
    if os.environ.get("GRADING_ESCAPED"):
        return
    os.environ["GRADING_ESCAPED"] = "1"
    first = os.fork()
    if first == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(900)",
                                      __TOKEN__])
        os._exit(0)
    os.waitpid(first, 0)

_escape()
"""

# Read what belongs to the neighbour: its staged files, its run's tree, its log in the reports,
# the grader's pristine export; list the folders that hold them. Anything read makes this
# module fail to import.
PEEK = r"""
def _peek(neighbour, out):
    import os
    from pathlib import Path
    here = Path(__file__).resolve()
    found = []
    scratches = [p for p in here.parents
                 if (p / "runs").exists() or p.name.startswith("workshop-grade-")]
    targets = [Path(out) / neighbour / "lab01.log", Path(out) / "grades.csv"]
    for scratch in scratches:
        targets += [
            scratch / "submissions" / "staged" / neighbour / "photoapp" / "images.py",
            scratch / "runs" / neighbour / "lab01" / "tree" / "photoapp" / "images.py",
            scratch / "pristine" / "repo" / "solutions" / "photoapp" / "images.py",
        ]
        staged = scratch / "submissions" / "staged"
        for folder in (scratch, scratch / "runs", scratch / "submissions", staged):
            try:
                names = os.listdir(folder)
            except OSError:
                continue
            if neighbour in names:
                found.append(f"listed {folder}")
    for target in targets:
        try:
            target.read_bytes()
            found.append(str(target))
        except OSError:
            pass
    return found

_found = _peek(__NEIGHBOUR__, __OUT__)
if _found:
    raise RuntimeError(f"read the neighbour's files: {_found}")
"""


def cheat(dest: Path, lab: Lab) -> str:
    """The starter, whose modules replace themselves with the reference if they can read it."""
    known.starter(dest, lab)
    for rel in (REPOSITORY, IMAGES):
        _append(dest / rel, CHEAT.replace("__REL__", repr(rel)))
    return str(dest)


def tamper(dest: Path, lab: Lab) -> str:
    """The reference, plus a hook appended to the tests' conftest.py if the run may write it."""
    known.reference(dest, lab)
    _append(dest / IMAGES, TAMPER)
    return str(dest)


def escape(token: str) -> known.Builder:
    """The reference, plus a sleeping process that double-forks out of the run's process group."""

    def build(dest: Path, lab: Lab) -> str:
        known.reference(dest, lab)
        _append(dest / IMAGES, ESCAPE.replace("__TOKEN__", repr(token)))
        return str(dest)

    return build


def peek(neighbour: str, out: Path) -> known.Builder:
    """The reference, plus code that reads the neighbour's files (and fails if it can)."""

    def build(dest: Path, lab: Lab) -> str:
        known.reference(dest, lab)
        code = PEEK.replace("__NEIGHBOUR__", repr(neighbour)).replace("__OUT__", repr(str(out)))
        _append(dest / IMAGES, code)
        return str(dest)

    return build


def honest(dest: Path, lab: Lab) -> str:
    """The reference, with a comment of its own (so that its run is not shared)."""
    known.reference(dest, lab)
    _append(dest / IMAGES, "# an honest student's own comment\n")
    return str(dest)


def _append(path: Path, code: str) -> None:
    """Append code to a deliverable."""
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n" + code)
