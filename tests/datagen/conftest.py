"""One generated data set per session, shared by the read-only generator tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from datagen_helpers import build, read_pipe


@pytest.fixture(scope="session")
def raw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default 32-field layout, 4,000 loans x 60 months, 400 companies, no corruption."""
    return build(tmp_path_factory.mktemp("gen_default"))


@pytest.fixture(scope="session")
def performance(raw_dir: Path) -> pd.DataFrame:
    frames = [read_pipe(p) for p in sorted((raw_dir / "freddie").glob("historical_data_time_*.txt"))]
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="session")
def origination(raw_dir: Path) -> pd.DataFrame:
    files = [p for p in sorted((raw_dir / "freddie").glob("historical_data_*.txt")) if "_time_" not in p.name]
    return pd.concat([read_pipe(p) for p in files], ignore_index=True)
