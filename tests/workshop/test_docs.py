"""The repository stands alone: every document it cites exists, and no file cites one it lacks."""

from __future__ import annotations

import re
from pathlib import Path

from workshop.manifest import repo_root

ROOT = repo_root()
SKIPPED = {".git", ".venv", ".workshop", "reports", "node_modules", "__pycache__"}
TEXT = {".py", ".md", ".toml", ".yml", ".yaml", ".ipynb", ".sh", ".conf", ".sql", ".html", ""}
# Project words that mean nothing to a student or an instructor.
INTERNAL = re.compile(r"DESIGN\.md|its issue has not landed", re.IGNORECASE)


def project_files() -> list[Path]:
    """Every text file of the repository (not the venv, caches, reports or state)."""
    found = []
    for path in ROOT.rglob("*"):
        if SKIPPED & set(path.relative_to(ROOT).parts) or not path.is_file():
            continue
        if path.suffix in TEXT and path.stat().st_size < 2_000_000:
            found.append(path)
    return found


def test_no_file_cites_a_document_the_repository_does_not_have() -> None:
    cited = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in project_files()
        if path.name != "test_docs.py"
        for match in INTERNAL.finditer(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert cited == []


def test_the_architecture_page_exists_and_names_every_part() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for part in ("create_app", "ports.py", "labs/labs.toml", "--impl", "machine_cpu",
                 "workshop load", "workshop grade", "selfcheck"):
        assert part in page, part
