"""The demo pipeline's ``report`` step: one analysis report per model from its training set.

It runs after Feast can build training sets, over every labelled observation, the same set the
demo's ``dataset`` step builds and training uses.
"""

from __future__ import annotations

from analysis.api import build_analysis_report
from analysis.compute import AnalysisOptions
from analysis.sources import training_set_frame
from creditrisk.demo_contract import DemoOptions, StepResult
from creditrisk.model_specs import MODELS
from creditrisk.settings import Settings


def report_step(settings: Settings, options: DemoOptions) -> StepResult:
    """Build each model's training set and write its analysis report under the reports dir."""
    result = StepResult()
    for model, spec in MODELS.items():
        frame = training_set_frame(model, None, None, settings)
        summary = build_analysis_report(
            frame,
            spec.label_column,
            model=model,
            out_path=settings.reports_dir / f"analysis_{model}.html",
            options=AnalysisOptions(seed=options.seed),
        )
        result.outputs[f"{model} report"] = summary.path
        result.facts[model] = f"{summary.n_rows:,} rows, {len(summary.findings)} findings"
    result.hints.append(
        f"open {settings.reports_dir}/analysis_loan_default.html in a browser (works offline)"
    )
    return result
