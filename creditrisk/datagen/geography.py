"""States, their shares of Freddie Mac loans, ZIP3 ranges and MSA codes.

The top-ten state shares are the 2024-vintage shares from the shared reference; the rest of
the mass is spread by population. ZIP3 ranges are the USPS prefixes of each state, so the
postal code field (ZIP3 + "00") looks like the real one.
"""

from __future__ import annotations

import numpy as np

#: state -> (population in millions, first ZIP3, last ZIP3)
_STATES: dict[str, tuple[float, int, int]] = {
    "AL": (5.1, 350, 369), "AK": (0.7, 995, 999), "AZ": (7.4, 850, 865), "AR": (3.1, 716, 729),
    "CA": (39.0, 900, 961), "CO": (5.9, 800, 816), "CT": (3.6, 60, 69), "DE": (1.0, 197, 199),
    "DC": (0.7, 200, 205), "FL": (22.0, 320, 349), "GA": (11.0, 300, 319), "HI": (1.4, 967, 968),
    "ID": (1.9, 832, 838), "IL": (12.5, 600, 629), "IN": (6.8, 460, 479), "IA": (3.2, 500, 528),
    "KS": (2.9, 660, 679), "KY": (4.5, 400, 427), "LA": (4.6, 700, 714), "ME": (1.4, 39, 49),
    "MD": (6.2, 206, 219), "MA": (7.0, 10, 27), "MI": (10.0, 480, 499), "MN": (5.7, 550, 567),
    "MS": (2.9, 386, 397), "MO": (6.2, 630, 658), "MT": (1.1, 590, 599), "NE": (2.0, 680, 693),
    "NV": (3.2, 889, 898), "NH": (1.4, 30, 38), "NJ": (9.3, 70, 89), "NM": (2.1, 870, 884),
    "NY": (19.6, 100, 149), "NC": (10.8, 270, 289), "ND": (0.8, 580, 588), "OH": (11.8, 430, 459),
    "OK": (4.0, 730, 749), "OR": (4.2, 970, 979), "PA": (13.0, 150, 196), "RI": (1.1, 28, 29),
    "SC": (5.4, 290, 299), "SD": (0.9, 570, 577), "TN": (7.1, 370, 385), "TX": (30.0, 750, 799),
    "UT": (3.4, 840, 847), "VT": (0.6, 50, 59), "VA": (8.7, 220, 246), "WA": (7.8, 980, 994),
    "WV": (1.8, 247, 268), "WI": (5.9, 530, 549), "WY": (0.6, 820, 831), "PR": (0.3, 6, 9),
}  # fmt: skip

#: Shares of 2024-vintage loans in the ten largest states (shared reference).
_TOP_SHARES: dict[str, float] = {
    "TX": 0.11, "FL": 0.09, "CA": 0.07, "NY": 0.04, "IL": 0.04,
    "OH": 0.04, "NC": 0.04, "GA": 0.04, "PA": 0.04, "MI": 0.04,
}  # fmt: skip

STATES: tuple[str, ...] = tuple(_STATES)


def state_shares() -> np.ndarray:
    """Share of loans per state, in ``STATES`` order; sums to 1."""
    rest = 1.0 - sum(_TOP_SHARES.values())
    others = {s: pop for s, (pop, _, _) in _STATES.items() if s not in _TOP_SHARES}
    total = sum(others.values())
    shares = [_TOP_SHARES.get(s, rest * others.get(s, 0.0) / total) for s in STATES]
    arr = np.array(shares)
    return arr / arr.sum()


def zip3_ranges() -> tuple[np.ndarray, np.ndarray]:
    """First and last ZIP3 per state, in ``STATES`` order."""
    lo = np.array([_STATES[s][1] for s in STATES])
    hi = np.array([_STATES[s][2] for s in STATES])
    return lo, hi


def msa_codes(per_state: int = 6) -> np.ndarray:
    """A fixed table of 5-digit MSA-like codes, ``per_state`` per state (same for every seed).

    The codes are drawn once from a constant seed so a state's metro areas keep their codes
    across runs, as real CBSA codes do.
    """
    rng = np.random.default_rng(20240101)
    codes = rng.choice(np.arange(10180, 49740, 20), size=len(STATES) * per_state, replace=False)
    return codes.reshape(len(STATES), per_state)
