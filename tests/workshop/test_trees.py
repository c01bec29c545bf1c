"""Trees: the workspace, the reference, overlays of a student's files; cached and atomic."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.workshop.fake_repo import REPO, SOLUTION, make_fake_repo
from workshop import trees
from workshop.trees import MARKER, TreeError, build_tree, cached_tree, resolve_impl

ANSWER = "photoapp/answer.py"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_fake_repo(tmp_path / "repo")


def _answer(tree: Path) -> str:
    return (tree / ANSWER).read_text()


def test_the_reference_is_the_app_with_solutions_laid_over(repo, tmp_path):
    info = build_tree(tmp_path / "ref", base="reference", root=repo)
    tree = Path(info.path)
    assert _answer(tree).strip() == SOLUTION.strip()
    assert (tree / "photoapp" / "__init__.py").is_file()
    assert not (tree / "tests").exists(), "tests never come from a tree"
    assert not (tree / "solutions").exists()
    assert json.loads((tree / MARKER).read_text())["base"] == "reference"


def test_the_workspace_base_keeps_the_starters(repo, tmp_path):
    tree = Path(build_tree(tmp_path / "ws", base="workspace", root=repo).path)
    assert "NotImplementedError" in _answer(tree)


def test_an_overlay_takes_the_labs_deliverables_from_a_submission(repo, tmp_path):
    student = tmp_path / "student"
    (student / "photoapp").mkdir(parents=True)
    (student / ANSWER).write_text("def answer():\n    return 41\n")
    (student / "photoapp" / "__init__.py").write_text("raise SystemExit('not a deliverable')\n")
    info = build_tree(tmp_path / "graded", base="reference", overlays={1: student}, root=repo)
    tree = Path(info.path)
    assert "return 41" in _answer(tree)
    assert "SystemExit" not in (tree / "photoapp" / "__init__.py").read_text()
    assert info.laid == [ANSWER] and info.missing == [] and info.overlays == {"1": str(student)}


def test_a_missing_deliverable_becomes_the_starter_never_the_reference(repo, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    info = build_tree(tmp_path / "graded", base="reference", overlays={1: empty}, root=repo)
    assert "NotImplementedError" in _answer(Path(info.path))
    assert info.missing == [ANSWER]


def test_a_symlinked_deliverable_is_refused(repo, tmp_path):
    student = tmp_path / "student"
    (student / "photoapp").mkdir(parents=True)
    secret = tmp_path / "secret.txt"
    secret.write_text("do not copy me")
    os.symlink(secret, student / ANSWER)
    info = build_tree(tmp_path / "graded", base="reference", overlays={1: student}, root=repo)
    assert info.refused == [ANSWER]
    assert "do not copy me" not in _answer(Path(info.path))


def test_a_deliverable_behind_a_symlinked_folder_is_refused(repo, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "answer.py").write_text("outside the submission")
    student = tmp_path / "student"
    student.mkdir()
    os.symlink(elsewhere, student / "photoapp")
    info = build_tree(tmp_path / "graded", base="reference", overlays={1: student}, root=repo)
    assert info.refused == [ANSWER]
    assert "outside the submission" not in _answer(Path(info.path))


def test_building_again_replaces_the_tree_whole(repo, tmp_path):
    dest = tmp_path / "tree"
    build_tree(dest, base="workspace", root=repo)
    (dest / "leftover.txt").write_text("from the last build")
    build_tree(dest, base="reference", root=repo)
    assert not (dest / "leftover.txt").exists()
    assert _answer(dest).strip() == SOLUTION.strip()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_cached_tree_is_reused_until_a_source_changes(repo):
    first = cached_tree("reference", base="reference", root=repo)
    assert cached_tree("reference", base="reference", root=repo) == first
    assert (first.parent / "reference").resolve() == first
    solution = repo / "solutions" / ANSWER
    solution.write_text(SOLUTION.replace("42", "43"))
    second = cached_tree("reference", base="reference", root=repo)
    assert second != first
    assert "43" in _answer(second)
    assert first.exists(), "an older tree stays while a running test may still use it"


def test_impl_names_resolve_to_trees(repo, tmp_path):
    assert resolve_impl("workspace", repo) == repo.resolve()
    assert "return 42" in _answer(resolve_impl("reference", repo))
    assert "NotImplementedError" in _answer(resolve_impl("starter", repo))
    built = Path(build_tree(tmp_path / "built", base="reference", root=repo).path)
    assert resolve_impl(str(built), repo) == built, "a built tree is used as it is"


def test_impl_path_lays_a_submission_over_the_starter(repo, tmp_path):
    student = tmp_path / "student"
    (student / "photoapp").mkdir(parents=True)
    (student / ANSWER).write_text("def answer():\n    return 7\n")
    tree = resolve_impl(str(student), repo)
    assert "return 7" in _answer(tree)
    assert tree.is_relative_to(repo / ".workshop" / "trees")


def test_a_bad_impl_is_one_clear_error(repo, tmp_path):
    with pytest.raises(TreeError, match="no such folder; use workspace, reference, starter"):
        resolve_impl(str(tmp_path / "nope"), repo)


def test_a_bad_base_is_refused(repo, tmp_path):
    with pytest.raises(TreeError, match="unknown tree base"):
        build_tree(tmp_path / "x", base="solutions", root=repo)


def test_two_processes_building_the_same_tree_both_get_a_whole_tree(repo):
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        sys.path.insert(0, {str(REPO)!r})
        from workshop.trees import cached_tree
        tree = cached_tree("reference", base="reference", root=Path({str(repo)!r}))
        assert "return 42" in (tree / {ANSWER!r}).read_text()
        print(tree)
        """
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    outputs = {proc.communicate(timeout=60)[0].strip() for proc in procs}
    assert all(proc.returncode == 0 for proc in procs)
    assert len(outputs) == 1


def test_this_run_imports_photoapp_from_its_impl_tree(impl_tree, impl_name):
    import photoapp

    assert Path(photoapp.__file__).is_relative_to(impl_tree), (impl_name, photoapp.__file__)
    assert os.environ["PHOTOAPP_IMPL"] == str(impl_tree)


@pytest.mark.parametrize("impl", ["reference", "starter"])
def test_the_plugin_puts_the_tree_before_the_workspace(impl, tmp_path):
    probe = tmp_path / "test_probe.py"
    probe.write_text(
        textwrap.dedent(
            """
            from pathlib import Path

            def test_probe(impl_tree, client):
                import photoapp
                import photoapp.images
                assert Path(photoapp.images.__file__).is_relative_to(impl_tree)
                assert client.get("/healthz").status_code == 200
                print("TREE", impl_tree)
            """
        )
    )
    (tmp_path / "pytest.ini").write_text("[pytest]\nfilterwarnings = error\n")
    env = {k: v for k, v in os.environ.items() if k != "PHOTOAPP_IMPL"}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.plugins.impl", "-p", "no:cacheprovider",
         "-s", "-q", "--impl", impl, "--rootdir", str(tmp_path), "-c", str(tmp_path / "pytest.ini"),
         str(probe)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f".workshop/trees/{impl}-" in proc.stdout


def test_the_source_fingerprint_ignores_caches(repo):
    manifest = trees.manifest_module.load(repo)
    before = trees.fingerprint("reference", {}, repo, manifest)
    cache = repo / "photoapp" / "__pycache__"
    cache.mkdir()
    (cache / "answer.cpython-311.pyc").write_bytes(b"junk")
    assert trees.fingerprint("reference", {}, repo, manifest) == before


def test_the_starter_is_the_committed_stub_not_the_students_edit(repo, tmp_path):
    """After a student's edits, --impl starter still means what a fresh clone holds."""
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "starter"], check=True)
    (repo / ANSWER).write_text("def answer():\n    return 41\n")
    tree = resolve_impl("starter", repo)
    assert "NotImplementedError" in _answer(tree), "the committed stub, not the edit"
    assert "return 41" in _answer(resolve_impl("workspace", repo))
