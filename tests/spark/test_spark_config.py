"""The Spark session dbt starts (profiles.yml) and the one Feast and the CLI start are the same."""

from __future__ import annotations

import os
from pathlib import Path

import jinja2
import yaml

from creditrisk.features.config import repo_config_dict
from creditrisk.settings import PROJECT_ROOT, Settings
from creditrisk.spark_engine import spark_conf


def _spark_output(data_dir: Path) -> dict:
    def env_var(name: str, default: str | None = None) -> str:
        return str(data_dir) if name == "CREDITRISK_DATA_DIR" else os.environ.get(name, default)

    text = (PROJECT_ROOT / "profiles.yml").read_text()
    rendered = jinja2.Environment().from_string(text).render(env_var=env_var)
    return yaml.safe_load(rendered)["creditrisk"]["outputs"]["spark"]


def test_profile_and_spark_conf_configure_the_same_session(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, engine="spark")
    profile = _spark_output(tmp_path.resolve())
    # dbt-spark forces ANSI off itself; spark_conf says so explicitly for Feast's session.
    expected = {k: v for k, v in spark_conf(settings).items() if k != "spark.sql.ansi.enabled"}
    assert {k: str(v) for k, v in profile["server_side_parameters"].items()} == expected
    assert profile["method"] == "session"


def test_engine_spark_switches_feast_to_the_spark_offline_store(tmp_path: Path) -> None:
    spark = repo_config_dict(Settings(data_dir=tmp_path, engine="spark"))
    assert spark["offline_store"]["type"] == "spark"
    assert spark["offline_store"]["spark_conf"]["spark.sql.session.timeZone"] == "UTC"
    assert spark["batch_engine"]["type"] == "spark.engine"
    assert "materialization" not in spark
    assert repo_config_dict(Settings(data_dir=tmp_path))["offline_store"]["type"] != "spark"
