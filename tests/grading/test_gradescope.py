"""The Gradescope bundle grades like `workshop grade`: run locally in a scratch /autograder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.grading import submissions as known
from workshop import manifest as manifest_module
from workshop.grade import isolation
from workshop.grade.batch import Plan, grade_class
from workshop.grade.gradescope import write_package
from workshop.grade.runner import Limits

pytestmark = pytest.mark.timeout(900)


def test_the_bundle_scores_a_submission_as_workshop_grade_does(tmp_path: Path) -> None:
    """run_autograder on a golden submission writes results.json with grade_class's scores."""
    if isolation.is_root():
        isolation.create_accounts(2)
    manifest = manifest_module.load()
    lab = manifest.lab(1)
    bundle = write_package(tmp_path / "bundle", manifest.root, [lab], jobs=2)
    assert (bundle / "setup.sh").stat().st_mode & 0o111
    assert (bundle / "repo" / "labs" / "labs.toml").is_file()
    root = tmp_path / "autograder"  # Gradescope's layout: submission/, results/
    known.feed_ignores_follows(root / "submission", lab)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "WORKSHOP_PYTHON": sys.executable}
    done = subprocess.run(
        [str(bundle / "run_autograder")], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    bundled = json.loads((root / "results" / "results.json").read_text())

    direct = tmp_path / "direct"
    shutil.copytree(root / "submission", direct / "submission")
    plan = Plan(
        sources=[str(direct / "submission")],
        labs=[lab],
        out=direct / "out",
        limits=Limits(test_timeout=30, time_limit=300, max_log_bytes=1 << 20),
        jobs=2,
    )
    (record,) = grade_class(plan, manifest.root)
    assert (
        bundled["score"] == pytest.approx(record.score, abs=0.01)
        and record.score < record.max_score
    )
    assert bundled["max_score"] == pytest.approx(record.max_score, abs=0.01)
    failed = sorted(t["name"] for t in bundled["tests"] if t["status"] == "failed")
    assert failed == sorted(
        f"lab 01 · {t.nodeid.split('/')[-1]}" for t in record.labs[1].tests if t.status == "failed"
    )
