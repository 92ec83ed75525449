"""The feature views' schemas come from the dbt mart YAML, and are checked against it.

The mart YAMLs, one per mart beside its SQL (``dbt_project/models/marts/<mart>.yml``), are the
single source of truth for the marts' columns. ``feature_repo/mart_schemas.py`` is generated from
them (``python -m creditrisk.features.schema --write``) and committed, so the Feast definitions are
plain, reviewable code. Two checks keep them honest (both run in the tests):

- :func:`render_mart_schemas` must reproduce the committed file byte for byte, and
- :func:`check_feature_views` compares every registered feature view field with the YAML.

Renaming or retyping a dbt column therefore fails a test, not a production request.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from creditrisk.errors import ConfigurationError
from creditrisk.settings import PROJECT_ROOT

#: The folder of the mart YAMLs (every ``*.yml`` in it is read; one file per mart).
MARTS_DIR = PROJECT_ROOT / "dbt_project" / "models" / "marts"
GENERATED_MODULE = PROJECT_ROOT / "feature_repo" / "mart_schemas.py"

#: dbt data type -> Feast type name (``feast.types``). Dates become Unix timestamps in Feast.
DBT_TO_FEAST: dict[str, str] = {
    "DOUBLE": "Float64",
    "BIGINT": "Int64",
    "VARCHAR": "String",
    "BOOLEAN": "Bool",
    "DATE": "UnixTimestamp",
    "TIMESTAMP WITH TIME ZONE": "UnixTimestamp",
}

FEATURE_MARTS = ("feat_loan_origination", "feat_loan_monthly_performance", "feat_company_financials")

#: ``meta.role`` values a mart column may have (docs/contracts.md section 2); a typo fails loudly.
ROLES = frozenset({"entity", "timestamp", "attribute", "feature", "label", "bookkeeping"})

#: ``meta.risk_direction`` of a feature -> its Feast tag value, the sign of the monotone constraint
#: a model may put on it ("+1": a higher value never means lower risk).
RISK_DIRECTIONS: dict[str, str] = {"increasing": "+1", "decreasing": "-1"}

#: The roles whose columns the generated module lists, and each list's name suffix.
GENERATED_ROLES: dict[str, str] = {
    "feature": "FEATURES",
    "attribute": "ATTRIBUTES",
    "bookkeeping": "BOOKKEEPING",
}


@dataclass(frozen=True)
class MartColumn:
    name: str
    data_type: str
    role: str
    description: str
    #: ``increasing`` / ``decreasing`` (``meta.risk_direction``), empty when no direction is known.
    risk_direction: str = ""

    @property
    def tags(self) -> dict[str, str]:
        """Feast ``Field`` tags for the column meta Feast has no field for: the risk direction
        (``{"risk_direction": "+1"}`` or ``"-1"``) and bookkeeping (``{"role": "bookkeeping"}``)."""
        tags: dict[str, str] = {}
        if self.risk_direction:
            tags["risk_direction"] = RISK_DIRECTIONS[self.risk_direction]
        if self.role == "bookkeeping":
            tags["role"] = "bookkeeping"
        return tags

    @property
    def feast_type(self) -> str:
        try:
            return DBT_TO_FEAST[self.data_type.upper()]
        except KeyError:
            raise ConfigurationError(
                f"column '{self.name}' has dbt type {self.data_type}, which has no Feast mapping"
            ) from None


def _mart_yaml_files(path: Path) -> list[Path]:
    """The YAML files at ``path``: the file itself, or every ``*.yml`` of a folder (sorted, so
    the result never depends on the file system's order)."""
    if path.is_dir():
        files = sorted(path.glob("*.yml"))
        if not files:
            raise ConfigurationError(f"no dbt mart YAML in {path}")
        return files
    if not path.exists():
        raise ConfigurationError(f"dbt mart YAML not found: {path}")
    return [path]


def load_marts(path: Path = MARTS_DIR) -> dict[str, list[MartColumn]]:
    """Every mart's columns, in YAML order, from a folder of mart YAMLs or a single file."""
    marts: dict[str, list[MartColumn]] = {}
    for file in _mart_yaml_files(path):
        doc = yaml.safe_load(file.read_text()) or {}
        for model in doc.get("models", []):
            if model["name"] in marts:
                raise ConfigurationError(f"mart '{model['name']}' is declared twice (again in {file})")
            marts[model["name"]] = [_column(model["name"], col) for col in model.get("columns", [])]
    return marts


def _column(mart: str, col: dict) -> MartColumn:
    """One column of a mart YAML, its meta checked against the vocabulary the generator knows."""
    meta = col.get("meta") or {}
    column = MartColumn(
        name=col["name"],
        data_type=str(col.get("data_type", "")),
        role=str(meta.get("role", "")),
        description=" ".join(str(col.get("description", "")).split()),
        risk_direction=str(meta.get("risk_direction", "")),
    )
    where = f"{mart}.{column.name}"
    if column.role not in ROLES:
        raise ConfigurationError(f"{where}: meta.role '{column.role}' is not one of {sorted(ROLES)}")
    if column.risk_direction and column.risk_direction not in RISK_DIRECTIONS:
        raise ConfigurationError(
            f"{where}: meta.risk_direction '{column.risk_direction}' is not one of {sorted(RISK_DIRECTIONS)}"
        )
    if column.risk_direction and column.role != "feature":
        raise ConfigurationError(f"{where}: meta.risk_direction is only for features, not a {column.role}")
    return column


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
    and risk direction tag (what a model reads its monotone constraints from), and every
    ``feature``-role column of the mart must be a field (nothing silently dropped).
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
            elif (field.tags or {}).get("risk_direction") != col.tags.get("risk_direction"):
                problems.append(
                    f"{fv.name}.{field.name}: risk_direction tag {(field.tags or {}).get('risk_direction')} "
                    f"but dbt says {col.tags.get('risk_direction')}"
                )
        field_names = {f.name for f in fv.schema}
        problems += [
            f"{fv.name}: feature column {c.name} of {mart} is not in the view"
            for c in marts[mart]
            if c.role == "feature" and c.name not in field_names
        ]
    return problems


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
