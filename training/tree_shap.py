"""Exact path-dependent TreeSHAP of a tree ensemble in closed form, fast enough to run per request.

shap's ``TreeExplainer`` and XGBoost's ``pred_contribs`` walk every tree with the recursive
algorithm of Lundberg et al., about d^2 work per leaf for d distinct features on its path, behind
per-call set-up that costs more than the trees on one row (a ``DMatrix``, argument checks); on the
demo's forest (150 trees, deep paths) and boosters that was the largest part of a served request
(docs/serving.md, "Speed").

The same numbers come from a closed form. The path-dependent expectation that TreeSHAP's values
are the Shapley values of is, per leaf l with value v, path features D (|D| = d), cover
fractions z_i (the product of child/parent covers over the splits on feature i) and agreement
o_i (1 when x satisfies every split on feature i on the path, else 0)::

    E[f(x) | x_S] = sum_l v_l * prod_{i in D_l} (o_i if i in S else z_i)

Its Shapley value for a feature j in D sums, over subsets S of D \\ {j}, the weights
|S|! (d-|S|-1)! / d! times that product's change when j joins S. Writing the weight as the Beta
integral of u^|S| (1-u)^(d-|S|-1) over [0, 1] turns the subset sum into the integral of a
polynomial of degree d-1 in u, which Gauss-Legendre quadrature with ceil(d/2) nodes integrates
exactly. With A the features x agrees with and B the others, and
K_r = w_r (1-u_r)^(d-|A|) prod_{i in A} (u_r + (1-u_r) z_i) prod_{i in B} z_i::

    phi_j += v (1 - z_j) sum_r K_r / (u_r + (1-u_r) z_j)     for j in A
    phi_j -= v           sum_r K_r / (1 - u_r)               for j in B

Everything but o depends on the ensemble alone and is computed once: each leaf's features with
their zero fraction and the interval of x that follows the path, prod z per leaf, and per
feature and node the ratio (u + (1-u) z) / z and the inverse of u + (1-u) z. Per row and leaf
what remains is |A| * ceil(d/2) multiply-adds twice, with no recursion, no division in the inner
loops and no allocation per tree. Compiled with numba (installed with shap).

Two ensembles are read into leaves (:class:`PathShap` takes any other):

- :class:`ForestShap`, a scikit-learn ``RandomForestClassifier``'s P(class 1): inputs compared as
  scikit-learn does, rounded to float32, ``x <= threshold`` goes left, a missing value follows the
  node's ``missing_go_to_left`` branch; ``tests/training/test_forest_shap.py`` checks the values
  equal shap's, missing values and infinities included.
- :class:`XgbShap`, a binary XGBoost ``gbtree`` booster's margin (log-odds): read from the
  booster's JSON model, float32 ``x < threshold`` goes left (the same as ``x <=`` the float32 just
  below the threshold), a missing value follows ``default_left``, covers are the nodes' hessian
  sums as XGBoost's own TreeSHAP takes them. The values are XGBoost's ``pred_contribs`` computed
  in float64 instead of float32: equal to about 1e-6 (``tests/training/test_xgb_shap.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import numba
import numpy as np

#: Per feature split on a leaf's path: (zero fraction, low, high, a missing value follows the
#: path); x follows the path on that feature when low < x <= high.
PathStep = tuple[float, float, float, bool]
Leaf = tuple[float, dict[int, PathStep]]


class PathShap:
    """Path-dependent TreeSHAP values of an ensemble given as its leaves.

    ``leaves`` holds each leaf's value (already weighted as the ensemble sums it) and its path;
    ``offset`` is added to the expected output (a booster's base margin). For every row,
    ``base + contributions(X).sum(axis=1)`` is the ensemble's output.
    """

    def __init__(self, leaves: Iterable[Leaf], n_features: int, offset: float = 0.0) -> None:
        leaf_start, leaf_value, reach = [0], [], []
        features: list[int] = []
        zeros: list[float] = []
        lows: list[float] = []
        highs: list[float] = []
        nan_follows: list[bool] = []
        for value, path in leaves:
            leaf_value.append(value)
            # the leaf's probability of being reached with no feature known: prod of z
            reach.append(float(np.prod([step[0] for step in path.values()])))
            for feature, (zero, low, high, nan_ok) in path.items():
                features.append(feature)
                zeros.append(zero)
                lows.append(low)
                highs.append(high)
                nan_follows.append(nan_ok)
            leaf_start.append(len(features))
        self.n_features = int(n_features)
        self.leaf_start = np.asarray(leaf_start, dtype=np.int64)
        self.leaf_value = np.asarray(leaf_value, dtype=np.float64)
        self.feature = np.asarray(features, dtype=np.int64)
        self.zero = np.asarray(zeros, dtype=np.float64)
        self.low = np.asarray(lows, dtype=np.float64)
        self.high = np.asarray(highs, dtype=np.float64)
        self.nan_follows = np.asarray(nan_follows, dtype=np.bool_)
        max_depth = int(np.diff(self.leaf_start).max(initial=0))
        self.gauss_u, self.gauss_w = _gauss_tables(max_depth)
        # Per path feature and quadrature node, the agreeing factor u + (1-u) z does not depend
        # on x: its ratio to z (what agreeing changes in K) and its inverse are computed here, so
        # the per-row loops only multiply and add.
        depth = np.diff(self.leaf_start)
        pair_depth = np.repeat(depth, depth)
        pair_nodes = (pair_depth + 1) // 2
        self.node_start = np.concatenate([[0], np.cumsum(pair_nodes)]).astype(np.int64)
        node_pair = np.repeat(np.arange(len(self.feature)), pair_nodes)
        node_rank = np.arange(len(node_pair)) - self.node_start[node_pair]
        u = self.gauss_u[pair_depth[node_pair], node_rank]
        agree_factor = u + (1.0 - u) * self.zero[node_pair]
        self.agree_inverse = 1.0 / agree_factor
        self.agree_ratio = agree_factor / self.zero[node_pair]
        self.leaf_scale = np.asarray(reach, dtype=np.float64)  # prod z over each leaf's path
        #: E[f]: the leaves' values weighted by the covers' probability of reaching them
        self.base = float(offset + self.leaf_value @ self.leaf_scale)

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """SHAP values, one row per row of ``X`` and one column per input feature."""
        rows = np.ascontiguousarray(np.asarray(X, dtype=np.float32), dtype=np.float64)
        return _path_shap(
            rows,
            self.n_features,
            self.leaf_start,
            self.leaf_value,
            self.feature,
            self.zero,
            self.low,
            self.high,
            self.nan_follows,
            self.gauss_u,
            self.gauss_w,
            self.node_start,
            self.leaf_scale,
            self.agree_ratio,
            self.agree_inverse,
        )


class ForestShap(PathShap):
    """Path-dependent TreeSHAP values of a fitted binary ``RandomForestClassifier``'s P(class 1).

    ``base`` is the expected output (the covers' weighted mean of the leaves); for every row,
    ``base + contributions(X).sum(axis=1)`` is the forest's ``predict_proba(X)[:, 1]``.
    """

    @staticmethod
    def supports(forest: Any) -> bool:
        """Every node has a positive cover (the closed form divides by the cover fractions)."""
        return all((e.tree_.weighted_n_node_samples > 0).all() for e in forest.estimators_)

    def __init__(self, forest: Any) -> None:
        if not self.supports(forest):
            raise ValueError("a tree has a node without weight; explain it with shap's TreeExplainer")
        scaling = 1.0 / len(forest.estimators_)
        leaves = [
            (value * scaling, path)
            for estimator in forest.estimators_
            for value, path in _leaf_paths(estimator.tree_)
        ]
        super().__init__(leaves, int(forest.n_features_in_))


class XgbShap(PathShap):
    """Path-dependent TreeSHAP values of a binary XGBoost ``gbtree`` booster's margin (log-odds).

    ``base`` includes the booster's base margin; for every row, ``base +
    contributions(X).sum(axis=1)`` is ``predict(output_margin=True)`` computed in float64. Built
    only where the booster's own margin confirms it (:meth:`supports`, then a check on
    ``probe`` rows at construction), else the caller keeps ``pred_contribs``.
    """

    @staticmethod
    def supports(booster: Any) -> bool:
        """A ``gbtree`` (not ``dart``) binary logistic booster of numeric splits whose every node
        has a positive hessian sum (the closed form divides by the cover fractions)."""
        return _closed_form_applies(_learner(booster))

    def __init__(self, booster: Any, iteration_range: tuple[int, int], probe: np.ndarray) -> None:
        model = _learner(booster)  # parsed once: the JSON of a large booster is megabytes
        if not _closed_form_applies(model):
            raise ValueError("not a binary gbtree booster of numeric splits with positive covers")
        gbtree = model["gradient_booster"]["model"]
        per_round = int(gbtree["gbtree_model_param"]["num_parallel_tree"])
        first, last = iteration_range
        trees = gbtree["trees"]
        if last > 0:
            trees = trees[first * per_round : last * per_round]
        leaves = [leaf for tree in trees for leaf in _xgb_leaf_paths(tree)]
        n_features = int(model["learner_model_param"]["num_feature"])
        base_score = float(str(model["learner_model_param"]["base_score"]).strip("[]"))
        super().__init__(leaves, n_features, offset=float(np.log(base_score / (1.0 - base_score))))
        self._check_margin(booster, iteration_range, probe)

    def _check_margin(self, booster: Any, iteration_range: tuple[int, int], probe: np.ndarray) -> None:
        """The leaves and base margin read from JSON must give the booster's own margin."""
        import xgboost as xgb

        rows = np.asarray(probe, dtype=float)
        margin = booster.predict(
            xgb.DMatrix(rows, missing=np.nan, nthread=1), output_margin=True, iteration_range=iteration_range
        )
        ours = self.base + self.contributions(rows).sum(axis=1)
        if not np.allclose(ours, margin, rtol=0, atol=1e-4):
            raise ValueError("the booster's JSON model does not reproduce its margin; keep pred_contribs")


def _learner(booster: Any) -> dict[str, Any]:
    """The booster's model as XGBoost's JSON describes it (its ``learner`` object)."""
    return json.loads(booster.save_raw("json"))["learner"]


def _closed_form_applies(model: dict[str, Any]) -> bool:
    """See :meth:`XgbShap.supports`, on the parsed ``learner`` object."""
    params = model["learner_model_param"]
    if model["gradient_booster"]["name"] != "gbtree" or model["objective"]["name"] != "binary:logistic":
        return False
    if int(params.get("num_class", 0)) > 1 or int(params.get("num_target", 1)) != 1:
        return False
    trees = model["gradient_booster"]["model"]["trees"]
    return all(not any(tree["split_type"]) and min(tree["sum_hessian"], default=1.0) > 0 for tree in trees)


def _xgb_leaf_paths(tree: dict[str, Any]) -> list[Leaf]:
    """An XGBoost tree's leaves from its JSON: float32 ``x < split`` goes left, which for float32
    inputs is ``x <=`` the largest float32 below the split."""
    left = np.asarray(tree["left_children"], dtype=np.int64)
    right = np.asarray(tree["right_children"], dtype=np.int64)
    split = np.asarray(tree["split_conditions"], dtype=np.float32)
    below = np.nextafter(split, np.float32(-np.inf)).astype(np.float64)
    default = np.where(np.asarray(tree["default_left"], dtype=bool), left, right)
    cover = np.asarray(tree["sum_hessian"], dtype=np.float64)
    # a leaf's value is stored in its split_conditions slot (already scaled by the learning rate)
    value = split.astype(np.float64)
    return _walk(left, right, np.asarray(tree["split_indices"], dtype=np.int64), below, cover, default, value)


def _leaf_paths(tree: Any) -> list[Leaf]:
    """A scikit-learn tree's leaves: each leaf's P(class 1) and its path."""
    left, right = tree.children_left, tree.children_right
    default = np.where(tree.missing_go_to_left, left, right) if hasattr(tree, "missing_go_to_left") else left
    values = tree.value.reshape(tree.value.shape[0], -1)
    positive = values[:, 1] / values.sum(axis=1)
    return _walk(left, right, tree.feature, tree.threshold, tree.weighted_n_node_samples, default, positive)


def _walk(
    left: np.ndarray,
    right: np.ndarray,
    feature: np.ndarray,
    threshold: np.ndarray,
    cover: np.ndarray,
    default: np.ndarray,
    value: np.ndarray,
) -> list[Leaf]:
    """Each leaf's value and, per feature split on its path: (zero fraction, low, high, a missing
    value follows the path). ``x <= threshold`` goes to ``left``, a leaf has ``left < 0``, a
    missing value goes to ``default``."""
    leaves = []
    stack: list[tuple[int, dict[int, PathStep]]] = [(0, {})]
    while stack:
        node, path = stack.pop()
        if left[node] < 0:
            leaves.append((float(value[node]), path))
            continue
        f, t = int(feature[node]), float(threshold[node])
        for child, goes_left in ((left[node], True), (right[node], False)):
            zero, low, high, nan_ok = path.get(f, (1.0, -np.inf, np.inf, True))
            step = (
                zero * cover[child] / cover[node],
                low if goes_left else max(low, t),
                min(high, t) if goes_left else high,
                bool(nan_ok and default[node] == child),
            )
            stack.append((int(child), {**path, f: step}))
    return leaves


def _gauss_tables(max_depth: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights on [0, 1]: row d holds the ceil(d/2) that integrate a
    degree d-1 polynomial exactly (padded with zeros)."""
    width = max(1, (max_depth + 1) // 2)
    nodes = np.zeros((max_depth + 1, width))
    weights = np.zeros((max_depth + 1, width))
    for d in range(1, max_depth + 1):
        q = (d + 1) // 2
        t, w = np.polynomial.legendre.leggauss(q)
        nodes[d, :q] = (t + 1) / 2
        weights[d, :q] = w / 2
    return nodes, weights


@numba.njit(cache=True, nogil=True)
def _path_shap(
    X: np.ndarray,
    n_features: int,
    leaf_start: np.ndarray,
    leaf_value: np.ndarray,
    feature: np.ndarray,
    zero: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    nan_follows: np.ndarray,
    gauss_u: np.ndarray,
    gauss_w: np.ndarray,
    node_start: np.ndarray,
    leaf_scale: np.ndarray,
    agree_ratio: np.ndarray,
    agree_inverse: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled; tested through ForestShap and XgbShap
    # Whether x follows a leaf's path on a feature is close to random from one pair to the next,
    # so the pairs are sorted into agreeing and not without branches (mispredicted branches cost
    # more than the arithmetic), and only the agreeing ones pay the per-node products: the
    # others' factors z are folded into ``leaf_scale`` (prod z) and ``agree_ratio`` (factor / z).
    n_rows = X.shape[0]
    phi = np.zeros((n_rows, n_features))
    agreeing = np.zeros(gauss_u.shape[0], dtype=np.int64)
    disagreeing = np.zeros(gauss_u.shape[0], dtype=np.int64)
    k = np.zeros(gauss_u.shape[1])
    for row in range(n_rows):
        x = X[row]
        out = phi[row]
        for leaf in range(leaf_value.shape[0]):
            start, end = leaf_start[leaf], leaf_start[leaf + 1]
            d = end - start
            if d == 0:
                continue
            n_agree = 0
            n_disagree = 0
            for p in range(start, end):
                value = x[feature[p]]
                inside = ((low[p] < value) | (low[p] == -np.inf)) & (value <= high[p])  # x = -inf
                ok = inside | (np.isnan(value) & nan_follows[p])
                agreeing[n_agree] = p
                disagreeing[n_disagree] = p
                n_agree += ok
                n_disagree += 1 - ok
            q = (d + 1) // 2
            scale = leaf_scale[leaf]
            for r in range(q):
                k[r] = scale * gauss_w[d, r] * (1.0 - gauss_u[d, r]) ** (d - n_agree)
            for i in range(n_agree):
                first = node_start[agreeing[i]]
                for r in range(q):
                    k[r] *= agree_ratio[first + r]
            v = leaf_value[leaf]
            if n_disagree:
                disagree_sum = 0.0
                for r in range(q):
                    disagree_sum += k[r] / (1.0 - gauss_u[d, r])
                for i in range(n_disagree):
                    out[feature[disagreeing[i]]] -= v * disagree_sum
            for i in range(n_agree):
                p = agreeing[i]
                first = node_start[p]
                acc = 0.0
                for r in range(q):
                    acc += k[r] * agree_inverse[first + r]
                out[feature[p]] += v * (1.0 - zero[p]) * acc
    return phi
