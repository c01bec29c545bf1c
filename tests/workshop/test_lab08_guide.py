"""Lab 08's guide has every section its tests, stubs and hints cite."""

from __future__ import annotations

import re

from workshop.manifest import repo_root

ROOT = repo_root()
GUIDE = ROOT / "labs" / "08-snowflake-ids" / "README.md"
CITING = [
    ROOT / "tests" / "lab08" / "guide.py",
    ROOT / "photoapp" / "backends" / "ids_snowflake.py",
    ROOT / "photoapp" / "sql" / "next_id.sql",
    ROOT / "photoapp" / "ids_tool.py",
]


def test_every_cited_step_is_a_heading_of_the_guide():
    """'Step N: title' in a test message or a stub is a '## Step N: title' of the guide."""
    headings = re.findall(r"^## (Step \d+: .+)$", GUIDE.read_text(), flags=re.MULTILINE)
    missing = []
    for path in CITING:
        text = path.read_text()
        for found in re.finditer(r"Step \d+: ", text):
            if not any(text.startswith(heading, found.start()) for heading in headings):
                missing.append(f"{path.name}: {text[found.start():found.start() + 40]!r}")
    assert headings and not missing, f"cited but not a heading of the guide: {missing}"
