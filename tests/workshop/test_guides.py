"""The guides stay true to the code: every section a stub or a test cites exists, and every
`workshop` command a guide shows is one the CLI accepts."""

from __future__ import annotations

import importlib
import re
import shlex
from pathlib import Path

import pytest

from workshop import manifest as manifest_module
from workshop.cli import build_parser, grade_parser

ROOT = manifest_module.repo_root()
MANIFEST = manifest_module.load(ROOT)
READY = [lab for lab in MANIFEST.labs if lab.ready]
# `section "Step 2: the pooled repository"` and `sections "A" and "B"` in a stub's docstring.
CITED_SECTIONS = re.compile(r'sections? ((?:"[^"]+"(?:,| and| or)? ?)+)')
QUOTED = re.compile(r'"([^"]+)"')


def headings(guide: Path) -> set[str]:
    """The guide's section titles, without markdown or backticks."""
    text = guide.read_text(encoding="utf-8")
    return {
        line.lstrip("#").strip().replace("`", "")
        for line in text.splitlines()
        if re.match(r"#{2,4} ", line)
    }


def cites(section: str, known: set[str]) -> bool:
    """Tell whether a cited section is a heading, as written or without a trailing "(...)"."""
    section = " ".join(section.replace("`", "").split())  # a docstring may wrap it
    return section in known or re.sub(r"\s*\([^)]*\)$", "", section) in known


@pytest.mark.parametrize("lab", READY, ids=lambda lab: lab.tag)
def test_every_section_a_test_message_cites_is_a_heading_of_the_guide(lab) -> None:
    module = importlib.import_module(f"tests.lab{lab.tag}.guide")
    known = headings(ROOT / lab.guide)
    prefix = f"see {lab.guide}, "
    cited = [v for v in vars(module).values() if isinstance(v, str) and v.startswith(prefix)]
    missing = [c for c in cited if not cites(c.removeprefix(prefix), known)]
    assert cited and not missing, f"{lab.guide} has no section {missing}"


@pytest.mark.parametrize("lab", READY, ids=lambda lab: lab.tag)
def test_every_section_a_stub_cites_is_a_heading_of_the_guide(lab) -> None:
    known = headings(ROOT / lab.guide)
    missing = []
    for rel in lab.deliverables:
        text = (ROOT / rel).read_text(encoding="utf-8")
        for group in CITED_SECTIONS.findall(text):
            missing += [f"{rel}: {s}" for s in QUOTED.findall(group) if not cites(s, known)]
    assert not missing, f"sections not in {lab.guide}: {missing}"


def guide_commands(guide: Path) -> list[str]:
    """The `workshop ...` lines of a guide's code blocks (continuations joined)."""
    text = guide.read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.strip().removeprefix("$ ")
            synopsis = "[" in line or "..." in line  # a usage line, not a command to type
            if line.startswith("workshop ") and not synopsis:
                commands.append(line.split(" #", 1)[0].strip())
    return commands


GUIDES = [ROOT / "README.md", ROOT / "labs" / "README.md", ROOT / "labs" / "INSTRUCTORS.md"]
GUIDES += [ROOT / lab.guide for lab in READY]


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_workshop_command_in_a_guide_parses(guide: Path) -> None:
    bad = []
    for command in guide_commands(guide):
        argv = shlex.split(command)[1:]
        parser = grade_parser() if argv[:1] == ["grade"] else build_parser()
        try:
            parser.parse_args(argv[1:] if argv[:1] == ["grade"] else argv)
        except SystemExit as stop:
            if stop.code:
                bad.append(command)
    assert not bad, f"{guide.relative_to(ROOT)}: the CLI refuses {bad}"
