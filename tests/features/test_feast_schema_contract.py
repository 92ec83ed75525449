"""The Feast definitions agree with the dbt mart YAML; renaming a dbt column fails here."""

from __future__ import annotations

from pathlib import Path

import pytest

from creditrisk.errors import ConfigurationError
from creditrisk.features.repo import load_definitions
from creditrisk.features.schema import (
    FEATURE_MARTS,
    GENERATED_MODULE,
    GENERATED_ROLES,
    check_feature_views,
    generated_list_name,
    render_mart_schemas,
)
from creditrisk.mart_columns import MARTS_DIR, columns_with_role, load_marts, risk_directions
from creditrisk.model_specs import EXTRA_BOOKKEEPING_COLUMNS, bookkeeping_columns
from creditrisk.settings import Settings

#: The bookkeeping columns the feature views read besides their features (the on-demand views age
#: a row from them).
BOOKKEEPING_IN_VIEWS = ("reporting_month", "period_end_date")

#: interest_coverage's meta in the YAML, and the same with its direction flipped.
_INTEREST_COVERAGE_DIRECTION = (
    "interest expense.\n        meta: {role: feature, risk_direction: decreasing}",
    "interest expense.\n        meta: {role: feature, risk_direction: increasing}",
)


@pytest.fixture(scope="module")
def feature_views(tmp_path_factory: pytest.TempPathFactory) -> list:
    settings = Settings(data_dir=tmp_path_factory.mktemp("contract") / "data")
    return load_definitions(settings).feature_views


def test_generated_schemas_are_current() -> None:
    """Names, types and tags must match the YAML (descriptions may lag until the next --write)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("generated_mart_schemas", GENERATED_MODULE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    marts = load_marts()
    for mart in FEATURE_MARTS:
        for role in GENERATED_ROLES:
            generated = [
                (f.name, str(f.dtype), f.tags) for f in getattr(module, generated_list_name(mart, role))
            ]
            expected = [(c.name, c.feast_type, c.tags) for c in marts[mart] if c.role == role]
            assert generated == expected, (
                f"feature_repo/mart_schemas.py is stale for {mart}: "
                "run python -m creditrisk.features.schema --write"
            )


def test_the_generator_does_not_depend_on_file_order(tmp_path: Path) -> None:
    """The module is rebuilt from a folder of YAMLs: the same text whatever order they were written in."""
    folder = tmp_path / "marts"
    folder.mkdir()
    for source in sorted(MARTS_DIR.glob("*.yml"), reverse=True):
        (folder / source.name).write_text(source.read_text())
    assert render_mart_schemas(folder) == render_mart_schemas()


def test_training_reads_its_risk_directions_from_the_meta(tmp_path: Path) -> None:
    """The monotone constraints follow ``meta.risk_direction``: flip one in the YAML and the
    derived direction flips; training's map is the YAML's plus its alias for raw tables."""
    from training.families import MONOTONE_ALIASES, known_monotone

    flipped = _edited_yaml(tmp_path, *_INTEREST_COVERAGE_DIRECTION)
    assert risk_directions()["interest_coverage"] == -1
    assert risk_directions(flipped)["interest_coverage"] == 1
    assert "current_ratio" not in risk_directions()  # a feature without a known direction
    assert dict(known_monotone()) == {**risk_directions(), **MONOTONE_ALIASES}
    assert set(MONOTONE_ALIASES).isdisjoint(c.name for cols in load_marts().values() for c in cols)


def test_the_model_specs_read_the_bookkeeping_columns_from_the_meta(tmp_path: Path) -> None:
    """Bookkeeping follows ``meta.role``: a column whose role is changed in the YAML drops out;
    the model specs' set is the YAML's plus the generator's true PD, which no mart has."""
    edited = _edited_yaml(
        tmp_path,
        "The observation (reporting) month, 1st of the month.\n        meta: {role: bookkeeping}",
        "The observation (reporting) month, 1st of the month.\n        meta: {role: attribute}",
    )
    assert "observation_month" in columns_with_role("bookkeeping")
    assert "observation_month" not in columns_with_role("bookkeeping", edited)
    assert bookkeeping_columns() == columns_with_role("bookkeeping") | EXTRA_BOOKKEEPING_COLUMNS
    assert EXTRA_BOOKKEEPING_COLUMNS.isdisjoint(c.name for cols in load_marts().values() for c in cols)


def test_the_views_bookkeeping_fields_carry_the_generated_tags(feature_views: list) -> None:
    """The columns a view reads besides its features are the generated fields, tags and all."""
    bookkeeping = {
        (fv.name, f.name): f.tags for fv in feature_views for f in fv.schema if f.name in BOOKKEEPING_IN_VIEWS
    }
    assert bookkeeping == {
        ("loan_monthly_performance", "reporting_month"): {"role": "bookkeeping"},
        ("company_financials", "period_end_date"): {"role": "bookkeeping"},
    }


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("risk_direction: decreasing}", "risk_direction: downward}", "meta.risk_direction 'downward'"),
        ("{role: feature}", "{role: feture}", "meta.role 'feture'"),
        ("{role: attribute}", "{role: attribute, risk_direction: increasing}", "only for features"),
    ],
)
def test_unknown_column_meta_fails_loudly(tmp_path: Path, old: str, new: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        load_marts(_edited_yaml(tmp_path, old, new))


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


def test_flipping_a_risk_direction_fails_the_check(tmp_path: Path, feature_views: list) -> None:
    yaml_path = _edited_yaml(tmp_path, *_INTEREST_COVERAGE_DIRECTION)
    assert check_feature_views(feature_views, yaml_path) == [
        "company_financials.interest_coverage: risk_direction tag -1 but dbt says +1"
    ]


def test_dropping_a_bookkeeping_role_fails_the_check(tmp_path: Path, feature_views: list) -> None:
    """A view field must carry the role tag of its column, as it must the risk direction."""
    yaml_path = _edited_yaml(
        tmp_path,
        "Monthly reporting period (1st of the month).\n        meta: {role: bookkeeping}",
        "Monthly reporting period (1st of the month).\n        meta: {role: attribute}",
    )
    assert check_feature_views(feature_views, yaml_path) == [
        "loan_monthly_performance.reporting_month: role tag bookkeeping but dbt says None"
    ]


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
