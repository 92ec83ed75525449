"""Behavioural tests: with monotone constraints a better credit score never raises risk and more
delinquency never lowers it; outliers are found and dropped from training only; columns are detected."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from synthetic_data import FAST_PARAMS, FEATURE_TYPES, monotone_context

from creditrisk.errors import DataError
from creditrisk.outliers import detect_outliers
from training.families import fit_family
from training.labelled_data import labelled_from_frame


@pytest.mark.parametrize("family", ["xgb", "lgbm", "rf"])
def test_better_credit_score_never_raises_risk(family: str, panel: pd.DataFrame) -> None:
    X, y = panel[list(FEATURE_TYPES)], panel["default_12m"].to_numpy()
    model = fit_family(family, X, y, FEATURE_TYPES, monotone_context(y), FAST_PARAMS[family])
    rows = X.sample(20, random_state=0)
    grid = np.linspace(500, 850, 15)
    for feature, values, direction in (
        ("orig_credit_score", grid, -1),
        ("count_30dpd_12m", np.arange(0, 6), 1),
    ):
        risk = np.column_stack(
            [model.predict_proba(rows.assign(**{feature: value}))[:, 1] for value in values]
        )
        steps = np.diff(risk, axis=1) * direction
        assert (steps >= -1e-12).all(), f"{family}: risk moved against {feature}"


def test_outlier_methods_flag_planted_rows(panel: pd.DataFrame) -> None:
    frame = panel[list(FEATURE_TYPES)].copy().reset_index(drop=True)
    planted = [3, 50, 400]
    frame.loc[planted, "orig_ltv_pct"] = 5000.0
    frame.loc[planted, "orig_dti_pct"] = -900.0
    for method in ("iqr", "mahalanobis", "ensemble"):
        result = detect_outliers(frame, FEATURE_TYPES, method, seed=0)
        assert result.mask[planted].all(), method
        assert result.count < len(frame) * 0.05, method
    assert detect_outliers(frame, FEATURE_TYPES, "none").count == 0


def test_columns_are_detected_and_dates_are_not_features(panel: pd.DataFrame) -> None:
    frame = panel.drop(columns=["true_pd"]).assign(first_payment_date=pd.Timestamp("2018-01-01"))
    data = labelled_from_frame(frame, "default_12m")
    assert data.entity_key == "loan_id" and data.time_col == "event_timestamp"
    assert data.feature_types == FEATURE_TYPES  # observation_month and the date column are not features
    assert str(data.frame["event_timestamp"].dt.tz) == "UTC"
    with pytest.raises(DataError, match="must be binary"):
        labelled_from_frame(frame.assign(default_12m=frame["default_12m"] * 3 + 1), "default_12m")
    without_timestamp = frame.drop(columns="event_timestamp")
    assert labelled_from_frame(without_timestamp, "default_12m").time_col == "observation_month"
    with pytest.raises(DataError, match="--time-col"):
        ambiguous = without_timestamp.drop(columns=["observation_month", "first_payment_date"])
        labelled_from_frame(ambiguous.assign(a_date=1, b_date=2), "default_12m")
