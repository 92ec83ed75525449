"""Shared dbt builds: each is expensive (seconds of DuckDB plus dbt's parse), so tests share them.

- ``generated_build``: the generator's data (300 loans x 36 months, 1% corrupted rows), built
  with ``raw/_truth`` moved away so the build proves dbt never needs it.
- ``crafted_build``: the hand-made cases of ``raw_fixture.py`` with known answers.
"""

from __future__ import annotations

import shutil

import pytest

from creditrisk.settings import Settings
from creditrisk.warehouse import build
from tests.dbt.builds import Built
from tests.dbt.raw_fixture import write_raw_fixture


@pytest.fixture(scope="session")
def generated_build(tmp_path_factory: pytest.TempPathFactory) -> Built:
    from creditrisk.datagen import GeneratorConfig, generate

    settings = Settings(data_dir=tmp_path_factory.mktemp("dbt_generated") / "data")
    generate(
        GeneratorConfig(loans=300, companies=60, months=36, seed=7, corrupt_rate=0.01),
        settings,
        show_progress=False,
    )
    hidden = settings.data_root / "truth_hidden_during_build"
    shutil.move(settings.truth_dir, hidden)
    try:
        summary = build(settings)
    finally:
        shutil.move(hidden, settings.truth_dir)
    return Built(settings, summary)


@pytest.fixture(scope="session")
def crafted_build(tmp_path_factory: pytest.TempPathFactory) -> Built:
    settings = Settings(data_dir=tmp_path_factory.mktemp("dbt_crafted") / "data")
    write_raw_fixture(settings.raw_dir)
    return Built(settings, build(settings))
