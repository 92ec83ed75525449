"""The notebooks under notebooks/ run top to bottom on generated data, and are committed clean.

They are executed with nbclient on an IPython kernel, as JupyterLab would run them, against the
session's data dir (``CREDITRISK_DATA_DIR``). A cell tagged ``parameters`` may be followed by an
injected cell of overrides (papermill's convention), which keeps the FT-Transformer tiny here.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks"
NOTEBOOKS = sorted(p.name for p in NOTEBOOKS_DIR.glob("*.ipynb"))
#: Overrides injected after a notebook's ``parameters`` cell.
OVERRIDES = {
    "02_train_and_compare.ipynb": (
        'FAMILIES = ("lr", "xgb", "ftt")\n'
        'FAMILY_PARAMS = {"xgb": {"n_estimators": 100}, '
        '"ftt": {"d_token": 8, "n_heads": 2, "n_blocks": 1, "max_epochs": 3}}\n'
        # the small world has too few defaulters for `auto` to keep the out-of-time split, and its
        # fallback (5-fold x 3) fits every family 16 times
        'PROTOCOL = "holdout"'
    ),
}


def test_there_are_three_notebooks() -> None:
    assert NOTEBOOKS == ["01_training_set.ipynb", "02_train_and_compare.ipynb", "03_score_and_explain.ipynb"]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_stored_without_outputs(name: str) -> None:
    """Outputs hold data and embedded plotly.js; they belong to whoever runs the notebook, not git."""
    notebook = nbformat.read(NOTEBOOKS_DIR / name, as_version=4)
    nbformat.validate(notebook)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name} cell {index} has outputs: clear them before committing"
            assert cell.execution_count is None, f"{name} cell {index} has an execution count"
    assert "widgets" not in notebook.metadata


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_on_generated_data(
    name: str, notebook_data_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CREDITRISK_DATA_DIR", str(notebook_data_dir))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)  # the notebook sets it from the data dir
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(NOTEBOOKS_DIR / name, as_version=4)
    _inject_parameters(notebook, OVERRIDES.get(name))
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS_DIR)}},
    )
    client.execute()  # raises CellExecutionError with the failing cell and its traceback
    errors = [out for cell in notebook.cells for out in cell.get("outputs", []) if out.output_type == "error"]
    assert not errors


def _inject_parameters(notebook: nbformat.NotebookNode, overrides: str | None) -> None:
    if overrides is None:
        return
    tagged = [i for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", [])]
    assert tagged, "overrides given for a notebook without a parameters cell"
    notebook.cells.insert(tagged[0] + 1, nbformat.v4.new_code_cell(overrides))
