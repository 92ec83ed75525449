"""FT-Transformer (Gorishniy et al. 2021, "Revisiting Deep Learning Models for Tabular Data") as a
scikit-learn classifier.

Every feature becomes a token: a numeric value ``x_j`` is ``x_j * w_j + b_j``, a categorical code
looks up its own embedding table (plus a per-feature bias). A learned ``[CLS]`` token is put in
front, a few pre-norm transformer blocks (multi-head self-attention, then a ReGLU feed-forward
layer) mix the tokens, and the head reads the ``[CLS]`` token. The paper's architecture, sized down
for a CPU: the defaults are 32-wide tokens and 2 blocks where the paper uses 192 and 3, because a
fit is cross-fitted four times per training run on two shared cores.

What it shares with :class:`training.nn.TorchMLPClassifier`, for the same reasons: class-balanced
batches (:class:`training.nn.ClassBalancedBatchSampler`), early stopping on the AUC of a stratified
validation split, one torch thread by default, seeded and reproducible. It trains on CUDA when a GPU
is present (``device="auto"``) and is always moved back to the CPU afterwards, so a fitted model
pickles and serves on a machine without one.

Input is the matrix :class:`training.preprocessing.FrameEncoder` makes with ordinal codes
(:func:`training.families.encoder_for`); ``categorical_features`` names the code columns. Numeric
columns go through a quantile transform to a normal distribution first (the paper's choice for most
data sets; the company ratios are heavy-tailed and a standard scaler left a few huge tokens). An
unknown or missing code (-1 from the encoder, or any code not seen in training) gets token 0.

Explanations: attention weights are not attributions (a token can be attended to and not matter),
so this family is explained like the MLP, by the model-agnostic, exactly additive permutation SHAP
of :mod:`training.explain` (``_model_agnostic_shap``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import QuantileTransformer
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import nn

from training.nn import ClassBalancedBatchSampler, _torch_threads

#: Rows per forward pass when predicting: bounds attention memory (rows x heads x tokens^2).
PREDICT_CHUNK = 2048


class FeatureTokenizer(nn.Module):
    """One ``d_token``-wide token per feature: a scaled vector for numbers, an embedding for codes."""

    def __init__(self, n_numeric: int, cardinalities: list[int], d_token: int) -> None:
        super().__init__()
        self.n_numeric = n_numeric
        self.numeric_weight = nn.Parameter(_uniform((n_numeric, d_token), d_token))
        self.numeric_bias = nn.Parameter(_uniform((n_numeric, d_token), d_token))
        self.n_categorical = len(cardinalities)
        if cardinalities:
            # one table for every categorical feature; each feature's codes are offset into it
            offsets = np.concatenate([[0], np.cumsum(cardinalities)[:-1]])
            self.register_buffer("offsets", torch.as_tensor(offsets, dtype=torch.long))
            self.embeddings = nn.Embedding(int(sum(cardinalities)), d_token)
            nn.init.uniform_(self.embeddings.weight, -(d_token**-0.5), d_token**-0.5)
            self.categorical_bias = nn.Parameter(_uniform((len(cardinalities), d_token), d_token))

    def forward(self, numeric: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
        tokens = [numeric.unsqueeze(-1) * self.numeric_weight + self.numeric_bias]
        if self.n_categorical:
            tokens.append(self.embeddings(codes + self.offsets) + self.categorical_bias)
        return torch.cat(tokens, dim=1)


class TransformerBlock(nn.Module):
    """Pre-norm block: ``x + attention(norm(x))`` then ``x + ReGLU-FFN(norm(x))``.

    The first block skips the attention norm (the paper's choice: the tokenizer's output is
    already on a sensible scale).
    """

    def __init__(
        self,
        d_token: int,
        n_heads: int,
        ffn_hidden: int,
        attention_dropout: float,
        ffn_dropout: float,
        first: bool,
    ) -> None:
        super().__init__()
        self.attention_norm = nn.Identity() if first else nn.LayerNorm(d_token)
        self.attention = nn.MultiheadAttention(d_token, n_heads, dropout=attention_dropout, batch_first=True)
        self.ffn_norm = nn.LayerNorm(d_token)
        self.ffn_in = nn.Linear(d_token, 2 * ffn_hidden)
        self.ffn_dropout = nn.Dropout(ffn_dropout)
        self.ffn_out = nn.Linear(ffn_hidden, d_token)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.attention_norm(x)
        x = x + self.attention(h, h, h, need_weights=False)[0]
        value, gate = self.ffn_in(self.ffn_norm(x)).chunk(2, dim=-1)
        return x + self.ffn_out(self.ffn_dropout(value * torch.relu(gate)))


class FTTransformer(nn.Module):
    """Tokenizer, ``[CLS]`` token, transformer blocks, and a one-logit head on ``[CLS]``."""

    def __init__(
        self,
        n_numeric: int,
        cardinalities: list[int],
        d_token: int,
        n_blocks: int,
        n_heads: int,
        ffn_factor: float,
        attention_dropout: float,
        ffn_dropout: float,
    ) -> None:
        super().__init__()
        self.tokenizer = FeatureTokenizer(n_numeric, cardinalities, d_token)
        self.cls = nn.Parameter(_uniform((1, 1, d_token), d_token))
        hidden = max(1, int(d_token * ffn_factor))
        self.blocks = nn.ModuleList(
            TransformerBlock(d_token, n_heads, hidden, attention_dropout, ffn_dropout, first=i == 0)
            for i in range(n_blocks)
        )
        self.head = nn.Sequential(nn.LayerNorm(d_token), nn.ReLU(), nn.Linear(d_token, 1))

    def forward(self, numeric: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
        tokens = self.tokenizer(numeric, codes)
        x = torch.cat([self.cls.expand(len(tokens), -1, -1), tokens], dim=1)
        for block in self.blocks:
            x = block(x)
        return self.head(x[:, 0]).squeeze(-1)


def _uniform(shape: tuple[int, ...], d_token: int) -> torch.Tensor:
    """The paper's initialisation for token weights and biases: U(-1/sqrt(d), 1/sqrt(d))."""
    bound = d_token**-0.5
    return torch.empty(shape).uniform_(-bound, bound)


def _better(score: tuple[float, float], best: tuple[float, float], tol: float = 1e-5) -> bool:
    """A higher AUC, or the same AUC (within ``tol``) with a lower log-loss."""
    if score[0] > best[0] + tol:
        return True
    return score[0] >= best[0] - tol and score[1] > best[1] + tol


def resolve_device(device: str) -> torch.device:
    """``"auto"``: CUDA when a GPU is present, else the CPU; anything else as torch reads it."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


class FTTransformerClassifier(ClassifierMixin, BaseEstimator):
    """Binary FT-Transformer with class-balanced batches and early stopping (scikit-learn API).

    ``categorical_features`` are column positions holding integer codes (-1 = unknown); every other
    column is numeric.
    """

    #: training.explain explains it with permutation SHAP over the input features, on a smaller
    #: budget than the MLP's (50 rows, 8 permutations): each forward pass runs attention over
    #: every feature token, and 4 x 16 is 6x fewer passes per explained row
    _model_agnostic_shap = True
    _shap_background_rows = 16
    _shap_permutations = 4

    def __init__(
        self,
        categorical_features: tuple[int, ...] = (),
        d_token: int = 32,
        n_blocks: int = 2,
        n_heads: int = 4,
        ffn_factor: float = 4 / 3,
        attention_dropout: float = 0.1,
        ffn_dropout: float = 0.1,
        learning_rate: float = 1e-3,
        weight_decay: float = 1e-5,
        batch_size: int = 256,
        max_epochs: int = 30,
        patience: int = 4,
        validation_fraction: float = 0.15,
        balanced_batches: bool = True,
        device: str = "auto",
        n_threads: int = 1,
        random_state: int | None = None,
    ) -> None:
        self.categorical_features = categorical_features
        self.d_token = d_token
        self.n_blocks = n_blocks
        self.n_heads = n_heads
        self.ffn_factor = ffn_factor
        self.attention_dropout = attention_dropout
        self.ffn_dropout = ffn_dropout
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.balanced_batches = balanced_batches
        self.device = device
        self.n_threads = n_threads
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    def fit(self, X: Any, y: Any) -> FTTransformerClassifier:
        X, y = validate_data(self, X, y, dtype=np.float32)
        self.classes_ = unique_labels(y)
        if len(self.classes_) != 2:
            # the wording scikit-learn's estimator checks look for
            raise ValueError(
                "Only binary classification is supported. The type of the target is "
                f"{type_of_target(y)} ({len(self.classes_)} class{'es' if len(self.classes_) != 1 else ''})."
            )
        if self.d_token % self.n_heads:
            raise ValueError(f"d_token ({self.d_token}) must be a multiple of n_heads ({self.n_heads})")
        seed = 0 if self.random_state is None else int(self.random_state)
        torch.manual_seed(seed)
        self._fit_inputs(X, seed)
        target = (y == self.classes_[1]).astype(np.float32)
        numeric, codes = self._inputs(X)
        split = self._validation_split(len(target), target, seed)
        self.module_ = FTTransformer(
            len(self.numeric_features_),
            self.cardinalities_,
            self.d_token,
            self.n_blocks,
            self.n_heads,
            self.ffn_factor,
            self.attention_dropout,
            self.ffn_dropout,
        )
        device = resolve_device(self.device)
        with _torch_threads(self.n_threads):
            self._train(numeric, codes, target, split, seed, device)
        self.module_.to("cpu")  # a fitted model pickles and serves without a GPU
        self.device_ = str(device)
        return self

    def _fit_inputs(self, X: np.ndarray, seed: int) -> None:
        """Which columns are codes, their cardinalities, and the numeric columns' quantile transform."""
        categorical = sorted({int(i) for i in self.categorical_features})
        if any(i < 0 or i >= X.shape[1] for i in categorical):
            raise ValueError(f"categorical_features {categorical} out of range for {X.shape[1]} columns")
        self.categorical_features_ = np.asarray(categorical, dtype=int)
        self.numeric_features_ = np.setdiff1d(np.arange(X.shape[1]), self.categorical_features_)
        # token 0 is "unknown"; code c (0-based) is token c + 1
        self.cardinalities_ = [int(max(X[:, i].max(), -1)) + 2 for i in categorical]
        self.quantiles_ = None
        if len(self.numeric_features_):
            self.quantiles_ = QuantileTransformer(
                n_quantiles=max(2, min(1000, len(X))),
                output_distribution="normal",
                subsample=100_000,
                random_state=seed,
            ).fit(X[:, self.numeric_features_])

    def _inputs(self, X: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """(transformed numeric columns, token ids of the code columns) as tensors."""
        if self.quantiles_ is not None:
            numeric = self.quantiles_.transform(X[:, self.numeric_features_]).astype(np.float32)
        else:
            numeric = np.zeros((len(X), 0), dtype=np.float32)
        codes = np.zeros((len(X), len(self.cardinalities_)), dtype=np.int64)
        columns = zip(self.categorical_features_, self.cardinalities_, strict=True)
        for j, (column, cardinality) in enumerate(columns):
            values = np.nan_to_num(X[:, column], nan=-1.0, posinf=-1.0, neginf=-1.0)
            token = np.rint(values).astype(np.int64) + 1
            codes[:, j] = np.where((token >= 1) & (token < cardinality), token, 0)
        return torch.from_numpy(np.ascontiguousarray(numeric)), torch.from_numpy(codes)

    def _validation_split(self, n: int, y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """(training rows, validation rows): stratified, or all rows for both when too few events."""
        rows = np.arange(n)
        n_minority = int(min(y.sum(), n - y.sum()))
        if self.validation_fraction <= 0 or n_minority < 4:
            return rows, rows
        train, val = train_test_split(rows, test_size=self.validation_fraction, stratify=y, random_state=seed)
        return np.sort(train), np.sort(val)

    def _train(
        self,
        numeric: torch.Tensor,
        codes: torch.Tensor,
        target: np.ndarray,
        split: tuple[np.ndarray, np.ndarray],
        seed: int,
        device: torch.device,
    ) -> None:
        train_rows, val_rows = split
        module = self.module_.to(device)
        inputs = (numeric[train_rows].to(device), codes[train_rows].to(device))
        targets = torch.from_numpy(target[train_rows]).to(device)
        val_inputs, y_val = (numeric[val_rows], codes[val_rows]), target[val_rows]
        generator = torch.Generator().manual_seed(seed)
        batches = self._batches(target[train_rows], generator)
        optimiser = torch.optim.AdamW(
            module.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay
        )
        loss_fn = nn.BCEWithLogitsLoss()
        best: tuple[float, float] = (-np.inf, -np.inf)
        best_state, stale = None, 0
        self.n_epochs_ = 0
        for _epoch in range(self.max_epochs):
            module.train()
            for batch in batches():
                index = torch.as_tensor(batch, device=device)
                optimiser.zero_grad()
                loss = loss_fn(module(inputs[0][index], inputs[1][index]), targets[index])
                loss.backward()
                optimiser.step()
            self.n_epochs_ += 1
            score = self._validation_score(val_inputs, y_val, device)
            if _better(score, best):
                best, stale = score, 0
                best_state = {k: v.detach().clone() for k, v in module.state_dict().items()}
            else:
                stale += 1
                if stale >= self.patience:
                    break
        if best_state is not None:
            module.load_state_dict(best_state)
        self.best_validation_auc_ = float(best[0])
        module.eval()

    def _batches(self, y: np.ndarray, generator: torch.Generator) -> Any:
        """Class-balanced batches (the default), or plain shuffled ones."""
        size = max(2, min(self.batch_size, len(y)))
        if self.balanced_batches and 0 < y.sum() < len(y):
            sampler = ClassBalancedBatchSampler(y, size, generator=generator)
            return lambda: iter(sampler)

        def shuffled() -> Any:
            return iter(torch.randperm(len(y), generator=generator).split(size))

        return shuffled

    def _validation_score(
        self, inputs: tuple[torch.Tensor, torch.Tensor], y_val: np.ndarray, device: torch.device
    ) -> tuple[float, float]:
        """(AUC, minus log-loss) on the validation rows: AUC decides, log-loss breaks ties.

        AUC because the balanced batches shift the output prior (the calibrator corrects it
        afterwards); the tie-break because on an easy problem AUC reaches 1 in the first epoch
        and would otherwise keep that epoch's barely separated probabilities.
        """
        proba = self._forward_proba(*inputs, device=device)
        clipped = np.clip(proba, 1e-7, 1 - 1e-7)
        neg_log_loss = float(np.mean(y_val * np.log(clipped) + (1 - y_val) * np.log(1 - clipped)))
        if len(np.unique(y_val)) < 2:
            return -np.inf, neg_log_loss
        return float(roc_auc_score(y_val, proba)), neg_log_loss

    # ------------------------------------------------------------------ predict
    def _forward_proba(
        self, numeric: torch.Tensor, codes: torch.Tensor, device: torch.device | None = None
    ) -> np.ndarray:
        """P(positive) in chunks of ``PREDICT_CHUNK`` rows, in eval mode."""
        module = self.module_
        module.eval()
        device = device or torch.device("cpu")
        out = []
        with torch.inference_mode():
            for start in range(0, len(numeric), PREDICT_CHUNK):
                stop = start + PREDICT_CHUNK
                logits = module(numeric[start:stop].to(device), codes[start:stop].to(device))
                out.append(torch.sigmoid(logits).cpu().numpy())
        return np.concatenate(out).astype(float) if out else np.zeros(0)

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "module_")
        X = validate_data(self, X, dtype=np.float32, reset=False)
        with _torch_threads(self.n_threads):
            positive = self._forward_proba(*self._inputs(X))
        return np.column_stack([1 - positive, positive])

    def predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "module_")
        return self.classes_[(self.predict_proba(X)[:, 1] >= 0.5).astype(int)]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags
