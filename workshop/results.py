"""A tiny pytest plugin that writes one JSON line per test, and the reader of those lines.

The workshop runs pytest in a subprocess with `-p workshop.results` and WORKSHOP_RESULTS set to
a file; each finished test appends {nodeid, outcome, duration, message, details, hint, lab}.
`workshop check`, `workshop selfcheck` and the grader read the file back with `read_results`.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # readers of results (the CLI, the grader) need not pay for importing pytest
    import pytest

ENV = "WORKSHOP_RESULTS"
_LAB_FOLDER = re.compile(r"(?:^|/)lab(\d\d)(?:/|$)")
_PLACE = re.compile(r'File "([^"]+)", line (\d+)')


@dataclass(frozen=True)
class TestResult:
    """One test's outcome as the workshop reports it."""

    __test__ = False  # a result, not a test class pytest should collect

    nodeid: str
    outcome: str  # passed, failed, error (in setup or teardown), skipped
    duration: float
    message: str = ""  # the first line of the failure: what went wrong
    details: str = ""  # the whole failure text, for deeper checks (selfcheck)
    hint: str = ""
    lab: int | None = None

    @property
    def name(self) -> str:
        """Return the test's name without its folder: test_file.py::test_name."""
        path, sep, rest = self.nodeid.partition("::")  # parameters may hold a "/" themselves
        return path.rsplit("/", 1)[-1] + sep + rest


def read_results(path: Path) -> list[TestResult]:
    """Read the JSON lines a run wrote (an empty list when the run wrote none)."""
    if not path.is_file():
        return []
    results = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            results.append(TestResult(**json.loads(line)))
    return results


def lab_of(nodeid: str, item: pytest.Item | None = None) -> int | None:
    """Return the lab a test belongs to: its `lab(n)` marker, else its tests/labNN folder."""
    if item is not None:
        marker = item.get_closest_marker("lab")
        if marker is not None and marker.args:
            return int(marker.args[0])
    found = _LAB_FOLDER.search(nodeid.replace(os.sep, "/"))
    return int(found.group(1)) if found else None


def hint_of(item: pytest.Item) -> str:
    """Return a test's hint: its `hint` marker, else the first line of its docstring."""
    marker = item.get_closest_marker("hint")
    if marker is not None and marker.args:
        return str(marker.args[0])
    function = getattr(item, "function", None)
    doc = (getattr(function, "__doc__", None) or "").strip()
    return doc.splitlines()[0].strip() if doc else ""


def first_line(report: pytest.TestReport) -> str:
    """Return the one line that says why a test failed: the exception's message."""
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr or "")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return ""
    # "AssertionError: expected 201, got 500" reads better without the exception's name when
    # the test wrote a message; keep the name for other exceptions (NotImplementedError: ...).
    return lines[0].removeprefix("AssertionError: ")[:300]


class ResultsWriter:
    """Collect the reports of each test and write one line when the test is done."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.about: dict[str, tuple[str, int | None]] = {}  # nodeid: (hint, lab)
        self.pending: dict[str, dict[str, Any]] = {}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("", encoding="utf-8")

    def pytest_itemcollected(self, item: pytest.Item) -> None:
        """Remember each test's hint and lab while the item is at hand."""
        self.about[item.nodeid] = (hint_of(item), lab_of(item.nodeid, item))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Fold setup, call and teardown into one outcome per test."""
        hint, lab = self.about.get(report.nodeid, ("", lab_of(report.nodeid)))
        entry = self.pending.setdefault(report.nodeid, {"hint": hint, "lab": lab, "duration": 0.0})
        entry["duration"] += report.duration
        if report.failed and "outcome" not in entry:
            entry["outcome"] = "failed" if report.when == "call" else "error"
            entry["message"] = first_line(report)
            entry["details"] = str(report.longrepr or "")[-20000:]
        elif report.skipped and "outcome" not in entry:
            entry["outcome"] = "skipped"
            entry["message"] = _skip_reason(report)
        elif report.when == "call" and report.passed and "outcome" not in entry:
            entry["outcome"] = "passed"
        if report.when == "teardown":
            self._write(report.nodeid, self.pending.pop(report.nodeid))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """Record a test file that could not even be imported as one failed entry."""
        if report.failed:
            self._write(
                report.nodeid or "collection",
                {
                    "outcome": "error",
                    "message": "could not import the tests: " + _import_error(str(report.longrepr)),
                    "details": str(report.longrepr)[-20000:],
                    "lab": lab_of(report.nodeid),
                    "hint": "",
                    "duration": 0.0,
                },
            )

    def _write(self, nodeid: str, entry: dict[str, Any]) -> None:
        """Append one test's line."""
        line = {
            "nodeid": nodeid,
            "outcome": entry.get("outcome", "error"),
            "duration": round(float(entry.get("duration", 0.0)), 3),
            "message": entry.get("message", ""),
            "details": entry.get("details", ""),
            "hint": entry.get("hint", ""),
            "lab": entry.get("lab"),
        }
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")


def _skip_reason(report: pytest.TestReport) -> str:
    """Return the reason pytest gives for a skip."""
    if isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    return ""


def _import_error(text: str) -> str:
    """Return the error of a failed import with the file and line it points to."""
    lines = [line.removeprefix("E").strip() for line in text.splitlines() if line.strip()]
    error = lines[-1] if lines else "unknown error"
    places = _PLACE.findall(text)
    if places:
        path, line = places[-1]
        tree = os.environ.get("WORKSHOP_IMPL_TREE", "")
        if tree and path.startswith(tree.rstrip("/") + "/"):
            path = path[len(tree.rstrip("/")) + 1 :]  # as the student knows it: photoapp/...
        error = f"{error} ({path}, line {line})"
    return error[:300]


def pytest_configure(config: pytest.Config) -> None:
    """Start writing results when WORKSHOP_RESULTS names a file."""
    target = os.environ.get(ENV)
    if target and not config.pluginmanager.has_plugin("workshop-results-writer"):
        config.pluginmanager.register(ResultsWriter(Path(target)), "workshop-results-writer")
