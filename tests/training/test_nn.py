"""The network's class-balanced sampler and its scikit-learn behaviour."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from training.nn import ClassBalancedBatchSampler, TorchMLPClassifier


def test_every_batch_is_class_balanced_even_with_rare_positives() -> None:
    labels = np.array([1] * 7 + [0] * 993)
    sampler = ClassBalancedBatchSampler(labels, batch_size=64, generator=torch.Generator().manual_seed(0))
    batches = list(sampler)
    assert len(batches) == len(sampler) == 1000 // 64
    for batch in batches:
        assert len(batch) == 64
        assert labels[batch].sum() == 32
    # the majority class is drawn without replacement within a pass
    negatives = np.concatenate([np.array(b)[labels[b] == 0] for b in batches])
    assert len(np.unique(negatives)) == len(negatives)


def test_sampler_rejects_a_single_class() -> None:
    with pytest.raises(ValueError, match="two classes"):
        ClassBalancedBatchSampler(np.zeros(10), batch_size=4)


def test_mlp_learns_a_separable_problem_and_follows_the_estimator_rules() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] > 1.2).astype(int)
    model = TorchMLPClassifier(max_epochs=10, batch_size=64, random_state=0)
    assert model.get_params()["max_epochs"] == 10 and not hasattr(model, "module_")
    assert model.fit(X, y) is model
    proba = model.predict_proba(X)
    assert proba.shape == (400, 2) and np.allclose(proba.sum(axis=1), 1)
    assert roc_auc_score(y, proba[:, 1]) > 0.95  # balanced batches shift the prior; calibration fixes it
    assert set(model.predict(X)) <= {0, 1}
    assert model.n_features_in_ == 4 and list(model.classes_) == [0, 1]
    again = clone(model).fit(X, y)
    np.testing.assert_allclose(again.predict_proba(X), proba, atol=1e-6)  # seeded: reproducible


def test_positive_proba_is_the_modules_own_forward_bit_for_bit() -> None:
    """The served probability skips the module's per-layer hooks, not its arithmetic."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 7)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int)
    model = TorchMLPClassifier(hidden_sizes=(16, 8), max_epochs=3, random_state=0).fit(X, y)
    rows = rng.normal(size=(50, 7)).astype(np.float32)
    with torch.no_grad():
        expected = torch.sigmoid(model.module_(torch.from_numpy(rows)).squeeze(1)).numpy().astype(float)
    np.testing.assert_array_equal(model.positive_proba(rows), expected)
    np.testing.assert_array_equal(model.predict_proba(rows)[:, 1], expected)
