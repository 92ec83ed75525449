"""One generated data set per session, shared by the read-only generator tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from creditrisk.datagen import GeneratorConfig, generate
from creditrisk.settings import Settings


def build(root: Path, **overrides: object) -> Path:
    """Generate into ``root`` (a data dir) and return its ``raw`` folder."""
    options: dict[str, object] = {"loans": 4000, "companies": 400, "start": "2018-01", "months": 60}
    options.update(overrides)
    config = GeneratorConfig(**options)  # type: ignore[arg-type]
    summary = generate(config, Settings(data_dir=root), show_progress=False)
    return summary.raw_dir


@pytest.fixture(scope="session")
def raw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default 32-field layout, 4,000 loans x 60 months, 400 companies, no corruption."""
    return build(tmp_path_factory.mktemp("gen_default"))


def read_pipe(path: Path) -> pd.DataFrame:
    """A Freddie Mac file as strings, blanks kept as empty strings."""
    return pd.read_csv(path, sep="|", header=None, dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def performance(raw_dir: Path) -> pd.DataFrame:
    frames = [read_pipe(p) for p in sorted((raw_dir / "freddie").glob("historical_data_time_*.txt"))]
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="session")
def origination(raw_dir: Path) -> pd.DataFrame:
    files = [p for p in sorted((raw_dir / "freddie").glob("historical_data_*.txt")) if "_time_" not in p.name]
    return pd.concat([read_pipe(p) for p in files], ignore_index=True)
