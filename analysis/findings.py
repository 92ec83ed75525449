"""Plain-language findings written from the numbers, so a reader gets the gist before the plots.

Each finding is computed from the analysis, never hand-written: thresholds are named
constants here so a reviewer can see what counts as "high" missingness or "strong" separation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.collinearity import VIF_THRESHOLD
from analysis.compute import Analysis, class_ratio
from creditrisk.outliers import IQR_K

HIGH_MISSING = 0.2
MISSING_GAP = 0.05
STRONG_AUC_DISTANCE = 0.1
SEASONAL_STRENGTH = 0.3
#: A trailing month with fewer rows than this share of the typical month counts as thin.
THIN_MONTH = 0.25
#: Thin trailing months whose rate differs from the rest by this factor look like censoring.
CENSORING_RATE_FACTOR = 2.0


def write_findings(analysis: Analysis) -> list[str]:
    """The findings in reading order: data, separation, outliers, collinearity, structure, time."""
    findings = [_overview(analysis)]
    findings += _missingness(analysis)
    findings += _separation(analysis)
    findings += _outliers(analysis)
    findings += _collinearity(analysis)
    findings += _structure(analysis)
    findings += _time(analysis)
    return findings


def _overview(a: Analysis) -> str:
    p = a.profile
    ignored = f"; {len(a.roles.ignored)} column(s) not analysed (see Columns)" if a.roles.ignored else ""
    return (
        f"{p.n_rows:,} rows, {len(a.roles.numeric)} numeric and {len(a.roles.categorical)} categorical "
        f"features; {p.positives:,} positives ({a.roles.label} rate {p.positive_rate:.2%}){ignored}."
    )


def _missingness(a: Analysis) -> list[str]:
    table = a.profile.numeric
    out = []
    high = table[table["missing_share"] > HIGH_MISSING].sort_values("missing_share", ascending=False)
    if len(high):
        names = ", ".join(f"{f} ({s:.0%})" for f, s in high["missing_share"].head(5).items())
        out.append(f"High missingness (over {HIGH_MISSING:.0%}): {names}.")
    gap = (table["missing_share_1"] - table["missing_share_0"]).abs()
    informative = gap[gap > MISSING_GAP].sort_values(ascending=False)
    for feature in informative.index[:3]:
        row = table.loc[feature]
        out.append(
            f"Missingness of {feature} differs by class ({row['missing_share_1']:.1%} of positives vs "
            f"{row['missing_share_0']:.1%} of negatives): the missing flag itself carries signal."
        )
    return out


def _separation(a: Analysis) -> list[str]:
    auc = a.profile.numeric["auc"].dropna()
    if auc.empty:
        return []
    strength = (auc - 0.5).abs().sort_values(ascending=False)
    top = [
        f"{f} (AUC {auc[f]:.2f}, {'higher' if auc[f] > 0.5 else 'lower'} is riskier)"
        for f in strength.index[:3]
    ]
    weak = strength[strength < 0.02]
    out = [f"Strongest single-feature separators of {a.roles.label}: {', '.join(top)}."]
    if strength.iloc[0] < STRONG_AUC_DISTANCE:
        out.append("No feature alone separates the classes well (all univariate AUCs within 0.4-0.6).")
    if len(weak):
        out.append(f"{len(weak)} numeric feature(s) show no univariate signal (AUC within 0.48-0.52).")
    return out


def _outliers(a: Analysis) -> list[str]:
    o = a.outliers
    out = []
    iqr = o.iqr[o.iqr["count"] > 0]
    if len(iqr):
        share = o.rows_with_iqr_outlier / a.profile.n_rows
        names = ", ".join(f"{f} ({s:.1%})" for f, s in iqr["share"].head(3).items())
        out.append(
            f"{o.rows_with_iqr_outlier:,} rows ({share:.1%}) have at least one value beyond {IQR_K:g} IQR "
            "(the rows `creditrisk train --outliers iqr` drops); "
            f"most affected: {names}."
        )
    if not o.mcd_features:
        return [*out, "No continuous feature, so no Mahalanobis distance (flags and counts only)."]
    flagged = int(o.flagged.sum())
    ratio = class_ratio(o.share_1, o.share_0)
    line = (
        f"Robust Mahalanobis (MCD on {o.mcd_sample:,} rows) flags {flagged:,} rows "
        f"({flagged / a.profile.n_rows:.1%}): {o.share_1:.1%} of positives vs {o.share_0:.1%} of negatives"
    )
    if np.isfinite(ratio) and ratio > 0:
        line += f" ({ratio:.1f}x)"
    out.append(line + ".")
    if len(o.drivers):
        names = ", ".join(f"{f} ({s:.0%})" for f, s in o.drivers["share"].head(3).items())
        out.append(
            f"Features that drive the multivariate outliers (largest contribution to the distance): {names}."
        )
    return out


def _collinearity(a: Analysis) -> list[str]:
    c = a.collinearity
    out = []
    if len(c.pairs):
        pairs = ", ".join(
            f"{r.feature_a} / {r.feature_b} (r = {r.correlation:.2f})" for r in c.pairs.head(5).itertuples()
        )
        out.append(f"{len(c.pairs)} strongly correlated pair(s) (|r| >= 0.8): {pairs}.")
    flagged = c.vif[c.vif["flagged"]]
    if len(flagged):
        out.append(
            f"{len(flagged)} feature(s) have VIF above {VIF_THRESHOLD:.0f}; dropping "
            f"{', '.join(c.suggested_drop)} brings every VIF to {c.vif_after_drop:.1f} or below."
        )
    else:
        out.append(f"No feature has a VIF above {VIF_THRESHOLD:.0f}; multicollinearity is not a concern.")
    return out


def _structure(a: Analysis) -> list[str]:
    p = a.projection
    n = len(p.explained)
    return [
        f"{p.components_for[0.9]} of {n} principal components explain 90% of the variance "
        f"(PC1 alone {p.explained[0]:.0%}); the first loads most on {p.loadings.index[0]}."
    ]


def _time(a: Analysis) -> list[str]:
    t = a.time
    if t is None:
        return ["No time column, so the time section is skipped."]
    out = []
    rates = t.monthly["rate"].dropna()
    if len(rates) >= 24:
        first, last = rates.iloc[:12].mean(), rates.iloc[-12:].mean()
        direction = "rose" if last > first else "fell"
        out.append(
            f"The monthly {a.roles.label} rate {direction} from {first:.2%} (first 12 months) "
            f"to {last:.2%} (last 12 months)."
        )
    out += _thin_tail(t.monthly, a.roles.label)
    d = t.decomposition
    if d is not None:
        month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][
            d.peak_month - 1
        ]
        kind = "clear" if d.seasonal_strength >= SEASONAL_STRENGTH else "weak"
        out.append(
            f"STL: {kind} yearly seasonality in the rate (seasonal strength {d.seasonal_strength:.2f}, "
            f"peak in {month}); trend strength {d.trend_strength:.2f}."
        )
    tested = t.stationarity[t.stationarity["verdict"].str.startswith("not")]
    if len(tested):
        out.append(
            f"ADF does not show stationarity for {', '.join(tested['series'])}: model changes or "
            f"detrended values, or check for drift, before relying on their levels."
        )
    return out


def _thin_tail(monthly: pd.DataFrame, label: str) -> list[str]:
    """Few rows with a very different rate at the end of the window: incomplete label horizons.

    When only observations whose outcome came early (a default, an exit) are labelled near the
    end of the data, the last months are thin and their rate is far from the rest; training on
    them biases the model.
    """
    rows = monthly["rows"]
    typical = rows[rows > 0].median()
    thin = 0
    for count in rows.iloc[::-1]:
        if count >= THIN_MONTH * typical:
            break
        thin += 1
    if thin < 2 or thin >= len(rows) - 2:
        return []
    tail, head = monthly.iloc[-thin:], monthly.iloc[:-thin]
    tail_rate = float((tail["rate"].fillna(0) * tail["rows"]).sum() / max(tail["rows"].sum(), 1))
    head_rate = float((head["rate"].fillna(0) * head["rows"]).sum() / max(head["rows"].sum(), 1))
    ratio = tail_rate / head_rate if head_rate else np.inf
    if 1 / CENSORING_RATE_FACTOR < ratio < CENSORING_RATE_FACTOR:
        return []
    return [
        f"The last {thin} months ({tail.index[0]:%Y-%m} to {tail.index[-1]:%Y-%m}) hold only "
        f"{int(tail['rows'].sum()):,} rows (typical month {int(typical):,}) with a {label} rate of "
        f"{tail_rate:.1%} against {head_rate:.1%} before: the signature of incomplete label horizons "
        "(only early outcomes observed yet). Exclude them from training or check the label's horizon."
    ]
