"""Exact path-dependent TreeSHAP of a random forest's P(class 1), fast enough to run per request.

shap's ``TreeExplainer`` walks every tree with the recursive algorithm of Lundberg et al., about
d^2 work per leaf for d distinct features on its path; on the demo's forest (150 trees, deep
paths) that was the largest part of a served request (docs/serving.md, "Speed").

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

Everything but o depends on the forest alone and is computed once: each leaf's features with
their zero fraction and the interval of x that follows the path, prod z per leaf, and per
feature and node the ratio (u + (1-u) z) / z and the inverse of u + (1-u) z. Per row and leaf
what remains is |A| * ceil(d/2) multiply-adds twice, with no recursion, no division in the inner
loops and no allocation per tree. Compiled with numba (installed with shap), it explains a row
of the demo's forest in well under shap's time (docs/serving.md, "Speed");
``tests/training/test_forest_shap.py`` checks the values equal shap's, missing values and
infinities included.

Inputs are compared as scikit-learn does: rounded to float32, ``x <= threshold`` goes left, a
missing value follows the node's ``missing_go_to_left`` branch.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np


class ForestShap:
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
        leaf_start, leaf_value, reach = [0], [], []
        features: list[int] = []
        zeros: list[float] = []
        lows: list[float] = []
        highs: list[float] = []
        nan_follows: list[bool] = []
        scaling = 1.0 / len(forest.estimators_)
        for estimator in forest.estimators_:
            for value, path in _leaf_paths(estimator.tree_):
                leaf_value.append(value * scaling)
                # the leaf's probability of being reached with no feature known: prod of z
                reach.append(float(np.prod([step[0] for step in path.values()])))
                for feature, (zero, low, high, nan_ok) in path.items():
                    features.append(feature)
                    zeros.append(zero)
                    lows.append(low)
                    highs.append(high)
                    nan_follows.append(nan_ok)
                leaf_start.append(len(features))
        self.n_features = int(forest.n_features_in_)
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
        self.base = float(self.leaf_value @ self.leaf_scale)

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """SHAP values, one row per row of ``X`` and one column per input feature."""
        rows = np.ascontiguousarray(np.asarray(X, dtype=np.float32), dtype=np.float64)
        return _forest_shap(
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


def _leaf_paths(tree: Any) -> list[tuple[float, dict[int, tuple[float, float, float, bool]]]]:
    """Each leaf's P(class 1) and, per feature split on its path: (zero fraction, low, high, a
    missing value follows the path). x follows the path on that feature when low < x <= high."""
    left, right = tree.children_left, tree.children_right
    feature, threshold = tree.feature, tree.threshold
    cover = tree.weighted_n_node_samples
    default = np.where(tree.missing_go_to_left, left, right) if hasattr(tree, "missing_go_to_left") else left
    values = tree.value.reshape(tree.value.shape[0], -1)
    positive = values[:, 1] / values.sum(axis=1)
    leaves = []
    stack: list[tuple[int, dict[int, tuple[float, float, float, bool]]]] = [(0, {})]
    while stack:
        node, path = stack.pop()
        if left[node] < 0:
            leaves.append((float(positive[node]), path))
            continue
        f, t = int(feature[node]), float(threshold[node])
        for child, goes_left in ((left[node], True), (right[node], False)):
            zero, low, high, nan_ok = path.get(f, (1.0, -np.inf, np.inf, True))
            step = (
                zero * cover[child] / cover[node],
                low if goes_left else max(low, t),
                min(high, t) if goes_left else high,
                nan_ok and default[node] == child,
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
def _forest_shap(
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
) -> np.ndarray:  # pragma: no cover - compiled; tested through ForestShap
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
