"""Companies: quarterly statements, filing dates, restatements, bankruptcies and their truth.

Each company has a latent quarterly state (operating return on assets, leverage, current
ratio, size) that mean-reverts to its own levels and takes sector shocks (occasional sector
downturns plus the configured stress period for cyclical sectors). Statement items follow
from that state with sector seasonality. After each original filing the company may go
bankrupt before its next filing, with a hazard that reads only the statement just filed and
its change against the same quarter a year earlier (leverage, net income / assets, current
ratio, cash / assets and their trends). The truth for a statement is the probability of
bankruptcy within 12 months of its filing date, by Monte Carlo over the company's own future
under the same dynamics (the sector paths are the known ones).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from creditrisk.datagen.config import GeneratorConfig
from creditrisk.datagen.months import Month


@dataclass(frozen=True)
class Sector:
    name: str
    turnover: float  # quarterly revenue / assets
    gross_margin: float
    roa: float  # mean quarterly operating income / assets
    leverage: float
    current_ratio: float
    inventory_share: float  # of current assets
    price_to_book: float
    cyclical: float  # sensitivity to the stress period
    season: tuple[float, float, float, float]  # revenue factor by calendar quarter


SECTORS: tuple[Sector, ...] = (
    Sector("Information Technology", 0.18, 0.60, 0.030, 0.45, 2.2, 0.10, 5.0, 0.8, (0.95, 0.98, 1.00, 1.07)),
    Sector("Health Care", 0.20, 0.55, 0.025, 0.50, 2.0, 0.15, 4.0, 0.3, (1.00, 1.00, 0.98, 1.02)),
    Sector("Industrials", 0.22, 0.30, 0.020, 0.60, 1.5, 0.25, 2.8, 1.2, (0.95, 1.02, 1.00, 1.03)),
    Sector("Consumer Discretionary", 0.28, 0.35, 0.018, 0.62, 1.4, 0.30, 3.0, 1.4, (0.90, 0.98, 0.97, 1.15)),
    Sector("Consumer Staples", 0.30, 0.35, 0.020, 0.60, 1.1, 0.30, 3.5, 0.4, (0.97, 1.00, 1.00, 1.03)),
    Sector("Energy", 0.20, 0.30, 0.018, 0.55, 1.3, 0.10, 1.6, 1.3, (1.08, 0.95, 0.94, 1.03)),
    Sector("Materials", 0.22, 0.28, 0.018, 0.55, 1.8, 0.30, 2.2, 1.1, (0.96, 1.05, 1.03, 0.96)),
    Sector("Utilities", 0.08, 0.40, 0.012, 0.70, 0.9, 0.05, 1.8, 0.2, (1.05, 0.92, 1.12, 0.91)),
    Sector("Real Estate", 0.05, 0.60, 0.014, 0.65, 1.0, 0.02, 1.7, 1.0, (1.00, 1.00, 1.00, 1.00)),
    Sector("Communication Services", 0.15, 0.55, 0.022, 0.58, 1.3, 0.05, 2.5, 0.7, (0.97, 0.99, 1.00, 1.04)),
    Sector("Retail", 0.45, 0.30, 0.015, 0.65, 1.2, 0.55, 2.5, 1.2, (0.88, 0.96, 0.95, 1.21)),
)
SECTOR_WEIGHTS = np.array([0.14, 0.12, 0.14, 0.10, 0.07, 0.07, 0.07, 0.05, 0.08, 0.06, 0.10])

STATEMENT_COLUMNS = (
    "company_id", "fiscal_year", "fiscal_quarter", "period_end_date", "filing_date",
    "amendment_number", "currency", "total_assets", "current_assets", "cash_and_equivalents",
    "accounts_receivable", "inventory", "total_liabilities", "current_liabilities",
    "long_term_debt", "retained_earnings", "total_equity", "revenue", "cost_of_revenue",
    "operating_income", "interest_expense", "net_income", "operating_cash_flow",
    "market_value_equity",
)  # fmt: skip
ITEMS = STATEMENT_COLUMNS[7:]

#: Bankruptcy hazard (per quarter, logit) on the statement just filed.
HAZARD_BASE = -6.9
_BURN_IN = 8  # quarters simulated before the window (trends need a year of history)
#: Monte Carlo paths per statement for the company truth (later quarters of the horizon).
MC_PATHS = 256


@dataclass
class CompanyUniverse:
    """Static facts per company."""

    company_id: np.ndarray
    name: np.ndarray
    sector: np.ndarray  # index into SECTORS
    founded_year: np.ndarray
    fiscal_year_end_month: np.ndarray  # 3, 6, 9 or 12
    filer_class: np.ndarray  # 0 large accelerated, 1 accelerated, 2 other
    mu_roa: np.ndarray
    mu_lev: np.ndarray
    mu_cr: np.ndarray


@dataclass
class Latent:
    roa: np.ndarray
    lev: np.ndarray
    cr: np.ndarray
    log_assets: np.ndarray

    def copy(self) -> Latent:
        return Latent(self.roa.copy(), self.lev.copy(), self.cr.copy(), self.log_assets.copy())


_NAME_A = (
    "North", "Blue", "Summit", "Granite", "Silver", "Pioneer", "Harbor", "Cedar", "Apex", "Liberty",
    "Evergreen", "Prairie", "Atlas", "Beacon", "Crescent", "Keystone", "Redwood", "Union", "Vista", "Iron",
)  # fmt: skip
#: Second word of a company name, by sector (same order as ``SECTORS``).
_NAME_B: tuple[tuple[str, ...], ...] = (
    ("Analytics", "Systems", "Technologies", "Software", "Semiconductor"),
    ("Health", "Therapeutics", "Medical", "Biosciences", "Pharma"),
    ("Industries", "Machinery", "Logistics", "Aerospace", "Engineering"),
    ("Brands", "Motors", "Leisure", "Apparel", "Homebuilders"),
    ("Foods", "Beverages", "Household Products", "Farms", "Consumer Goods"),
    ("Energy", "Petroleum", "Oil & Gas", "Drilling", "Midstream"),
    ("Materials", "Chemicals", "Steel", "Paper", "Mining"),
    ("Utilities", "Power", "Electric", "Water", "Gas & Light"),
    ("Realty", "Properties", "Real Estate Trust", "Land", "Office REIT"),
    ("Networks", "Media", "Communications", "Wireless", "Broadcasting"),
    ("Retail", "Stores", "Outfitters", "Markets", "Department Stores"),
)
_SUFFIX = ("Inc.", "Corp.", "Co.", "Group Inc.", "Holdings Corp.", "PLC", "Ltd.")


def draw_universe(rng: np.random.Generator, n: int) -> CompanyUniverse:
    sector = rng.choice(len(SECTORS), size=n, p=SECTOR_WEIGHTS / SECTOR_WEIGHTS.sum())
    first = rng.integers(0, len(_NAME_A), n)
    second = rng.integers(0, 5, n)
    suffix = rng.integers(0, len(_SUFFIX), n)
    names = np.array(
        [
            f"{_NAME_A[a]} {_NAME_B[s][b]} {_SUFFIX[x]}"
            for a, s, b, x in zip(first, sector, second, suffix, strict=True)
        ],
        dtype=object,
    )
    base_roa = np.array([s.roa for s in SECTORS])[sector]
    base_lev = np.array([s.leverage for s in SECTORS])[sector]
    base_cr = np.array([s.current_ratio for s in SECTORS])[sector]
    return CompanyUniverse(
        company_id=np.array([f"C{i:06d}" for i in range(1, n + 1)], dtype=object),
        name=names,
        sector=sector,
        founded_year=rng.integers(1890, 2016, n),
        fiscal_year_end_month=rng.choice([12, 3, 6, 9], size=n, p=[0.7, 0.1, 0.1, 0.1]),
        filer_class=rng.choice(3, size=n, p=[0.4, 0.3, 0.3]),
        mu_roa=base_roa + rng.normal(0.0, 0.008, n),
        mu_lev=np.clip(base_lev + rng.normal(0.0, 0.12, n), 0.1, 0.95),
        mu_cr=np.clip(base_cr * np.exp(rng.normal(0.0, 0.25, n)), 0.4, 5.0),
    )


def sector_shocks(config: GeneratorConfig, rng: np.random.Generator, quarter_ends: np.ndarray) -> np.ndarray:
    """Shift of operating ROA per sector and quarter: downturns at random plus the stress period."""
    n_s, n_q = len(SECTORS), len(quarter_ends)
    shocks = np.zeros((n_s, n_q))
    level = np.zeros(n_s)
    for j in range(n_q):
        jump = rng.random(n_s) < 0.02
        level = 0.8 * level + rng.normal(0.0, 0.0015, n_s) - jump * rng.uniform(0.008, 0.02, n_s)
        shocks[:, j] = level
    start = config.stress_first_month.index
    length = max(config.stress_months, 1)
    since = (quarter_ends - start).astype(float)
    ramp = np.clip(since / length, 0.0, 1.0) * np.exp(-np.clip(since - length, 0.0, None) / 12.0)
    if config.stress_months and config.stress_severity:
        cyc = np.array([s.cyclical for s in SECTORS])[:, None]
        shocks -= config.stress_severity * 0.018 * cyc * ramp[None, :]
    return shocks


def step_latent(u: CompanyUniverse, x: Latent, shock: np.ndarray, eps: np.ndarray) -> Latent:
    """One quarter of the latent dynamics; ``shock`` per company, ``eps`` (n, 4) standard normals."""
    roa = x.roa + 0.25 * (u.mu_roa - x.roa) + 0.004 * eps[:, 0] + 0.35 * shock
    lev = np.clip(x.lev + 0.2 * (u.mu_lev - x.lev) - 0.6 * (roa - u.mu_roa) + 0.015 * eps[:, 1], 0.05, 1.6)
    cr = np.clip(x.cr + 0.15 * (u.mu_cr - x.cr) + 6.0 * (roa - u.mu_roa) + 0.06 * eps[:, 2], 0.15, 6.0)
    log_assets = x.log_assets + 0.008 + 0.5 * roa + 0.025 * eps[:, 3]
    return Latent(roa, lev, cr, log_assets)


def _season(u: CompanyUniverse, quarter_end_month: int) -> np.ndarray:
    table = np.array([s.season for s in SECTORS])
    return table[u.sector, (quarter_end_month - 1) // 3]


def statement_items(
    u: CompanyUniverse, x: Latent, quarter_end_month: int, noise: np.ndarray
) -> dict[str, np.ndarray]:
    """Statement items (USD) from the latent state; ``noise`` (n, 3) standard normals."""
    sec = [SECTORS[i] for i in range(len(SECTORS))]
    turnover = np.array([s.turnover for s in sec])[u.sector]
    margin = np.array([s.gross_margin for s in sec])[u.sector]
    inv_share = np.array([s.inventory_share for s in sec])[u.sector]
    pb = np.array([s.price_to_book for s in sec])[u.sector]
    season = _season(u, quarter_end_month)
    assets = np.exp(x.log_assets)
    liabilities = x.lev * assets
    current_liabilities = 0.35 * liabilities
    current_assets = x.cr * current_liabilities
    cash = current_assets * np.clip(0.30 + 0.05 * noise[:, 0], 0.05, 0.8)
    receivables = current_assets * 0.35
    inventory = current_assets * inv_share * 0.9
    ltd = np.maximum(0.85 * liabilities - current_liabilities, 0.0)
    revenue = assets * turnover * season * np.exp(0.04 * noise[:, 1])
    operating_income = x.roa * assets * season
    interest = ltd * 0.055 / 4.0
    pretax = operating_income - interest
    net_income = np.where(pretax > 0, pretax * 0.79, pretax)
    equity = assets - liabilities
    return {
        "total_assets": assets,
        "current_assets": current_assets,
        "cash_and_equivalents": cash,
        "accounts_receivable": receivables,
        "inventory": inventory,
        "total_liabilities": liabilities,
        "current_liabilities": current_liabilities,
        "long_term_debt": ltd,
        "total_equity": equity,
        "revenue": revenue,
        "cost_of_revenue": revenue * (1.0 - margin),
        "operating_income": operating_income,
        "interest_expense": interest,
        "net_income": net_income,
        "operating_cash_flow": net_income + 0.012 * assets + 0.006 * assets * noise[:, 2],
        "market_value_equity": np.maximum(equity, 0.03 * assets) * pb * np.exp(6.0 * (x.roa - u.mu_roa)),
    }


def hazard_logit(
    items: dict[str, np.ndarray], items_year_ago: dict[str, np.ndarray], scale: float
) -> np.ndarray:
    """Quarterly bankruptcy logit from the statement just filed and the same quarter a year ago."""
    ta = items["total_assets"]
    lev = items["total_liabilities"] / ta
    ni_ta = items["net_income"] / ta
    cr = items["current_assets"] / np.maximum(items["current_liabilities"], 1.0)
    cash_ta = items["cash_and_equivalents"] / ta
    lev_ago = items_year_ago["total_liabilities"] / items_year_ago["total_assets"]
    ni_ago = items_year_ago["net_income"] / items_year_ago["total_assets"]
    return (
        HAZARD_BASE
        + np.log(scale)
        + 5.0 * (lev - 0.6)
        - 55.0 * ni_ta
        - 1.0 * np.log(cr)
        - 6.0 * cash_ta
        - 25.0 * (ni_ta - ni_ago)
        + 3.0 * (lev - lev_ago)
    )


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def quarter_end_months(config: GeneratorConfig) -> np.ndarray:
    """Calendar quarter-end months from the burn-in to a year past the window."""
    first = config.first_month
    first_q_end = Month.of(first.year, ((first.month - 1) // 3 + 1) * 3)
    start = first_q_end.index - 3 * _BURN_IN
    end = config.last_month.index + 15
    return np.arange(start, end + 1, 3)
