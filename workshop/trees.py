"""The trees tests run against: the workspace, the reference, or a student's files laid over.

A tree is a folder holding the app parts of the repository (photoapp/ and every top-level folder
that holds a lab deliverable), ready to be put first on sys.path or PYTHONPATH. Tests, the
workshop and the manifest never come from a tree: they always come from this repository.

- "workspace": the repository itself, as the student has edited it.
- "starter": a copy of the app parts with every lab deliverable as the last commit holds it
  (in a fresh clone: the stubs), whatever the student changed since; outside a git checkout,
  the workspace's files.
- "reference": a copy of the app parts with every file under solutions/ laid over.
- a folder: a copy of the app parts with the lab deliverables taken from that folder.

`build_tree` is the general tool (the grader calls it); `resolve_impl` turns an `--impl` value
into a tree, building and caching copies under .workshop/trees/.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from workshop import manifest as manifest_module
from workshop.manifest import Manifest

MARKER = ".workshop-tree.json"
SOLUTIONS = "solutions"
# Bump when the layout of built trees changes, so cached trees are rebuilt.
TREE_FORMAT = 1
# Cached trees of an older version are removed once unused for this long: a long test run, a
# demo or detached services may still run one that a newer version replaced.
STALE_AFTER_S = 24 * 3600
_JUNK = ("__pycache__", "*.pyc", "*.pyo", "*.egg-info", ".pytest_cache", ".mypy_cache")
_IGNORE = shutil.ignore_patterns(*_JUNK)


class TreeError(ValueError):
    """A tree could not be built: a missing folder or a bad --impl value."""


@dataclass
class TreeInfo:
    """What went into a built tree; written to <tree>/.workshop-tree.json."""

    path: str
    base: str
    overlays: dict[str, str] = field(default_factory=dict)
    laid: list[str] = field(default_factory=list)  # deliverables taken from an overlay
    missing: list[str] = field(default_factory=list)  # deliverables an overlay lacked: starter kept
    refused: list[str] = field(default_factory=list)  # symlinks and other non-files, not copied
    built_at: float = 0.0
    fingerprint: str = ""
    format: int = TREE_FORMAT


def build_tree(
    dest: Path,
    *,
    base: str = "reference",
    overlays: Mapping[int, Path] | None = None,
    root: Path | None = None,
    manifest: Manifest | None = None,
    replace: bool = True,
) -> TreeInfo:
    """Build a tree at `dest` and return what went into it.

    base: "reference" (app parts + every file of solutions/) or "workspace" (app parts as they
    are in the repository: in a clean checkout these are the starters).
    overlays: {lab number: folder}; each of that lab's deliverables is taken from the folder at
    the same relative path. A deliverable the folder lacks becomes the starter (the workspace's
    file), never the reference, so a missing file earns nothing. Symlinks are refused.
    Example, grading lab 3 fairly: base="reference", overlays={3: submission}.
    Example, lab 3 alone as a starter: base="reference", overlays={3: repo_root()}.

    The tree appears at `dest` in one rename: no reader ever sees half a tree. With
    replace=False an existing tree at `dest` is kept (another process built the same thing).
    """
    root = (root or manifest_module.repo_root()).resolve()
    manifest = manifest or manifest_module.load(root)
    if base not in ("reference", "workspace", "starter"):
        raise TreeError(f"unknown tree base {base!r}: use 'reference', 'workspace' or 'starter'")
    dest = Path(dest).resolve()
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.parent / f".{dest.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    info = TreeInfo(path=str(dest), base=base, built_at=time.time())
    try:
        _copy_app_parts(root, manifest, tmp)
        if base == "reference":
            _lay_solutions(root, tmp)
        if base == "starter":
            _lay_committed(root, manifest, tmp)
        for number, source in sorted((overlays or {}).items()):
            _lay_overlay(manifest, number, Path(source), root, tmp, info)
        info.fingerprint = fingerprint(base, overlays or {}, root, manifest)
        (tmp / MARKER).write_text(json.dumps(asdict(info), indent=2) + "\n", encoding="utf-8")
        _place(tmp, dest, replace)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return info


def resolve_impl(spec: str, root: Path | None = None) -> Path:
    """Return the tree an --impl value names, building a cached copy when needed."""
    root = (root or manifest_module.repo_root()).resolve()
    if spec == "workspace":
        return root
    if spec == "reference":
        return cached_tree("reference", base="reference", root=root)
    if spec == "starter":
        return cached_tree("starter", base="starter", root=root)
    path = Path(spec).expanduser().resolve()
    if not path.is_dir():
        raise TreeError(
            f"--impl {spec}: no such folder; use workspace, reference, starter or a folder "
            "holding a copy of the repository"
        )
    if path == root:
        return root
    if is_tree(path):
        return path  # built by build_tree (the grader does this): use it as it is
    manifest = manifest_module.load(root)
    every_lab = {lab.number: path for lab in manifest.labs if lab.deliverables}
    name = "impl-" + hashlib.sha1(str(path).encode()).hexdigest()[:8]
    return cached_tree(name, base="workspace", overlays=every_lab, root=root, manifest=manifest)


def cached_tree(
    name: str,
    *,
    base: str,
    overlays: Mapping[int, Path] | None = None,
    root: Path | None = None,
    manifest: Manifest | None = None,
) -> Path:
    """Return .workshop/trees/<name>-<fingerprint>, building it when its sources changed.

    .workshop/trees/<name> is a symlink to the newest version, for people to look at. The
    returned path is the versioned folder, so a running process never sees its tree change.
    """
    root = (root or manifest_module.repo_root()).resolve()
    manifest = manifest or manifest_module.load(root)
    trees = manifest_module.state_dir(root) / "trees"
    digest = fingerprint(base, overlays or {}, root, manifest)
    versioned = trees / f"{name}-{digest[:12]}"
    if is_tree(versioned):
        os.utime(versioned)  # "used now": pruning goes by this time
    else:
        build_tree(
            versioned, base=base, overlays=overlays, root=root, manifest=manifest, replace=False
        )
    _point_link(trees / name, versioned)
    _prune(trees, name, keep=versioned)
    return versioned


def is_tree(path: Path) -> bool:
    """Return True when `path` is a tree that build_tree finished."""
    return (Path(path) / MARKER).is_file()


def tree_info(path: Path) -> dict[str, object]:
    """Return the TreeInfo of a built tree as a dict ({} for the workspace)."""
    marker = Path(path) / MARKER
    if not marker.is_file():
        return {}
    loaded: dict[str, object] = json.loads(marker.read_text(encoding="utf-8"))
    return loaded


def fingerprint(base: str, overlays: Mapping[int, Path], root: Path, manifest: Manifest) -> str:
    """Return a hash of everything a tree is built from: names, sizes and mtimes of files."""
    digest = hashlib.sha1(f"{TREE_FORMAT}|{base}|{root}".encode())
    if base == "starter":
        digest.update(f"|commit {_git(root, 'rev-parse', 'HEAD') or b''!r}".encode())
    sources = [root / part for part in manifest.app_parts()] + [root / manifest_module.MANIFEST]
    if base == "reference":
        sources.append(root / SOLUTIONS)
    for number, folder in sorted(overlays.items()):
        digest.update(f"|overlay {number}={Path(folder).resolve()}".encode())
        sources.extend(Path(folder) / rel for rel in manifest.lab(number).deliverables)
    for path in _files(sources):
        try:
            st = path.lstat()
        except OSError:
            continue
        digest.update(f"|{path}:{st.st_size}:{st.st_mtime_ns}".encode())
    return digest.hexdigest()


def solution_files(root: Path | None = None) -> list[str]:
    """Return the repository-relative paths of every file under solutions/."""
    root = root or manifest_module.repo_root()
    folder = root / SOLUTIONS
    return sorted(str(p.relative_to(folder)) for p in _files([folder]))


def _files(sources: Iterable[Path]) -> list[Path]:
    """Return every file under the given files and folders, skipping caches."""
    found: list[Path] = []
    for source in sources:
        if source.is_file() or source.is_symlink():
            found.append(source)
        elif source.is_dir():
            for dirpath, dirnames, filenames in os.walk(source):
                dirnames[:] = sorted(d for d in dirnames if not _is_junk(d))
                found.extend(Path(dirpath) / f for f in sorted(filenames) if not _is_junk(f))
    return found


def _is_junk(name: str) -> bool:
    """Tell whether a file or folder name is a cache that never belongs in a tree."""
    return name in ("__pycache__", ".pytest_cache", ".mypy_cache") or name.endswith(
        (".pyc", ".pyo", ".egg-info")
    )


def _copy_app_parts(root: Path, manifest: Manifest, dest: Path) -> None:
    """Copy photoapp/ and every deliverable's top-level folder from the repository."""
    dest.mkdir(parents=True)
    for part in manifest.app_parts():
        source = root / part
        if source.is_dir():
            shutil.copytree(source, dest / part, ignore=_IGNORE)
        elif source.is_file():
            shutil.copy2(source, dest / part)


def _lay_solutions(root: Path, tree: Path) -> None:
    """Lay every file under solutions/ over the tree at the same relative path."""
    for rel in solution_files(root):
        target = tree / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / SOLUTIONS / rel, target)


def _lay_committed(root: Path, manifest: Manifest, tree: Path) -> None:
    """Put every deliverable back as the last commit holds it (the starter of a fresh clone)."""
    for rel in manifest.deliverables():
        committed = _git(root, "show", f"HEAD:{rel}")
        if committed is not None:
            target = tree / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(committed)


def _git(root: Path, *args: str) -> bytes | None:
    """Run a git command in the repository; its output, or None outside a checkout."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _lay_overlay(
    manifest: Manifest, number: int, source: Path, root: Path, tree: Path, info: TreeInfo
) -> None:
    """Take lab `number`'s deliverables from `source`; the starter stands in for missing ones."""
    lab = manifest.lab(number)
    if not source.is_dir():
        raise TreeError(f"overlay for lab {number}: {source} is not a folder")
    info.overlays[str(number)] = str(source.resolve())
    inside = source.resolve()
    for rel in lab.deliverables:
        candidate, target = source / rel, tree / rel
        # A symlink, or a path through a symlinked folder, could reach any file on the machine.
        escapes = candidate.exists() and not candidate.resolve().is_relative_to(inside)
        if candidate.is_symlink() or escapes or (candidate.exists() and not candidate.is_file()):
            info.refused.append(rel)
            candidate = root / rel  # refused: the starter takes its place
        elif not candidate.is_file():
            info.missing.append(rel)
            candidate = root / rel
        else:
            info.laid.append(rel)
        if target.exists() or target.is_symlink():
            target.unlink()
        if candidate.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(candidate, target)


def _place(tmp: Path, dest: Path, replace: bool) -> None:
    """Move a finished tree into place in one rename."""
    try:
        os.rename(tmp, dest)
        return
    except OSError:
        if not dest.exists():
            raise
    if not replace:
        return  # someone else built the same tree first; theirs is as good as ours
    trash = dest.parent / f".{dest.name}.old-{uuid.uuid4().hex[:8]}"
    os.rename(dest, trash)
    os.rename(tmp, dest)
    shutil.rmtree(trash, ignore_errors=True)


def _runs_services(tree: Path) -> bool:
    """Tell whether `workshop services up` left servers running this tree."""
    state = tree.parent.parent / "services.json"  # .workshop/services.json
    try:
        return json.loads(state.read_text()).get("tree") == str(tree)
    except (OSError, ValueError, AttributeError):
        return False


def _point_link(link: Path, target: Path) -> None:
    """Point the convenience symlink at the newest tree (atomically; best effort)."""
    tmp = link.parent / f".{link.name}.link-{uuid.uuid4().hex[:8]}"
    try:
        os.symlink(target.name, tmp)
        if link.exists() and not link.is_symlink():
            shutil.rmtree(link)
        os.replace(tmp, link)
    except OSError:
        tmp.unlink(missing_ok=True)  # a missing convenience link changes nothing that matters


def _prune(trees: Path, name: str, keep: Path) -> None:
    """Remove old versions of a cached tree that nobody can still be using."""
    now = time.time()
    for old in trees.glob(f"{name}-*"):
        if old == keep or not old.is_dir() or old.is_symlink() or _runs_services(old):
            continue
        if len(old.name) != len(name) + 13:  # not one of ours: <name>-<12 hex digits>
            continue
        try:
            if now - old.stat().st_mtime > STALE_AFTER_S:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass
