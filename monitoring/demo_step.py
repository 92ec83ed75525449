"""The demo's ``monitor`` step: drift of each served model from the traffic the demo just logged.

It runs after ``serve``, which scores a portfolio of loans and companies through the API, and
ends the demo with the drift reports and where the dashboard is.
"""

from __future__ import annotations

from datetime import timedelta

from creditrisk.demo_contract import DemoOptions, StepResult
from creditrisk.errors import ConfigurationError, DataError
from creditrisk.settings import Settings
from monitoring.drift import DriftOptions, drift_report
from monitoring.report import write_drift_report


def monitor_step(settings: Settings, options: DemoOptions) -> StepResult:
    """Drift report per served model (the last day of the prediction log); the dashboard's URL."""
    result = StepResult()
    names = [n.strip() for n in settings.serve_models.split(",") if n.strip()]
    for name in names:
        try:
            report = drift_report(name, settings, DriftOptions(window=timedelta(days=1)))
        except (DataError, ConfigurationError) as exc:
            result.facts[name] = f"no drift report: {exc}"
            continue
        files = write_drift_report(report, settings.reports_dir)
        result.outputs[f"drift report {name}"] = files.html
        worst = report.features[0] if report.features else None
        result.facts[name] = (
            f"{report.status}: {report.current['rows']:,} logged scores vs {report.reference['rows']:,} "
            f"training rows, score PSI {report.score.psi:.3f}"
            + (f", largest feature PSI {worst.psi:.3f} ({worst.name})" if worst else "")
        )
    url = f"http://{settings.host}:{settings.port}/dashboard"
    result.outputs["dashboard"] = url
    result.facts["dashboard"] = f"{url} (after `creditrisk serve`; sign in with an API key)"
    result.hints += [
        "creditrisk monitor drift --model loan_default --window 30d   # drift report (HTML + JSON)",
        "creditrisk retrain --model loan_default --if-drift   # exit 0 no drift, 10 kept, 11 promoted",
        f"creditrisk keygen && CREDITRISK_API_KEYS=<digest> creditrisk serve   # then open {url}",
    ]
    return result
