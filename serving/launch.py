"""Start ``creditrisk serve`` in a subprocess on a free loopback port and wait until it is ready.

Used by the demo, the benchmark and the end-to-end tests: the API runs exactly as in
production (uvicorn, its own process), and the caller talks to it over HTTP.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from creditrisk.errors import PipelineStepError
from creditrisk.telemetry import OPT_OUT_ENV


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningServer:
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def wait_ready(base_url: str, process: subprocess.Popen[bytes], timeout: float) -> dict:
    """Poll ``/readyz`` until it answers 200; raise with the last checks if it never does."""
    deadline = time.monotonic() + timeout
    last: object = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise PipelineStepError(f"API process exited with code {process.returncode}")
        try:
            response = httpx.get(f"{base_url}/readyz", timeout=5)
            if response.status_code == 200:
                return response.json()
            last = response.json()
        except httpx.HTTPError as exc:
            last = str(exc)
        time.sleep(0.2)
    raise PipelineStepError(f"API not ready after {timeout:.0f}s: {last}")


@contextmanager
def running_server(
    env: dict[str, str],
    log_path: Path,
    port: int | None = None,
    cpu: int | None = None,
    timeout: float = 300.0,
) -> Iterator[RunningServer]:
    """The API in a subprocess (``python -m creditrisk.cli serve``); SIGTERM and wait on exit so the
    prediction log flushes."""
    port = port or free_port()
    full_env = {**os.environ, **OPT_OUT_ENV, **env}
    command = [sys.executable, "-c", "from creditrisk.cli import main; main()", "serve", "--port", str(port)]
    pin = (lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None else None
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, env=full_env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=pin
        )
        server = RunningServer(process, f"http://127.0.0.1:{port}", log_path)
        try:
            try:
                wait_ready(server.base_url, process, timeout)
            except PipelineStepError as exc:
                raise PipelineStepError(f"{exc}\n{server.output()[-2000:]}") from exc
            yield server
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
