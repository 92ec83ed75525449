"""The loan side of the generator: origination quarters, one block at a time.

Each origination quarter is generated, simulated, written and its truth appended before the
next one starts, so memory is bounded by the largest quarter, and each quarter has its own
random stream (seeded from the run's seed and the quarter) so the output for a seed does not
depend on how the work is split.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from creditrisk.datagen import freddie_writer as fw
from creditrisk.datagen.config import GeneratorConfig
from creditrisk.datagen.hazards import Coefficients
from creditrisk.datagen.layouts import get_layout
from creditrisk.datagen.loans import draw_block
from creditrisk.datagen.macro import MacroPaths
from creditrisk.datagen.months import Month
from creditrisk.datagen.performance import loan_statics, simulate_block
from creditrisk.datagen.truth import loan_pd_12m

LOAN_TRUTH_SCHEMA = pa.schema(
    [("loan_id", pa.string()), ("reporting_month", pa.date32()), ("true_pd_12m", pa.float64())]
)
_EPOCH_MONTH = Month.of(1970, 1).index


@dataclass(frozen=True)
class QuarterPlan:
    """One origination quarter: which note months it covers and how many loans it gets."""

    year: int
    quarter: int
    note_months: tuple[int, ...]
    loans: int


def plan_quarters(config: GeneratorConfig) -> list[QuarterPlan]:
    """Loans are noted in every month of the window but its last, spread evenly over quarters."""
    first, last = config.first_month.index, config.last_month.index
    months = list(range(first, max(last, first + 1)))
    by_quarter: dict[tuple[int, int], list[int]] = {}
    for m in months:
        month = Month(m)
        by_quarter.setdefault((month.year, month.quarter), []).append(m)
    total = len(months)
    counts = {k: config.loans * len(v) // total for k, v in by_quarter.items()}
    short = config.loans - sum(counts.values())
    for key in list(by_quarter)[:short]:
        counts[key] += 1
    return [QuarterPlan(y, q, tuple(ms), counts[(y, q)]) for (y, q), ms in by_quarter.items()]


def quarter_rng(seed: int, plan: QuarterPlan) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, 1, plan.year, plan.quarter]))


def coefficients(config: GeneratorConfig) -> Coefficients:
    return Coefficients(roll_scale=config.default_rate_scale)


@dataclass
class QuarterResult:
    plan: QuarterPlan
    origination_path: Path
    performance_path: Path
    origination_rows: int
    performance_rows: int
    truth: pa.Table | None
    defaulted_loans: int
    credit_exits: int


def run_quarter(
    config: GeneratorConfig, macro: MacroPaths, raw_dir: Path, plan: QuarterPlan
) -> QuarterResult:
    """Generate, simulate and write one origination quarter; return its counts and truth.

    Self-contained (its own random stream, its own files), so quarters can run in any order
    or in parallel processes and still give the same bytes for a seed.
    """
    layout = get_layout(config.layout)
    coef = coefficients(config)
    stress_first = config.stress_first_month.index
    stress = set(range(stress_first, stress_first + config.stress_months))
    rng = quarter_rng(config.seed, plan)
    notes = rng.choice(np.array(plan.note_months), size=plan.loans)
    block = draw_block(rng, macro, plan.year, plan.quarter, plan.loans, notes, config.last_month.index)
    rows = simulate_block(block, macro, config.last_month.index, rng, coef, stress)
    orig_path = fw.origination_path(raw_dir, plan.year, plan.quarter)
    perf_path = fw.performance_path(raw_dir, plan.year, plan.quarter)
    n_orig = fw.write_origination(orig_path, block, layout)
    n_perf = fw.write_performance(perf_path, block, rows, layout)
    truth = None
    if config.write_truth:
        positions, pd12 = loan_pd_12m(rows, loan_statics(block, macro), macro, coef)
        loans = rows.columns["loan"][positions]
        months = rows.columns["month"][positions]
        truth = pa.table(
            [
                pa.array(block.loan_id[loans].astype(str), type=pa.string()),
                _first_of_month(months),
                pa.array(pd12),
            ],
            schema=LOAN_TRUTH_SCHEMA,
        )
    status = rows.columns["status"]
    codes = rows.columns["zero_balance_code"]
    credit = np.isin(codes, (2, 3, 9, 15))
    return QuarterResult(
        plan, orig_path, perf_path, n_orig, n_perf, truth,
        defaulted_loans=len(np.unique(rows.columns["loan"][(status >= 3) | credit])),
        credit_exits=int(credit.sum()),
    )  # fmt: skip


def generate_quarters(
    config: GeneratorConfig,
    macro: MacroPaths,
    raw_dir: Path,
    on_quarter: Callable[[QuarterResult], None],
    workers: int = 1,
) -> Iterator[QuarterResult]:
    """Every origination quarter in order; with ``workers > 1`` they run in worker processes.

    Results come back in quarter order either way (``Executor.map``), so the truth file is
    written in the same order and the output is identical for any number of workers.
    """
    plans = [p for p in plan_quarters(config) if p.loans]
    if workers <= 1 or len(plans) <= 1:
        results: Iterator[QuarterResult] = (run_quarter(config, macro, raw_dir, p) for p in plans)
        for result in results:
            on_quarter(result)
            yield result
        return
    # "spawn": fresh interpreters, no forked copies of Arrow's or BLAS's thread pools.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        n = len(plans)
        for result in pool.map(run_quarter, [config] * n, [macro] * n, [raw_dir] * n, plans):
            on_quarter(result)
            yield result


def _first_of_month(month_index: np.ndarray) -> pa.Array:
    """Month indices as DATE (the 1st of the month), via numpy datetime64 months."""
    dates = (np.asarray(month_index) - _EPOCH_MONTH).astype("datetime64[M]").astype("datetime64[D]")
    return pa.array(dates, type=pa.date32())
