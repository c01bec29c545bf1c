"""The manifest of the labs: labs/labs.toml read into small typed values."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MANIFEST = Path("labs") / "labs.toml"


class ManifestError(ValueError):
    """The manifest is broken, or names a lab that does not exist or is not ready."""


def repo_root() -> Path:
    """Return the repository the workshop runs in (WORKSHOP_ROOT overrides, for tests)."""
    override = os.environ.get("WORKSHOP_ROOT")
    if override:
        return Path(override).resolve()
    return Path(__file__).resolve().parents[1]


def state_dir(root: Path | None = None) -> Path:
    """Return the folder where the workshop keeps its own state (.workshop/, git-ignored)."""
    return (root or repo_root()) / ".workshop"


@dataclass(frozen=True)
class Rule:
    """One rule of a lab's guide, its share of the lab's points, the tests that check it."""

    name: str
    share: float
    tests: tuple[str, ...]  # patterns: "test_file.py", "test_file.py::test_name", globs (*)


@dataclass(frozen=True)
class Lab:
    """One lab of the manifest."""

    number: int
    slug: str
    title: str
    summary: str = ""
    ready: bool = False
    deliverables: tuple[str, ...] = ()
    tests: str = ""
    hints: tuple[str, ...] = ()
    stack: dict[str, Any] = field(default_factory=dict)
    load: dict[str, Any] = field(default_factory=dict)
    slo: dict[str, Any] = field(default_factory=dict)
    points: dict[str, float] = field(default_factory=dict)
    rules: tuple[Rule, ...] = ()  # [[lab.rule]]: when set, they weigh the tests (grade)
    lab_points: float = 0.0  # what the lab is worth when it has rules (default 100)

    @property
    def tag(self) -> str:
        """Return the two-digit name students see: "01"."""
        return f"{self.number:02d}"

    @property
    def guide(self) -> str:
        """Return the repository-relative path of the lab's guide."""
        return f"labs/{self.slug}/README.md"

    @property
    def tests_dir(self) -> str:
        """Return the graded test folder (tests/labNN unless the manifest says otherwise)."""
        return self.tests or f"tests/lab{self.tag}"


@dataclass(frozen=True)
class Manifest:
    """All labs, in order."""

    labs: tuple[Lab, ...]
    root: Path

    def lab(self, number: int) -> Lab:
        """Return lab `number`, or raise ManifestError saying which labs exist."""
        for lab in self.labs:
            if lab.number == number:
                return lab
        known = ", ".join(str(lab.number) for lab in self.labs)
        raise ManifestError(f"there is no lab {number}: the labs are {known}")

    def ready_lab(self, number: int) -> Lab:
        """Return lab `number` if it is ready, or raise ManifestError naming the ready labs."""
        lab = self.lab(number)
        if not lab.ready:
            raise ManifestError(
                f"lab {number} is not ready yet: its guide and tests are still being written "
                "(pull the newest version of the workshop to get it); "
                f"ready labs: {_ranges([x.number for x in self.ready_labs()]) or 'none'}"
            )
        return lab

    def ready_labs(self) -> list[Lab]:
        """Return the labs that are published: guide, tests and solutions complete."""
        return [lab for lab in self.labs if lab.ready]

    def deliverables(self) -> dict[str, Lab]:
        """Return every deliverable path with the lab it belongs to."""
        return {path: lab for lab in self.labs for path in lab.deliverables}

    def app_parts(self) -> list[str]:
        """Return the top-level folders or files a tree needs: photoapp and every deliverable's."""
        parts = {"photoapp"} | {path.split("/", 1)[0] for path in self.deliverables()}
        return sorted(parts)

    def guide_path(self, lab: Lab) -> Path:
        """Return the absolute path of a lab's guide."""
        return guide_path(lab, self.root)


def guide_path(lab: Lab, root: Path | None = None) -> Path:
    """Return labs/<slug>/README.md for a lab (absolute when root is given)."""
    return (root or repo_root()) / lab.guide


def load(root: Path | None = None) -> Manifest:
    """Read labs/labs.toml, or raise ManifestError with the line to fix."""
    root = root or repo_root()
    path = root / MANIFEST
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{path} is missing: run the workshop from the repository") from None
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path} is not valid TOML: {exc}") from None
    labs = tuple(_lab(entry, index) for index, entry in enumerate(data.get("lab", []), 1))
    numbers = [lab.number for lab in labs]
    if len(set(numbers)) != len(numbers):
        raise ManifestError(f"{path}: two [[lab]] entries share a number: {numbers}")
    return Manifest(labs=tuple(sorted(labs, key=lambda lab: lab.number)), root=root)


def _lab(entry: dict[str, Any], index: int) -> Lab:
    """Build one Lab from a [[lab]] table, naming the entry when a key is wrong."""
    try:
        number = int(entry["number"])
        return Lab(
            number=number,
            slug=str(entry["slug"]),
            title=str(entry["title"]),
            summary=str(entry.get("summary", "")),
            ready=bool(entry.get("ready", False)),
            deliverables=tuple(str(p) for p in entry.get("deliverables", [])),
            tests=str(entry.get("tests", "")),
            hints=tuple(str(h) for h in entry.get("hints", [])),
            stack=dict(entry.get("stack", {})),
            load=dict(entry.get("load", {})),
            slo=dict(entry.get("slo", {})),
            points={str(k): float(v) for k, v in entry.get("points", {}).items()},
            rules=tuple(
                Rule(str(r["rule"]), float(r["share"]), tuple(str(t) for t in r["tests"]))
                for r in entry.get("rule", [])
            ),
            lab_points=float(entry.get("lab_points", 100 if entry.get("rule") else 0)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ManifestError(
            f"labs/labs.toml: [[lab]] entry {index} is missing or has a bad value: {exc}"
        ) from None


def parse_lab_range(text: str) -> list[int]:
    """Parse "1", "1-3" or "1,3,5-6" into lab numbers."""
    numbers: list[int] = []
    try:
        for part in text.split(","):
            low, _, high = part.strip().partition("-")
            numbers.extend(range(int(low), int(high or low) + 1))
    except ValueError:
        numbers = []
    if not numbers:
        raise ManifestError(f"bad lab range {text!r}: use e.g. 1, 1-3 or 1,3,5-6")
    return sorted(set(numbers))


def _ranges(numbers: list[int]) -> str:
    """Format [1, 2, 3, 5] as "1-3, 5"."""
    out: list[str] = []
    for n in sorted(numbers):
        if out and out[-1].split("-")[-1] == str(n - 1):
            out[-1] = f"{out[-1].split('-')[0]}-{n}"
        else:
            out.append(str(n))
    return ", ".join(out)
