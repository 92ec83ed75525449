"""The project's own config keeps telemetry off and points every tool at the data dir."""

from __future__ import annotations

import yaml

from creditrisk.settings import PROJECT_ROOT


def test_dbt_usage_stats_off_in_project_config() -> None:
    project = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())
    assert project["flags"]["send_anonymous_usage_stats"] is False


def test_dbt_profile_lives_under_the_data_dir() -> None:
    profile = yaml.safe_load((PROJECT_ROOT / "profiles.yml").read_text())
    dev = profile["creditrisk"]["outputs"]["dev"]
    assert "CREDITRISK_DATA_DIR" in dev["path"] and "CREDITRISK_DATA_DIR" in dev["external_root"]
