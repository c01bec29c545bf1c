"""`workshop status`: one line per lab, from the manifest and the saved check results."""

from __future__ import annotations

from workshop import progress
from workshop.manifest import Manifest


def status(manifest: Manifest) -> int:
    """Print the table of all labs; return 0."""
    print(f"{'lab':<4} {'title':<18} {'state':<8} {'checked':<24} last check")
    next_lab = None
    for lab in manifest.labs:
        record = progress.last_check(lab.number, "workspace", manifest.root)
        if not lab.ready:
            checked, when = "-", ""
        elif record is None:
            checked, when = "not started", ""
        elif record.green:
            checked, when = f"passed {record.passed}/{record.total}", record.when
        else:
            checked, when = f"failing {record.passed}/{record.total}", record.when
        if lab.ready and next_lab is None and (record is None or not record.green):
            next_lab = lab
        state = "ready" if lab.ready else "planned"
        print(f"{lab.tag:<4} {lab.title:<18} {state:<8} {checked:<24} {when}")
    if next_lab is not None:
        print(
            f"\nnext: lab {next_lab.tag}: read {next_lab.guide}, "
            f"then `workshop check {next_lab.number}`"
        )
    else:
        print("\nEvery ready lab is green. Well done.")
    return 0
