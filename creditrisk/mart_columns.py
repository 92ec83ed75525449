"""The dbt mart YAML read as columns with their meta: the one reader of those files.

The mart YAMLs, one per mart beside its SQL (``dbt_project/models/marts/<mart>.yml``), say for
every column its type, its role (``meta.role``) and, for a feature, its known risk direction
(``meta.risk_direction``); docs/contracts.md, section 2. The feature layer generates and checks
the Feast fields from them (:mod:`creditrisk.features.schema`), and the core and training read the
bookkeeping columns and risk directions from them, so no list restates the YAML.

It sits below the core's model list (``.importlinter``) so that :mod:`creditrisk.model_specs` may
read it; it knows nothing of Feast or dbt beyond the files' text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from creditrisk.errors import ConfigurationError
from creditrisk.settings import PROJECT_ROOT

#: The folder of the mart YAMLs (every ``*.yml`` in it is read; one file per mart).
MARTS_DIR = PROJECT_ROOT / "dbt_project" / "models" / "marts"

#: dbt data type -> Feast type name (``feast.types``). Dates become Unix timestamps in Feast.
DBT_TO_FEAST: dict[str, str] = {
    "DOUBLE": "Float64",
    "BIGINT": "Int64",
    "VARCHAR": "String",
    "BOOLEAN": "Bool",
    "DATE": "UnixTimestamp",
    "TIMESTAMP WITH TIME ZONE": "UnixTimestamp",
}

#: ``meta.role`` values a mart column may have (docs/contracts.md section 2); a typo fails loudly.
ROLES = frozenset({"entity", "timestamp", "attribute", "feature", "label", "bookkeeping"})

#: ``meta.risk_direction`` of a feature -> its Feast tag value, the sign of the monotone constraint
#: a model may put on it ("+1": a higher value never means lower risk).
RISK_DIRECTIONS: dict[str, str] = {"increasing": "+1", "decreasing": "-1"}


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


def columns_with_role(role: str, path: Path = MARTS_DIR) -> frozenset[str]:
    """The names of the columns of any mart whose ``meta.role`` is ``role``."""
    if role not in ROLES:
        raise ConfigurationError(f"role '{role}' is not one of {sorted(ROLES)}")
    return frozenset(c.name for columns in load_marts(path).values() for c in columns if c.role == role)


def risk_directions(path: Path = MARTS_DIR) -> dict[str, int]:
    """Each feature with a ``meta.risk_direction`` and its sign: +1 (a higher value never lowers
    risk) or -1 (never raises it). A name with two different directions fails loudly, since a
    lookup by name could not tell them apart."""
    signs: dict[str, int] = {}
    for mart, columns in load_marts(path).items():
        for c in columns:
            if not c.risk_direction:
                continue
            sign = int(RISK_DIRECTIONS[c.risk_direction])
            if signs.setdefault(c.name, sign) != sign:
                raise ConfigurationError(
                    f"{mart}.{c.name}: meta.risk_direction disagrees with another mart's"
                )
    return signs
