"""Monotone constraints are on by default for the loan model, and with them no single feature change
against credit logic (a worse score, a higher LTV or DTI, more delinquency) lowers the risk."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from synthetic_data import FAST_PARAMS, FEATURE_TYPES, monotone_context
from typer.testing import CliRunner

from creditrisk.cli import app
from training.families import fit_family, monotone_directions
from training.options import DEFAULT_FAMILIES, TrainOptions, monotone_on
from training.train import _families


def test_monotone_is_on_by_default_for_the_loan_model_only_and_can_be_turned_off() -> None:
    assert monotone_on(TrainOptions(model="loan_default"))
    assert not monotone_on(TrainOptions(model="loan_default", monotone=False))
    assert not monotone_on(TrainOptions(model="company_bankruptcy"))
    assert monotone_on(TrainOptions(model="company_bankruptcy", monotone=True))
    usage = CliRunner().invoke(app, ["train", "--help"], terminal_width=200).output
    assert "--no-monotone" in usage


def test_under_the_default_constraints_only_families_that_honour_them_are_trained() -> None:
    said: list[str] = []
    assert _families(TrainOptions(model="loan_default"), said.append) == ("rf", "xgb", "lgbm", "vote")
    assert "lr, ann cannot honour the constraints" in said[0]
    asked = TrainOptions(model="loan_default", families=("lr", "lgbm"))
    assert _families(asked, said.append) == ("lr", "lgbm") and "do not bind lr" in said[1]
    assert _families(TrainOptions(model="loan_default", monotone=False), said.append) == DEFAULT_FAMILIES
    assert _families(TrainOptions(model="company_bankruptcy"), said.append) == DEFAULT_FAMILIES


@pytest.mark.parametrize("family", ["xgb", "lgbm", "rf"])
def test_no_single_feature_change_against_credit_logic_lowers_risk(family: str, panel: pd.DataFrame) -> None:
    X, y = panel[list(FEATURE_TYPES)], panel["default_12m"].to_numpy()
    model = fit_family(family, X, y, FEATURE_TYPES, monotone_context(y), FAST_PARAMS[family])
    directions = monotone_directions(list(FEATURE_TYPES), FEATURE_TYPES)
    assert len(directions) >= 3
    rows = X.sample(40, random_state=1)
    for feature, direction in directions.items():
        low, high = np.nanquantile(X[feature].astype(float), [0.0, 1.0])
        grid = np.linspace(low, high, 12)
        if direction < 0:  # worse is lower (a credit score): walk down
            grid = grid[::-1]
        risk = np.column_stack([model.predict_proba(rows.assign(**{feature: v}))[:, 1] for v in grid])
        assert (np.diff(risk, axis=1) >= -1e-12).all(), f"{family}: a worse {feature} lowered the risk"
