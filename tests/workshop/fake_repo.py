"""A tiny repository with one lab, for testing the workshop's machinery fast and in isolation.

Lab 1's deliverable is photoapp/answer.py: the starter raises the stub's NotImplementedError,
the solution returns 42. Its graded tests live in tests/lab01/ of the fake repository and use the
real --impl plugin; the workshop runs with WORKSHOP_ROOT pointing at the fake repository.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GUIDE = "labs/01-answer/README.md"

MANIFEST = """
[[lab]]
number = 1
slug = "01-answer"
title = "The answer"
ready = true
deliverables = ["photoapp/answer.py"]
tests = "tests/lab01"
hints = ["First hint: read the question.", "Second hint: it is a number.", "Third hint: 42."]

[[lab]]
number = 2
slug = "02-later"
title = "Later"
ready = false
"""

STARTER = f'''
def answer() -> int:
    """Return the answer."""
    raise NotImplementedError("Lab 01: write answer() in photoapp/answer.py (see {GUIDE})")
'''

SOLUTION = '''
def answer() -> int:
    """Return the answer."""
    return 42
'''

GRADED_TESTS = '''
from photoapp.answer import answer


def test_the_answer_is_42():
    """answer() returns 42: the question is in the guide."""
    got = answer()
    assert got == 42, f"expected 42, got {got}"
'''

# Lab 2 builds on lab 1, as the real labs do: double() calls lab 1's answer().
LAB2_MANIFEST = """
[[lab]]
number = 2
slug = "02-double"
title = "Double"
ready = true
deliverables = ["photoapp/double.py"]
tests = "tests/lab02"
hints = ["Call answer()."]
"""
LAB2_FILES = {
    "labs/02-double/README.md": "# Double\n",
    "photoapp/double.py": """
        def double() -> int:
            raise NotImplementedError("Lab 02: write double() (see labs/02-double/README.md)")
        """,
    "solutions/photoapp/double.py": """
        from photoapp.answer import answer

        def double() -> int:
            return 2 * answer()
        """,
    "tests/lab02/test_double.py": """
        from photoapp.double import double

        def test_double_is_84():
            assert double() == 84
        """,
}

# Registers the real plugin: `tests` has no __init__.py here, so `tests.plugins.impl` is found in
# the real repository through PYTHONPATH.
CONFTEST = 'pytest_plugins = ["tests.plugins.impl"]\n'


def make_fake_repo(root: Path, extra_tests: str = "", lab2: bool = False) -> Path:
    """Write the fake repository under `root` and return it (lab2: a second, dependent lab)."""
    files = {
        "labs/labs.toml": MANIFEST,
        GUIDE: "# The answer\n",
        "photoapp/__init__.py": '"""A fake app."""\n',
        "photoapp/answer.py": STARTER,
        "solutions/photoapp/answer.py": SOLUTION,
        "tests/conftest.py": CONFTEST,
        "tests/lab01/test_answer.py": GRADED_TESTS + textwrap.dedent(extra_tests),
        "pytest.ini": "[pytest]\naddopts = -p no:cacheprovider\nfilterwarnings = error\n",
    }
    if lab2:
        files["labs/labs.toml"] = MANIFEST.split("[[lab]]\nnumber = 2")[0] + LAB2_MANIFEST
        files.update(LAB2_FILES)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root


def workshop(root: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `python -m workshop ARGS` on a fake repository; return what it printed."""
    env = dict(os.environ, WORKSHOP_ROOT=str(root), PYTHONPATH=str(REPO))
    env.pop("PHOTOAPP_IMPL", None)  # the outer test run's tree must not leak into this one
    return subprocess.run(
        [sys.executable, "-m", "workshop", *args],
        cwd=root, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
