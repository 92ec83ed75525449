from __future__ import annotations

from datetime import date

from creditrisk.demo_contract import DemoOptions, default_window_start


def test_default_demo_window_ends_last_month() -> None:
    assert default_window_start(60, today=date(2026, 11, 22)) == "2021-11"
    assert default_window_start(1, today=date(2026, 1, 5)) == "2025-12"
    assert default_window_start(12, today=date(2026, 12, 31)) == "2025-12"


def test_explicit_start_wins() -> None:
    assert DemoOptions(start="2018-01").window_start == "2018-01"
    assert DemoOptions(months=24).window_start == default_window_start(24)
