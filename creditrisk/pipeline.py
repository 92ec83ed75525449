"""Pipeline orchestration: the ordered steps ``creditrisk demo`` runs end to end.

Each layer contributes its steps to :data:`DEMO_STEPS` (raw data, dbt, Feast, training,
serving). A step gets the settings and the demo options, does its work through the same
library functions the individual commands use, and returns what it produced so the demo can
end with one summary of where everything went and how to look at it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from creditrisk.demo_contract import DemoOptions, StepResult
from creditrisk.errors import PipelineStepError
from creditrisk.settings import Settings


@dataclass(frozen=True)
class Step:
    """One named pipeline step."""

    name: str
    description: str
    run: Callable[[Settings, DemoOptions], StepResult]


@dataclass
class StepOutcome:
    step: Step
    result: StepResult
    seconds: float


def prepare_data_dir(settings: Settings, options: DemoOptions) -> StepResult:
    """Create the data-dir layout every later step writes into."""
    settings.ensure_dirs()
    return StepResult(
        outputs={name: path for name, path in settings.layout().items()},
        hints=["creditrisk config show   # every setting and path"],
    )


def _generate_step(settings: Settings, options: DemoOptions) -> StepResult:
    from creditrisk.datagen.demo_step import generate_step

    return generate_step(settings, options)


def _dbt_step(settings: Settings, options: DemoOptions) -> StepResult:
    from creditrisk.warehouse import dbt_step

    return dbt_step(settings, options)


def _features_step(settings: Settings, options: DemoOptions) -> StepResult:
    from creditrisk.features.demo_step import features_step

    return features_step(settings, options)


def _dataset_step(settings: Settings, options: DemoOptions) -> StepResult:
    from creditrisk.features.demo_step import dataset_step

    return dataset_step(settings, options)


def _report_step(settings: Settings, options: DemoOptions) -> StepResult:
    from analysis.demo_step import report_step

    return report_step(settings, options)


def _train_step(settings: Settings, options: DemoOptions) -> StepResult:
    from training.demo_step import train_step

    return train_step(settings, options, on_trained=_attach_analysis_report)


def _attach_analysis_report(settings: Settings, model: str, run_id: str) -> None:
    """Log the analysis report the ``report`` step wrote to the model's training run.

    Here rather than in the train step: training and analysis are sibling layers and neither
    imports the other; the pipeline is where the two meet.
    """
    import mlflow

    from analysis import log_report_to_mlflow

    path = settings.reports_dir / f"analysis_{model}.html"
    if path.is_file():
        with mlflow.start_run(run_id=run_id):
            log_report_to_mlflow(path)


def _serve_step(settings: Settings, options: DemoOptions) -> StepResult:
    from serving.demo_step import serve_step

    return serve_step(settings, options)


def _monitor_step(settings: Settings, options: DemoOptions) -> StepResult:
    from monitoring.demo_step import monitor_step

    return monitor_step(settings, options)


def demo_steps() -> list[Step]:
    """The demo's steps in order. Each layer appends its own here as it lands."""
    return [
        Step("prepare", "create the data-dir layout", prepare_data_dir),
        Step("generate", "generate raw loans, statements and macro", _generate_step),
        Step("dbt", "dbt build: staging, intermediate, feature and label marts", _dbt_step),
        Step("features", "feast apply + materialize the marts into the online store", _features_step),
        Step("dataset", "point-in-time training sets of both models from Feast", _dataset_step),
        Step("report", "data analysis report of each training set (self-contained HTML)", _report_step),
        Step("train", "train, compare and register both models in MLflow", _train_step),
        Step("serve", "start the API, score loans and companies over HTTP, verify the log", _serve_step),
        Step("monitor", "drift of each served model from the logged traffic; the dashboard", _monitor_step),
    ]


def run_steps(
    steps: list[Step],
    settings: Settings,
    options: DemoOptions,
    on_start: Callable[[Step], None] | None = None,
    on_done: Callable[[StepOutcome], None] | None = None,
) -> list[StepOutcome]:
    """Run steps in order, stopping at the first failure with the step's name in the error."""
    outcomes: list[StepOutcome] = []
    for step in steps:
        if on_start:
            on_start(step)
        started = time.perf_counter()
        try:
            result = step.run(settings, options)
        except PipelineStepError:
            raise
        except Exception as exc:
            raise PipelineStepError(f"step '{step.name}' failed: {exc}") from exc
        outcome = StepOutcome(step, result, time.perf_counter() - started)
        outcomes.append(outcome)
        if on_done:
            on_done(outcome)
    return outcomes
