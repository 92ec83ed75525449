"""One settings object for every layer.

Everything generated lives under a single root, ``CREDITRISK_DATA_DIR``, so two checkouts
or two test runs with different data dirs never touch each other. Paths are derived from
that root rather than configured one by one, which keeps the layers' contracts (see
``docs/contracts.md``) in one place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The repository root: the folder holding ``dbt_project.yml`` and ``feature_repo/``.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Configuration read from ``CREDITRISK_*`` environment variables and ``.env``."""

    model_config = SettingsConfigDict(
        env_prefix="CREDITRISK_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    data_dir: Path = Field(
        default=Path("data"),
        description="Root of every generated artefact: raw files, warehouse, marts, Feast, MLflow, logs.",
    )
    project_dir: Path = Field(
        default=PROJECT_ROOT,
        description="Repository root holding dbt_project.yml and feature_repo/.",
    )
    engine: Literal["duckdb", "spark"] = Field(
        default="duckdb",
        description="Where the warehouse and the offline store compute: 'duckdb' (embedded) or 'spark' "
        "(dbt target `spark`, Feast's Spark offline store; the `spark` extra, docs/scale-out.md). "
        "'spark' overrides offline_store.",
    )
    online_store: Literal["sqlite", "redis"] = Field(
        default="sqlite", description="Feast online store: SQLite file under the data dir, or Redis."
    )
    offline_store: Literal["asof", "duckdb"] = Field(
        default="asof",
        description="Feast offline store for training sets and materialisation: 'asof' "
        "(creditrisk.feast_asof, DuckDB ASOF joins; same results, far less time and memory) or "
        "'duckdb' (Feast's built-in DuckDB store).",
    )
    redis_url: str = Field(
        default="localhost:6379", description="Redis connection string used when online_store=redis."
    )
    mlflow_tracking_uri: str | None = Field(
        default=None,
        description="MLflow tracking URI; default is a SQLite store under the data dir. "
        "MLFLOW_TRACKING_URI, when set, wins.",
    )
    api_keys: str = Field(
        default="",
        description="Comma-separated SHA-256 hex digests of accepted API keys; 'digest:admin' grants admin.",
    )
    bundle_key: SecretStr | None = Field(
        default=None, description="Key for encrypted model bundles (never stored in the repo)."
    )
    seed: int = Field(default=42, description="Default random seed for generation and training.")
    model_alias: str = Field(
        default="champion", description="MLflow registry alias the API and batch scoring load."
    )
    model_bundles: str = Field(
        default="",
        description="Comma-separated encrypted model bundle paths to serve instead of the registry "
        "(decrypted with CREDITRISK_BUNDLE_KEY).",
    )
    serve_models: str = Field(
        default="loan_default,company_bankruptcy",
        description="Comma-separated registered model names the API loads at start.",
    )
    host: str = Field(default="127.0.0.1", description="Address the HTTP API binds to.")
    port: int = Field(default=8000, description="Port the HTTP API listens on.")
    explain_top_k: int = Field(
        default=5, description="Feature contributions returned per scored entity (the rest are summed)."
    )
    log_flush_seconds: float = Field(
        default=1.0, description="How often the prediction log writer flushes buffered records to Parquet."
    )
    max_body_bytes: int = Field(
        default=2_097_152,
        gt=0,
        description="Largest request body the API reads (413 above it); 1000 feature rows fit.",
    )
    rate_limit_per_second: float = Field(
        default=100.0,
        ge=0,
        description="Requests a second each API key may make on average (429 with Retry-After above "
        "it); 0 turns rate limiting off. Health probes and metrics are not limited.",
    )
    rate_limit_burst: int = Field(
        default=200, ge=1, description="Requests an API key may make at once before the rate applies."
    )
    request_timeout_seconds: float = Field(
        default=30.0, gt=0, description="Deadline of one API request (504 past it)."
    )

    # ------------------------------------------------------------------ derived paths
    @property
    def data_root(self) -> Path:
        """The data dir as an absolute path (relative values resolve against the CWD)."""
        return self.data_dir.expanduser().resolve()

    @property
    def raw_dir(self) -> Path:
        return self.data_root / "raw"

    @property
    def truth_dir(self) -> Path:
        """Generator ground truth; nothing in dbt, Feast or the features may read it."""
        return self.raw_dir / "_truth"

    @property
    def warehouse_path(self) -> Path:
        return self.data_root / "warehouse.duckdb"

    @property
    def marts_dir(self) -> Path:
        return self.data_root / "marts"

    @property
    def feast_dir(self) -> Path:
        """Feast registry and SQLite online store."""
        return self.data_root / "feast"

    @property
    def feature_repo_dir(self) -> Path:
        return self.project_dir.resolve() / "feature_repo"

    @property
    def datasets_dir(self) -> Path:
        return self.data_root / "datasets"

    @property
    def mlflow_dir(self) -> Path:
        return self.data_root / "mlflow"

    @property
    def tracking_uri(self) -> str:
        """The MLflow tracking URI: explicit setting, else a SQLite store under the data dir."""
        if self.mlflow_tracking_uri:
            return self.mlflow_tracking_uri
        return f"sqlite:///{self.mlflow_dir / 'mlflow.db'}"

    @property
    def mlflow_artifacts_dir(self) -> Path:
        return self.mlflow_dir / "artifacts"

    @property
    def prediction_log_dir(self) -> Path:
        return self.data_root / "prediction_log"

    @property
    def reports_dir(self) -> Path:
        return self.data_root / "reports"

    @property
    def models_dir(self) -> Path:
        """Packaged (encrypted) model bundles."""
        return self.data_root / "models"

    def layout(self) -> dict[str, Path]:
        """Every folder the pipeline writes to, by name, for display and for ``ensure_dirs``."""
        return {
            "data dir": self.data_root,
            "raw files": self.raw_dir,
            "warehouse": self.warehouse_path,
            "marts": self.marts_dir,
            "feast": self.feast_dir,
            "datasets": self.datasets_dir,
            "mlflow": self.mlflow_dir,
            "prediction log": self.prediction_log_dir,
            "reports": self.reports_dir,
            "models": self.models_dir,
        }

    def ensure_dirs(self) -> None:
        """Create the data-dir folders. Called by commands, never at import time."""
        for name, path in self.layout().items():
            if name == "warehouse":
                path.parent.mkdir(parents=True, exist_ok=True)
            else:
                path.mkdir(parents=True, exist_ok=True)


def get_settings() -> Settings:
    """Read settings fresh from the environment (cheap; no caching so tests can vary them)."""
    return Settings()
