"""One generated data dir for every notebook: raw data, dbt marts, Feast applied and materialised,
and a registered ``loan_default`` champion, built once per session through the demo's own steps."""

from __future__ import annotations

from pathlib import Path

import pytest

from creditrisk.settings import Settings

#: Small enough for the three notebooks and this build to stay near two minutes on 2 cores.
WORLD = {"loans": 300, "companies": 100, "months": 36, "seed": 7}


@pytest.fixture(scope="session")
def notebook_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generate -> dbt -> Feast apply + materialise, then train and register a logistic regression
    as the champion the scoring notebook serves (the demo trains every family; one is enough here)."""
    from creditrisk.pipeline import DemoOptions, demo_steps, run_steps
    from training.labelled_data import load_training_set
    from training.options import TrainOptions
    from training.train import train_model

    root = tmp_path_factory.mktemp("notebooks") / "data"
    settings = Settings(data_dir=root)
    steps = [s for s in demo_steps() if s.name in {"prepare", "generate", "dbt", "features"}]
    run_steps(steps, settings, DemoOptions(**WORLD))
    data = load_training_set("loan_default", None, None, settings)
    report = train_model(data, TrainOptions(model="loan_default", families=("lr",), bootstrap=20), settings)
    assert report.promotion is not None and report.promotion.promoted, report.promotion
    return root
