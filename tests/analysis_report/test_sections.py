"""Each section's numbers against an independent computation or a case built to be found."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from statsmodels.stats.outliers_influence import variance_inflation_factor

from analysis.collinearity import VIF_THRESHOLD, analyse_collinearity, suggest_drop
from analysis.matrix import NumericMatrix
from analysis.outlier_section import find_outliers
from analysis.profile import univariate_auc
from analysis.timeseries import decompose, stationarity, time_varying_share
from creditrisk.outliers import IQR_K, detect_outliers


def _collinear_frame(n: int = 2_000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a, b, c = rng.normal(size=(3, n))
    return pd.DataFrame(
        {"a": a, "a_copy": a + rng.normal(0, 0.05, n), "b": b, "c": c, "bc": b + c + rng.normal(0, 0.1, n)}
    )


def test_vif_from_inverse_correlation_matches_statsmodels() -> None:
    frame = _collinear_frame()
    result = analyse_collinearity(NumericMatrix.from_frame(frame, list(frame.columns)))
    exog = np.column_stack([np.ones(len(frame)), frame.to_numpy()])
    expected = {c: variance_inflation_factor(exog, i + 1) for i, c in enumerate(frame.columns)}
    for column, value in expected.items():
        assert np.isclose(result.vif.loc[column, "vif"], value, rtol=1e-6), column


def test_collinear_pairs_flags_and_drop_set() -> None:
    frame = _collinear_frame()
    result = analyse_collinearity(NumericMatrix.from_frame(frame, list(frame.columns)))
    assert {tuple(sorted(p)) for p in result.pairs[["feature_a", "feature_b"]].to_numpy()} == {
        ("a", "a_copy")
    }
    assert set(result.vif.index[result.vif["flagged"]]) == {"a", "a_copy", "b", "c", "bc"}
    assert len(result.suggested_drop) == 2
    assert result.suggested_drop[0] in {"a", "a_copy"}
    assert result.vif_after_drop <= VIF_THRESHOLD


def test_perfect_collinearity_does_not_break_the_drop_set() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(500, 2))
    correlation = np.corrcoef(np.column_stack([x, x[:, 0] * 2.0]), rowvar=False)
    dropped, remaining = suggest_drop(correlation, ["x0", "x1", "x0_twice"])
    assert len(dropped) == 1 and dropped[0] in {"x0", "x0_twice"}
    assert remaining < 2


def test_univariate_auc_matches_sklearn_and_ignores_missing() -> None:
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 500)
    x = y + rng.normal(0, 1.5, 500)
    x[:20] = np.nan
    assert np.isclose(univariate_auc(x, y), roc_auc_score(y[20:], x[20:]))


def test_mahalanobis_finds_rows_whose_combination_is_odd() -> None:
    rng = np.random.default_rng(3)
    n = 3_000
    base = rng.normal(size=n)
    frame = pd.DataFrame(
        {"x": base, "x_near": base + rng.normal(0, 0.1, n), "z": rng.normal(size=n), "w": rng.normal(size=n)}
    )
    odd = np.arange(10)
    frame.loc[odd, "x_near"] = -frame.loc[odd, "x"] + np.sign(-frame.loc[odd, "x"]) * 0.5
    y = np.zeros(n, dtype=int)
    y[odd] = 1
    y[100:400] = 1
    matrix = NumericMatrix.from_frame(frame, list(frame.columns))
    context = pd.DataFrame({"row": np.arange(n), "y": y})
    result = find_outliers(matrix, frame, y, context, sample_size=1_000, seed=0)
    top_rows = set(result.extreme["row"].head(10))
    assert top_rows == set(odd)  # each value alone is ordinary, the pair is not
    assert result.flagged[odd].all()
    assert set(result.drivers.index[:2]) <= {"x", "x_near"}
    assert result.share_1 > result.share_0


def test_iqr_counts_values_beyond_the_fences() -> None:
    values = np.r_[np.arange(100, dtype=float), 1_000.0, np.nan]
    frame = pd.DataFrame({"v": values, "u": np.r_[np.random.default_rng(4).normal(size=101), 0.0]})
    y = np.r_[np.zeros(101, dtype=int), 1]
    result = find_outliers(NumericMatrix.from_frame(frame, ["v", "u"]), frame, y, frame[["v"]], seed=0)
    assert result.iqr.loc["v", "count"] == 1  # the NaN is missing, not an outlier
    q1, q3 = np.percentile(np.r_[np.arange(100.0), 1_000.0, 50.0], [25, 75])  # NaN -> the median
    assert result.iqr.loc["v", "high_fence"] == pytest.approx(q3 + IQR_K * (q3 - q1))


def test_the_report_flags_iqr_outliers_by_the_rule_training_drops_rows_by() -> None:
    """Same frame, same rows: the report's IQR flags are `--outliers iqr`'s mask."""
    rng = np.random.default_rng(6)
    n = 2_000
    frame = pd.DataFrame(
        {
            "balance": rng.lognormal(10, 1.2, n),  # a long right tail
            "ratio": rng.standard_t(3, n),
            "mostly_zero": np.where(rng.random(n) < 0.9, 0.0, rng.exponential(5, n)),  # zero IQR
            "score": rng.normal(700, 50, n),
        }
    )
    frame.loc[rng.choice(n, 150, replace=False), "ratio"] = np.nan
    frame.loc[rng.choice(n, 5, replace=False), "score"] = 5_000.0
    y = (rng.random(n) < 0.2).astype(int)
    columns = list(frame.columns)
    report = find_outliers(NumericMatrix.from_frame(frame, columns), frame, y, frame[["score"]], seed=0)
    training = detect_outliers(frame, dict.fromkeys(columns, "float"), "iqr")
    assert training.count > 5
    np.testing.assert_array_equal(report.iqr_flagged, training.mask)
    assert report.rows_with_iqr_outlier == training.count
    assert report.iqr.loc["mostly_zero", "count"] == 0 and np.isnan(
        report.iqr.loc["mostly_zero", "high_fence"]
    )


def test_stl_finds_the_seasonal_peak_and_adf_separates_trend_from_noise() -> None:
    rng = np.random.default_rng(5)
    months = pd.date_range("2015-01-01", periods=72, freq="MS")
    seasonal = 0.02 * np.cos(2 * np.pi * (months.month - 7) / 12)  # peak in July
    rate = pd.Series(0.05 + seasonal + rng.normal(0, 0.002, 72), index=months)
    d = decompose(rate)
    assert d is not None and d.peak_month == 7 and d.seasonal_strength > 0.8
    assert decompose(rate.iloc[:18]) is None
    walk = pd.Series(np.cumsum(rng.normal(0, 1, 72)) + np.arange(72) * 0.3, index=months)
    assert stationarity(walk, "walk")["verdict"].startswith("not")
    noise = pd.Series(rng.normal(0, 1, 72), index=months)
    assert stationarity(noise, "noise")["verdict"].startswith("stationary")


def test_time_varying_share_ranks_drifting_features_first() -> None:
    rng = np.random.default_rng(6)
    stamps = pd.Series(pd.date_range("2020-01-01", periods=24, freq="MS", tz="UTC").repeat(50))
    frame = pd.DataFrame(
        {"macro": np.repeat(np.arange(24.0), 50) + rng.normal(0, 1, 1200), "noise": rng.normal(size=1200)}
    )
    share = time_varying_share(stamps, frame, ["noise", "macro"])
    assert list(share.index) == ["macro", "noise"]
    assert share["macro"] > 0.9 and share["noise"] < 0.1
