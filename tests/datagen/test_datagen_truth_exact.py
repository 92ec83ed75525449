"""The loan truth is the probability under the generator's own dynamics: check it by brute force.

Clone one risky loan many times, simulate the clones forward 12 months with the simulation
itself, and compare the share that reaches 90+ days with ``true_pd_12m`` of the starting month.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from creditrisk.datagen.config import GeneratorConfig
from creditrisk.datagen.hazards import Coefficients
from creditrisk.datagen.loans import LoanBlock, draw_block
from creditrisk.datagen.macro import simulate_macro
from creditrisk.datagen.months import Month
from creditrisk.datagen.performance import loan_statics, simulate_block
from creditrisk.datagen.truth import loan_pd_12m

CLONES = 20_000


def _clones(block: LoanBlock, n: int) -> LoanBlock:
    values = {}
    for f in dataclasses.fields(block):
        v = getattr(block, f.name)
        if isinstance(v, np.ndarray):
            values[f.name] = np.repeat(v[:1], n)
        elif isinstance(v, dict):
            values[f.name] = {k: np.repeat(a[:1], n) for k, a in v.items()}
        else:
            values[f.name] = v
    return LoanBlock(**values)


def test_truth_matches_brute_force_simulation() -> None:
    config = GeneratorConfig(loans=10, start="2019-01", months=36)
    macro = simulate_macro(config, np.random.default_rng(1))
    rng = np.random.default_rng(2)
    note = Month.parse("2019-10").index  # the year ahead runs into the stress period (2020-03 on)
    block = draw_block(rng, macro, 2019, 4, 10, np.full(10, note), config.last_month.index)
    block.credit_score[:] = 650
    block.dti[:] = 45
    clones = _clones(block, CLONES)
    start = int(clones.first_payment[0]) - 1
    coef = Coefficients()
    rows = simulate_block(clones, macro, start + 12, np.random.default_rng(3), coef)
    c = rows.columns
    bad = (c["status"] >= 3) | np.isin(c["zero_balance_code"], (2, 3, 9, 15))
    realised = len(np.unique(c["loan"][bad])) / CLONES

    positions, pd12 = loan_pd_12m(rows, loan_statics(clones, macro), macro, coef)
    at_start = pd12[(c["month"][positions] == start)]
    assert np.allclose(at_start, at_start[0])
    expected = at_start[0]
    sigma = np.sqrt(expected * (1 - expected) / CLONES)
    assert 0.01 < expected < 0.5
    assert abs(realised - expected) < 4 * sigma, (realised, expected)


def test_truth_of_a_once_delinquent_loan_matches_brute_force() -> None:
    """Same check from a later month, after the clones have diverged (mixed histories)."""
    config = GeneratorConfig(loans=10, start="2018-01", months=48, stress_start="2019-06")
    macro = simulate_macro(config, np.random.default_rng(4))
    rng = np.random.default_rng(5)
    note = Month.parse("2018-03").index
    block = draw_block(rng, macro, 2018, 1, 10, np.full(10, note), config.last_month.index)
    block.credit_score[:] = 660
    clones = _clones(block, CLONES)
    start = int(clones.first_payment[0]) - 1
    observe = start + 14
    coef = Coefficients()
    rows = simulate_block(clones, macro, observe + 12, np.random.default_rng(6), coef)
    c = rows.columns
    positions, pd12 = loan_pd_12m(rows, loan_statics(clones, macro), macro, coef)
    truth = dict(
        zip(
            c["loan"][positions][c["month"][positions] == observe],
            pd12[c["month"][positions] == observe],
            strict=True,
        )
    )
    bad = (c["status"] >= 3) | np.isin(c["zero_balance_code"], (2, 3, 9, 15))
    later_bad = set(c["loan"][bad & (c["month"] > observe)])
    at_obs = (c["month"] == observe) & (c["status"] < 3) & (c["zero_balance_code"] == 0)
    loans = c["loan"][at_obs]
    expected = np.array([truth[i] for i in loans])
    outcome = np.array([i in later_bad for i in loans], dtype=float)
    sigma = np.sqrt((expected * (1 - expected)).sum()) / len(loans)
    assert abs(outcome.mean() - expected.mean()) < 4 * sigma, (outcome.mean(), expected.mean())
