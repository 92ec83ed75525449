"""The layer rule of docs/architecture.md holds: import-linter's contracts pass, and they cover
every module of the project (a new top-level module must be placed in a layer, not slip past)."""

from __future__ import annotations

import configparser
import pkgutil
import subprocess
import sys
from pathlib import Path

import creditrisk
from creditrisk.settings import PROJECT_ROOT

CONTRACTS = PROJECT_ROOT / ".importlinter"


def _layered_modules() -> set[str]:
    config = configparser.ConfigParser()
    config.read(CONTRACTS)
    layers = config["importlinter:contract:layers"]["layers"]
    return {name.strip() for line in layers.splitlines() for name in line.split("|") if name.strip()}


def test_import_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run(
        [str(lint_imports), "--config", str(CONTRACTS), "--no-cache"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "0 broken" in out.stdout


def test_every_core_module_sits_in_a_layer() -> None:
    """The Feast plugin is the one module outside the layers (its own contract keeps it apart)."""
    layered = _layered_modules()
    for package in ("training", "analysis", "monitoring", "serving"):
        assert package in layered
    unplaced = [
        f"creditrisk.{info.name}"
        for info in pkgutil.iter_modules(creditrisk.__path__)
        if f"creditrisk.{info.name}" not in layered and info.name != "feast_asof"
    ]
    assert not unplaced, f"place these in a layer of .importlinter: {unplaced}"
