"""`workshop catchup N`: the official files of labs before N, into the workspace, with a backup."""

from __future__ import annotations

import filecmp
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from workshop import progress
from workshop.manifest import Manifest, ManifestError, state_dir
from workshop.trees import SOLUTIONS


@dataclass(frozen=True)
class Replacement:
    """One deliverable the catch-up writes."""

    lab: int
    path: str  # repository-relative
    existed: bool  # False: the file is new, nothing to back up


def plan(manifest: Manifest, number: int) -> list[Replacement]:
    """Return the deliverables of labs before `number` whose official version differs."""
    manifest.lab(number)  # refuse unknown labs with the usual message
    todo = []
    for lab in manifest.labs:
        if lab.number >= number:
            continue
        for rel in lab.deliverables:
            official = manifest.root / SOLUTIONS / rel
            mine = manifest.root / rel
            if not official.is_file():
                raise ManifestError(
                    f"{SOLUTIONS}/{rel} is missing: lab {lab.number} has no official version"
                )
            if mine.is_file() and filecmp.cmp(official, mine, shallow=False):
                continue
            todo.append(Replacement(lab.number, rel, mine.exists()))
    return todo


def catchup(manifest: Manifest, number: int, dry_run: bool = False) -> int:
    """Lay the official deliverables of labs < number over the workspace; return the exit code."""
    todo = plan(manifest, number)
    earlier = [lab.tag for lab in manifest.labs if lab.number < number]
    if not earlier:
        raise ManifestError(f"lab {number} is the first lab: there is nothing to catch up on")
    span = f"lab {earlier[0]}" if len(earlier) == 1 else f"labs {earlier[0]}–{earlier[-1]}"
    if not todo:
        raise ManifestError(
            f"nothing to replace: your workspace already holds the official files of {span}"
        )
    root = manifest.root
    backup = _new_backup_folder(root)
    verb = "would replace" if dry_run else "replaced"
    for item in todo:
        note = "" if item.existed else " (new file)"
        print(f"  lab {item.lab:02d}: {verb} {item.path}{note}")
        if dry_run:
            continue
        if item.existed:
            saved = backup / item.path
            saved.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / item.path, saved)
        target = root / item.path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / SOLUTIONS / item.path, target)
    if dry_run:
        print("Nothing was changed (--dry-run).")
        return 0
    progress.record_catchup([lab.number for lab in manifest.labs if lab.number < number], root)
    if any(item.existed for item in todo):
        print(f"Your files are saved in {backup.relative_to(root)}/ (same paths).")
        print(f"To put them back: cp -r {backup.relative_to(root)}/. .")
    this = manifest.lab(number)
    start = f"start lab {this.tag} with {this.guide}"
    if not this.ready:
        start = f"lab {this.tag} itself is not ready yet"
    print(f"Done: {span} now holds the official files; {start}.")
    return 0


def _new_backup_folder(root: Path) -> Path:
    """Return .workshop/backups/<timestamp>, unused even for two catch-ups in one second."""
    base = state_dir(root) / "backups" / time.strftime("%Y%m%d-%H%M%S")
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate
