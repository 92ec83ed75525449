"""The Parquet marts match their YAML declaration (the contract Feast is checked against)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from creditrisk.settings import PROJECT_ROOT
from creditrisk.warehouse import MART_NAMES
from tests.dbt.builds import Built

MARTS_DIR = PROJECT_ROOT / "dbt_project" / "models" / "marts"

ARROW_TYPES = {
    "DOUBLE": pa.float64(),
    "BIGINT": pa.int64(),
    "VARCHAR": pa.string(),
    "DATE": pa.date32(),
    "TIMESTAMP WITH TIME ZONE": pa.timestamp("us", tz="UTC"),
}


def declared_marts() -> dict[str, list[dict]]:
    return {
        model["name"]: model["columns"]
        for path in sorted(MARTS_DIR.glob("*.yml"))
        for model in yaml.safe_load(path.read_text())["models"]
    }


def test_yaml_declares_exactly_the_five_marts() -> None:
    assert sorted(declared_marts()) == sorted(MART_NAMES)


def test_each_mart_has_its_own_yaml_beside_its_sql() -> None:
    """One YAML per mart, named after it, declaring only it (dbt's config-per-model layout)."""
    for mart in MART_NAMES:
        assert (MARTS_DIR / f"{mart}.sql").is_file(), mart
        models = yaml.safe_load((MARTS_DIR / f"{mart}.yml").read_text())["models"]
        assert [model["name"] for model in models] == [mart]
    assert sorted(path.stem for path in MARTS_DIR.glob("*.yml")) == sorted(MART_NAMES)


@pytest.mark.parametrize("mart", MART_NAMES)
def test_mart_columns_and_types_match_the_yaml(generated_build: Built, mart: str) -> None:
    schema = pq.read_schema(generated_build.settings.marts_dir / f"{mart}.parquet")
    declared = declared_marts()[mart]
    assert schema.names == [column["name"] for column in declared]
    for column in declared:
        arrow_type = schema.field(column["name"]).type
        assert not pa.types.is_decimal(arrow_type), f"{mart}.{column['name']} is DECIMAL"
        assert arrow_type == ARROW_TYPES[column["data_type"]], (mart, column["name"], arrow_type)
        assert column.get("description"), f"{mart}.{column['name']} has no description"


def test_feature_names_are_unique_across_feature_marts() -> None:
    seen: dict[str, str] = {}
    for mart, columns in declared_marts().items():
        if not mart.startswith("feat_"):
            continue
        for column in columns:
            if column["meta"]["role"] == "feature":
                assert column["name"] not in seen, f"{column['name']} in {mart} and {seen[column['name']]}"
                seen[column["name"]] = mart


@pytest.mark.parametrize("mart", MART_NAMES)
def test_timestamps_read_back_as_utc_aware(generated_build: Built, mart: str) -> None:
    frame = generated_build.mart(mart)
    assert len(frame) > 0
    for column in ("event_timestamp", "created_timestamp"):
        if column in frame:
            assert str(frame[column].dtype) == "datetime64[us, UTC]", (mart, column, frame[column].dtype)
