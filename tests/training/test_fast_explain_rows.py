"""``explain_rows`` (what serving calls with the online rows' object matrix) returns exactly what
``CreditRiskModel.explain`` returns for the same rows as a frame, for every family."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from synthetic_data import FEATURE_TYPES, artifact_for

from training.fast_explain import FrameColumns, explain_rows


def _object_rows(panel: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """Rows as a server holds them: plain Python values in one object block, some missing."""
    rng = np.random.default_rng(seed)
    rows = panel.sample(n, random_state=seed)[list(FEATURE_TYPES)].astype(object)
    for name in FEATURE_TYPES:
        rows[name] = rows[name].where(rng.random(n) >= 0.2, None)
    rows.iloc[0, list(FEATURE_TYPES).index("channel")] = "unseen"
    return pd.DataFrame(rows.to_numpy(dtype=object), columns=list(FEATURE_TYPES), dtype=object)


@pytest.mark.parametrize("family", ["lr", "rf", "xgb", "lgbm", "ann", "vote"])
@pytest.mark.parametrize("n", [1, 7])
def test_explain_rows_equals_explain(family: str, n: int, fitted_families, panel) -> None:
    estimator, calibrator = fitted_families[family]
    model = artifact_for(estimator, calibrator, panel, family)
    for seed in range(3):
        frame = _object_rows(panel, n, seed)
        got = explain_rows(model, FrameColumns.from_matrix(frame.to_numpy(dtype=object), list(frame.columns)))
        if model._fast_explainer() is None:
            assert got is None  # the caller takes explain's general path
            continue
        assert got is not None
        base, contributions = got
        expected = model.explain(frame)
        np.testing.assert_array_equal(base, expected.base_value)
        np.testing.assert_array_equal(contributions, expected.contributions.to_numpy())


def test_explain_rows_declines_other_columns_and_large_batches(fitted_families, panel) -> None:
    estimator, calibrator = fitted_families["lr"]
    model = artifact_for(estimator, calibrator, panel, "lr")
    frame = _object_rows(panel, 3, 0)
    reordered = frame[list(reversed(frame.columns))]
    values = reordered.to_numpy(dtype=object)
    assert explain_rows(model, FrameColumns.from_matrix(values, list(reordered.columns))) is None
    big = pd.concat([frame] * 40, ignore_index=True)
    assert (
        explain_rows(model, FrameColumns.from_matrix(big.to_numpy(dtype=object), list(big.columns))) is None
    )
