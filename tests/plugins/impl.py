"""The --impl option: which tree of the app the tests import, plus in-process app fixtures.

`pytest --impl workspace` (default) tests the repository as the student edited it;
`--impl reference` tests the official solutions; `--impl PATH` tests the lab deliverables found
in PATH laid over a pristine copy. PHOTOAPP_IMPL sets the default, and is set for subprocesses,
so a server started by a test runs the same tree. On failure, a test under tests/labNN/ gets
a "Hint" section pointing to the lab's guide.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from workshop import manifest as manifest_module
from workshop.results import hint_of, lab_of
from workshop.trees import TreeError, resolve_impl

ENV = "PHOTOAPP_IMPL"
TREE_ENV = "WORKSHOP_IMPL_TREE"
TEST_SECRET = "test-secret-not-for-production"

_tree: Path | None = None
_impl: str = "workspace"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add --impl."""
    parser.addoption(
        "--impl",
        default=os.environ.get(ENV, "workspace"),
        help="the app tree to test: workspace (default), reference, starter or a folder "
        f"(default from ${ENV})",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Build or find the tree and put it first on sys.path before anything imports photoapp."""
    global _tree, _impl
    config.addinivalue_line("markers", "hint(text): the hint shown when the test fails")
    _impl = str(config.getoption("--impl"))
    try:
        _tree = resolve_impl(_impl)
    except (TreeError, manifest_module.ManifestError) as exc:
        raise pytest.UsageError(str(exc)) from None
    _forget_photoapp(_tree)
    sys.path.insert(0, str(_tree))
    # pytest's default import mode puts the rootdir back in front of sys.path when it imports a
    # test package, which would bring the workspace's photoapp back; a finder on sys.meta_path
    # keeps `import photoapp` pinned to the tree whatever sys.path looks like.
    sys.meta_path.insert(0, TreeFinder(_tree, _package_names(_tree)))
    # Subprocesses (servers, nested pytest runs) see the very same tree, even if the sources
    # change while the tests run.
    os.environ[ENV] = str(_tree)
    os.environ[TREE_ENV] = str(_tree)


class TreeFinder(importlib.abc.MetaPathFinder):
    """Find the app's top-level packages (photoapp, ...) in the tree under test only."""

    def __init__(self, tree: Path, names: set[str]) -> None:
        self.tree = str(tree)
        self.names = names

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        """Return the spec from the tree for a top-level app package, else let others look."""
        if fullname not in self.names:
            return None  # submodules follow their package's __path__, which is in the tree
        return importlib.machinery.PathFinder.find_spec(fullname, [self.tree])


def _package_names(tree: Path) -> set[str]:
    """Return the importable top-level packages of the app parts (photoapp, ...)."""
    names = {"photoapp"}
    for part in manifest_module.load().app_parts():
        if (tree / part / "__init__.py").is_file():
            names.add(part)
    return names


def pytest_report_header(config: pytest.Config) -> str:
    """Say which tree is under test, first thing in the output."""
    return f"impl: {_impl} ({_tree})"


def _forget_photoapp(tree: Path) -> None:
    """Drop photoapp modules imported from another tree, so the next import finds ours."""
    for name in [n for n in sys.modules if n == "photoapp" or n.startswith("photoapp.")]:
        origin = getattr(sys.modules[name], "__file__", None) or ""
        if not origin.startswith(str(tree) + os.sep):
            del sys.modules[name]


@pytest.fixture(scope="session")
def impl_tree() -> Path:
    """The folder whose photoapp/ is under test (put it on PYTHONPATH for subprocesses)."""
    assert _tree is not None, "the impl plugin was not configured"
    return _tree


@pytest.fixture(scope="session")
def impl_name() -> str:
    """The --impl value: workspace, reference, starter or a folder."""
    return _impl


@pytest.fixture
def make_app() -> Callable[..., Any]:
    """Build an app on memory backends; keyword arguments override Settings fields."""

    def make(**overrides: Any) -> Any:
        from photoapp import create_app
        from photoapp.settings import Settings

        values: dict[str, Any] = {
            "database_url": "memory://",
            "media_dir": "memory://",
            "testing": True,
            "secret_key": TEST_SECRET,
        }
        values.update(overrides)
        return create_app(Settings(**values))

    return make


@pytest.fixture
def app(make_app: Callable[..., Any]) -> Any:
    """A fresh app on memory backends, for one test."""
    return make_app()


@pytest.fixture
def client(app: Any) -> Iterator[Any]:
    """A Flask test client of a fresh app on memory backends."""
    with app.test_client() as test_client:
        yield test_client


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """Add a hint pointing to the lab's guide to a failing graded test."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if not report.failed:
        return
    number = lab_of(report.nodeid, item)
    if number is None:
        return
    guide = _guide(number)
    hint = hint_of(item)
    text = f"Hint: {hint} (see {guide})" if hint else f"Hint: see {guide}"
    report.sections.append(("Hint", text))


def _guide(number: int) -> str:
    """Return the guide of lab `number`, or the map of labs if the manifest lacks it."""
    try:
        return manifest_module.load().lab(number).guide
    except manifest_module.ManifestError:
        return "labs/README.md"
