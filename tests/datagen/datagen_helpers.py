"""Helpers for the generator tests (a uniquely named module, so it never clashes with other
areas' ``conftest`` modules when the whole suite runs)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from creditrisk.datagen import GeneratorConfig, generate
from creditrisk.settings import Settings


def build(root: Path, **overrides: object) -> Path:
    """Generate into ``root`` (a data dir) and return its ``raw`` folder."""
    options: dict[str, object] = {"loans": 4000, "companies": 400, "start": "2018-01", "months": 60}
    options.update(overrides)
    config = GeneratorConfig(**options)  # type: ignore[arg-type]
    summary = generate(config, Settings(data_dir=root), show_progress=False)
    return summary.raw_dir


def read_pipe(path: Path) -> pd.DataFrame:
    """A Freddie Mac file as strings, blanks kept as empty strings."""
    return pd.read_csv(path, sep="|", header=None, dtype=str, keep_default_na=False)
