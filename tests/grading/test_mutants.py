"""The graded tests against wrong versions of the reference (tests/mutants/labNN.toml).

Every mutant must still apply to the reference (a cheap check, all labs), and one lab's whole
set is graded like a class of submissions: the suite must catch at least 90 % of them (run
`workshop selfcheck --mutants` for every lab; labs/INSTRUCTORS.md has the figures).
"""

from __future__ import annotations

import io

import pytest

from workshop import manifest as manifest_module
from workshop.grade import isolation, mutants

GRADED_LAB = 2  # the quickest lab to grade whole: a few seconds per mutant


# The labs that have their set of wrong versions; labs 05 and 08 are still to get theirs.
WITH_MUTANTS = [
    lab.number
    for lab in manifest_module.load().ready_labs()
    if (manifest_module.repo_root() / mutants.MUTANTS_DIR / f"lab{lab.tag}.toml").is_file()
]


@pytest.mark.parametrize("number", WITH_MUTANTS)
def test_every_mutant_applies_once_to_the_reference(number: int, tmp_path) -> None:
    """Each mutant's text is in its reference file exactly once, and changes it."""
    manifest = manifest_module.load()
    lab = manifest.lab(number)
    found = mutants.load(manifest.root, lab)
    assert len(found) >= 10, f"lab {lab.tag} has only {len(found)} mutants"
    reference = mutants.build(None, manifest.root, lab, tmp_path / "reference")
    for mutant in found:
        built = mutants.build(mutant, manifest.root, lab, tmp_path / mutant.name)
        assert (built / mutant.file).read_text() != (reference / mutant.file).read_text()


@pytest.mark.timeout(1800)
def test_the_graded_tests_catch_the_mutants_of_one_lab() -> None:
    """Graded as submissions, at least 90 % of the lab's mutants lose points; the reference none."""
    if isolation.is_root():
        isolation.create_accounts(2)
    manifest = manifest_module.load()
    (report,) = mutants.grade_mutants(manifest, [manifest.lab(GRADED_LAB)], jobs=2)
    out = io.StringIO()
    mutants.print_reports([report], stream=out)
    assert report.reference_ok, out.getvalue()
    assert not report.undecided, out.getvalue()
    assert report.share >= mutants.GOAL, out.getvalue()
