"""Monthly performance of one origination quarter's loans, simulated month by month.

Vectorised over the block's loans; each month every active loan draws its move from
:func:`creditrisk.datagen.hazards.transition_probabilities` (covariates of the month before),
and one row per active loan is recorded. UPB follows the loan's amortisation schedule less
the payments it is behind; a modification resets the schedule (new rate, arrears deferred
as non-interest-bearing UPB). Credit exits carry loss fields in Freddie Mac's convention
(expenses and losses negative).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from creditrisk.datagen.hazards import (
    Coefficients,
    LoanStatics,
    Transition,
    scheduled_balance,
    transition_probabilities,
)
from creditrisk.datagen.loans import LoanBlock
from creditrisk.datagen.macro import MacroPaths

#: Zero-balance codes.
PREPAID, THIRD_PARTY, SHORT_SALE, REO, NOTE_SALE = 1, 2, 3, 9, 15
CREDIT_EXITS = (THIRD_PARTY, SHORT_SALE, REO, NOTE_SALE)
#: Status value used for "RA" (REO acquisition) in the integer status column.
STATUS_RA = -1

ROW_COLUMNS = (
    "loan", "month", "age", "remaining", "status", "upb", "rate", "deferred_upb", "modified",
    "zero_balance_code", "eltv", "dirty", "basis_principal", "basis_rate", "basis_start",
    "basis_term", "step_mod", "deferral", "removal_upb", "cum_mod_cost", "month_mod_cost",
    "disaster", "assistance",
)  # fmt: skip
LOSS_COLUMNS = (
    "row", "removal_upb", "mi_recoveries", "net_sale_proceeds", "non_mi_recoveries",
    "legal_costs", "maintenance_costs", "taxes_insurance", "misc_expenses", "total_expenses",
    "delinquent_accrued_interest", "actual_loss",
)  # fmt: skip


@dataclass
class PerformanceRows:
    """The block's performance rows (loan-major order) and the loss fields of credit exits."""

    columns: dict[str, np.ndarray]
    losses: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.columns["loan"])


def loan_statics(block: LoanBlock, macro: MacroPaths) -> LoanStatics:
    """The origination values the hazards read, from a block's true values."""
    return LoanStatics(
        score_z=(block.credit_score - 740.0) / 50.0,
        dti_z=(block.dti - 35.0) / 10.0,
        investor=(block.occupancy == "I").astype(float),
        cashout=(block.purpose == "C").astype(float),
        state_idx=block.state_idx,
        value0=block.property_value,
        hpi0=macro.hpi[block.state_idx, macro.column(block.note_month)],
    )


class _State:
    """Per-loan mutable state of the simulation (arrays over the block)."""

    def __init__(self, block: LoanBlock) -> None:
        n = block.n
        self.active = np.zeros(n, dtype=bool)
        self.done = np.zeros(n, dtype=bool)
        self.status = np.zeros(n, dtype=np.int64)
        self.dirty = np.zeros(n, dtype=bool)
        self.modified = np.zeros(n, dtype=bool)
        self.rate = block.rate.astype(float).copy()
        self.basis_principal = block.upb.astype(float).copy()
        self.basis_rate = block.rate.astype(float).copy()
        self.basis_start = (block.first_payment - 1).astype(np.int64)
        self.basis_term = block.term.astype(np.int64).copy()
        self.deferred = np.zeros(n)
        self.step_mod = np.zeros(n, dtype=np.int8)  # 0 blank, 1 N, 2 Y
        self.cum_mod_cost = np.zeros(n)
        self.month_mod_cost = np.zeros(n)
        self.deferral_month = np.full(n, -1, dtype=np.int64)
        self.rate_cost = np.zeros(n)  # monthly interest forgone by a rate modification


def _upb(st: _State, idx: np.ndarray, month: int) -> np.ndarray:
    """Actual UPB: the schedule less the payments the loan is behind, plus deferred UPB."""
    behind = np.maximum(st.status[idx], 0)
    paid = month - st.basis_start[idx] - behind
    sched = scheduled_balance(st.basis_principal[idx], st.basis_rate[idx], st.basis_term[idx], paid)
    return sched + st.deferred[idx]


def scheduled_for_hazard(
    basis_principal: np.ndarray,
    basis_rate: np.ndarray,
    basis_term: np.ndarray,
    basis_start: np.ndarray,
    month: np.ndarray | int,
) -> np.ndarray:
    """Balance on schedule at ``month`` (what the hazard's mark-to-market LTV uses)."""
    return scheduled_balance(basis_principal, basis_rate, basis_term, month - basis_start)


def simulate_block(
    block: LoanBlock,
    macro: MacroPaths,
    last_month: int,
    rng: np.random.Generator,
    coef: Coefficients,
    stress_months: set[int] | None = None,
) -> PerformanceRows:
    """Simulate every loan of the block from its origination month to exit or ``last_month``."""
    statics = loan_statics(block, macro)
    st = _State(block)
    start_month = block.first_payment - 1
    months: list[dict[str, np.ndarray]] = []
    losses: list[dict[str, np.ndarray]] = []
    rows_so_far = 0
    stress_months = stress_months or set()
    for month in range(int(start_month.min()), last_month + 1):
        movers = np.flatnonzero(st.active)
        exit_code = np.zeros(len(movers), dtype=np.int64)
        removal = np.zeros(len(movers))
        if len(movers):
            before_upb = _upb(st, movers, month - 1)
            exit_code = _step(st, statics, block, movers, month, macro, rng, coef)
            removal = np.where(exit_code > 0, before_upb, 0.0)
        born = np.flatnonzero(~st.active & ~st.done & (start_month == month))
        st.active[born] = True
        idx = np.concatenate([movers, born])
        codes = np.concatenate([exit_code, np.zeros(len(born), dtype=np.int64)])
        if not len(idx):
            continue
        row = _record(st, block, statics, macro, idx, codes, month, rng, month in stress_months)
        row["removal_upb"] = np.concatenate([removal, np.zeros(len(born))])
        credit = np.isin(codes, CREDIT_EXITS)
        if credit.any():
            loss = _loss_fields(
                st, block, statics, macro, idx[credit], removal[credit], codes[credit], month, rng
            )
            loss["row"] = rows_so_far + np.flatnonzero(credit)
            losses.append(loss)
        zb = row["zero_balance_code"] > 0
        row["upb"][zb] = 0.0
        months.append(row)
        rows_so_far += len(idx)
        exited = idx[codes > 0]
        st.active[exited] = False
        st.done[exited] = True
    return _assemble(months, losses)


def _step(
    st: _State,
    statics: LoanStatics,
    block: LoanBlock,
    idx: np.ndarray,
    month: int,
    macro: MacroPaths,
    rng: np.random.Generator,
    coef: Coefficients,
) -> np.ndarray:
    """Move every loan in ``idx`` from ``month - 1`` into ``month``; returns zero-balance codes."""
    prev = month - 1
    sched = scheduled_for_hazard(
        st.basis_principal[idx], st.basis_rate[idx], st.basis_term[idx], st.basis_start[idx], prev
    )
    age_next = month - (block.first_payment[idx] - 1)
    p = transition_probabilities(
        statics, idx, np.full(len(idx), prev), age_next, st.dirty[idx].astype(float),
        st.modified[idx].astype(float), st.rate[idx], sched, macro, coef,
    )  # fmt: skip
    u = rng.random(len(idx))
    status = st.status[idx]
    new_status = status.copy()
    codes = np.zeros(len(idx), dtype=np.int64)

    cur = status == 0
    c_pp = cur & (u < p.prepay)
    c_roll = cur & ~c_pp & (u < p.prepay + p.roll_0)
    codes[c_pp] = PREPAID
    new_status[c_roll] = 1

    for d, cure, roll in ((1, p.cure_1, p.roll_1), (2, p.cure_2, p.roll_2)):
        here = status == d
        new_status[here & (u < cure)] = 0
        new_status[here & (u >= cure) & (u < cure + roll)] = d + 1

    deep = status >= 3
    if deep.any():
        _deep_moves(st, idx, deep, status, new_status, codes, u, p, month, macro, rng)
    # The last scheduled payment made: zero balance 01 (prepaid or matured).
    matured = (codes == 0) & (new_status == 0) & (month - st.basis_start[idx] >= st.basis_term[idx])
    codes[matured] = PREPAID
    st.dirty[idx] |= new_status > 0
    st.status[idx] = np.where(codes > 0, status, new_status)
    st.month_mod_cost[idx] = np.where(st.modified[idx], st.rate_cost[idx], 0.0)
    st.cum_mod_cost[idx] += st.month_mod_cost[idx]
    return codes


def _deep_moves(
    st: _State,
    idx: np.ndarray,
    deep: np.ndarray,
    status: np.ndarray,
    new_status: np.ndarray,
    codes: np.ndarray,
    u: np.ndarray,
    p: Transition,
    month: int,
    macro: MacroPaths,
    rng: np.random.Generator,
) -> None:
    """3+ months behind: pay up, modify, sell short, third-party sale, REO, note sale, or fall behind."""
    eligible = [
        np.ones_like(p.pay_3, dtype=bool),
        ~st.modified[idx] | (status >= 6),
        status >= 6,
        status >= 8,
        status >= 8,
        status >= 12,
    ]
    probs = [p.pay_3, p.modify_3, p.short_sale, p.third_party, p.reo, p.note_sale]
    outcome = np.full(len(idx), -1)
    lower = np.zeros(len(idx))
    for k, (prob, ok) in enumerate(zip(probs, eligible, strict=True)):
        upper = lower + prob
        hit = deep & ok & (u >= lower) & (u < upper) & (outcome < 0)
        outcome[hit] = k
        lower = upper
    new_status[deep & (outcome < 0)] = status[deep & (outcome < 0)] + 1
    new_status[outcome == 0] = 0
    mods = np.flatnonzero(outcome == 1)
    if len(mods):
        _modify(st, idx[mods], status[mods], month, macro, rng)
        new_status[mods] = 0
    for k, code in ((2, SHORT_SALE), (3, THIRD_PARTY), (4, REO), (5, NOTE_SALE)):
        codes[outcome == k] = code


def _modify(
    st: _State, loans: np.ndarray, behind: np.ndarray, month: int, macro: MacroPaths, rng: np.random.Generator
) -> None:
    """A modification: arrears deferred (non-interest-bearing), rate cut towards the market, new schedule."""
    paid = month - 1 - st.basis_start[loans] - behind
    balance = scheduled_balance(st.basis_principal[loans], st.basis_rate[loans], st.basis_term[loans], paid)
    arrears_interest = balance * st.rate[loans] / 1200.0 * behind
    remaining = st.basis_term[loans] - (month - 1 - st.basis_start[loans])
    market = macro.mortgage_rate_pct[macro.column(month - 1)]
    deferral = rng.random(len(loans)) < 0.4
    new_rate = np.where(
        deferral,
        st.rate[loans],
        np.maximum(np.round((np.minimum(st.rate[loans], market) - 0.5) * 8) / 8, 2.0),
    )
    st.rate_cost[loans] = balance * np.maximum(st.rate[loans] - new_rate, 0.0) / 1200.0
    st.deferred[loans] += arrears_interest
    st.rate[loans] = new_rate
    st.basis_principal[loans] = balance
    st.basis_rate[loans] = new_rate
    st.basis_start[loans] = month
    st.basis_term[loans] = np.maximum(remaining, 12)
    st.modified[loans] = True
    st.deferral_month[loans[deferral]] = month
    st.step_mod[loans] = np.where(rng.random(len(loans)) < 0.1, 2, 1)


def _record(
    st: _State,
    block: LoanBlock,
    statics: LoanStatics,
    macro: MacroPaths,
    idx: np.ndarray,
    codes: np.ndarray,
    month: int,
    rng: np.random.Generator,
    in_stress: bool,
) -> dict[str, np.ndarray]:
    """One row per loan in ``idx`` for ``month``."""
    n = len(idx)
    age = month - (block.first_payment[idx] - 1)
    upb = _upb(st, idx, month)
    state = statics.state_idx[idx]
    value = statics.value0[idx] * macro.hpi[state, macro.column(month)] / statics.hpi0[idx]
    status = st.status[idx].copy()
    status[codes == REO] = STATUS_RA
    delinquent = status > 0
    assistance = np.zeros(n, dtype=np.int8)  # 0 blank, 1 F, 2 R, 3 T
    draw = rng.random(n)
    if in_stress:
        assistance[delinquent & (draw < 0.25)] = 1
    assistance[delinquent & (draw >= 0.25) & (draw < 0.30)] = 2
    assistance[delinquent & (draw >= 0.30) & (draw < 0.33)] = 3
    disaster = delinquent & (rng.random(n) < (0.02 if in_stress else 0.005))
    return {
        "loan": idx.astype(np.int64),
        "month": np.full(n, month, dtype=np.int64),
        "age": age.astype(np.int64),
        "remaining": np.maximum(block.term[idx] - age, 0).astype(np.int64),
        "status": status,
        "upb": upb,
        "rate": st.rate[idx].copy(),
        "deferred_upb": st.deferred[idx].copy(),
        "modified": st.modified[idx].copy(),
        "zero_balance_code": codes.copy(),
        # ELTV, with Freddie Mac's 999 ("not available") on a few rows.
        "eltv": np.where(rng.random(n) < 0.003, 999, np.round(100.0 * upb / value)).astype(np.int64),
        "dirty": st.dirty[idx].copy(),
        "basis_principal": st.basis_principal[idx].copy(),
        "basis_rate": st.basis_rate[idx].copy(),
        "basis_start": st.basis_start[idx].copy(),
        "basis_term": st.basis_term[idx].copy(),
        "step_mod": st.step_mod[idx].copy(),
        "deferral": st.deferral_month[idx] == month,
        "cum_mod_cost": st.cum_mod_cost[idx].copy(),
        "month_mod_cost": st.month_mod_cost[idx].copy(),
        "disaster": disaster,
        "assistance": assistance,
    }


def _loss_fields(
    st: _State,
    block: LoanBlock,
    statics: LoanStatics,
    macro: MacroPaths,
    loans: np.ndarray,
    upb: np.ndarray,
    codes: np.ndarray,
    month: int,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Loss fields of credit exits; expenses and the loss are negative, as Freddie Mac reports them."""
    n = len(loans)
    state = statics.state_idx[loans]
    value = statics.value0[loans] * macro.hpi[state, macro.column(month)] / statics.hpi0[loans]
    behind = np.maximum(st.status[loans], 0)
    recovery = np.select(
        [codes == REO, codes == SHORT_SALE, codes == THIRD_PARTY],
        [
            rng.uniform(0.62, 0.85, n) * value,
            rng.uniform(0.85, 0.95, n) * value,
            rng.uniform(0.95, 1.05, n) * upb,
        ],
        rng.uniform(0.6, 0.8, n) * upb,
    )
    accrued = upb * st.rate[loans] / 1200.0 * np.maximum(behind - 1, 0)
    reo = codes == REO
    legal = -upb * rng.uniform(0.01, 0.03, n)
    maintenance = -np.where(reo, value * rng.uniform(0.005, 0.02, n), 0.0)
    taxes = -upb * 0.015 * behind / 12.0
    misc = -rng.uniform(0, 1500, n)
    expenses = legal + maintenance + taxes + misc
    shortfall = np.maximum(upb + accrued - recovery - expenses, 0.0)
    mi_pct = block.mi_pct[loans]
    mi = np.minimum(mi_pct / 100.0 * (upb + accrued), shortfall)
    non_mi = np.where(rng.random(n) < 0.3, rng.uniform(0, 2500, n), 0.0)
    loss = recovery + mi + non_mi + expenses - (upb + accrued)
    return {
        "removal_upb": upb,
        "mi_recoveries": mi,
        "net_sale_proceeds": recovery,
        "non_mi_recoveries": non_mi,
        "legal_costs": legal,
        "maintenance_costs": maintenance,
        "taxes_insurance": taxes,
        "misc_expenses": misc,
        "total_expenses": expenses,
        "delinquent_accrued_interest": accrued,
        "actual_loss": np.minimum(loss, 0.0),
    }


def _assemble(months: list[dict[str, np.ndarray]], losses: list[dict[str, np.ndarray]]) -> PerformanceRows:
    """Concatenate the months and sort rows loan-major (the files' order)."""
    if not months:
        return PerformanceRows({c: np.zeros(0, dtype=np.int64) for c in ROW_COLUMNS}, _no_losses())
    cols = {c: np.concatenate([m[c] for m in months]) for c in ROW_COLUMNS}
    order = np.lexsort((cols["month"], cols["loan"]))
    cols = {c: v[order] for c, v in cols.items()}
    loss = {c: np.concatenate([x[c] for x in losses]) for c in LOSS_COLUMNS} if losses else _no_losses()
    if len(loss["row"]):
        inverse = np.empty_like(order)
        inverse[order] = np.arange(len(order))
        loss["row"] = inverse[loss["row"]]
    return PerformanceRows(cols, loss)


def _no_losses() -> dict[str, np.ndarray]:
    return {c: np.zeros(0, dtype=np.int64 if c == "row" else float) for c in LOSS_COLUMNS}
