"""One row's explanation, per family: the compiled explainers serving runs against their references.

A served request explains one row, so each case times one row at a time (200 rows, one thread),
the served explainer beside the implementation it replaces, measured in the same run on the same
fitted model (``bench_training.synthetic_frame``: loan-like features with a nonlinear risk):

- XGBoost: the closed-form TreeSHAP (``training.tree_shap.XgbShap``) against the booster's own
  ``pred_contribs`` on a one-row ``DMatrix`` (what the fast path called before); the largest
  difference between the two is in the notes (float64 against float32).
- random forest: ``training.tree_shap.ForestShap`` against shap's ``TreeExplainer``.
- MLP: DeepSHAP (``training.deep_shap.MlpDeepShap``) against the permutation estimate it replaced
  (8 antithetic orders over 50 background rows, compiled as ``fast_explain.MlpPermutation``).
  Both estimate the network's Shapley values, so their accuracy is measured too: against a
  256-permutation estimate on the same background (the reference, ``_explain_permutation``),
  the median over rows of the relative L2 error and the share of each row's five largest
  features both estimates name.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable

import numpy as np

from benchmarks.bench_training import FEATURE_TYPES, synthetic_frame
from benchmarks.harness import BenchContext, Measurement
from training.families import FitContext, fit_family

#: Rows the MLP's accuracy is measured on (the 256-permutation reference costs ~0.5 s a row).
ACCURACY_ROWS = {"small": 20, "full": 60}
REFERENCE_PERMUTATIONS = 256


def _per_row_ms(explain: Callable[[np.ndarray], object], rows: np.ndarray) -> float:
    """Median milliseconds of ``explain`` on one row, over ``rows`` (after a warm-up)."""
    for row in rows[:10]:
        explain(row[None, :])
    times = []
    for row in rows:
        started = time.perf_counter()
        explain(row[None, :])
        times.append((time.perf_counter() - started) * 1000)
    return float(np.median(times))


def _cost(
    family: str,
    explainers: tuple[Callable[[np.ndarray], object], Callable[[np.ndarray], object]],
    rows: np.ndarray,
    baseline: str,
    notes: str,
) -> Measurement:
    """One row's explanation time: (served, reference) explainers on the same rows."""
    served, reference = explainers
    return Measurement(
        "explain",
        f"one row, {family}",
        "ms per row",
        _per_row_ms(served, rows),
        "ms",
        baseline,
        _per_row_ms(reference, rows),
        notes=notes,
    )


def run(ctx: BenchContext) -> list[Measurement]:
    small = ctx.scale == "small"
    n = 8_000 if small else 40_000
    X, y = synthetic_frame(n, seed=ctx.settings.seed)
    rows_frame, _ = synthetic_frame(200, seed=ctx.settings.seed + 1)
    fit_ctx = FitContext(int(y.sum()), int(len(y) - y.sum()), seed=ctx.settings.seed)
    note = f"{n:,} training rows, {len(FEATURE_TYPES)} features; one row at a time, 200 rows, median"
    measurements: list[Measurement] = []
    for family in ("xgb", "rf", "ann"):
        pipeline = fit_family(family, X, y, FEATURE_TYPES, fit_ctx)
        encoder, model = pipeline.named_steps["encode"], pipeline.named_steps["model"]
        rows = np.asarray(encoder.transform(rows_frame), dtype=float)
        background = X.head(200)
        if family == "xgb":
            measurements += _xgb(model, encoder, background, rows, note)
        elif family == "rf":
            measurements += _forest(model, rows, note)
        else:
            measurements += _mlp(model, encoder, background, rows, rows_frame, note, small)
    return measurements


def _xgb(model, encoder, background, rows: np.ndarray, note: str) -> list[Measurement]:  # type: ignore[no-untyped-def]
    import xgboost as xgb

    from training.explain import _xgb_range
    from training.tree_shap import XgbShap

    booster, window = model.get_booster(), _xgb_range(model)
    closed = XgbShap(booster, window, np.asarray(encoder.transform(background), dtype=float))

    def reference(x: np.ndarray) -> np.ndarray:
        return booster.predict(
            xgb.DMatrix(x, missing=np.nan, nthread=1), pred_contribs=True, iteration_range=window
        )

    gap = float(np.abs(closed.contributions(rows) - reference(rows)[:, :-1]).max())
    trees = booster.num_boosted_rounds() if window == (0, 0) else window[1]
    return [
        _cost(
            "XGBoost",
            (closed.contributions, reference),
            rows,
            "booster pred_contribs on a one-row DMatrix",
            f"{note}; {trees} trees; largest difference {gap:.1e}",
        )
    ]


def _forest(model, rows: np.ndarray, note: str) -> list[Measurement]:  # type: ignore[no-untyped-def]
    import shap

    from training.tree_shap import ForestShap

    closed = ForestShap(model)
    explainer = shap.TreeExplainer(model)

    def reference(x: np.ndarray) -> object:
        return explainer.shap_values(x, check_additivity=False)

    return [
        _cost(
            "random forest",
            (closed.contributions, reference),
            rows,
            "shap TreeExplainer",
            f"{note}; {len(model.estimators_)} trees",
        )
    ]


def _mlp(
    model, encoder, background, rows: np.ndarray, rows_frame, note: str, small: bool
) -> list[Measurement]:  # type: ignore[no-untyped-def]
    from training.deep_shap import MlpDeepShap
    from training.explain import _explain_permutation, _grouping_matrix
    from training.fast_explain import MlpPermutation

    grouping = _grouping_matrix(encoder)
    deep = MlpDeepShap(model, np.asarray(encoder.transform(background), dtype=float))
    old = copy.deepcopy(model)
    del old.shap_method_  # as published before DeepSHAP: the permutation estimate
    permutation = MlpPermutation(old, encoder, background)
    cost = [
        _cost(
            "MLP",
            (deep.explain, permutation.explain),
            rows,
            "permutation SHAP, 8 orders x 50 background rows (compiled, as served before)",
            note,
        )
    ]
    k = ACCURACY_ROWS["small" if small else "full"]
    sample = rows[:k]
    deep_phi = deep.explain(sample)[1] @ grouping
    old_phi = permutation.explain(sample)[0].phi
    long = copy.deepcopy(old)
    long._shap_permutations = REFERENCE_PERMUTATIONS
    truth = _explain_permutation(long, sample, encoder, background, {})[1]

    def error(phi: np.ndarray) -> float:
        size = np.maximum(np.linalg.norm(truth, axis=1), 1e-12)
        return float(np.median(np.linalg.norm(phi - truth, axis=1) / size))

    def top5(phi: np.ndarray) -> float:
        shared = [
            len(set(np.argsort(-abs(a))[:5]) & set(np.argsort(-abs(t))[:5])) / 5
            for a, t in zip(phi, truth, strict=True)
        ]
        return float(np.mean(shared))

    reference = f"{REFERENCE_PERMUTATIONS}-permutation SHAP on {k} rows"
    return [
        *cost,
        Measurement(
            "explain",
            "one row, MLP",
            f"median relative error vs {reference}",
            error(deep_phi),
            "",
            "permutation SHAP, 8 orders (its error against the same reference)",
            error(old_phi),
            notes="per row, the L2 norm of the difference over the reference's; ratio below 1: DeepSHAP is "
            "further off",
        ),
        Measurement(
            "explain",
            "one row, MLP",
            f"top-5 features shared with {reference}",
            top5(deep_phi),
            "",
            "permutation SHAP, 8 orders",
            top5(old_phi),
            higher_is_better=True,
            notes="share of each row's five largest contributions the reference also ranks in its five",
        ),
    ]
