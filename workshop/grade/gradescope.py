"""A Gradescope autograder bundle that grades with this repository's own grader.

    workshop grade --gradescope-package DIR [--labs 1-4]

writes DIR/ with what Gradescope's autograder wants at the top of its zip (zip DIR's contents,
not DIR itself):

- setup.sh: run once when the image is built: the servers the labs start (Debian packages),
  a virtual environment with this repository installed, the run accounts;
- run_autograder: for each student: `workshop grade /autograder/submission` for the labs,
  then results.json into /autograder/results/;
- repo/: the committed state of this repository (the exported commit, solutions included:
  they define full marks, and the runs never see them, see labs/INSTRUCTORS.md).

AUTOGRADER_ROOT (default /autograder) and WORKSHOP_PYTHON (default the bundle's venv) let the
same scripts run in a scratch folder: the grader's tests grade golden submissions that way.
"""

from __future__ import annotations

import shutil
import stat
from collections.abc import Sequence
from pathlib import Path

from workshop.grade.pristine import export
from workshop.manifest import Lab

SETUP = """#!/usr/bin/env bash
# Gradescope: build the autograder image (runs once, as root).
set -euo pipefail
cd "$(dirname "$0")/repo"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends python3 python3-venv python3-pip git \\
    postgresql nginx-light redis-server
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
# One account per run at once (--jobs {jobs}): the runs never share one.
for n in $(seq 1 {jobs}); do
    id "workshop-grade$n" >/dev/null 2>&1 || \\
        useradd --system --user-group --no-create-home --shell /usr/sbin/nologin "workshop-grade$n"
done
"""

RUN = """#!/usr/bin/env bash
# Gradescope: grade one submission with the repository's grader, labs {labs}.
set -euo pipefail
root="${{AUTOGRADER_ROOT:-/autograder}}"
repo="$(cd "$(dirname "$0")" && pwd)/repo"
python="${{WORKSHOP_PYTHON:-$repo/.venv/bin/python}}"
out="$(mktemp -d)"
cd "$repo"
"$python" -m workshop grade "$root/submission" --out "$out" --labs {labs} --jobs {jobs} >&2
mkdir -p "$root/results"
cp "$out"/*/results.json "$root/results/results.json"
rm -rf "$out"
"""


def write_package(dest: Path, checkout: Path, labs: Sequence[Lab], jobs: int = 2) -> Path:
    """Write the bundle for `labs` into dest (which must not exist yet); return dest."""
    dest = dest.resolve()
    if dest.exists():
        raise FileExistsError(f"{dest} exists already: give a new folder")
    dest.mkdir(parents=True)
    pristine = export(checkout, dest / "repo")
    if pristine.root != dest / "repo":  # not a git checkout: copy the working tree
        shutil.copytree(
            checkout,
            dest / "repo",
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns(".venv", ".workshop", "__pycache__", "*.pyc", ".git"),
        )
    spec = ",".join(str(lab.number) for lab in labs)
    for name, template in (("setup.sh", SETUP), ("run_autograder", RUN)):
        path = dest / name
        path.write_text(template.format(labs=spec, jobs=jobs), encoding="utf-8")
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    (dest / "README.md").write_text(
        f"Gradescope autograder for labs {spec}, made from {pristine.origin}.\n"
        "Zip the contents of this folder (setup.sh and run_autograder at the top) and upload "
        "it as the assignment's autograder. See labs/INSTRUCTORS.md.\n",
        encoding="utf-8",
    )
    return dest
