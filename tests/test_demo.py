"""`creditrisk demo` runs every step that exists and ends with a summary of where things went."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from creditrisk.cli import app
from creditrisk.pipeline import demo_steps


def test_demo_runs_every_step_and_summarises(data_dir: Path) -> None:
    result = CliRunner().invoke(
        app, ["demo", "--loans", "300", "--companies", "40", "--months", "36"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "Demo summary" in result.output
    for step in demo_steps():
        assert step.name in result.output
    assert (data_dir / "raw").is_dir()
