"""Same seed, same bytes; another seed, other data."""

from __future__ import annotations

import hashlib
from pathlib import Path

from datagen_helpers import build


def _digests(raw: Path) -> dict[str, str]:
    return {
        str(p.relative_to(raw)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(raw.rglob("*"))
        if p.is_file() and p.name != "_manifest.json"
    }


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    options = {"loans": 400, "companies": 30, "months": 24, "corrupt_rate": 0.01}
    first = _digests(build(tmp_path / "a", seed=7, **options))
    second = _digests(build(tmp_path / "b", seed=7, **options))
    assert first == second
    assert any(name.startswith("_truth/") for name in first)
    other = _digests(build(tmp_path / "c", seed=8, **options))
    assert other.keys() == first.keys()
    assert all(other[k] != first[k] for k in first if k.startswith("freddie/historical_data_time_"))


def test_regenerating_replaces_the_previous_files(tmp_path: Path) -> None:
    raw = build(tmp_path, loans=200, companies=10, start="2018-01", months=12)
    raw = build(tmp_path, loans=200, companies=10, start="2020-01", months=12)
    names = {p.name for p in (raw / "freddie").iterdir()}
    assert not any("2018" in n for n in names)


def test_files_the_generator_did_not_write_are_never_overwritten_or_deleted(tmp_path: Path) -> None:
    import pytest

    from creditrisk.errors import DataError

    raw = tmp_path / "raw" / "freddie"
    raw.mkdir(parents=True)
    real = raw / "historical_data_2018Q1.txt"
    real.write_text("downloaded\n")
    other = raw / "historical_data_2005Q1.txt"
    other.write_text("downloaded\n")
    with pytest.raises(DataError, match="refusing to overwrite"):
        build(tmp_path, loans=100, companies=5, months=6)
    assert real.read_text() == "downloaded\n"
    real.unlink()
    build(tmp_path, loans=100, companies=5, months=6)
    build(tmp_path, loans=100, companies=5, months=6)
    assert other.read_text() == "downloaded\n"


def test_worker_processes_give_the_same_bytes(tmp_path: Path) -> None:
    options = {"loans": 300, "companies": 10, "months": 12, "seed": 5}
    single = _digests(build(tmp_path / "one", workers=1, **options))
    parallel = _digests(build(tmp_path / "two", workers=2, **options))
    assert single == parallel
