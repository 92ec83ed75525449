"""--corrupt-rate: realistic bad rows in every source, each one listed in the manifest."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from datagen_helpers import build

from creditrisk.datagen.corrupt import KINDS


@pytest.fixture(scope="module")
def corrupted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("corrupt"), loans=600, companies=60, months=24, corrupt_rate=0.02)


def _expected_fields(rel: str, header: str | None) -> int:
    if rel.startswith("freddie/"):
        return 32
    assert header is not None
    return header.count(",") + 1


def test_every_file_gets_bad_rows_of_every_kind(corrupted: Path) -> None:
    listed = pd.read_csv(corrupted / "_truth" / "corruptions.csv")
    written = {
        str(p.relative_to(corrupted))
        for p in corrupted.rglob("*")
        if p.is_file() and p.parent != corrupted and "_truth" not in p.parts
        and len(p.read_text().splitlines()) > (0 if p.suffix == ".txt" else 1)  # has data rows
    }  # fmt: skip
    assert set(listed.file) == written
    assert set(listed.kind) == set(KINDS)
    assert not listed.duplicated(["file", "line_number"]).any()


def test_listed_rows_are_bad_and_the_rest_are_well_formed(corrupted: Path) -> None:
    listed = pd.read_csv(corrupted / "_truth" / "corruptions.csv")
    for rel, group in listed.groupby("file"):
        lines = (corrupted / rel).read_text().splitlines()
        header = None if rel.startswith("freddie/") else lines[0]
        sep = "|" if rel.startswith("freddie/") else ","
        expected = _expected_fields(rel, header)
        bad = dict(zip(group.line_number, group.kind, strict=True))
        for number, line in enumerate(lines, start=1):
            kind = bad.get(number)
            fields = line.split(sep) if sep == "|" else next(csv.reader([line]))
            if kind == "wrong_field_count":
                assert len(fields) != expected
            elif kind == "duplicate_key":
                assert line == lines[number - 2]
            elif kind is None:
                assert len(fields) == expected, (rel, number)
            else:
                assert len(fields) == expected


def test_no_corruption_by_default(raw_dir: Path) -> None:
    assert pd.read_csv(raw_dir / "_truth" / "corruptions.csv").empty
