"""Online scoring latency and throughput against ``feast serve``'s own feature lookup.

The API runs under uvicorn in its own process pinned to CPU 0; the load generator
(``benchmarks/loadgen.py``) is a second process pinned to CPU 1, talking over loopback. Cases:

- one loan per request, with explanations, sequential: p50/p99 latency, beside ``feast serve``'s
  ``/get-online-features`` for the same feature service and ids (the baseline, same run, same
  pinning): the serving overhead over a bare feature lookup is what the ratio shows;
- the same with 4 concurrent clients: requests per second, beside ``feast serve``;
- the server's CPU time (user + system, the process and its children) per request in the
  sequential case: on a shared machine wall-clock latency moves with the neighbours' load, CPU
  time per request much less, so it is the steadier figure to compare changes by;
- the sequential case's tail, p99/p50 of one unbroken run, beside the machine's own: the same
  ratio for a fixed piece of pure-Python work as long as the request's median, timed 3,000 times
  in a process pinned to the server's core right after it (:func:`_fixed_work_tail`). No request can have a
  tighter tail than a loop that does exactly the same work every time on the same core.

Every case runs once per champion family the trainer can register (``FAMILIES``: logistic
regression, random forest, XGBoost, LightGBM, the MLP and a soft vote with a forest in it), because
the explainer is most of a request's CPU and differs by family. Each family is trained on the same
data with ``training.train.train_model`` into the benchmark's own MLflow store (the data dir's
registry and its champion are left alone) and served under the alias ``bench_<family>``;
the runs of ``feast serve`` and the API (sequential, then with 4 clients) alternate in ``ROUNDS``
slices of the same minute (:func:`_interleaved`), so every ratio compares the two under the same
neighbours.
``CREDITRISK_BENCH_SERVING_FAMILIES=lr,rf`` picks a subset.

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
from collections.abc import Callable
from functools import partial
from pathlib import Path

import httpx
import numpy as np

from benchmarks.harness import BenchContext, Measurement
from creditrisk.pipeline import DemoOptions, run_steps
from creditrisk.settings import Settings
from creditrisk.telemetry import OPT_OUT_ENV
from serving.auth import API_KEY_HEADER, mint_api_key
from serving.demo_step import sample_ids
from serving.launch import free_port, running_server

SERVER_CPU, CLIENT_CPU = 0, 1
TARGET = "p50 < 5 ms, p99 < 15 ms"
CPU_TARGET = "<= 1/3 of feast serve's (ratio >= 3x)"
WARMUP_REQUESTS = 200
#: The sequential runs of the API and ``feast serve`` alternate in this many slices (see
#: :func:`_interleaved`); later slices warm up with ``ROUND_WARMUP`` requests.
ROUNDS = 6
ROUND_WARMUP = 20
FAMILIES_ENV = "CREDITRISK_BENCH_SERVING_FAMILIES"
#: Training runs that fit every family above once (``train_model`` with ``register=False``); the
#: vote's members are the first run's other families: a forest, XGBoost and a logistic regression,
#: the members of the demo's soft-vote champion.
TRAINING_RUNS: tuple[tuple[str, ...], ...] = (("lr", "rf", "xgb", "vote"), ("lgbm", "ann"))
FAMILIES = ("lr", "rf", "xgb", "lgbm", "ann", "vote")


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
    warmup: int = WARMUP_REQUESTS,
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
        str(warmup),
    ]
    for key, value in headers.items():
        command += ["--header", f"{key}:{value}"]
    cpu_before = tree_cpu_seconds(server_pid)
    done = subprocess.run(
        command, capture_output=True, text=True, check=True, env={**os.environ, **OPT_OUT_ENV}
    )
    cpu_seconds = tree_cpu_seconds(server_pid) - cpu_before
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["server_cpu_ms"] = cpu_seconds * 1000 / (result["requests"] + warmup)
    result["server_cpu_s"], result["sent"] = cpu_seconds, result["requests"] + warmup
    return result


def _interleaved(runs: list[tuple[str, Callable[[int], dict]]], rounds: int) -> dict[str, dict]:
    """Alternate the named runs in ``rounds`` slices and merge each one's slices.

    A shared virtual machine's speed drifts over minutes, so the API and ``feast serve`` are
    measured in alternating slices of the same minute rather than one after the other: each ratio
    then compares the two under the same neighbours. The first slice of each warms up (the rest
    warm up with a few requests); percentiles come from every slice's latencies together.
    """
    slices: dict[str, list[dict]] = {name: [] for name, _ in runs}
    for index in range(rounds):
        for name, measure in runs:
            slices[name].append(measure(WARMUP_REQUESTS if index == 0 else ROUND_WARMUP))
    merged = {}
    for name, parts in slices.items():
        latencies = np.concatenate([part["latencies_ms"] for part in parts])
        requests = int(sum(part["requests"] for part in parts))
        merged[name] = {
            "requests": requests,
            "errors": sum(part["errors"] for part in parts),
            "error_codes": sorted({code for part in parts for code in part["error_codes"]}),
            "p50_ms": float(np.percentile(latencies, 50)),
            "p90_ms": float(np.percentile(latencies, 90)),
            "p99_ms": float(np.percentile(latencies, 99)),
            "rps": requests / sum(part["seconds"] for part in parts),
            "server_cpu_ms": 1000 * sum(p["server_cpu_s"] for p in parts) / sum(p["sent"] for p in parts),
        }
    return merged


#: A fixed piece of pure-Python work timed on the server's core (see :func:`_fixed_work_tail`).
_FIXED_WORK = """
import json, os, sys, time
os.sched_setaffinity(0, {int(sys.argv[1])})
target_ms, n = float(sys.argv[2]), int(sys.argv[3])
def work(k):
    s = 0
    for i in range(k):
        s += i * i
    return s
k = 1000
while True:  # calibrate k to the target on this core
    t = time.perf_counter(); work(k); took = (time.perf_counter() - t) * 1000
    if took > target_ms / 4:
        k = max(1, int(k * target_ms / took)); break
    k *= 4
times = []
for _ in range(n + 200):
    t = time.perf_counter(); work(k); times.append((time.perf_counter() - t) * 1000)
times = sorted(times[200:])
print(json.dumps({"p50_ms": times[len(times) // 2], "p99_ms": times[int(len(times) * 0.99)]}))
"""


def _fixed_work_tail(median_ms: float, repeats: int = 3000) -> dict[str, float]:
    """p50/p99 of the same pure-Python work (about ``median_ms`` long) done ``repeats`` times in
    a process pinned to the server's core: the tail this machine gives a request with no
    variation of its own (a virtual CPU shared with neighbours runs the same loop at two or more
    speeds)."""
    done = subprocess.run(
        [sys.executable, "-c", _FIXED_WORK, str(SERVER_CPU), f"{median_ms:.3f}", str(repeats)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


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


def _families() -> list[str]:
    chosen = [f.strip() for f in os.environ.get(FAMILIES_ENV, "").split(",") if f.strip()]
    unknown = sorted(set(chosen) - set(FAMILIES))
    if unknown:
        raise ValueError(f"{FAMILIES_ENV}: unknown families {unknown}; have {sorted(FAMILIES)}")
    return chosen or list(FAMILIES)


def _family_models(ctx: BenchContext, data_dir: Path, families: list[str]) -> str:
    """A loan model per family in the benchmark's own MLflow store, aliased ``bench_<family>``;
    returns the store's URI (trained once per data set, then reused).

    Each family's artefact is the trainer's own (``report.model``: schema, background sample)
    with that family's fitted pipeline, calibrator and threshold from the same training run, so
    every family can be served, not only the one selection would register.
    """
    store = ctx.scratch("family_models")
    uri = f"sqlite:///{store / 'mlflow.db'}"
    trained = store / "trained.json"
    # the models are reused while the data they were trained on is the same
    marts = Settings(data_dir=data_dir).marts_dir / "feat_loan_origination.parquet"
    data_key = f"{data_dir}:{marts.stat().st_mtime_ns}"
    saved = json.loads(trained.read_text()) if trained.exists() else {}
    done: dict[str, int] = saved.get("models", {}) if saved.get("data") == data_key else {}
    runs = [run for run in TRAINING_RUNS if any(f in run and f not in done for f in families)]
    if not runs:
        return uri
    import copy

    import mlflow
    from mlflow import MlflowClient

    from training.labelled_data import load_training_set
    from training.options import TrainOptions
    from training.registry import configure_tracking, ensure_experiment, log_model
    from training.train import train_model

    settings = Settings(data_dir=data_dir, mlflow_tracking_uri=uri)
    data = load_training_set("loan_default", None, None, settings)
    for families_of_run in runs:
        options = TrainOptions(model="loan_default", families=families_of_run, bootstrap=20, register=False)
        report = train_model(data, options, settings)
        configure_tracking(settings)
        experiment = ensure_experiment("loan_default", settings)
        for family in families_of_run:
            result = report.results[family]
            model = copy.copy(report.model)
            model.estimator, model.calibrator = result.pipeline, result.calibrator
            model.threshold, model.family, model._cache = float(result.threshold), family, {}
            with mlflow.start_run(experiment_id=experiment, run_name=f"bench {family}"):
                info = log_model(model, model.background)
            version = mlflow.register_model(info.model_uri, "loan_default").version
            MlflowClient(uri, uri).set_registered_model_alias("loan_default", f"bench_{family}", str(version))
            done[family] = int(version)
            trained.write_text(json.dumps({"data": data_key, "models": done}))
    return uri


def run(ctx: BenchContext) -> list[Measurement]:
    small = ctx.scale == "small"
    data_dir = _data_dir(ctx)
    env = {"CREDITRISK_DATA_DIR": str(data_dir)}
    settings = Settings(data_dir=data_dir)
    loans = sample_ids(settings, "feat_loan_origination.parquet", "loan_id", n=200)
    champion = _champion_family(settings)
    families = _families()
    models_uri = _family_models(ctx, data_dir, families)
    requests = 600 if small else 3000
    key, entry = mint_api_key()
    api_bodies = [{"loan_ids": [loan]} for loan in loans]
    now = int(time.time())  # the on-demand views need the decision time, as the API passes it
    feast_bodies = [
        {"feature_service": "loan_default_v1", "entities": {"loan_id": [loan], "as_of": [now]}}
        for loan in loans
    ]
    measurements: list[Measurement] = []
    process, base = _feast_serve(settings, env, ctx.work_dir / "feast-serve.log")
    try:
        for family in families:
            feast_url = f"{base}/get-online-features"
            results: dict[str, dict] = {}
            api_env = {
                **env,
                "CREDITRISK_MLFLOW_TRACKING_URI": models_uri,
                "CREDITRISK_MODEL_ALIAS": f"bench_{family}",
                "CREDITRISK_API_KEYS": entry,
                "CREDITRISK_LOG_FLUSH_SECONDS": "0.5",
                # only the model this benchmark scores: a small demo may have too few bankruptcies
                # to train the company model, and the API is not ready while one is missing
                "CREDITRISK_SERVE_MODELS": "loan_default",
                # the per-key limiter runs (its cost is measured) but never throttles the load
                "CREDITRISK_RATE_LIMIT_PER_SECOND": "1000000",
            }
            with running_server(api_env, ctx.work_dir / f"api-{family}.log", cpu=SERVER_CPU) as server:
                url = f"{server.base_url}/v1/loans/score"
                auth = {API_KEY_HEADER: key}
                pid = server.process.pid
                per_round = max(1, requests // ROUNDS)
                feast_seq = partial(
                    _loadgen, feast_url, feast_bodies, {}, per_round, 1, ctx.work_dir, process.pid
                )
                api_seq = partial(_loadgen, url, api_bodies, auth, per_round, 1, ctx.work_dir, pid)
                results |= _interleaved([("feast_seq", feast_seq), ("api_seq", api_seq)], ROUNDS)
                feast_conc = partial(
                    _loadgen, feast_url, feast_bodies, {}, per_round, 4, ctx.work_dir, process.pid
                )
                api_conc = partial(_loadgen, url, api_bodies, auth, per_round, 4, ctx.work_dir, pid)
                results |= _interleaved([("feast_conc", feast_conc), ("api_conc", api_conc)], ROUNDS)
                # the tail in one unbroken run: slices taken minutes apart merge the machine's
                # changes of speed into one distribution, which widens it
                tail_run = _loadgen(url, api_bodies, auth, requests, 1, ctx.work_dir, pid, ROUND_WARMUP)
            results["api_tail"] = tail_run
            results["floor"] = _fixed_work_tail(tail_run["p50_ms"])
            for name, result in results.items():
                if result.get("errors"):
                    raise RuntimeError(
                        f"{family} {name}: {result['errors']} failed requests ({result['error_codes']})"
                    )
            measurements += _family_measurements(family, family == champion, results)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return measurements


def _family_measurements(family: str, is_champion: bool, results: dict[str, dict]) -> list[Measurement]:
    """The five figures of one family's run beside ``feast serve``'s from the same minute."""
    seq, conc, fseq, fconc = (results[k] for k in ("api_seq", "api_conc", "feast_seq", "feast_conc"))
    floor, tail = results["floor"], results["api_tail"]
    champion = " (the data set's champion)" if is_champion else ""
    note = (
        f"{seq['requests']} requests; server on 1 core, client on the other; model family {family}"
        f"{champion}; p99/p50 {seq['p99_ms'] / seq['p50_ms']:.2f} (feast serve "
        f"{fseq['p99_ms'] / fseq['p50_ms']:.2f}); {_load_note()}"
    )
    base_name = "feast serve get-online-features (same ids)"
    case = f"single loan score with SHAP explanation, {family}"

    def measure(metric: str, key: str, api: dict, feast: dict, unit: str = "ms", **extra) -> Measurement:
        return Measurement("serving", case, metric, api[key], unit, base_name, feast[key], **extra)

    return [
        measure("p50 latency", "p50_ms", seq, fseq, target=TARGET, notes=note),
        measure("p99 latency", "p99_ms", seq, fseq, target=TARGET, notes=note),
        measure("requests/s (1 client)", "rps", seq, fseq, "req/s", higher_is_better=True, notes=note),
        measure(
            "requests/s (4 clients)",
            "rps",
            conc,
            fconc,
            "req/s",
            higher_is_better=True,
            target=">= 3x feast serve",
            notes=f"p50 {conc['p50_ms']:.1f} ms, p99 {conc['p99_ms']:.1f} ms "
            f"(feast serve {fconc['p50_ms']:.1f} / {fconc['p99_ms']:.1f} ms)",
        ),
        Measurement(
            "serving",
            case,
            "p99/p50 (tail)",
            tail["p99_ms"] / tail["p50_ms"],
            "x",
            "the machine: fixed work of the same median on the server's core",
            floor["p99_ms"] / floor["p50_ms"],
            target="<= 1.5",
            notes=f"one unbroken sequential run of {tail['requests']} requests: p50 {tail['p50_ms']:.2f} ms, "
            f"p99 {tail['p99_ms']:.2f} ms; fixed work p50 {floor['p50_ms']:.2f} ms, "
            f"p99 {floor['p99_ms']:.2f} ms (3,000 runs right after it); a ratio near 1 is a tail as tight "
            "as the machine allows",
        ),
        measure(
            "server CPU per request",
            "server_cpu_ms",
            seq,
            fseq,
            target=CPU_TARGET,
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
