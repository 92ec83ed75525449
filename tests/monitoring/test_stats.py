"""The drift statistics against hand-computed values and scipy's own tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from monitoring import stats
from monitoring.drift import DriftOptions, feature_drift


def test_psi_by_hand() -> None:
    expected = np.array([0.5, 0.5])
    actual = np.array([0.25, 0.75])
    by_hand = (0.25 - 0.5) * np.log(0.25 / 0.5) + (0.75 - 0.5) * np.log(0.75 / 0.5)
    assert stats.psi(expected, actual) == np.float64(by_hand)
    assert stats.psi(expected, expected) == 0.0


def test_numeric_bins_are_reference_deciles_and_cover_everything() -> None:
    reference = np.arange(1000, dtype=float)
    bins = stats.numeric_bins(reference, 10)
    assert len(bins.edges) == 9 and np.allclose(bins.reference_share, 0.1)
    # values beyond the reference's range fall in the open end bins, none is lost
    shares = stats.current_shares(bins, np.array([-5.0, 2000.0, np.nan]))
    assert shares[0] == 0.5 and shares[-1] == 0.5


def test_same_distribution_is_stable_and_a_shift_is_drift() -> None:
    rng = np.random.default_rng(0)
    reference = pd.Series(rng.normal(720, 50, 20_000), name="credit_score")
    same = pd.Series(rng.normal(720, 50, 5_000), name="credit_score")
    shifted = pd.Series(rng.normal(640, 50, 5_000), name="credit_score")
    options = DriftOptions()
    stable = feature_drift(reference, same, "numeric", options)
    drift = feature_drift(reference, shifted, "numeric", options)
    assert stable.status == "stable" and stable.psi < 0.02
    assert drift.status == "drift" and drift.psi > 0.25
    ks = scipy_stats.ks_2samp(reference, shifted, method="asymp")
    assert drift.ks == ks.statistic and drift.ks_p_value == ks.pvalue


def test_categories_unseen_and_chi_square() -> None:
    reference = pd.Series(["CA"] * 500 + ["TX"] * 500, name="state")
    current = pd.Series(["CA"] * 100 + ["TX"] * 50 + ["ZZ"] * 50, name="state")
    result = feature_drift(reference, current, "categorical", DriftOptions())
    assert result.bins == ["CA", "TX", stats.OTHER]
    assert result.current_share == [0.5, 0.25, 0.25]
    table = np.array([[500, 500, 0], [100, 50, 50]])
    statistic, p_value, _, _ = scipy_stats.chi2_contingency(table, correction=False)
    assert np.isclose(result.chi2, statistic) and np.isclose(result.chi2_p_value, p_value)
    assert result.status == "drift"


def test_a_feature_that_stops_arriving_is_flagged_by_its_missing_share() -> None:
    reference = pd.Series(np.arange(1000, dtype=float), name="dti")
    current = pd.Series([np.nan] * 300 + list(range(700)), dtype=float, name="dti")
    result = feature_drift(reference, current, "numeric", DriftOptions())
    assert result.missing_current == 0.3 and result.status == "drift"


def test_sorted_paths_equal_the_direct_ones_with_ties() -> None:
    rng = np.random.default_rng(1)
    reference = rng.integers(0, 30, 5_000).astype(float)  # many ties, as with scores and counts
    current = rng.integers(3, 35, 3_000).astype(float)
    ks = scipy_stats.ks_2samp(reference, current, method="asymp")
    assert stats.ks_test(reference, current) == (ks.statistic, ks.pvalue)
    bins = stats.numeric_bins(reference, 10)
    codes = np.searchsorted(bins.edges, current, side="right")
    direct = np.bincount(codes, minlength=len(bins.edges) + 1) / len(current)
    assert np.array_equal(stats.current_shares(bins, current), direct)
