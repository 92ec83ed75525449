"""A local FRED-style HTTP server for the tests: responses in FRED's JSON format from
``recorded/``, FRED's own error bodies, and faults queued per series (429, slow, 5xx)."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

RECORDED = Path(__file__).with_name("recorded")
GOOD_KEY = "test-key-0123456789abcdef"
REVOKED_KEY = "revoked-key-0123456789"
BAD_KEY_BODY = {
    "error_code": 400,
    "error_message": "Bad Request.  The value for variable api_key is not registered.  Read "
    "https://fred.stlouisfed.org/docs/api/api_key.html for more information.",
}


class FredServer:
    """Serves until closed; ``faults[series]`` is a list consumed one per request."""

    def __init__(self, slow_seconds: float = 1.5) -> None:
        self.faults: dict[str, list[str]] = defaultdict(list)
        self.requests: Counter[str] = Counter()
        self.queries: list[dict[str, list[str]]] = []
        self.slow_seconds = slow_seconds
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: object) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = parse_qs(url.query)
                server.queries.append(query)
                series = query.get("series_id", [""])[0]
                server.requests[series] += 1
                if url.path != "/fred/series/observations":
                    return self._json(404, {"error_code": 404, "error_message": "Not Found"})
                key = query.get("api_key", [""])[0]
                if key == REVOKED_KEY:
                    return self._json(401, {"error_code": 401, "error_message": "Unauthorized"})
                if key != GOOD_KEY:
                    return self._json(400, BAD_KEY_BODY)
                fault = server.faults[series].pop(0) if server.faults[series] else None
                if fault == "429":
                    return self._json(
                        429, {"error_code": 429, "error_message": "Too Many Requests."}, {"Retry-After": "1"}
                    )
                if fault == "429-now":
                    return self._json(
                        429, {"error_code": 429, "error_message": "Too Many Requests."}, {"Retry-After": "0"}
                    )
                if fault and fault.isdigit():
                    return self._json(
                        int(fault), {"error_code": int(fault), "error_message": "Internal error"}
                    )
                if fault == "slow":
                    time.sleep(server.slow_seconds)
                path = RECORDED / f"{series}.json"
                if not path.exists():
                    return self._json(
                        400, {"error_code": 400, "error_message": "Bad Request.  The series does not exist."}
                    )
                return self._json(200, json.loads(path.read_text()))

            def _json(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                    pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
