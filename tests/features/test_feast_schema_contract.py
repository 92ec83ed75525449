"""The Feast definitions agree with the dbt mart YAML; renaming a dbt column fails here."""

from __future__ import annotations

from pathlib import Path

import pytest

from creditrisk.features.repo import load_definitions
from creditrisk.features.schema import (
    FEATURE_MARTS,
    GENERATED_MODULE,
    MARTS_DIR,
    check_feature_views,
    load_marts,
    render_mart_schemas,
)
from creditrisk.settings import Settings


@pytest.fixture(scope="module")
def feature_views(tmp_path_factory: pytest.TempPathFactory) -> list:
    settings = Settings(data_dir=tmp_path_factory.mktemp("contract") / "data")
    return load_definitions(settings).feature_views


def test_generated_schemas_are_current() -> None:
    """Names and types must match the YAML (descriptions may lag until the next --write)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("generated_mart_schemas", GENERATED_MODULE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    marts = load_marts()
    for mart in FEATURE_MARTS:
        for role in ("feature", "attribute"):
            generated = [(f.name, str(f.dtype)) for f in getattr(module, f"{mart.upper()}_{role.upper()}S")]
            expected = [(c.name, c.feast_type) for c in marts[mart] if c.role == role]
            assert generated == expected, (
                f"feature_repo/mart_schemas.py is stale for {mart}: "
                "run python -m creditrisk.features.schema --write"
            )


def test_every_feature_view_field_matches_its_mart_column(feature_views: list) -> None:
    assert {fv.name for fv in feature_views} == {
        "loan_origination",
        "loan_monthly_performance",
        "company_financials",
    }
    assert check_feature_views(feature_views) == []


def _edited_yaml(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the mart YAML folder with the first ``old`` (in whichever mart holds it) replaced."""
    folder = tmp_path / "marts"
    folder.mkdir()
    replaced = False
    for source in sorted(MARTS_DIR.glob("*.yml")):
        text = source.read_text()
        if not replaced and old in text:
            text, replaced = text.replace(old, new, 1), True
        (folder / source.name).write_text(text)
    assert replaced, old
    return folder


def test_renaming_a_dbt_column_fails_the_check(tmp_path: Path, feature_views: list) -> None:
    yaml_path = _edited_yaml(tmp_path, "- name: current_ratio\n", "- name: current_ratio_renamed\n")
    problems = check_feature_views(feature_views, yaml_path)
    assert any("company_financials.current_ratio: no such column" in p for p in problems), problems
    assert any(
        "column current_ratio_renamed of feat_company_financials is not in the view" in p for p in problems
    ), problems
    assert render_mart_schemas(yaml_path) != GENERATED_MODULE.read_text()


def test_retyping_a_dbt_column_fails_the_check(tmp_path: Path, feature_views: list) -> None:
    yaml_path = _edited_yaml(
        tmp_path,
        "- name: orig_loan_term_months\n        data_type: BIGINT",
        "- name: orig_loan_term_months\n        data_type: DOUBLE",
    )
    problems = check_feature_views(feature_views, yaml_path)
    assert problems == [
        "loan_origination.orig_loan_term_months: Feast type Int64 but dbt says DOUBLE (Float64)"
    ]


def test_sources_point_at_the_settings_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "elsewhere")
    paths = {Path(fv.batch_source.path) for fv in load_definitions(settings).feature_views}
    assert {p.parent for p in paths} == {settings.marts_dir}
