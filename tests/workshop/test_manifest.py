"""The manifest: labs/labs.toml read into typed labs, with one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from workshop import manifest as manifest_module
from workshop.manifest import ManifestError, parse_lab_range


@pytest.fixture(scope="module")
def manifest() -> manifest_module.Manifest:
    return manifest_module.load()


def test_the_real_manifest_lists_ten_labs_in_order(manifest):
    assert [lab.number for lab in manifest.labs] == list(range(1, 11))


def test_lab_01_is_ready_with_deliverables_tests_and_hints(manifest):
    lab = manifest.ready_lab(1)
    assert lab.slug == "01-single-box"
    assert lab.tests_dir == "tests/lab01"
    assert lab.guide == "labs/01-single-box/README.md"
    assert manifest.guide_path(lab) == manifest.root / "labs/01-single-box/README.md"
    assert lab.deliverables and lab.hints
    assert lab.load["scenario"].startswith("loadtests/")
    assert "max_p95_ms" in lab.slo


def test_every_ready_lab_has_its_files(manifest):
    for lab in manifest.ready_labs():
        for rel in lab.deliverables:
            assert (manifest.root / rel).is_file(), f"lab {lab.number}: starter {rel} is missing"
            official = manifest.root / "solutions" / rel
            assert official.is_file(), f"lab {lab.number}: solutions/{rel} is missing"
        assert (manifest.root / lab.tests_dir).is_dir(), f"{lab.tests_dir} is missing"


def test_app_parts_hold_photoapp_and_every_deliverable_folder(manifest):
    parts = manifest.app_parts()
    assert "photoapp" in parts
    for rel in manifest.deliverables():
        assert rel.split("/")[0] in parts


def test_a_lab_that_is_not_ready_is_refused_with_the_ready_labs(manifest):
    planned = next(lab for lab in manifest.labs if not lab.ready)
    with pytest.raises(ManifestError) as caught:
        manifest.ready_lab(planned.number)
    message = str(caught.value)
    assert message.startswith(f"lab {planned.number} is not ready yet: its guide and tests")
    assert "ready labs: 1" in message
    assert "\n" not in message


def test_an_unknown_lab_is_refused_naming_the_labs(manifest):
    with pytest.raises(ManifestError, match="there is no lab 42: the labs are 1, 2"):
        manifest.lab(42)


def test_a_broken_manifest_is_one_clear_error(tmp_path: Path):
    (tmp_path / "labs").mkdir()
    (tmp_path / "labs" / "labs.toml").write_text("[[lab]\nnumber = 1\n")
    with pytest.raises(ManifestError, match="is not valid TOML"):
        manifest_module.load(tmp_path)
    (tmp_path / "labs" / "labs.toml").write_text("[[lab]]\nnumber = 1\n")
    with pytest.raises(ManifestError, match="entry 1 is missing or has a bad value: 'slug'"):
        manifest_module.load(tmp_path)


def test_a_missing_manifest_says_where_to_run(tmp_path: Path):
    with pytest.raises(ManifestError, match="run the workshop from the repository"):
        manifest_module.load(tmp_path)


@pytest.mark.parametrize(
    ("text", "numbers"),
    [("1", [1]), ("1-3", [1, 2, 3]), ("1,3,5-6", [1, 3, 5, 6])],
)
def test_lab_ranges(text, numbers):
    assert parse_lab_range(text) == numbers


@pytest.mark.parametrize("text", ["x", "3-1", ""])
def test_a_bad_lab_range_is_refused(text):
    with pytest.raises(ManifestError, match="bad lab range"):
        parse_lab_range(text)
