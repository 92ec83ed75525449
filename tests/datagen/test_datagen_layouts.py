"""File layouts: field counts per layout, loan id format, file names, no header."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from datagen_helpers import build, read_pipe

from creditrisk.datagen.layouts import LAYOUTS, get_layout
from creditrisk.errors import ConfigurationError

LOAN_ID = re.compile(r"^F(\d{2})Q([1-4])\d{7}$")
EXPECTED = {26: (26, 26), 32: (32, 32), 31: (31, 35)}


@pytest.mark.parametrize("layout", [26, 31, 32])
def test_every_row_has_the_layouts_field_count(tmp_path: Path, layout: int) -> None:
    raw = build(tmp_path, loans=300, companies=10, months=18, layout=layout)
    orig_fields, perf_fields = EXPECTED[layout]
    origs = sorted(p for p in (raw / "freddie").glob("historical_data_*.txt") if "_time_" not in p.name)
    perfs = sorted((raw / "freddie").glob("historical_data_time_*.txt"))
    assert origs and len(origs) == len(perfs)
    for path in origs:
        assert {line.count("|") + 1 for line in path.read_text().splitlines()} == {orig_fields}
    for path in perfs:
        assert {line.count("|") + 1 for line in path.read_text().splitlines()} == {perf_fields}
    assert len(LAYOUTS[layout].origination) == orig_fields
    assert len(LAYOUTS[layout].performance) == perf_fields


def test_release_47_moves_servicer_and_mi_cancellation_to_the_performance_file() -> None:
    r47 = get_layout(31)
    assert "servicer_name" not in r47.origination and "mi_cancellation_indicator" not in r47.origination
    assert r47.origination[-1] == "vantagescore_4"
    assert r47.performance[32:] == ("mi_cancellation_indicator", "servicer_name", "bankruptcy_cramdown_costs")
    assert get_layout(32).origination[:23] == r47.origination[:23]


def test_unknown_layout_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        get_layout(27)


def test_loan_ids_use_the_official_format_and_match_their_file(raw_dir: Path) -> None:
    for path in (raw_dir / "freddie").glob("historical_data_*.txt"):
        if "_time_" in path.name:
            continue
        year, quarter = re.match(r"historical_data_(\d{4})Q(\d)\.txt", path.name).groups()  # type: ignore[union-attr]
        ids = read_pipe(path)[19]
        assert ids.is_unique
        assert ids.str.len().eq(12).all()
        parts = ids.str.extract(LOAN_ID)
        assert parts.notna().all().all(), ids[parts[0].isna()].head()
        assert (parts[0] == year[2:]).all() and (parts[1] == quarter).all()


def test_performance_rows_join_their_origination_file(raw_dir: Path) -> None:
    for perf in (raw_dir / "freddie").glob("historical_data_time_*.txt"):
        orig = perf.with_name(perf.name.replace("_time_", "_"))
        assert set(read_pipe(perf)[0]) <= set(read_pipe(orig)[19])


def test_files_have_no_header_and_dates_are_yyyymm(origination, performance) -> None:
    assert origination[1].str.fullmatch(r"20\d{2}(0[1-9]|1[0-2])").all()
    assert performance[1].str.fullmatch(r"20\d{2}(0[1-9]|1[0-2])").all()
    assert origination[3].str.fullmatch(r"20\d{2}(0[1-9]|1[0-2])").all()
