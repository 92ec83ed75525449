"""The loan model: monthly transition probabilities between delinquency states.

One function computes them, and both the simulation and the ground truth call it, so the
truth is the exact probability under the dynamics that produced the files. Every input is
observable in the raw files: origination fields, the loan's own history (ever delinquent,
modified, current rate), the macro series of the month before the transition (state
unemployment and its 12-month change, house prices through the mark-to-market LTV, the
market rate through the rate incentive), loan age and calendar month.

Transitions are multinomial logits with "stay" as the reference outcome:

- current: prepay (zero balance 01) or miss a payment (-> 1)
- 1 or 2 months behind: cure (-> 0) or miss another (-> 2 / -> 3)
- 3+ months behind: pay up, modification (both -> 0), short sale (03, from 6), third-party
  sale (02, from 8), REO acquisition (09 with status RA, from 8), note sale (15, from 12);
  otherwise one more month behind.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from creditrisk.datagen.macro import MacroPaths
from creditrisk.datagen.months import month_of_year


@dataclass(frozen=True)
class Coefficients:
    """Logit coefficients; ``roll_scale`` multiplies the odds of missing a payment."""

    roll_base: float = -5.4
    roll_score: float = -0.85  # per 50 points of credit score above 740
    roll_ltv: float = 0.30  # per 10 points of mark-to-market LTV above 75
    roll_dti: float = 0.25  # per 10 points of DTI above 35
    roll_spread: float = 0.25  # per point of note rate above the market rate
    roll_unemployment: float = 0.15  # per point of state unemployment above 5%
    roll_unemployment_rise: float = 0.12  # per point of rise over 12 months
    roll_investor: float = 0.30
    roll_cashout: float = 0.15
    roll_dirty: float = 1.0  # ever delinquent before
    roll_modified: float = 0.60
    prepay_base: float = -5.0
    prepay_incentive: float = 0.95  # per point of note rate above the market rate
    prepay_score: float = 0.15
    roll_scale: float = 1.0


def scheduled_balance(principal: np.ndarray, rate_pct: np.ndarray, term: np.ndarray, k: np.ndarray):
    """Balance of a level-payment loan after ``k`` payments (vectorised annuity formula)."""
    i = np.maximum(rate_pct, 1e-6) / 1200.0
    k = np.clip(k, 0, term)
    growth_n = np.power(1.0 + i, term)
    growth_k = np.power(1.0 + i, k)
    return principal * (growth_n - growth_k) / (growth_n - 1.0)


@dataclass
class LoanStatics:
    """Per-loan origination values the hazards use (true values, not sentinels)."""

    score_z: np.ndarray
    dti_z: np.ndarray
    investor: np.ndarray
    cashout: np.ndarray
    state_idx: np.ndarray
    value0: np.ndarray
    hpi0: np.ndarray


@dataclass
class Transition:
    """Probabilities of each move for one step, one value per loan-row.

    ``prepay_if_dirty`` / ``roll_0_if_dirty`` are the current-state moves had the loan been
    delinquent before (filled by :func:`transition_probabilities` with ``both_histories``,
    which the truth recursion uses); the 3+ moves are ``None`` when not requested.
    """

    prepay: np.ndarray
    roll_0: np.ndarray
    cure_1: np.ndarray
    roll_1: np.ndarray
    cure_2: np.ndarray
    roll_2: np.ndarray
    pay_3: np.ndarray | None = None
    modify_3: np.ndarray | None = None
    short_sale: np.ndarray | None = None
    third_party: np.ndarray | None = None
    reo: np.ndarray | None = None
    note_sale: np.ndarray | None = None
    prepay_if_dirty: np.ndarray | None = None
    roll_0_if_dirty: np.ndarray | None = None


def _softmax_vs_stay(*logits: np.ndarray) -> list[np.ndarray]:
    exps = [np.exp(z) for z in logits]
    denom = 1.0 + sum(exps)
    inv = 1.0 / denom
    return [e * inv for e in exps]


#: Calendar-month effects, indexed by month of year (1..12; index 0 unused).
_WINTER = np.array([0, 1, 0, -0.7, -0.7, 0, 0, 0, 0, 0, 0, 1, 1], dtype=float)
_SUMMER = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0], dtype=float)


def transition_probabilities(
    statics: LoanStatics,
    loan: np.ndarray,
    month: np.ndarray,
    next_age: np.ndarray,
    dirty: np.ndarray,
    modified: np.ndarray,
    rate: np.ndarray,
    scheduled_upb: np.ndarray,
    macro: MacroPaths,
    coef: Coefficients,
    deep: bool = True,
    both_histories: bool = False,
) -> Transition:
    """Probabilities of the move from ``month`` (covariates) into the next month.

    ``loan`` indexes ``statics``; every other argument has one value per row. The 3+ month
    moves (``deep``) are returned without their eligibility by months behind, which the
    caller applies.
    """
    state = statics.state_idx[loan]
    col = macro.column(month)
    unemployment = macro.unemployment_pct[state, col]
    rise = unemployment - macro.unemployment_pct[state, np.maximum(col - 12, 0)]
    market = macro.mortgage_rate_pct[col]
    value = statics.value0[loan] * macro.hpi[state, col] / statics.hpi0[loan]
    mtm_ltv = np.clip(100.0 * scheduled_upb / value, 5.0, 200.0)
    spread = rate - market
    season = month_of_year(month + 1)
    seasoning = np.minimum(next_age, 36) / 36.0
    score_z = statics.score_z[loan]
    dti_z = statics.dti_z[loan]

    roll_logit = (
        coef.roll_base
        + np.log(coef.roll_scale)
        + coef.roll_score * score_z
        + coef.roll_ltv * (mtm_ltv - 75.0) / 10.0
        + coef.roll_dti * dti_z
        + coef.roll_spread * spread
        + coef.roll_unemployment * (unemployment - 5.0)
        + coef.roll_unemployment_rise * np.maximum(rise, 0.0)
        + coef.roll_investor * statics.investor[loan]
        + coef.roll_cashout * statics.cashout[loan]
        + coef.roll_modified * modified
        + 0.5 * seasoning
        + 0.12 * _WINTER[season]
    )
    prepay_logit = (
        coef.prepay_base
        + coef.prepay_incentive * np.clip(spread, -1.0, 3.0)
        + coef.prepay_score * score_z
        - 1.2 * np.exp(-next_age / 6.0)
        + 0.25 * _SUMMER[season]
        - 0.4 * np.maximum(mtm_ltv - 95.0, 0.0) / 10.0
    )
    prepay, roll_0 = _softmax_vs_stay(prepay_logit, roll_logit + coef.roll_dirty * dirty)

    stress = 0.12 * (unemployment - 5.0) + 0.25 * (mtm_ltv - 75.0) / 10.0
    cure_1, roll_1 = _softmax_vs_stay(
        1.0 + 0.35 * score_z - stress, -0.8 - 0.45 * score_z + stress + 0.3 * dti_z
    )
    cure_2, roll_2 = _softmax_vs_stay(
        -0.4 + 0.30 * score_z - stress, 0.3 - 0.40 * score_z + stress + 0.2 * dti_z
    )
    result = Transition(prepay, roll_0, cure_1, roll_1, cure_2, roll_2)
    if both_histories:
        result.prepay_if_dirty, result.roll_0_if_dirty = _softmax_vs_stay(
            prepay_logit, roll_logit + coef.roll_dirty
        )
    if deep:
        equity = (mtm_ltv - 80.0) / 10.0
        (
            result.pay_3, result.modify_3, result.short_sale,
            result.third_party, result.reo, result.note_sale,
        ) = _softmax_vs_stay(
            -3.3 + 0.3 * score_z - 0.2 * equity,
            -2.3 - 0.1 * equity,
            -3.4 + 0.3 * equity,
            -3.8 - 0.2 * equity,
            -2.4 + 0.25 * equity,
            np.full_like(equity, -5.5),
        )  # fmt: skip
    return result
