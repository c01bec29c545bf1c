"""`workshop status`: one line per lab, from the manifest, saved checks and load reports."""

from __future__ import annotations

import json
from pathlib import Path

from workshop import progress
from workshop.manifest import Lab, Manifest


def status(manifest: Manifest) -> int:
    """Print the table of all labs; return 0."""
    print(f"{'lab':<4} {'title':<18} {'state':<8} {'tests':<20} {'load':<14} last check")
    next_lab = None
    caught_up = progress.caught_up(manifest.root)
    for lab in manifest.labs:
        record = progress.last_check(lab.number, "workspace", manifest.root)
        official = lab.number in caught_up
        if not lab.ready:
            checked, when = "-", ""
        elif record is None:
            checked, when = ("from the solutions" if official else "not started"), ""
        elif record.green:
            checked, when = f"passed {record.passed}/{record.total}", record.when
        else:
            checked, when = f"failing {record.passed}/{record.total}", record.when
        done = official if record is None else record.green
        if lab.ready and next_lab is None and not done:
            next_lab = lab
        state = "ready" if lab.ready else "planned"
        load = last_load(manifest.root, lab) if lab.ready else "-"
        print(f"{lab.tag:<4} {lab.title:<18} {state:<8} {checked:<20} {load:<14} {when}")
    if next_lab is not None:
        print(
            f"\nnext: lab {next_lab.tag}: read {next_lab.guide}, "
            f"then `workshop check {next_lab.number}`"
        )
    else:
        print("\nEvery ready lab is green. Well done.")
    return 0


def last_load(root: Path, lab: Lab) -> str:
    """Return the verdict of the newest `workshop load N` of the workspace, or "not run"."""
    # Report folders are named labNN-<UTC time>, so the newest sorts last.
    for folder in sorted((root / "reports").glob(f"lab{lab.tag}-*"), reverse=True):
        try:
            summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a run that was interrupted, or is still running
        if summary.get("impl") != "workspace":
            continue
        verdict = "SLOs met" if summary.get("passed") else "SLO breach"
        return verdict + (" (quick)" if summary.get("quick") else "")
    return "not run"
