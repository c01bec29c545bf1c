"""Generate a class of submissions for timing the grader: reference and starter files mixed.

    python -m tests.grading.make_class /tmp/class --students 30 --labs 1-4

Student i hands in, for each deliverable, the reference or the starter version (seeded, so the
class is the same every time); one in ten hands in nothing.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from tests.grading.submissions import _committed, _write
from workshop import manifest as manifest_module


def make_class(
    dest: Path, students: int, labs: list[int], seed: int = 7, distinct: bool = False
) -> list[Path]:
    """Write `students` folders under dest and return them.

    distinct: end every file with a line naming its student, as real submissions differ, so
    that no two runs can be shared (the grader grades identical files once).
    """
    manifest = manifest_module.load()
    chooser = random.Random(seed)
    folders = []
    for i in range(1, students + 1):
        folder = dest / f"student{i:02d}"
        folder.mkdir(parents=True)
        if i % 10 != 0:
            for number in labs:
                for rel in manifest.lab(number).deliverables:
                    solution = manifest.root / "solutions" / rel
                    use_reference = solution.is_file() and chooser.random() < 0.7
                    data = solution.read_bytes() if use_reference else _committed(rel)
                    if distinct:
                        data += f"\n{_comment(rel)} student{i:02d}\n".encode()
                    _write(folder / rel, data)
        folders.append(folder)
    return folders


def _comment(rel: str) -> str:
    """Return the line-comment marker of a deliverable's language."""
    return "--" if rel.endswith(".sql") else "#"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--labs", default="1")
    parser.add_argument("--distinct", action="store_true", help="no two students' files alike")
    args = parser.parse_args()
    labs = manifest_module.parse_lab_range(args.labs)
    made = make_class(args.dest, args.students, labs, distinct=args.distinct)
    print(f"{len(made)} submissions in {args.dest}")
