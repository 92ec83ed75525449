"""`creditrisk data pull macro` against a local FRED-style server started by the test:
recorded responses, a bad key, a revoked key, rate limits, slow answers and server errors."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fred_server import GOOD_KEY, REVOKED_KEY, FredServer
from typer.testing import CliRunner

from creditrisk.cli import app
from creditrisk.errors import ConfigurationError
from creditrisk.ingest.credentials import ApiKey, fred_credentials
from creditrisk.ingest.fred import FredAuthError, FredClient, FredError
from creditrisk.settings import PROJECT_ROOT


@pytest.fixture
def server() -> Iterator[FredServer]:
    fred = FredServer()
    yield fred
    fred.close()


@pytest.fixture
def pull_env(server: FredServer, data_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("CREDITRISK_FRED_BASE_URL", server.url)
    monkeypatch.setenv("CREDITRISK_FRED_API_KEY", GOOD_KEY)
    monkeypatch.setenv("CREDITRISK_SECRETS_FILE", str(tmp_path / "none.env"))
    return data_dir / "raw" / "macro"


def _pull(*args: str):
    return CliRunner().invoke(app, ["data", "pull", "macro", "--states", "CA,TX", "--timeout", "0.5", *args])


def _all_text(result, caplog: pytest.LogCaptureFixture) -> str:
    return result.output + str(result.exception or "") + caplog.text


def test_pull_writes_the_raw_layout_through_429_slow_answers_and_5xx(
    server: FredServer, pull_env: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.faults["MORTGAGE30US"] = ["429"]
    server.faults["CAUR"] = ["slow"]
    server.faults["TXSTHPI"] = ["503"]
    result = _pull()
    assert result.exit_code == 0, _all_text(result, caplog)
    assert GOOD_KEY not in _all_text(result, caplog)
    assert (
        server.requests["MORTGAGE30US"] == 2
        and server.requests["CAUR"] == 2
        and server.requests["TXSTHPI"] == 2
    )
    assert "waiting 1.0 s" in caplog.text  # Retry-After honoured
    assert server.queries[0]["frequency"] == ["m"] and server.queries[0]["file_type"] == ["json"]

    rate = pd.read_csv(pull_env / "mortgage_rate_30y.csv", dtype=str)
    assert list(rate.columns) == ["month", "rate_pct"]
    assert rate.iloc[0].tolist() == ["2000-01", "8.21"]
    unemployment = pd.read_csv(pull_env / "state_unemployment.csv", dtype={"month": str})
    assert list(unemployment.columns) == ["state", "month", "unemployment_rate_pct"]
    assert sorted(unemployment.state.unique()) == ["CA", "TX"]
    assert "2000-06" not in set(unemployment[unemployment.state == "CA"].month)  # FRED's "." left out
    hpi = pd.read_csv(pull_env / "state_hpi.csv", dtype={"month": str})
    assert list(hpi.columns) == ["state", "month", "hpi"]
    ca = hpi[hpi.state == "CA"].set_index("month").hpi
    assert ca["2000-01"] == 100.0 and ca["2000-02"] == ca["2000-03"] == 100.0 and ca["2000-04"] == 102.0
    assert len(ca) == 18


def test_a_bad_key_fails_at_once_clearly_and_leaves_the_files(
    server: FredServer, pull_env: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    pull_env.mkdir(parents=True)
    (pull_env / "mortgage_rate_30y.csv").write_text("month,rate_pct\n2000-01,8.2\n")
    for key in ("not-a-registered-key-abc", REVOKED_KEY):
        monkeypatch.setenv("CREDITRISK_FRED_API_KEY", key)
        result = _pull()
        assert result.exit_code != 0
        assert isinstance(result.exception, FredAuthError)
        assert "rejected the key" in str(result.exception)
        assert key not in _all_text(result, caplog)
    assert server.requests["MORTGAGE30US"] == 2  # no retries on a rejected key
    assert (pull_env / "mortgage_rate_30y.csv").read_text() == "month,rate_pct\n2000-01,8.2\n"


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("429-now", "still rate limited (HTTP 429) after 3 tries"),
        ("500", "server error (HTTP 500) after 3 tries"),
        ("slow", "no answer within the timeout after 3 tries"),
    ],
)
def test_persistent_failures_end_in_a_clear_error(
    server: FredServer, pull_env: Path, fault: str, message: str, caplog: pytest.LogCaptureFixture
) -> None:
    server.faults["MORTGAGE30US"] = [fault] * 5
    server.slow_seconds = 0.8
    result = _pull("--retries", "2", "--timeout", "0.3")
    assert result.exit_code != 0
    assert isinstance(result.exception, FredError)
    assert str(result.exception) == f"MORTGAGE30US: {message}"
    assert GOOD_KEY not in _all_text(result, caplog)
    assert not pull_env.exists()


def test_the_client_backs_off_exponentially(server: FredServer) -> None:
    waits: list[float] = []
    server.faults["CAUR"] = ["500", "502", "503"]
    with FredClient(server.url, ApiKey(GOOD_KEY), retries=3, backoff=0.2, sleep=waits.append) as client:
        observations = client.observations("CAUR", pd.Timestamp("2000-01-01").date())
    assert len(observations) == 18 and observations[5].value is None
    assert len(waits) == 3
    for attempt, wait in enumerate(waits):
        assert 0.1 * 2**attempt <= wait <= 0.2 * 2**attempt


def test_credentials_come_from_the_environment_or_a_private_file_outside_the_repo(tmp_path: Path) -> None:
    env = {"CREDITRISK_FRED_API_KEY": "k-env", "CREDITRISK_SECRETS_FILE": str(tmp_path / "missing")}
    credentials = fred_credentials(env)
    assert credentials.api_key.reveal() == "k-env" and credentials.base_url == "https://api.stlouisfed.org"
    assert "k-env" not in repr(credentials) and "k-env" not in str(credentials.api_key)

    secrets = tmp_path / "secrets.env"
    secrets.write_text("# FRED\nFRED_API_KEY='k-file'\nFRED_BASE_URL=http://127.0.0.1:1/\n")
    os.chmod(secrets, 0o600)
    from_file = fred_credentials({"CREDITRISK_SECRETS_FILE": str(secrets)})
    assert from_file.api_key.reveal() == "k-file" and from_file.base_url == "http://127.0.0.1:1"
    os.chmod(secrets, 0o644)
    with pytest.raises(ConfigurationError, match="readable by others"):
        fred_credentials({"CREDITRISK_SECRETS_FILE": str(secrets)})
    with pytest.raises(ConfigurationError, match="inside the repository"):
        fred_credentials({"CREDITRISK_SECRETS_FILE": str(PROJECT_ROOT / "pyproject.toml")})
    with pytest.raises(ConfigurationError, match="no FRED API key"):
        fred_credentials({"CREDITRISK_SECRETS_FILE": str(tmp_path / "missing")})
