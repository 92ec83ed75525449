"""The demo's last step: start the API, score a few loans and companies over HTTP, show them.

It mints a fresh API key for this run (printed, with the digest the server was given), starts
``creditrisk serve`` on a free loopback port, waits for ``/readyz``, scores through
``/v1/loans/score`` and ``/v1/companies/score`` (plus one unknown id to show ``not_found``),
stops the server (which flushes the prediction log) and verifies the log's hash chain.
"""

from __future__ import annotations

from typing import Any

import httpx
import pyarrow.parquet as pq

from creditrisk.demo_contract import DemoOptions, StepResult
from creditrisk.errors import ConfigurationError, PipelineStepError
from creditrisk.settings import Settings
from serving.auth import API_KEY_HEADER, mint_api_key
from serving.launch import running_server
from serving.prediction_log import verify_log

SAMPLE = 3
#: Ids per model scored as a "portfolio" (in batches of ``PORTFOLIO_BATCH``), so the prediction
#: log holds enough traffic for the monitor step's drift report and the dashboard.
PORTFOLIO = 1000
PORTFOLIO_BATCH = 200


def sample_ids(settings: Settings, mart: str, key: str, n: int = SAMPLE) -> list[str]:
    """A few ids that exist in a mart (so they are in the online store after materialisation)."""
    path = settings.marts_dir / mart
    if not path.exists():
        return []
    ids = pq.read_table(path, columns=[key]).column(key).to_pylist()
    unique = sorted(set(ids))
    step = max(1, len(unique) // n)
    return unique[::step][:n]


def _short(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _describe(result: dict[str, Any]) -> str:
    if result["status"] != "scored":
        return result["status"]
    top = ", ".join(
        f"{c['feature']}={_short(c['value'])} ({c['contribution']:+.3f})"
        for c in result["explanation"]["top_contributions"][:3]
    )
    stale = " [stale features]" if (result.get("freshness") or {}).get("stale") else ""
    return (
        f"risk={result['risk']} p={result['probability']:.3f} (threshold {result['threshold']:.3f}), "
        f"top: {top}{stale}"
    )


PORTFOLIO_SOURCES = {
    "loan_default": ("feat_loan_origination.parquet", "loan_id"),
    "company_bankruptcy": ("feat_company_financials.parquet", "company_id"),
}


def models_with_a_champion(settings: Settings) -> list[str]:
    """The configured models that have a version at the serving alias.

    A small demo can leave a model untrained (too few bankruptcies to learn from); the API then
    serves the others instead of waiting for a model that will never come.
    """
    from training.registry import configure_tracking, model_version_for_alias

    configure_tracking(settings)
    served = []
    for name in (n.strip() for n in settings.serve_models.split(",") if n.strip()):
        try:
            model_version_for_alias(name, settings.model_alias)
        except ConfigurationError:
            continue
        served.append(name)
    return served


def serve_step(settings: Settings, options: DemoOptions) -> StepResult:
    """Demo step ``serve`` (see the module docstring)."""
    served = models_with_a_champion(settings)
    if not served:
        raise PipelineStepError(
            f"no model has a '{settings.model_alias}' version to serve; run the train step"
        )
    key, entry = mint_api_key(admin=True)
    accepted = ",".join(x for x in (settings.api_keys, entry) if x)
    env = {
        "CREDITRISK_DATA_DIR": str(settings.data_root),
        "CREDITRISK_API_KEYS": accepted,
        "CREDITRISK_SERVE_MODELS": ",".join(served),
    }
    loans = sample_ids(settings, "feat_loan_origination.parquet", "loan_id")
    companies = sample_ids(settings, "feat_company_financials.parquet", "company_id")
    facts: dict[str, str] = {"API key (admin, this run)": key, "CREDITRISK_API_KEYS entry": entry}
    routes = {
        "loan_default": ("/v1/loans/score", "loan_ids", [*loans, "F00Q0000000"]),
        "company_bankruptcy": ("/v1/companies/score", "company_ids", [*companies, "C999999"]),
    }
    for name in routes.keys() - set(served):
        facts[f"{name}"] = f"not served: no '{settings.model_alias}' version (see the train step)"
    log_path = settings.data_root / "serving" / "demo-server.log"
    with running_server(env, log_path) as server:
        facts["API"] = f"{server.base_url} (ready)"
        with httpx.Client(base_url=server.base_url, headers={API_KEY_HEADER: key}, timeout=30) as client:
            for route, field, ids in (routes[name] for name in served if name in routes):
                response = client.post(route, json={field: ids})
                response.raise_for_status()
                body = response.json()
                facts[f"POST {route}"] = f"model {body['model']['name']} v{body['model']['version']}"
                for result in body["results"]:
                    facts[f"  {result['id']}"] = _describe(result)
            for name in (n for n in served if n in routes):
                route, field, _ = routes[name]
                mart, key = PORTFOLIO_SOURCES[name]
                portfolio = sample_ids(settings, mart, key, PORTFOLIO)
                for start in range(0, len(portfolio), PORTFOLIO_BATCH):  # well inside the request deadline
                    batch = portfolio[start : start + PORTFOLIO_BATCH]
                    client.post(route, json={field: batch}).raise_for_status()
                facts[f"portfolio {name}"] = f"{len(portfolio):,} scored (for monitoring and the dashboard)"
    report = verify_log(settings.prediction_log_dir)
    facts["prediction log"] = (
        f"{report.records} records, chain intact" if report.ok else f"BROKEN: {report.problem}"
    )
    return StepResult(
        outputs={"prediction log": settings.prediction_log_dir, "server log": log_path},
        facts=facts,
        hints=[
            "creditrisk keygen && CREDITRISK_API_KEYS=<digest> creditrisk serve   # the API on :8000",
            f"curl -s -H '{API_KEY_HEADER}: <key>' -H 'content-type: application/json' "
            '-d \'{"loan_ids": ["..."]}\' http://127.0.0.1:8000/v1/loans/score',
            "creditrisk log verify   # check the prediction log's hash chain",
            "creditrisk score --model loan_default --input ids.csv --as-of 2022-06-30 --out scores.parquet",
        ],
    )
