"""A bounded loopback load test at ten times the normal rate against the real server (uvicorn in its
own process, as ``creditrisk serve`` runs it): health probes keep answering, every answer is a
score or a 429 with Retry-After, and the prediction log holds exactly the scored entities, with an
intact chain.

"Normal" is one client scoring 20 requests a second, which is also the key's rate limit here; the
test offers 200 a second for a few seconds from 16 threads, so the limiter works too.
"""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from serving_world import ServingWorld, copy_world

from serving.auth import mint_api_key
from serving.launch import running_server
from serving.prediction_log import read_log, verify_log

NORMAL_RATE = 20  # requests a second
LOAD_FACTOR = 10
SECONDS = 3
IDS_PER_REQUEST = 2
PORTS = range(18100, 18200)  # this area's loopback ports


def _free_port() -> int:
    for port in PORTS:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail(f"no free port in {PORTS}")


def test_ten_times_the_normal_rate_keeps_probes_answering_and_loses_no_log_record(
    world: ServingWorld, tmp_path: Path
) -> None:
    key, entry = mint_api_key()
    settings = copy_world(world, tmp_path / "data")
    env = {
        "CREDITRISK_DATA_DIR": str(settings.data_root),
        "MLFLOW_TRACKING_URI": settings.tracking_uri,
        "CREDITRISK_API_KEYS": entry,
        "CREDITRISK_SERVE_MODELS": "loan_default",
        "CREDITRISK_LOG_FLUSH_SECONDS": "0.2",
        "CREDITRISK_RATE_LIMIT_PER_SECOND": str(NORMAL_RATE),
        "CREDITRISK_RATE_LIMIT_BURST": str(NORMAL_RATE),
    }
    rate = NORMAL_RATE * LOAD_FACTOR
    total = rate * SECONDS
    answers: list[httpx.Response] = []
    probes: list[tuple[int, float]] = []
    done = threading.Event()

    with running_server(env, tmp_path / "server.log", port=_free_port(), timeout=180) as server:

        def probe() -> None:
            with httpx.Client(base_url=server.base_url, timeout=5) as http:
                while not done.is_set():
                    for path in ("/healthz", "/readyz"):
                        started = time.perf_counter()
                        status = http.get(path).status_code
                        probes.append((status, time.perf_counter() - started))
                    time.sleep(0.05)

        def send(i: int, http: httpx.Client, start: float) -> httpx.Response:
            time.sleep(max(0.0, start + i / rate - time.perf_counter()))  # paced: i/rate seconds in
            ids = [world.loans[(i + k) % len(world.loans)] for k in range(IDS_PER_REQUEST)]
            return http.post("/v1/loans/score", json={"loan_ids": ids})

        prober = threading.Thread(target=probe)
        prober.start()
        try:
            limits = httpx.Limits(max_connections=16)
            with (
                httpx.Client(
                    base_url=server.base_url, headers={"X-API-Key": key}, timeout=30, limits=limits
                ) as http,
                ThreadPoolExecutor(max_workers=16) as pool,
            ):
                start = time.perf_counter()
                answers = list(pool.map(lambda i: send(i, http, start), range(total)))
                elapsed = time.perf_counter() - start
        finally:
            done.set()
            prober.join()
    # the server has stopped (SIGTERM): its log writer flushed what it held

    codes = [a.status_code for a in answers]
    assert set(codes) <= {200, 429}, sorted(set(codes))
    assert codes.count(429) > 0 and codes.count(200) > 0
    assert all(int(a.headers["Retry-After"]) >= 1 for a in answers if a.status_code == 429)
    assert "server" not in answers[0].headers  # no banner from uvicorn
    assert answers[0].headers["x-content-type-options"] == "nosniff"
    assert probes and {status for status, _ in probes} == {200}, server.output()[-2000:]
    assert max(seconds for _, seconds in probes) < 2.0

    scored = sorted(
        (body["request_id"], result["id"])
        for a in answers
        if a.status_code == 200
        for body in [a.json()]
        for result in body["results"]
        if result["status"] == "scored"
    )
    assert len(scored) == codes.count(200) * IDS_PER_REQUEST
    report = verify_log(settings.prediction_log_dir)
    assert report.ok, report.problem
    logged = read_log(settings.prediction_log_dir)
    assert sorted(zip(logged["request_id"], logged["entity_id"], strict=True)) == scored
    print(
        f"load: {total} requests offered at {rate}/s ({LOAD_FACTOR}x normal), answered in {elapsed:.1f} s: "
        f"{codes.count(200)} scored, "
        f"{codes.count(429)} rate-limited; {len(probes)} probes all 200 "
        f"(slowest {max(s for _, s in probes) * 1000:.0f} ms); {report.records} log records, chain intact"
    )
