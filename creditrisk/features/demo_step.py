"""Demo pipeline steps for the Feast layer: apply + materialise, then the training sets."""

from __future__ import annotations

from creditrisk.demo_contract import DemoOptions, StepResult
from creditrisk.features.materialize import materialize
from creditrisk.features.store import apply_definitions
from creditrisk.model_specs import MODELS
from creditrisk.settings import Settings


def features_step(settings: Settings, options: DemoOptions) -> StepResult:
    """Register the feature repo in the data dir and load the online store from the marts."""
    applied = apply_definitions(settings)
    runs = materialize(settings)
    defs = applied.definitions
    return StepResult(
        outputs={
            "feast registry": settings.feast_dir / "registry.db",
            "online store": settings.feast_dir / "online_store.db"
            if settings.online_store == "sqlite"
            else settings.redis_url,
        },
        facts={
            "definitions": f"{len(defs.feature_views)} feature views, "
            f"{len(defs.on_demand_feature_views)} on-demand, {len(defs.feature_services)} services",
            "materialised": ", ".join(f"{r.view} ({r.source_rows:,} rows)" for r in runs),
        },
        hints=[
            "creditrisk features config   # the effective feature_store.yaml",
            "creditrisk features materialize   # incremental from the last run",
        ],
    )


def dataset_step(settings: Settings, options: DemoOptions) -> StepResult:
    """Build the point-in-time training set of every model."""
    from creditrisk.features.training_sets import build_training_set

    outputs = {}
    facts = {}
    for model in MODELS:
        built = build_training_set(model, settings=settings)
        outputs[f"{model} training set"] = built.path
        facts[model] = f"{built.manifest['rows']:,} rows, label rate {built.manifest['label_rate']:.2%}"
    return StepResult(
        outputs=outputs,
        facts=facts,
        hints=["creditrisk dataset build --model loan_default --start 2019-01-01 --end 2020-12-31"],
    )
