from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from creditrisk.cli import app

runner = CliRunner()


def _command_names() -> list[str]:
    import typer.main

    group = typer.main.get_command(app)
    return sorted(group.commands)  # type: ignore[attr-defined]


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in _command_names():
        assert name in result.output


def test_every_command_has_help() -> None:
    import click
    import typer.main

    def walk(command: click.Command, path: list[str]) -> None:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert command.help or command.short_help, f"{' '.join(path)} has no help text"
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])


def test_config_show_prints_settings_and_paths(data_dir: Path) -> None:
    result = runner.invoke(app, ["config", "show"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "CREDITRISK_DATA_DIR" in result.output
    assert "MLflow tracking URI" in result.output


def test_console_script_runs_and_reports_usage_errors(data_dir: Path) -> None:
    exe = Path(sys.executable).parent / "creditrisk"
    ok = subprocess.run([str(exe), "--help"], capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and "demo" in ok.stdout
    bad = subprocess.run([str(exe), "no-such-command"], capture_output=True, text=True, check=False)
    assert bad.returncode != 0
    assert "Traceback" not in bad.stderr
