"""Threshold selection and metrics on cases whose answer is known by construction."""

from __future__ import annotations

import numpy as np
import pytest

from training.evaluate import (
    CostModel,
    bootstrap_intervals,
    classification_metrics,
    cost_curve,
    expected_cost,
    optimal_threshold,
    recall_at_fpr,
)


def test_threshold_minimises_cost_on_a_constructed_case() -> None:
    # Positives at 0.9 and 0.3, negatives at 0.6 and 0.1. With FN:FP = 5:1, flagging down to 0.3
    # costs 1 (one false alarm); stopping at 0.6 costs 5+1; at 0.9 costs 5.
    y = np.array([1, 1, 0, 0])
    proba = np.array([0.9, 0.3, 0.6, 0.1])
    threshold, cost = optimal_threshold(y, proba, CostModel(cost_ratio=5))
    assert threshold == pytest.approx(0.3)
    assert cost == pytest.approx(1 / 4)
    # With FN:FP = 1:2, missing the 0.3 positive (cost 1) beats two false alarms; flag only 0.9.
    threshold, cost = optimal_threshold(y, proba, CostModel(cost_ratio=0.5))
    assert threshold == pytest.approx(0.9)
    assert cost == pytest.approx(0.5 / 4)


def test_cost_curve_matches_brute_force() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    proba = np.round(rng.random(300), 2)  # ties on purpose
    cost = CostModel(cost_ratio=5)
    thresholds, costs = cost_curve(y, proba, cost)
    for t, c in zip(thresholds[1:], costs[1:], strict=True):
        assert c == pytest.approx(expected_cost(y, proba, t, cost))
    assert costs[0] == pytest.approx(5 * y.mean())  # flag nobody
    best_t, best_c = optimal_threshold(y, proba, cost)
    assert best_t in proba
    assert best_c == pytest.approx(min(expected_cost(y, proba, t, cost) for t in np.unique(proba)))


def test_exposure_based_cost_weights_rows() -> None:
    y = np.array([1, 0, 0])
    proba = np.array([0.2, 0.5, 0.1])
    exposure = np.array([100_000.0, 10_000.0, 10_000.0])
    cost = CostModel(lgd=0.4, fp_rate=0.02)
    # flag nothing: lose 100k * 0.4; flag >= 0.2: one false alarm on 10k * 0.02
    threshold, best = optimal_threshold(y, proba, cost, exposure)
    assert threshold == pytest.approx(0.2)
    assert best == pytest.approx(10_000 * 0.02 / 3)
    assert cost.effective_ratio == pytest.approx(20)


def test_metrics_and_intervals_on_a_perfect_ranker() -> None:
    y = np.array([0] * 90 + [1] * 10)
    proba = np.r_[np.linspace(0.01, 0.4, 90), np.linspace(0.6, 0.9, 10)]
    metrics = classification_metrics(y, proba, 0.5, CostModel())
    assert metrics["roc_auc"] == 1.0 and metrics["ks"] == 1.0
    assert metrics["recall"] == 1.0 and metrics["precision"] == 1.0 and metrics["expected_cost"] == 0.0
    assert recall_at_fpr(y, proba, 0.05) == 1.0
    intervals = bootstrap_intervals(y, proba, 0.5, CostModel(), n_boot=30)
    assert intervals["roc_auc"] == (1.0, 1.0)


def test_weighted_rank_metrics_equal_scikit_learn_on_the_resampled_rows() -> None:
    """The bootstrap's one-pass metrics are exact: the same as scikit-learn on the drawn rows."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    from training.evaluate import RankedScores, ks_statistic, resample_weights

    rng = np.random.default_rng(4)
    y = (rng.random(500) < 0.2).astype(int)
    proba = np.round(np.clip(0.2 + 0.3 * y + rng.normal(0, 0.2, 500), 0, 1), 2)  # ties on purpose
    ranked = RankedScores(y, proba)
    for groups in (None, np.repeat(np.arange(100), 5)):
        weight = resample_weights(rng, len(y), groups)
        drawn = np.repeat(np.arange(len(y)), weight.astype(int))
        auc, ap, ks = ranked.metrics(weight)
        assert auc == pytest.approx(roc_auc_score(y[drawn], proba[drawn]))
        assert ap == pytest.approx(average_precision_score(y[drawn], proba[drawn]))
        assert ks == pytest.approx(ks_statistic(y[drawn], proba[drawn]))
    entity_weight = resample_weights(rng, 500, np.repeat(np.arange(100), 5))
    assert (entity_weight.reshape(100, 5) == entity_weight.reshape(100, 5)[:, :1]).all()  # whole entities


def test_entity_bootstrap_is_wider_than_row_bootstrap_on_clustered_rows() -> None:
    rng = np.random.default_rng(5)
    entity_risk = rng.normal(size=200)
    entities = np.repeat(np.arange(200), 10)
    y = np.repeat((rng.random(200) < 0.2).astype(int), 10)  # an entity's rows share the outcome
    proba = 1 / (1 + np.exp(-(entity_risk[entities] + 1.2 * y - 1.5)))
    rows = bootstrap_intervals(y, proba, 0.5, CostModel(), n_boot=200)
    clustered = bootstrap_intervals(y, proba, 0.5, CostModel(), n_boot=200, groups=entities)
    width = {name: hi - lo for name, (lo, hi) in rows.items()}
    assert clustered["roc_auc"][1] - clustered["roc_auc"][0] > 2 * width["roc_auc"]
