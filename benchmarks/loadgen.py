"""A small HTTP load generator, run as its own process so it never shares a core with the server.

``python -m benchmarks.loadgen --url URL --bodies FILE [--header K:V] --requests N --concurrency C``
prints one JSON line: latencies (ms) percentiles and requests per second. Bodies cycle through
the given list so each request asks for a different id. Bounded by --requests and --seconds.

Each client thread is one keep-alive ``http.client`` connection sending pre-encoded bodies: the
client's own work per request is tens of microseconds (an ``httpx`` client measured several
hundred), so the latency measured is the server's and the loopback's, and the same client
measures the API and the ``feast serve`` baseline.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import threading
import time
from urllib.parse import urlsplit

import numpy as np


def _worker(
    url: str,
    bodies: list[bytes],
    headers: dict[str, str],
    n: int,
    offset: int,
    deadline: float,
    latencies: list[float],
    errors: list[int],
) -> None:
    parts = urlsplit(url)
    path = parts.path or "/"
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=30.0)
    try:
        for i in range(n):
            if time.perf_counter() > deadline:
                return
            body = bodies[(offset + i) % len(bodies)]
            started = time.perf_counter()
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                errors.append(response.status)
    finally:
        connection.close()


def run(
    url: str,
    bodies: list[bytes],
    headers: dict[str, str],
    requests: int,
    concurrency: int,
    seconds: float,
    warmup: int,
) -> dict[str, float]:
    headers = {"content-type": "application/json", **headers}
    _worker(url, bodies, headers, warmup, 0, time.perf_counter() + seconds, [], [])
    latencies: list[float] = []
    errors: list[int] = []
    per_thread = max(1, requests // concurrency)
    deadline = time.perf_counter() + seconds
    threads = [
        threading.Thread(
            target=_worker, args=(url, bodies, headers, per_thread, k * 7919, deadline, latencies, errors)
        )
        for k in range(concurrency)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    values = np.asarray(latencies)
    return {
        "requests": len(values),
        "errors": len(errors),
        "error_codes": sorted(set(errors)),
        "p50_ms": float(np.percentile(values, 50)),
        "p90_ms": float(np.percentile(values, 90)),
        "p99_ms": float(np.percentile(values, 99)),
        "mean_ms": float(values.mean()),
        "rps": len(values) / elapsed,
        "seconds": elapsed,
        "latencies_ms": [round(float(v), 4) for v in values],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.loadgen")
    parser.add_argument("--url", required=True)
    parser.add_argument("--bodies", required=True, help="JSON file: a list of request bodies")
    parser.add_argument("--header", action="append", default=[], help="K:V")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--cpu", type=int, default=None, help="pin this process to one CPU")
    args = parser.parse_args(argv)
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    with open(args.bodies) as handle:
        bodies = [json.dumps(b).encode() for b in json.load(handle)]
    headers = dict(h.split(":", 1) for h in args.header)
    result = run(args.url, bodies, headers, args.requests, args.concurrency, args.seconds, args.warmup)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
