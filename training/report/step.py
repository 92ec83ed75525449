"""The demo pipeline's ``report`` step: one analysis report per model from its training set.

It runs after Feast can build training sets, over every labelled observation, the same set the
demo's ``dataset`` step builds and training uses.
"""

from __future__ import annotations

from creditrisk.pipeline import DemoOptions, StepResult
from creditrisk.settings import Settings
from training.report.analysis import AnalysisOptions
from training.report.api import build_analysis_report
from training.report.sources import MODEL_LABELS, load_training_set


def report_step(settings: Settings, options: DemoOptions) -> StepResult:
    """Build each model's training set and write its analysis report under the reports dir."""
    result = StepResult()
    for model, label in MODEL_LABELS.items():
        frame = load_training_set(model, settings, None, None)
        summary = build_analysis_report(
            frame,
            label,
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
