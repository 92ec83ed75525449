"""Bad rows on request (``--corrupt-rate``), so the staging layer's quarantine can be tested.

A fraction of the data rows of every file is damaged in the ways real feeds go wrong: a
wrong field count, a non-numeric value in a numeric field, an impossible date, a code outside
the valid set, or a duplicate of an existing key (an extra copy of a row). Damaged rows
replace the good row in place; duplicates are inserted after the original. Every one is
listed in ``_truth/corruptions.csv`` by file, 1-based line number and kind.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from creditrisk.datagen.config import GeneratorConfig

KINDS = ("wrong_field_count", "non_numeric", "impossible_date", "bad_code", "duplicate_key")

#: file family -> (delimiter, has header, {kind: (field position, replacement)})
_RULES: dict[str, tuple[str, bool, dict[str, tuple[int, str]]]] = {
    "origination": ("|", False, {"non_numeric": (0, "N/A"), "impossible_date": (1, "{y}13"),
                                 "bad_code": (7, "X")}),
    "performance": ("|", False, {"non_numeric": (2, "12O45.00"), "impossible_date": (1, "{y}00"),
                                 "bad_code": (3, "Z7")}),
    "statements": (",", True, {"non_numeric": (7, "n/a"), "impossible_date": (3, "{y}-02-30"),
                               "bad_code": (6, "XXX")}),
    "companies": (",", True, {"non_numeric": (3, "unknown"), "bad_code": (2, "Sector 51")}),
    "bankruptcies": (",", True, {"impossible_date": (1, "{y}-13-01"), "bad_code": (2, "13")}),
    "state_series": (",", True, {"non_numeric": (2, "n.a."), "impossible_date": (1, "{y}-13"),
                                 "bad_code": (0, "ZZ")}),
    "national_series": (",", True, {"non_numeric": (1, "n.a."), "impossible_date": (0, "{y}-13")}),
}  # fmt: skip


def _family(rel: str) -> str:
    name = Path(rel).name
    if name.startswith("historical_data_time_"):
        return "performance"
    if name.startswith("historical_data_"):
        return "origination"
    if name == "financial_statements.csv":
        return "statements"
    if name in ("companies.csv", "bankruptcies.csv"):
        return name.removesuffix(".csv")
    if name.startswith("state_"):
        return "state_series"
    return "national_series"


def _damage(line: str, kind: str, delimiter: str, rules: dict[str, tuple[int, str]], year: str) -> str:
    fields = line.split(delimiter)
    if kind == "wrong_field_count":
        return delimiter.join(fields[:-1]) if len(fields) > 2 else line + delimiter + "X"
    pos, value = rules[kind]
    fields[pos] = value.format(y=year)
    return delimiter.join(fields)


def corrupt_file(path: Path, rel: str, rate: float, rng: np.random.Generator) -> list[tuple[str, int, str]]:
    """Damage about ``rate`` of the data rows of one file in place; returns (file, line, kind)."""
    delimiter, header, rules = _RULES[_family(rel)]
    lines = path.read_text().splitlines()
    first = 1 if header else 0
    n = len(lines) - first
    if n <= 0:
        return []
    count = max(1, round(n * rate))
    chosen = np.sort(rng.choice(n, size=min(count, n), replace=False)) + first
    kinds = [k for k in KINDS if k in rules or k in ("wrong_field_count", "duplicate_key")]
    picked = {int(i): kinds[int(rng.integers(len(kinds)))] for i in chosen}
    out: list[str] = []
    records: list[tuple[str, int, str]] = []
    year = str(2000 + int(rng.integers(0, 30)))
    for i, line in enumerate(lines):
        kind = picked.get(i)
        if kind is None:
            out.append(line)
        elif kind == "duplicate_key":
            out.append(line)
            out.append(line)
            records.append((rel, len(out), kind))
        else:
            out.append(_damage(line, kind, delimiter, rules, year))
            records.append((rel, len(out), kind))
    path.write_text("\n".join(out) + "\n")
    return records


def corrupt_files(
    config: GeneratorConfig, raw_dir: Path, files: dict[str, int]
) -> list[tuple[str, int, str]]:
    """Corrupt every written file at ``config.corrupt_rate``; updates ``files`` row counts."""
    if config.corrupt_rate <= 0:
        return []
    rng = np.random.default_rng(np.random.SeedSequence([config.seed, 4]))
    records: list[tuple[str, int, str]] = []
    for rel in sorted(files):
        found = corrupt_file(raw_dir / rel, rel, config.corrupt_rate, rng)
        files[rel] += sum(1 for _, _, kind in found if kind == "duplicate_key")
        records.extend(found)
    return records
