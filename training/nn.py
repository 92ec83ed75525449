"""A PyTorch multilayer perceptron that behaves like a scikit-learn classifier.

Defaults are a small network: two hidden layers, dropout, AdamW, early stopping
on held-out AUC (the class-balanced batches shift the output prior, so log-loss on natural data
would stop at the wrong place; the calibrator corrects the prior afterwards).

:class:`ClassBalancedBatchSampler` is why the network sees defaulters at all: with a few percent of
positives, plain shuffled batches of 256 often hold a handful. Each batch here holds the same number
of every class, drawing the rare class with replacement.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import nn
from torch.nn import functional
from torch.utils.data import Sampler

from training.deep_shap import DEEP, METHOD_ATTRIBUTE


@contextmanager
def _torch_threads(n: int) -> Iterator[None]:
    """Run torch with ``n`` intra-op threads, then restore.

    A network this small is dominated by thread synchronisation: on a busy 2-core machine one thread
    trained many times faster than torch's default of one per core (docs/measurements.md,
    "Training: threads").
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(max(1, n))
    try:
        yield
    finally:
        torch.set_num_threads(previous)


class ClassBalancedBatchSampler(Sampler[list[int]]):
    """Yields batches of indices with an equal share of every class.

    ``num_batches`` defaults to one pass over the data's size; minority classes are sampled with
    replacement, majority classes without (until exhausted, then reshuffled).
    """

    def __init__(
        self,
        labels: np.ndarray,
        batch_size: int,
        num_batches: int | None = None,
        generator: torch.Generator | None = None,
    ) -> None:
        self.labels = np.asarray(labels)
        self.classes = np.unique(self.labels)
        if len(self.classes) < 2:
            raise ValueError("a class-balanced sampler needs at least two classes")
        if batch_size < len(self.classes):
            raise ValueError("batch_size must be at least the number of classes")
        self.batch_size = batch_size
        self.per_class = batch_size // len(self.classes)
        self.num_batches = num_batches or max(1, len(self.labels) // batch_size)
        self.generator = generator
        self._by_class = [np.flatnonzero(self.labels == c) for c in self.classes]

    def __len__(self) -> int:
        return self.num_batches

    def __iter__(self) -> Iterator[list[int]]:
        seed = int(torch.randint(0, 2**31 - 1, (1,), generator=self.generator).item())
        rng = np.random.default_rng(seed)
        streams = [self._stream(idx, rng) for idx in self._by_class]
        for _ in range(self.num_batches):
            batch = np.concatenate([next(stream) for stream in streams])
            rng.shuffle(batch)
            yield batch.tolist()

    def _stream(self, indices: np.ndarray, rng: np.random.Generator) -> Iterator[np.ndarray]:
        """Endless ``per_class``-sized chunks: shuffled passes, or with replacement if too few."""
        if len(indices) < self.per_class:
            while True:
                yield rng.choice(indices, size=self.per_class, replace=True)
        order = rng.permutation(indices)
        position = 0
        while True:
            if position + self.per_class > len(order):
                order, position = rng.permutation(indices), 0
            yield order[position : position + self.per_class]
            position += self.per_class


def _forward(module: nn.Sequential, inputs: torch.Tensor) -> torch.Tensor:
    """``module(inputs)`` for a Sequential in eval mode: each Linear and ReLU as the functional
    call its ``forward`` makes (bit for bit the same), Dropout skipped (the identity in eval
    mode), any other layer through its own call."""
    out = inputs
    for layer in module:
        if type(layer) is nn.Linear:
            out = functional.linear(out, layer.weight, layer.bias)
        elif type(layer) is nn.ReLU and not layer.inplace:
            out = functional.relu(out)
        elif type(layer) is nn.Dropout and not layer.training:
            continue
        else:
            out = layer(out)
    return out


class TorchMLPClassifier(ClassifierMixin, BaseEstimator):
    """Binary MLP classifier with early stopping and class-balanced batches (scikit-learn API)."""

    _is_torch_mlp = True

    def __init__(
        self,
        hidden_sizes: tuple[int, ...] = (64, 32),
        dropout: float = 0.1,
        learning_rate: float = 2e-3,
        weight_decay: float = 1e-4,
        batch_size: int = 512,
        max_epochs: int = 40,
        patience: int = 5,
        validation_fraction: float = 0.15,
        balanced_batches: bool = True,
        n_threads: int = 1,
        random_state: int | None = None,
    ) -> None:
        self.hidden_sizes = hidden_sizes
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.balanced_batches = balanced_batches
        self.n_threads = n_threads
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> TorchMLPClassifier:
        X, y = validate_data(self, X, y, dtype=np.float32)
        self.classes_ = unique_labels(y)
        if len(self.classes_) != 2:
            raise ValueError(f"TorchMLPClassifier is binary; got classes {self.classes_}")
        target = (y == self.classes_[1]).astype(np.float32)
        seed = 0 if self.random_state is None else int(self.random_state)
        torch.manual_seed(seed)
        X_tr, X_val, y_tr, y_val = self._validation_split(X, target, seed)
        self.module_ = self._build(X.shape[1])
        with _torch_threads(self.n_threads):
            self._train(X_tr, y_tr, X_val, y_val, seed)
        # how training.explain estimates this network's SHAP values; models pickled before
        # DeepSHAP lack the attribute and keep the permutation estimate they were published with
        setattr(self, METHOD_ATTRIBUTE, DEEP)
        return self

    def _validation_split(self, X: np.ndarray, y: np.ndarray, seed: int) -> tuple[np.ndarray, ...]:
        n_minority = int(min(y.sum(), len(y) - y.sum()))
        if self.validation_fraction <= 0 or n_minority < 4:
            return X, X, y, y
        parts = train_test_split(X, y, test_size=self.validation_fraction, stratify=y, random_state=seed)
        return tuple(parts)

    def _build(self, n_features: int) -> nn.Module:
        layers: list[nn.Module] = []
        width = n_features
        for size in self.hidden_sizes:
            layers += [nn.Linear(width, size), nn.ReLU(), nn.Dropout(self.dropout)]
            width = size
        layers.append(nn.Linear(width, 1))
        return nn.Sequential(*layers)

    def _train(
        self, X_tr: np.ndarray, y_tr: np.ndarray, X_val: np.ndarray, y_val: np.ndarray, seed: int
    ) -> None:
        inputs, targets = torch.from_numpy(X_tr), torch.from_numpy(y_tr)
        generator = torch.Generator().manual_seed(seed)
        batches = self._batches(y_tr, generator)
        optimiser = torch.optim.AdamW(
            self.module_.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay
        )
        loss_fn = nn.BCEWithLogitsLoss()
        best_score, best_state, stale = -np.inf, None, 0
        self.n_epochs_ = 0
        for _epoch in range(self.max_epochs):
            self.module_.train()
            for batch in batches():
                optimiser.zero_grad()
                loss = loss_fn(self.module_(inputs[batch]).squeeze(1), targets[batch])
                loss.backward()
                optimiser.step()
            self.n_epochs_ += 1
            score = self._validation_score(X_val, y_val)
            if score > best_score + 1e-5:
                best_score, stale = score, 0
                best_state = {k: v.detach().clone() for k, v in self.module_.state_dict().items()}
            else:
                stale += 1
                if stale >= self.patience:
                    break
        if best_state is not None:
            self.module_.load_state_dict(best_state)
        self.best_validation_auc_ = float(best_score)
        self.module_.eval()

    def _batches(self, y: np.ndarray, generator: torch.Generator) -> Any:
        if self.balanced_batches and 0 < y.sum() < len(y):
            sampler = ClassBalancedBatchSampler(y, self.batch_size, generator=generator)
            return lambda: iter(sampler)
        size = self.batch_size

        def shuffled() -> Iterator[torch.Tensor]:
            order = torch.randperm(len(y), generator=generator)
            return iter(order.split(size))

        return shuffled

    def _validation_score(self, X_val: np.ndarray, y_val: np.ndarray) -> float:
        proba = self.positive_proba(X_val)
        if len(np.unique(y_val)) < 2:
            return -float(np.mean((proba - y_val) ** 2))
        return float(roc_auc_score(y_val, proba))

    def positive_proba(self, X: np.ndarray) -> np.ndarray:
        """``predict_proba(X)[:, 1]`` of a numeric matrix, without scikit-learn's input checks
        (which cost three times the network on one row: the explainers call this per request).

        The layers run as :func:`_forward` runs them, the same torch kernels as the module's own
        call without its per-module hooks, which cost more than the arithmetic on one row.
        """
        if self.module_.training:  # only between training epochs; a fitted model is in eval mode
            self.module_.eval()
        with torch.no_grad(), _torch_threads(getattr(self, "n_threads", 1)):
            logits = _forward(self.module_, torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32)))
        return torch.sigmoid(logits.squeeze(1)).numpy().astype(float)

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "module_")
        X = validate_data(self, X, dtype=np.float32, reset=False)
        positive = self.positive_proba(X)
        return np.column_stack([1 - positive, positive])

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[(self.predict_proba(X)[:, 1] >= 0.5).astype(int)]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags
