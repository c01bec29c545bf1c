"""The notebooks run from top to bottom on a small report and draw their plots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from tests.helpers.load_reports import write_compared_report, write_report
from workshop.manifest import repo_root

NOTEBOOK = repo_root() / "notebooks" / "load_report.ipynb"


def test_load_report_notebook_is_saved_without_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(not cell.outputs and cell.execution_count is None for cell in code), (
        "clear the outputs before committing (Jupyter: Edit > Clear Outputs of All Cells)"
    )


def _execute(report: Path, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Run the notebook on `report` and return the outputs of its code cells."""
    monkeypatch.setenv("LOAD_REPORT_DIR", str(report))
    # Plots must come back as images even where CI sets MPLBACKEND=Agg.
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook, timeout=120, kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error
    return [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]


def _images(outputs: list[Any]) -> int:
    """Count the plots among a notebook's outputs."""
    return sum("image/png" in out.get("data", {}) for out in outputs)


def _text(outputs: list[Any]) -> str:
    """Join everything the notebook printed or displayed as text."""
    return "".join(str(out.get("text", "")) + str(out.get("data", {})) for out in outputs)


@pytest.mark.timeout(180)
def test_load_report_notebook_plots_a_report(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    report = write_report(tmp_path / "reports" / "lab01-20261121-210000")

    outputs = _execute(report, monkeypatch)

    assert _images(outputs) >= 3, "expected the throughput, latency and per-endpoint plots"
    assert str(report) in _text(outputs), "the notebook did not read LOAD_REPORT_DIR's report"
    assert "PASS" in _text(outputs), "the SLO verdicts are missing"


@pytest.mark.timeout(180)
def test_load_report_notebook_plots_a_compared_run(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    report = write_compared_report(tmp_path / "lab02-20261121-210000", ("flask", "gunicorn"))

    outputs = _execute(report, monkeypatch)

    assert _images(outputs) >= 3
    text = _text(outputs)
    assert "runs: flask, gunicorn" in text, "both setups should be read"
    assert "GET /api/feed" in text and "gunicorn" in text
