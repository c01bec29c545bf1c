"""The notebooks run from top to bottom on a small report and draw their plots."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.helpers.load_reports import write_report
from workshop.manifest import repo_root

NOTEBOOK = repo_root() / "notebooks" / "load_report.ipynb"


def test_load_report_notebook_is_saved_without_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(not cell.outputs and cell.execution_count is None for cell in code), (
        "clear the outputs before committing (Jupyter: Edit > Clear Outputs of All Cells)"
    )


@pytest.mark.timeout(180)
def test_load_report_notebook_plots_a_report(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    report = write_report(tmp_path / "reports" / "lab01-20261121-210000")
    monkeypatch.setenv("LOAD_REPORT_DIR", str(report))
    # Plots must come back as images even where CI sets MPLBACKEND=Agg.
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    notebook = nbformat.read(NOTEBOOK, as_version=4)

    client = NotebookClient(
        notebook, timeout=120, kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error

    outputs = [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]
    images = [out for out in outputs if "image/png" in out.get("data", {})]
    assert len(images) >= 3, "expected the throughput, latency and per-endpoint plots"
    text = "".join(str(out.get("text", "")) + str(out.get("data", {})) for out in outputs)
    assert str(report) in text, "the notebook did not read the report LOAD_REPORT_DIR names"
    assert "PASS" in text, "the SLO verdicts are missing"
