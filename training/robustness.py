"""Adversarial robustness of a credit decision: what a borrower can move, and how far it must move.

A borrower controls a few inputs of the loan model at application time: the stated income (which
sets the debt-to-income ratio) and the requested loan amount (which sets the balance and the
loan-to-value ratios together). Everything else (credit bureau score, payment history, the
property's state, macro series) comes from third parties or the servicer. So the questions a risk
team asks are:

- for a loan the model flags, what is the smallest change to what the borrower controls that turns
  the decision around (a large one is a real change of the loan; a tiny one is a gaming risk);
- how many decisions flip under small, plausible noise in those inputs (a rounded income, a
  slightly different amount): a fragile threshold is both unfair and gameable;
- does the model respect credit logic, so that making one input look worse never lowers the risk
  (monotone constraints; a violation would be the cheapest attack of all).

:func:`robustness_report` answers the three on a sample of real rows; ``creditrisk report
robustness`` writes it as Markdown, JSON and a plot (``docs/security.md`` shows one).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from training.families import monotone_directions


@dataclass(frozen=True)
class Lever:
    """Inputs a borrower moves together, scaled down by the same fraction."""

    name: str
    features: tuple[str, ...]
    meaning: str


#: What a loan applicant controls, as the loan model's features.
LEVERS = (
    Lever(
        "stated income",
        ("orig_dti_pct",),
        "a higher stated income lowers the debt-to-income ratio (DTI falls by the fraction shown)",
    ),
    Lever(
        "loan amount",
        ("orig_upb_usd", "current_upb_usd", "orig_ltv_pct", "orig_cltv_pct", "current_ltv_pct", "eltv_pct"),
        "a smaller requested loan lowers the balance and the LTV ratios by the same fraction",
    ),
)
#: Fractions a lever is reduced by, searched in order for the smallest that flips a decision.
REDUCTIONS = tuple(step / 100 for step in range(1, 51))


@dataclass
class LeverResult:
    lever: str
    features: list[str]
    flagged: int
    flippable: int = 0
    within_5pct: int = 0
    within_10pct: int = 0
    median_reduction: float | None = None
    reductions: list[float | None] = field(default_factory=list)

    @property
    def flippable_share(self) -> float:
        return self.flippable / self.flagged if self.flagged else 0.0


@dataclass
class RobustnessReport:
    """The answers, for one model on one sample (see the module docstring)."""

    model: str
    version: str
    threshold: float
    rows: int
    flagged: int
    levers: list[LeverResult]
    noise: dict[str, float]
    noise_loans_with_a_flip: float
    noise_description: str
    monotone_violations: dict[str, float]
    not_movable: list[str]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_markdown(self) -> str:
        lines = [
            f"# Robustness of {self.model} v{self.version}",
            "",
            f"{self.rows} loans (latest row each), {self.flagged} flagged at the threshold "
            f"{self.threshold:.4f}.",
            "",
            "## Smallest change a borrower controls that flips a flagged loan",
            "",
            "| lever | features moved | flagged loans flippable (reduction <= 50%) | within 5% | within 10% "
            "| median reduction |",
            "|---|---|---|---|---|---|",
        ]
        for r in self.levers:
            median = f"{r.median_reduction:.0%}" if r.median_reduction is not None else "-"
            lines.append(
                f"| {r.lever} | {', '.join(r.features)} | {r.flippable} of {r.flagged} "
                f"({r.flippable_share:.0%}) | {r.within_5pct} | {r.within_10pct} | {median} |"
            )
        lines += [
            "",
            f"## Decisions that flip under small plausible noise ({self.noise_description})",
            "",
            "| noise on | share of (loan, draw) decisions that flip |",
            "|---|---|",
            *[f"| {name} | {share:.2%} |" for name, share in self.noise.items()],
            "",
            f"Loans whose decision flips in at least one draw of both: {self.noise_loans_with_a_flip:.1%}.",
            "",
            "## Credit logic (monotone directions)",
            "",
            "Share of loans where moving one feature against credit logic lowered the risk:",
            "",
            "| feature | violations |",
            "|---|---|",
            *[f"| {name} | {share:.1%} |" for name, share in self.monotone_violations.items()],
            "",
            "Not movable by the borrower (third-party or servicer data): "
            + ", ".join(self.not_movable)
            + ".",
        ]
        return "\n".join(lines) + "\n"


def latest_rows(frame: pd.DataFrame, entity_key: str, time_col: str = "event_timestamp") -> pd.DataFrame:
    """One row per entity, its latest (what a decision today would see)."""
    if time_col in frame.columns:
        frame = frame.sort_values(time_col)
    if entity_key in frame.columns:
        frame = frame.drop_duplicates(entity_key, keep="last")
    return frame.reset_index(drop=True)


def _present(lever: Lever, model: Any) -> tuple[str, ...]:
    return tuple(
        f for f in lever.features if f in model.feature_names and model.feature_types.get(f) != "str"
    )


def _scaled(rows: pd.DataFrame, features: tuple[str, ...], factor: float | np.ndarray) -> pd.DataFrame:
    out = rows.copy()
    for name in features:
        out[name] = rows[name].astype(float) * factor
    return out


def smallest_flips(model: Any, flagged: pd.DataFrame, features: tuple[str, ...]) -> list[float | None]:
    """Per flagged row, the smallest reduction in ``REDUCTIONS`` that brings it under the threshold."""
    found: list[float | None] = [None] * len(flagged)
    open_rows = np.arange(len(flagged))
    for reduction in REDUCTIONS:
        if not len(open_rows):
            break
        proba = model.predict_proba(_scaled(flagged.iloc[open_rows], features, 1 - reduction))
        flipped = np.asarray(proba) < model.threshold
        for row in open_rows[flipped]:
            found[int(row)] = reduction
        open_rows = open_rows[~flipped]
    return found


def noise_flip_share(
    model: Any,
    rows: pd.DataFrame,
    features: tuple[str, ...],
    relative: float,
    draws: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Per row, how many of ``draws`` random +-``relative`` scalings of ``features`` flip the decision."""
    base = np.asarray(model.predict_proba(rows)) >= model.threshold
    flips = np.zeros(len(rows), dtype=int)
    for _ in range(draws):
        factor = 1 + rng.uniform(-relative, relative, len(rows))
        moved = np.asarray(model.predict_proba(_scaled(rows, features, factor))) >= model.threshold
        flips += moved != base
    return flips


def monotone_violations(model: Any, rows: pd.DataFrame, steps: int = 8) -> dict[str, float]:
    """Per constrained feature, the share of rows where a worse value gave a lower probability."""
    result: dict[str, float] = {}
    for name, direction in monotone_directions(model.feature_names, model.feature_types).items():
        values = rows[name].astype(float)
        if values.notna().sum() < 2:
            continue
        low, high = np.nanquantile(values, [0.02, 0.98])
        grid = np.linspace(low, high, steps)
        if direction < 0:
            grid = grid[::-1]  # worse is lower
        risk = np.column_stack([model.predict_proba(rows.assign(**{name: v})) for v in grid])
        result[name] = float((np.diff(risk, axis=1) < -1e-9).any(axis=1).mean())
    return result


def robustness_report(
    model: Any,
    frame: pd.DataFrame,
    version: str = "",
    sample: int = 300,
    noise: float = 0.02,
    draws: int = 10,
    seed: int = 42,
) -> RobustnessReport:
    """The report for ``model`` on up to ``sample`` entities of ``frame`` (latest row each)."""
    rng = np.random.default_rng(seed)
    rows = latest_rows(frame, model.entity_key)
    if len(rows) > sample:
        rows = rows.sample(sample, random_state=seed).reset_index(drop=True)
    proba = np.asarray(model.predict_proba(rows))
    flagged = rows[proba >= model.threshold].reset_index(drop=True)
    levers = [(lever, _present(lever, model)) for lever in LEVERS]
    levers = [(lever, features) for lever, features in levers if features]
    results = [_lever_result(model, flagged, lever.name, features) for lever, features in levers]
    if len(levers) > 1:
        both = tuple(f for _, features in levers for f in features)
        results.append(_lever_result(model, flagged, " + ".join(lv.name for lv, _ in levers), both))
    noise_shares: dict[str, float] = {}
    any_flip = np.zeros(len(rows), dtype=bool)
    for lever, features in levers:
        flips = noise_flip_share(model, rows, features, noise, draws, rng)
        noise_shares[lever.name] = float(flips.sum() / (len(rows) * draws)) if len(rows) else 0.0
        any_flip |= flips > 0
    movable = {f for _, features in levers for f in features}
    return RobustnessReport(
        model=model.model_name,
        version=str(version),
        threshold=float(model.threshold),
        rows=len(rows),
        flagged=len(flagged),
        levers=results,
        noise=noise_shares,
        noise_loans_with_a_flip=float(any_flip.mean()) if len(rows) else 0.0,
        noise_description=f"each lever scaled by a random factor in 1 +- {noise:.0%}, {draws} draws per loan",
        monotone_violations=monotone_violations(model, rows),
        not_movable=[f for f in model.feature_names if f not in movable],
    )


def _lever_result(model: Any, flagged: pd.DataFrame, name: str, features: tuple[str, ...]) -> LeverResult:
    found = smallest_flips(model, flagged, features) if len(flagged) else []
    hits = [r for r in found if r is not None]
    return LeverResult(
        lever=name,
        features=list(features),
        flagged=len(flagged),
        flippable=len(hits),
        within_5pct=int(sum(r <= 0.05 for r in hits)),
        within_10pct=int(sum(r <= 0.10 for r in hits)),
        median_reduction=float(np.median(hits)) if hits else None,
        reductions=found,
    )


def plot_reductions(report: RobustnessReport, path: Any) -> None:
    """Cumulative share of flagged loans flipped against the reduction of each lever (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for result in report.levers:
        done = [r if r is not None else np.inf for r in result.reductions]
        shares = [np.mean([d <= x for d in done]) if done else 0.0 for x in REDUCTIONS]
        ax.step([x * 100 for x in REDUCTIONS], [s * 100 for s in shares], where="post", label=result.lever)
    ax.set_xlabel("reduction of the lever's features (%)")
    ax.set_ylabel("flagged loans flipped to low risk (%)")
    ax.set_title(f"{report.model} v{report.version}: what it takes to flip a flagged loan")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
