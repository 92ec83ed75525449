"""Fitted families on one small synthetic panel, shared by the explanation and behaviour tests."""

from __future__ import annotations

import pandas as pd
import pytest
from synthetic_data import FAST_PARAMS, FEATURE_TYPES, synthetic_loans

from training.calibration import Calibrator
from training.families import FitContext, fit_family, voting_ensemble


@pytest.fixture(scope="session")
def panel() -> pd.DataFrame:
    return synthetic_loans(n_loans=300, months=4, seed=11)


@pytest.fixture(scope="session")
def fitted_families(panel: pd.DataFrame) -> dict[str, tuple[object, Calibrator]]:
    """Every family (and the vote of three) fitted and calibrated on the panel."""
    X, y = panel[list(FEATURE_TYPES)], panel["default_12m"].to_numpy()
    ctx = FitContext(int(y.sum()), int(len(y) - y.sum()), seed=0)
    fitted: dict[str, object] = {}
    for family in ("lr", "rf", "xgb", "lgbm", "ann"):
        fitted[family] = fit_family(family, X, y, FEATURE_TYPES, ctx, FAST_PARAMS.get(family, {}))
    fitted["vote"] = voting_ensemble({k: fitted[k] for k in ("xgb", "rf", "ann")}, X, y)
    return {
        name: (estimator, Calibrator("sigmoid").fit(estimator.predict_proba(X)[:, 1], y))
        for name, estimator in fitted.items()
    }
