"""The feature views' schemas come from the dbt mart YAML, and are checked against it.

The mart YAMLs, one per mart beside its SQL (``dbt_project/models/marts/<mart>.yml``), are the
single source of truth for the marts' columns (:mod:`creditrisk.mart_columns` reads them).
``feature_repo/mart_schemas.py`` is generated from them (``python -m creditrisk.features.schema --write``)
and committed, so the Feast definitions are plain, reviewable code. Two checks keep them honest
(both run in the tests):

- :func:`render_mart_schemas` must reproduce the committed file byte for byte, and
- :func:`check_feature_views` compares every registered feature view field with the YAML.

Renaming or retyping a dbt column therefore fails a test, not a production request.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from creditrisk.errors import ConfigurationError
from creditrisk.mart_columns import MARTS_DIR, MartColumn, load_marts
from creditrisk.settings import PROJECT_ROOT

GENERATED_MODULE = PROJECT_ROOT / "feature_repo" / "mart_schemas.py"

FEATURE_MARTS = ("feat_loan_origination", "feat_loan_monthly_performance", "feat_company_financials")

#: The Feast tags set from column meta (``MartColumn.tags``), checked on every view field.
TAG_KEYS = ("risk_direction", "role")

#: The roles whose columns the generated module lists, and each list's name suffix.
GENERATED_ROLES: dict[str, str] = {
    "feature": "FEATURES",
    "attribute": "ATTRIBUTES",
    "bookkeeping": "BOOKKEEPING",
}


def generated_list_name(mart: str, role: str) -> str:
    """The name of the generated list of a mart's columns of one role (``FEAT_X_FEATURES``)."""
    return f"{mart.upper()}_{GENERATED_ROLES[role]}"


def _render_field(col: MartColumn) -> list[str]:
    tags = col.tags
    return [
        "    Field(",
        f"        name={json.dumps(col.name)},",
        f"        dtype={col.feast_type},",
        f"        description={json.dumps(col.description)},",
        *([f"        tags={json.dumps(tags, sort_keys=True)},"] if tags else []),
        "    ),",
    ]


def render_mart_schemas(path: Path = MARTS_DIR) -> str:
    """The text of ``feature_repo/mart_schemas.py`` for the mart YAML(s) at ``path``."""
    marts = load_marts(path)
    lines = [
        "# ruff: noqa: E501",
        '"""Feast fields of the dbt feature marts. GENERATED from the mart YAMLs',
        "(dbt_project/models/marts/<mart>.yml) by `python -m creditrisk.features.schema --write`;",
        "do not edit by hand (tests/features/test_feast_schema_contract.py fails when it is stale).",
        '"""',
        "",
        "from feast import Field",
        "from feast.types import Bool, Float64, Int64, String, UnixTimestamp  # noqa: F401",
        "",
    ]
    for mart in FEATURE_MARTS:
        if mart not in marts:
            raise ConfigurationError(f"mart '{mart}' is missing from {path}")
        for role in GENERATED_ROLES:
            name = generated_list_name(mart, role)
            fields = [line for col in marts[mart] if col.role == role for line in _render_field(col)]
            # An empty list on one line, as ruff format writes it, so the file stays format-clean.
            lines += [f"{name} = [", *fields, "]", ""] if fields else [f"{name} = []", ""]
    return "\n".join(lines).rstrip() + "\n"


def check_feature_views(feature_views, path: Path = MARTS_DIR) -> list[str]:
    """Problems where a feature view disagrees with its mart's YAML (empty list = agreement).

    Each view must read a mart named in the YAML (by its source file name), its entity key and
    timestamps must be columns of that mart, each field must be a column of the same Feast type
    and with the tags its meta gives it (the risk direction a model reads its monotone constraints
    from, the bookkeeping role), and every ``feature``-role column of the mart must be a field
    (nothing silently dropped).
    """
    marts = load_marts(path)
    problems: list[str] = []
    for fv in feature_views:
        mart = Path(fv.batch_source.path).stem
        if mart not in marts:
            problems.append(f"{fv.name}: source {mart} is not a mart in the dbt YAML")
            continue
        columns = {c.name: c for c in marts[mart]}
        wanted = [*fv.join_keys, fv.batch_source.timestamp_field, fv.batch_source.created_timestamp_column]
        problems += [f"{fv.name}: {c} is not a column of {mart}" for c in wanted if c and c not in columns]
        for field in fv.schema:
            if field.name in fv.join_keys:
                continue
            col = columns.get(field.name)
            if col is None:
                problems.append(f"{fv.name}.{field.name}: no such column in {mart}")
            elif str(field.dtype) != col.feast_type:
                problems.append(
                    f"{fv.name}.{field.name}: Feast type {field.dtype} but dbt says "
                    f"{col.data_type} ({col.feast_type})"
                )
            else:
                problems += _tag_problems(f"{fv.name}.{field.name}", field.tags or {}, col.tags)
        field_names = {f.name for f in fv.schema}
        problems += [
            f"{fv.name}: feature column {c.name} of {mart} is not in the view"
            for c in marts[mart]
            if c.role == "feature" and c.name not in field_names
        ]
    return problems


def _tag_problems(where: str, tags: dict[str, str], expected: dict[str, str]) -> list[str]:
    """Each tag the YAML governs (:data:`TAG_KEYS`) where a field disagrees with its column; a field
    may carry other tags of its own."""
    return [
        f"{where}: {key} tag {tags.get(key)} but dbt says {expected.get(key)}"
        for key in TAG_KEYS
        if tags.get(key) != expected.get(key)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate feature_repo/mart_schemas.py from the dbt YAML.")
    parser.add_argument("--write", action="store_true", help="write the file (default: check it is current)")
    args = parser.parse_args(argv)
    text = render_mart_schemas()
    if args.write:
        GENERATED_MODULE.write_text(text)
        return 0
    current = GENERATED_MODULE.read_text() if GENERATED_MODULE.exists() else ""
    if current != text:
        raise SystemExit(f"{GENERATED_MODULE} is stale; run python -m creditrisk.features.schema --write")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
