"""Monthly macro paths: state unemployment, state house prices, the 30-year mortgage rate.

The mortgage rate follows the shape of the real Freddie Mac PMMS history (so refinancing
waves and 2024-like note rates appear where they did), plus a little noise. Unemployment and
house prices are a stylised, calm baseline per state on which the configured stress period
lays a 2008-like shock: unemployment climbs for the length of the stress period and then
recedes slowly; house prices fall and recover more slowly still. Loan and company hazards
read only these published (rounded) values, so a model that sees the macro files sees
everything the generator used.

The paths run past the end of the window (for the 12-month truth horizon); only the window
and its history are written.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from creditrisk.datagen.config import GeneratorConfig
from creditrisk.datagen.geography import STATES
from creditrisk.datagen.months import Month

#: Macro history starts here; the HPI is 100 in this month.
MACRO_BASE = Month.of(2000, 1)
#: Months simulated past the window's end: the truth horizon (12) plus slack.
HORIZON_PAD = 14

#: (YYYY-MM, 30-year fixed rate %) anchors, roughly the PMMS history; linear in between.
_RATE_ANCHORS: tuple[tuple[str, float], ...] = (
    ("2000-01", 8.2), ("2000-12", 7.4), ("2001-12", 7.0), ("2002-12", 6.0), ("2003-06", 5.2),
    ("2003-12", 5.9), ("2004-12", 5.75), ("2005-12", 6.3), ("2006-07", 6.75), ("2006-12", 6.2),
    ("2007-12", 6.1), ("2008-12", 5.3), ("2009-12", 4.9), ("2010-12", 4.6), ("2011-12", 4.0),
    ("2012-12", 3.35), ("2013-12", 4.45), ("2014-12", 3.9), ("2015-12", 3.95), ("2016-07", 3.45),
    ("2016-12", 4.2), ("2017-12", 3.95), ("2018-11", 4.85), ("2019-09", 3.6), ("2019-12", 3.7),
    ("2020-12", 2.7), ("2021-06", 3.0), ("2021-12", 3.1), ("2022-06", 5.5), ("2022-10", 6.9),
    ("2022-12", 6.4), ("2023-10", 7.6), ("2023-12", 6.8), ("2024-03", 6.85), ("2024-09", 6.2),
    ("2024-12", 6.7), ("2025-06", 6.8), ("2025-12", 6.2), ("2026-06", 6.2),
)  # fmt: skip


@dataclass(frozen=True)
class MacroPaths:
    """Monthly series from ``MACRO_BASE``; column ``m - MACRO_BASE.index`` is month ``m``."""

    states: tuple[str, ...]
    unemployment_pct: np.ndarray  # (states, months), rounded to 0.1 as published
    hpi: np.ndarray  # (states, months), rounded to 0.01
    mortgage_rate_pct: np.ndarray  # (months,), rounded to 0.01
    stress_intensity: np.ndarray  # (months,), 0..1, for documentation and tests only

    @property
    def n_months(self) -> int:
        return self.mortgage_rate_pct.shape[0]

    def column(self, month_index: np.ndarray | int) -> np.ndarray:
        """Array column(s) for absolute month indices (clipped to the simulated range)."""
        col = np.asarray(month_index) - MACRO_BASE.index
        return np.clip(col, 0, self.n_months - 1)


def _stress_profiles(config: GeneratorConfig, months: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shock shapes: unemployment (rises over the stress, then decays) and house prices."""
    start = config.stress_first_month.index
    length = max(config.stress_months, 1)
    since = (months - start).astype(float)
    rising = np.clip(since / length, 0.0, 1.0)
    after = np.clip(since - length, 0.0, None)
    unemployment = rising * np.exp(-after / 20.0)
    house_prices = rising * np.exp(-after / 48.0)
    if config.stress_months == 0 or config.stress_severity == 0:
        return np.zeros_like(unemployment), np.zeros_like(house_prices)
    return unemployment, house_prices


def _rate_path(months: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    anchor_x = np.array([Month.parse(m).index for m in (a for a, _ in _RATE_ANCHORS)])
    anchor_y = np.array([r for _, r in _RATE_ANCHORS])
    base = np.interp(months, anchor_x, anchor_y)
    noise = np.zeros(len(months))
    shocks = rng.normal(0.0, 0.06, len(months))
    for i in range(1, len(months)):
        noise[i] = 0.8 * noise[i - 1] + shocks[i]
    # Past the last anchor: a slow random walk around the last level.
    beyond = months > anchor_x[-1]
    if beyond.any():
        walk = np.cumsum(rng.normal(0.0, 0.08, beyond.sum()))
        base[beyond] = anchor_y[-1] + 0.6 * walk
    return np.clip(base + noise, 1.5, 12.0)


def simulate_macro(config: GeneratorConfig, rng: np.random.Generator) -> MacroPaths:
    """All macro paths from 2000-01 to the window's end plus the truth horizon."""
    last = config.last_month.index + HORIZON_PAD
    months = np.arange(MACRO_BASE.index, last + 1)
    n_states, n_months = len(STATES), len(months)
    t = (months - MACRO_BASE.index).astype(float)
    u_shape, h_shape = _stress_profiles(config, months)
    severity = config.stress_severity

    # Unemployment: state level + a gentle national cycle + persistent state noise + shock.
    level = rng.uniform(3.2, 6.0, n_states)[:, None]
    cycle = 0.6 * np.sin(2 * np.pi * t / 96.0 + rng.uniform(0, 2 * np.pi))[None, :]
    sensitivity = rng.uniform(0.6, 1.5, n_states)[:, None]
    ar = np.zeros((n_states, n_months))
    eps = rng.normal(0.0, 0.08, (n_states, n_months))
    for i in range(1, n_months):
        ar[:, i] = 0.95 * ar[:, i - 1] + eps[:, i]
    unemployment = level + cycle + ar + severity * 4.5 * sensitivity * u_shape[None, :]
    unemployment = np.round(np.clip(unemployment, 1.5, 25.0), 1)

    # House prices: drift per state, spring seasonality, noise, and the stress decline.
    drift = rng.normal(0.045, 0.012, n_states)[:, None] / 12.0
    season = 0.004 * np.sin(2 * np.pi * (months % 12 - 2) / 12.0)[None, :]
    steps = drift + rng.normal(0.0, 0.003, (n_states, n_months))
    steps[:, 0] = 0.0
    log_hpi = np.cumsum(steps, axis=1) + season - season[:, :1]
    h_sens = rng.uniform(0.5, 1.8, n_states)[:, None]
    log_hpi += np.log1p(-np.clip(severity * 0.16 * h_sens * h_shape[None, :], 0.0, 0.8))
    hpi = np.round(100.0 * np.exp(log_hpi), 2)

    rate = _rate_path(months, rng) - 0.6 * severity * u_shape
    rate = np.round(np.clip(rate, 1.5, 12.0), 2)
    return MacroPaths(STATES, unemployment, hpi, rate, u_shape)
