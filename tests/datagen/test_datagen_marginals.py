"""Origination marginals against the shared reference (2024 vintage, first payments 2024-02/03)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from datagen_helpers import build, read_pipe

#: (position (0-based), reference quantiles at 1, 10, 25, 50, 75, 90, 99%, absolute tolerance)
QUANTILES = {
    "credit_score": (0, [630, 681, 717, 756, 786, 801, 814], 8),
    "mi_pct": (5, [0, 0, 0, 0, 25, 30, 35], 6),
    "original_cltv": (8, [19, 45, 66, 80, 93, 95, 102], 5),
    "original_dti": (9, [13, 25, 32, 40, 46, 49, 50], 3),
    "original_ltv": (11, [19, 45, 66, 80, 92, 95, 97], 4),
    "original_interest_rate": (12, [5.375, 6.0, 6.375, 6.625, 7.0, 7.5, 8.125], 0.30),
    "number_of_borrowers": (22, [1, 1, 1, 1, 2, 2, 3], 1),
}
UPB_QUANTILES = [57_690, 120_000, 179_000, 280_000, 413_000, 567_000, 767_000]
SHARES = {
    "first_time_homebuyer_flag": (2, {"N": 0.61, "Y": 0.39}),
    "occupancy_status": (7, {"P": 0.90, "I": 0.08, "S": 0.02}),
    "channel": (13, {"R": 0.42, "C": 0.40, "B": 0.18}),
    "property_type": (17, {"SF": 0.59, "PU": 0.29, "CO": 0.10, "MH": 0.02}),
    "loan_purpose": (20, {"P": 0.81, "C": 0.12, "N": 0.06}),
    "special_eligibility_program": (27, {"9": 0.89, "H": 0.09, "F": 0.02}),
    "property_valuation_method": (29, {"2": 0.87, "1": 0.11, "4": 0.02}),
    "mi_cancellation_indicator": (31, {"7": 0.62, "N": 0.37}),
}
STATES = {"TX": 0.11, "FL": 0.09, "CA": 0.07, "NY": 0.04, "OH": 0.04}
PROBS = [0.01, 0.10, 0.25, 0.50, 0.75, 0.90, 0.99]


@pytest.fixture(scope="module")
def vintage_2024(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    raw = build(tmp_path_factory.mktemp("marginals"), loans=8000, companies=5, start="2024-02", months=3)
    files = [p for p in (raw / "freddie").glob("historical_data_*.txt") if "_time_" not in p.name]
    return pd.concat([read_pipe(p) for p in files], ignore_index=True)


def _numeric(col: pd.Series, sentinel: str) -> pd.Series:
    return pd.to_numeric(col[col != sentinel])


@pytest.mark.parametrize("name", sorted(QUANTILES))
def test_numeric_quantiles_match_the_reference(vintage_2024: pd.DataFrame, name: str) -> None:
    pos, reference, tol = QUANTILES[name]
    sentinel = {"credit_score": "9999", "number_of_borrowers": "99"}.get(name, "999")
    got = np.quantile(_numeric(vintage_2024[pos], sentinel), PROBS)
    assert np.all(np.abs(got - np.array(reference)) <= tol), f"{name}: {got} vs {reference}"


def test_upb_is_rounded_to_thousands_and_matches_the_reference(vintage_2024: pd.DataFrame) -> None:
    upb = pd.to_numeric(vintage_2024[10])
    assert (upb % 1000 == 0).all()
    got = np.quantile(upb, PROBS)
    assert np.all(np.abs(got / np.array(UPB_QUANTILES) - 1) < 0.12), got


def test_rates_step_by_an_eighth(vintage_2024: pd.DataFrame) -> None:
    rate = pd.to_numeric(vintage_2024[12])
    assert np.allclose(rate * 8, np.round(rate * 8))


@pytest.mark.parametrize("name", sorted(SHARES))
def test_category_shares_match_the_reference(vintage_2024: pd.DataFrame, name: str) -> None:
    pos, reference = SHARES[name]
    shares = vintage_2024[pos].value_counts(normalize=True)
    for value, share in reference.items():
        assert abs(shares.get(value, 0.0) - share) < 0.03, f"{name}={value}: {shares.get(value, 0.0):.3f}"


def test_state_mix_msa_blanks_and_postal_codes(vintage_2024: pd.DataFrame) -> None:
    shares = vintage_2024[16].value_counts(normalize=True)
    for state, share in STATES.items():
        assert abs(shares[state] - share) < 0.02, state
    assert abs((vintage_2024[4] == "").mean() - 0.12) < 0.03
    assert vintage_2024[4][vintage_2024[4] != ""].str.fullmatch(r"\d{5}").all()
    assert vintage_2024[18].str.fullmatch(r"\d{3}00").all()


def test_sentinels_appear_at_small_rates(raw_dir: Path, origination: pd.DataFrame) -> None:
    assert 0 < (origination[9] == "999").mean() < 0.02  # DTI not available
    assert (origination[0] == "9999").mean() < 0.01
    assert set(origination[15]) == {"FRM"} and set(origination[14]) == {"N"}
    assert set(origination[6]) <= {"1", "2", "3", "4", "99"}
