"""``creditrisk data generate`` end to end, and its one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from creditrisk.cli import app
from creditrisk.errors import ConfigurationError


def test_generate_writes_the_raw_tree_and_manifest(data_dir: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["data", "generate", "--loans", "200", "--companies", "20", "--months", "12", "--layout", "31",
         "--seed", "3", "--stress-start", "2018-06", "--stress-months", "4"],
        env={"COLUMNS": "200"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    raw = data_dir / "raw"
    manifest = json.loads((raw / "_manifest.json").read_text())
    assert manifest["parameters"]["layout"] == 31 and manifest["parameters"]["seed"] == 3
    assert manifest["stress_period"] == {"first_month": "2018-06", "months": 4, "severity": 1.0}
    for rel, rows in manifest["files"].items():
        assert (raw / rel).is_file()
        text = (raw / rel).read_text()
        header = 0 if rel.startswith("freddie/") else 1
        assert len(text.splitlines()) == rows + header
    assert "performance rows" in result.output


def test_bad_options_give_one_line_errors(data_dir: Path) -> None:
    """Bad options raise ConfigurationError, which the CLI's entry point prints as one line (exit 2)."""
    import subprocess
    import sys

    for args, message in (
        (["--layout", "27"], "--layout must be one of"),
        (["--start", "2018-13"], "expected a month as YYYY-MM"),
        (["--corrupt-rate", "0.9"], "--corrupt-rate must be in"),
    ):
        result = CliRunner().invoke(app, ["data", "generate", *args])
        assert isinstance(result.exception, ConfigurationError)
        assert message in str(result.exception)
    entry = "from creditrisk.cli import main; main()"
    done = subprocess.run(
        [sys.executable, "-c", entry, "data", "generate", "--layout", "27"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == ConfigurationError.exit_code
    assert done.stderr.strip().splitlines() == ["error: --layout must be one of [26, 31, 32], got 27"]
