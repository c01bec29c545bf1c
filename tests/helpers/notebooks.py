"""Run a notebook on a made-up report, as the notebook tests do, and read what it showed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient


def saved_clean(notebook_path: Path) -> bool:
    """Tell whether a notebook is committed without outputs, so diffs stay readable."""
    notebook = nbformat.read(notebook_path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    return all(not cell.outputs and cell.execution_count is None for cell in code)


def run_on_report(
    notebook_path: Path, report: Path, monkeypatch: pytest.MonkeyPatch, timeout: int
) -> tuple[int, str]:
    """Execute a notebook on one report folder; return how many images it drew and its text."""
    monkeypatch.setenv("LOAD_REPORT_DIR", str(report))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    notebook = nbformat.read(notebook_path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(notebook_path.parent)}},
    )
    client.execute()
    outputs: list[Any] = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    images = sum("image/png" in out.get("data", {}) for out in outputs)
    return images, "".join(str(out.get("text", "")) for out in outputs)
