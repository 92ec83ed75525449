"""Online scoring latency and throughput against ``feast serve``'s own feature lookup.

The API runs under uvicorn in its own process pinned to CPU 0; the load generator
(``benchmarks/loadgen.py``) is a second process pinned to CPU 1, talking over loopback. Cases:

- one loan per request, with explanations, sequential: p50/p99 latency, beside ``feast serve``'s
  ``/get-online-features`` for the same feature service and ids (the baseline, same run, same
  pinning): the serving overhead over a bare feature lookup is what the ratio shows;
- the same with 4 concurrent clients: requests per second, beside ``feast serve``;
- the server's CPU time (user + system, the process and its children) per request in the
  sequential case: on a shared machine wall-clock latency moves with the neighbours' load, CPU
  time per request much less, so it is the steadier figure to compare changes by.

The data set is built by the demo's own steps (generate, dbt, Feast, train) into the
benchmark's scratch folder, small enough for minutes; ``ctx.scale == "small"`` shrinks it
and the request counts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from benchmarks.harness import BenchContext, Measurement
from creditrisk.pipeline import DemoOptions, run_steps
from creditrisk.settings import Settings
from creditrisk.telemetry import OPT_OUT_ENV
from serving.auth import API_KEY_HEADER, mint_api_key
from serving.demo_step import sample_ids
from serving.launch import free_port, running_server

SERVER_CPU, CLIENT_CPU = 0, 1
TARGET = "p50 < 5 ms, p99 < 15 ms"
WARMUP_REQUESTS = 200


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its live descendants (Linux ``/proc``)."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent and child not in tree]
        tree.update(children)
        frontier += children
    return sum(cpu.get(p, 0.0) for p in tree)


def _has_pipeline_output(settings: Settings) -> bool:
    """Marts, a Feast registry and an MLflow store: what ``make demo`` leaves behind."""
    marts = settings.marts_dir / "feat_loan_origination.parquet"
    registry = settings.feast_dir / "registry.db"
    return marts.exists() and registry.exists() and (settings.mlflow_dir / "mlflow.db").exists()


def _data_dir(ctx: BenchContext) -> Path:
    """The data dir to serve from: the configured one when ``make demo`` already filled it, else a
    scratch one built by the demo's own steps (generate, dbt, Feast, train)."""
    from creditrisk.pipeline import demo_steps

    if _has_pipeline_output(ctx.settings):
        return ctx.settings.data_root
    data_dir = ctx.scratch("data")
    settings = Settings(data_dir=data_dir)
    if not (data_dir / ".bench_ready").exists():
        small = ctx.scale == "small"
        options = DemoOptions(loans=400, companies=60, months=36) if small else DemoOptions()
        run_steps([s for s in demo_steps() if s.name not in {"serve", "report"}], settings, options)
        (data_dir / ".bench_ready").write_text("ok")
    return data_dir


def _loadgen(
    url: str,
    bodies: list[dict],
    headers: dict[str, str],
    requests: int,
    concurrency: int,
    work: Path,
    server_pid: int,
) -> dict:
    """Run the load generator against ``url``; its JSON result plus the server's CPU ms per request."""
    bodies_path = work / f"bodies-{abs(hash(url)) % 10_000}.json"
    bodies_path.write_text(json.dumps(bodies))
    command = [
        sys.executable,
        "-m",
        "benchmarks.loadgen",
        "--url",
        url,
        "--bodies",
        str(bodies_path),
        "--requests",
        str(requests),
        "--concurrency",
        str(concurrency),
        "--cpu",
        str(CLIENT_CPU),
        "--seconds",
        "120",
        "--warmup",
        str(WARMUP_REQUESTS),
    ]
    for key, value in headers.items():
        command += ["--header", f"{key}:{value}"]
    cpu_before = tree_cpu_seconds(server_pid)
    done = subprocess.run(
        command, capture_output=True, text=True, check=True, env={**os.environ, **OPT_OUT_ENV}
    )
    cpu_seconds = tree_cpu_seconds(server_pid) - cpu_before
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["server_cpu_ms"] = cpu_seconds * 1000 / (result["requests"] + WARMUP_REQUESTS)
    return result


def _feast_serve(settings: Settings, env: dict[str, str], log_path: Path):  # type: ignore[no-untyped-def]
    """``feast serve`` on the same repo and online store, pinned like the API."""
    port = free_port()
    command = [
        str(Path(sys.executable).with_name("feast")),
        "-c",
        str(settings.feature_repo_dir),
        "serve",
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        "--workers",
        "1",
        "--no-access-log",
        "--max-requests",
        "100000000",  # no worker restarts in the middle of the measurement
    ]
    log = log_path.open("wb")
    process = subprocess.Popen(
        command,
        env={**os.environ, **OPT_OUT_ENV, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=lambda: os.sched_setaffinity(0, {SERVER_CPU}),
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"feast serve did not start: {log_path.read_text()[-2000:]}")


def run(ctx: BenchContext) -> list[Measurement]:
    small = ctx.scale == "small"
    data_dir = _data_dir(ctx)
    env = {"CREDITRISK_DATA_DIR": str(data_dir)}
    settings = Settings(data_dir=data_dir)
    loans = sample_ids(settings, "feat_loan_origination.parquet", "loan_id", n=200)
    family = _champion_family(settings)
    requests = 600 if small else 3000
    key, entry = mint_api_key()
    api_bodies = [{"loan_ids": [loan]} for loan in loans]
    now = int(time.time())  # the on-demand views need the decision time, as the API passes it
    feast_bodies = [
        {"feature_service": "loan_default_v1", "entities": {"loan_id": [loan], "as_of": [now]}}
        for loan in loans
    ]
    results: dict[str, dict] = {}
    with running_server(
        # only the model this benchmark scores: a small demo may have too few bankruptcies to train
        # the company model, and the API is not ready while a configured model is missing
        {
            **env,
            "CREDITRISK_API_KEYS": entry,
            "CREDITRISK_LOG_FLUSH_SECONDS": "0.5",
            "CREDITRISK_SERVE_MODELS": "loan_default",
            # the per-key limiter runs (its cost is measured) but never throttles the load
            "CREDITRISK_RATE_LIMIT_PER_SECOND": "1000000",
        },
        ctx.work_dir / "api.log",
        cpu=SERVER_CPU,
    ) as server:
        url = f"{server.base_url}/v1/loans/score"
        auth = {API_KEY_HEADER: key}
        pid = server.process.pid
        results["api_seq"] = _loadgen(url, api_bodies, auth, requests, 1, ctx.work_dir, pid)
        results["api_conc"] = _loadgen(url, api_bodies, auth, requests, 4, ctx.work_dir, pid)
    process, base = _feast_serve(settings, env, ctx.work_dir / "feast-serve.log")
    try:
        url = f"{base}/get-online-features"
        results["feast_seq"] = _loadgen(url, feast_bodies, {}, requests, 1, ctx.work_dir, process.pid)
        results["feast_conc"] = _loadgen(url, feast_bodies, {}, requests, 4, ctx.work_dir, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)
    for name, result in results.items():
        if result["errors"]:
            raise RuntimeError(f"{name}: {result['errors']} failed requests ({result['error_codes']})")
    seq, conc, fseq, fconc = (results[k] for k in ("api_seq", "api_conc", "feast_seq", "feast_conc"))
    note = (
        f"{seq['requests']} requests; server on 1 core, client on the other; champion family {family}; "
        f"{_load_note()}"
    )
    base_name = "feast serve get-online-features (same ids)"
    case = "single loan score with SHAP explanation"
    return [
        Measurement(
            "serving",
            case,
            "p50 latency",
            seq["p50_ms"],
            "ms",
            base_name,
            fseq["p50_ms"],
            target=TARGET,
            notes=note,
        ),
        Measurement(
            "serving",
            case,
            "p99 latency",
            seq["p99_ms"],
            "ms",
            base_name,
            fseq["p99_ms"],
            target=TARGET,
            notes=note,
        ),
        Measurement(
            "serving",
            case,
            "requests/s (1 client)",
            seq["rps"],
            "req/s",
            base_name,
            fseq["rps"],
            higher_is_better=True,
            notes=note,
        ),
        Measurement(
            "serving",
            case,
            "requests/s (4 clients)",
            conc["rps"],
            "req/s",
            base_name,
            fconc["rps"],
            higher_is_better=True,
            notes=f"p50 {conc['p50_ms']:.1f} ms, p99 {conc['p99_ms']:.1f} ms",
        ),
        Measurement(
            "serving",
            case,
            "server CPU per request",
            seq["server_cpu_ms"],
            "ms",
            base_name,
            fseq["server_cpu_ms"],
            notes="user + system time of the server process tree over the sequential run, incl. warm-up",
        ),
    ]


def _champion_family(settings: Settings) -> str:
    """The served model's family: its explainer is most of a request's CPU, and differs by family."""
    from training.registry import load_model

    return str(load_model("loan_default", settings=settings).family)


def _load_note() -> str:
    """The machine's load average while the benchmark ran (the neighbours' share of the cores)."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) at the end"
