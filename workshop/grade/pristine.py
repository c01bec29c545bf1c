"""The pristine repository a grading run uses: the committed files, exported once per run.

Grading from the committed state (git HEAD) rather than the working tree means that nothing
changed in the checkout, before or during the run, reaches a grade: not the instructor's own
experiments in photoapp/ (a missing deliverable must be the starter's stub, not their code),
not a test being edited. Outside a git checkout, the working tree is used as it is.
"""

from __future__ import annotations

import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Pristine:
    """Where the pristine repository is, and what it is."""

    root: Path
    origin: str  # "commit 1a2b3c4 of /path", or "working tree of /path (not a git checkout)"


def export(checkout: Path, dest: Path) -> Pristine:
    """Export the checkout's HEAD into dest; fall back to the checkout outside git."""
    head = _git(checkout, "rev-parse", "--short", "HEAD")
    if head is None:
        return Pristine(checkout, f"working tree of {checkout} (not a git checkout)")
    dest.mkdir(parents=True)
    # The "data" filter (refusing absolute paths and links out) exists from Python 3.11.4.
    safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
    with subprocess.Popen(  # noqa: S603 - fixed argv
        ["git", "-C", str(checkout), "archive", "--format=tar", "HEAD"],
        stdout=subprocess.PIPE,
    ) as archive:
        assert archive.stdout is not None
        with tarfile.open(fileobj=archive.stdout, mode="r|") as tar:
            tar.extractall(dest, **safe)  # type: ignore[arg-type]
    if archive.returncode != 0:
        raise RuntimeError(f"git archive of {checkout} failed")
    dirty = _git(checkout, "status", "--porcelain", "--untracked-files=no")
    note = " (uncommitted changes in the checkout are not used)" if dirty else ""
    return Pristine(dest, f"commit {head} of {checkout}{note}")


def _git(checkout: Path, *args: str) -> str | None:
    """Return a git command's output in the checkout, or None when git cannot answer."""
    try:
        done = subprocess.run(  # noqa: S603 - fixed argv
            ["git", "-C", str(checkout), *args], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None
