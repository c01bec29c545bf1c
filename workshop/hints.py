"""`workshop hint N`: a lab's hints, one at a time, remembering how far the student got."""

from __future__ import annotations

from workshop import progress
from workshop.manifest import Manifest, ManifestError


def hint(manifest: Manifest, number: int, show_all: bool = False, reset: bool = False) -> int:
    """Show the next hint of a lab (or all of them); return 0."""
    lab = manifest.ready_lab(number)
    total = len(lab.hints)
    if not total:
        raise ManifestError(f"lab {number} has no hints; its guide is {lab.guide}")
    if reset:
        progress.set_hints_shown(number, 0, manifest.root)
        print(f"Hints of lab {lab.tag} reset: `workshop hint {number}` starts from the first.")
        return 0
    if show_all:
        # Looking at them all is not a step along the way: the one-at-a-time counter stays.
        for index, text in enumerate(lab.hints, 1):
            print(f"Hint {index}/{total} (lab {lab.tag}): {text}\n")
        return 0
    shown = progress.hints_shown(number, manifest.root)
    if shown >= total:
        print(
            f"That was the last hint of lab {lab.tag} ({total}/{total}). "
            f"`workshop hint {number} --all` shows them all again; `--reset` starts over; "
            f"the guide is {lab.guide}."
        )
        return 0
    print(f"Hint {shown + 1}/{total} (lab {lab.tag}): {lab.hints[shown]}")
    progress.set_hints_shown(number, shown + 1, manifest.root)
    if shown + 1 < total:
        print(f"\n(`workshop hint {number}` again for the next one)")
    return 0
