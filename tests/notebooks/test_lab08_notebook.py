"""The lab 08 notebook runs from top to bottom on its simulated day of ids."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from workshop.manifest import repo_root

NOTEBOOK = repo_root() / "notebooks" / "lab08_snowflake_ids.ipynb"


@pytest.mark.timeout(300)
def test_lab08_notebook_decodes_a_day_and_plots_it(tmp_path):
    """Every cell runs; the busiest millisecond stays under the 1,024 ceiling."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=240, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = "".join(
        output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", [])
    )
    assert "snowflakes" in printed and "busiest ms" in printed
