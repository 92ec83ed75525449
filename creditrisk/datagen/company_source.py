"""The company side: simulate, file, restate, go bankrupt, and compute each statement's truth."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from creditrisk.datagen import companies as co
from creditrisk.datagen.config import GeneratorConfig
from creditrisk.datagen.months import Month


@dataclass
class CompanyOutput:
    companies: pd.DataFrame
    statements: pd.DataFrame
    bankruptcies: pd.DataFrame
    truth: pd.DataFrame


def _month_end(month_index: np.ndarray) -> np.ndarray:
    """Last day of each month (datetime64[D])."""
    epoch = Month.of(1970, 1).index
    return (np.asarray(month_index) - epoch + 1).astype("datetime64[M]").astype("datetime64[D]") - 1


def _plus_12_months(days: np.ndarray) -> np.ndarray:
    """Same day a year later; Feb 29 becomes Feb 28 (as SQL interval arithmetic does)."""
    ts = pd.DatetimeIndex(days.astype("datetime64[ns]"))
    return (ts + pd.DateOffset(months=12)).values.astype("datetime64[D]")


def _filing_lags(rng: np.random.Generator, u: co.CompanyUniverse, q_ends: np.ndarray) -> np.ndarray:
    """Days from period end to filing: 10-Q about 35-45, 10-K (fiscal Q4) about 55-90, a few late."""
    n, q = len(u.company_id), len(q_ends)
    annual = (q_ends[None, :] % 12 + 1) == u.fiscal_year_end_month[:, None]
    cls = u.filer_class[:, None]
    lo_q = np.choose(cls, [35, 38, 40]) + np.zeros((n, q))
    lo_k = np.choose(cls, [55, 65, 80]) + np.zeros((n, q))
    lags = np.where(annual, lo_k + rng.integers(0, 11, (n, q)), lo_q + rng.integers(0, 6, (n, q)))
    late = rng.random((n, q)) < 0.04
    return lags + late * rng.integers(5, 25, (n, q))


def simulate_companies(config: GeneratorConfig, rng: np.random.Generator) -> CompanyOutput:
    n = config.companies
    u = co.draw_universe(rng, n)
    q_ends = co.quarter_end_months(config)
    n_q = len(q_ends)
    shocks = co.sector_shocks(config, rng, q_ends)
    x = co.Latent(
        roa=u.mu_roa + rng.normal(0, 0.004, n),
        lev=u.mu_lev.copy(),
        cr=u.mu_cr.copy(),
        log_assets=rng.normal(np.log(2e9), 1.4, n),
    )
    latents: list[co.Latent] = []
    items: list[dict[str, np.ndarray]] = []
    retained: np.ndarray | None = None
    payout = rng.uniform(0.0, 0.6, n)
    for j in range(n_q):
        x = co.step_latent(u, x, shocks[u.sector, j], rng.standard_normal((n, 4)))
        latents.append(x)
        now = co.statement_items(u, x, int(q_ends[j] % 12 + 1), rng.standard_normal((n, 3)))
        if retained is None:
            retained = now["total_equity"] * rng.uniform(0.2, 0.9, n)
        # Retained earnings accumulate net income less dividends paid out of profits.
        retained = retained + now["net_income"] - payout * np.maximum(now["net_income"], 0.0)
        now["retained_earnings"] = retained
        items.append(now)
    period_end = _month_end(q_ends)
    filing = period_end[None, :] + _filing_lags(rng, u, q_ends).astype("timedelta64[D]")
    window_end = _month_end(np.array([config.last_month.index]))[0]
    in_window = (q_ends >= config.first_month.index) & (q_ends <= config.last_month.index)
    j0 = int(np.argmax(in_window)) if in_window.any() else n_q

    hazard = np.zeros((n, n_q))
    for j in range(4, n_q):
        hazard[:, j] = _sigmoid(co.hazard_logit(items[j], items[j - 4], config.bankruptcy_rate_scale))
    bankrupt_day = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    alive = np.ones(n, dtype=bool)
    for j in range(j0, n_q - 1):
        hit = alive & (rng.random(n) < hazard[:, j])
        if hit.any():
            a = filing[hit, j].astype(np.int64)
            b = filing[hit, j + 1].astype(np.int64)
            day = a + 1 + (rng.random(hit.sum()) * np.maximum(b - a - 1, 1)).astype(np.int64)
            bankrupt_day[hit] = day.astype("datetime64[D]")
            alive &= ~hit
    bankrupt_day[bankrupt_day > window_end] = np.datetime64("NaT")

    written = np.zeros((n, n_q), dtype=bool)
    for j in np.flatnonzero(in_window):
        ok = filing[:, j] <= window_end
        ok &= np.isnat(bankrupt_day) | (filing[:, j] < bankrupt_day)
        written[:, j] = ok
    statements = _statement_rows(rng, u, q_ends, period_end, filing, items, written, bankrupt_day, window_end)
    truth = _truth(config, u, q_ends, filing, latents, items, written, shocks)
    has_b = ~np.isnat(bankrupt_day)
    bankruptcies = pd.DataFrame(
        {
            "company_id": u.company_id[has_b],
            "bankruptcy_filing_date": pd.to_datetime(bankrupt_day[has_b]).strftime("%Y-%m-%d"),
            "chapter": np.where(rng.random(has_b.sum()) < 0.8, 11, 7),
        }
    )
    companies = pd.DataFrame(
        {
            "company_id": u.company_id,
            "company_name": u.name,
            "sector": [co.SECTORS[s].name for s in u.sector],
            "founded_year": u.founded_year,
        }
    )
    return CompanyOutput(companies, statements, bankruptcies.sort_values("bankruptcy_filing_date"), truth)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _fiscal(fye: np.ndarray, q_end: int) -> tuple[np.ndarray, np.ndarray]:
    month = q_end % 12 + 1
    year = q_end // 12
    quarter = ((month - fye - 1) % 12) // 3 + 1
    fiscal_year = np.where(month <= fye, year, year + 1)
    return fiscal_year, quarter


def _statement_rows(
    rng: np.random.Generator,
    u: co.CompanyUniverse,
    q_ends: np.ndarray,
    period_end: np.ndarray,
    filing: np.ndarray,
    items: list[dict[str, np.ndarray]],
    written: np.ndarray,
    bankrupt_day: np.ndarray,
    window_end: np.datetime64,
) -> pd.DataFrame:
    """Original filings plus restatements (new rows, later filing dates, revised numbers)."""
    frames = []
    for j in np.flatnonzero(written.any(axis=0)):
        idx = np.flatnonzero(written[:, j])
        fy, fq = _fiscal(u.fiscal_year_end_month[idx], int(q_ends[j]))
        base = {k: v[idx] for k, v in items[j].items()}
        frames.append(_frame(u, idx, fy, fq, period_end[j], filing[idx, j], 0, base))
        restate = rng.random(len(idx)) < 0.035
        amend_day = filing[idx, j]
        for amendment in (1, 2):
            lag = rng.integers(90 if amendment == 1 else 30, 366 if amendment == 1 else 181, len(idx))
            amend_day = amend_day + lag.astype("timedelta64[D]")
            ok = restate & (amend_day <= window_end)
            bday = bankrupt_day[idx]
            ok &= np.isnat(bday) | (amend_day < bday)
            if not ok.any():
                break
            revised = _revise(rng, base, ok.sum(), ok)
            frames.append(
                _frame(u, idx[ok], fy[ok], fq[ok], period_end[j], amend_day[ok], amendment, revised)
            )
            restate = ok & (rng.random(len(idx)) < 0.15)
    if not frames:
        return pd.DataFrame(columns=list(co.STATEMENT_COLUMNS))
    df = pd.concat(frames, ignore_index=True)
    return df.sort_values(["company_id", "period_end_date", "amendment_number"], ignore_index=True)


def _revise(
    rng: np.random.Generator, base: dict[str, np.ndarray], k: int, mask: np.ndarray
) -> dict[str, np.ndarray]:
    """A restatement: net income revised (and equity with it), revenue nudged."""
    out = {key: v[mask].copy() for key, v in base.items()}
    change = (
        rng.normal(0.0, 0.15, k) * np.abs(out["net_income"]) + rng.normal(0, 0.002, k) * out["total_assets"]
    )
    out["net_income"] = out["net_income"] + change
    out["operating_income"] = out["operating_income"] + change
    out["revenue"] = out["revenue"] * (1 + rng.normal(0, 0.02, k))
    out["total_equity"] = out["total_equity"] + change
    out["retained_earnings"] = out["retained_earnings"] + change
    out["total_liabilities"] = out["total_assets"] - out["total_equity"]
    return out


def _frame(
    u: co.CompanyUniverse,
    idx: np.ndarray,
    fy: np.ndarray,
    fq: np.ndarray,
    period_end: np.datetime64,
    filing: np.ndarray,
    amendment: int,
    values: dict[str, np.ndarray],
) -> pd.DataFrame:
    data = {
        "company_id": u.company_id[idx],
        "fiscal_year": fy,
        "fiscal_quarter": fq,
        "period_end_date": np.datetime_as_string(np.full(len(idx), period_end), unit="D"),
        "filing_date": np.datetime_as_string(filing, unit="D"),
        "amendment_number": np.full(len(idx), amendment),
        "currency": np.full(len(idx), "USD"),
    }
    for item in co.ITEMS:
        data[item] = np.round(values[item], -3).astype(np.int64)
    return pd.DataFrame(data)


def _truth(
    config: GeneratorConfig,
    u: co.CompanyUniverse,
    q_ends: np.ndarray,
    filing: np.ndarray,
    latents: list[co.Latent],
    items: list[dict[str, np.ndarray]],
    written: np.ndarray,
    shocks: np.ndarray,
) -> pd.DataFrame:
    """P(bankruptcy in (filing, filing + 12 months]) per original statement, by Monte Carlo."""
    rng = np.random.default_rng(np.random.SeedSequence([config.seed, 3]))
    company, period, pd12 = [], [], []
    n_q = len(q_ends)
    scale = config.bankruptcy_rate_scale
    for j in np.flatnonzero(written.any(axis=0)):
        idx = np.flatnonzero(written[:, j])
        horizon_end = _plus_12_months(filing[idx, j]).astype(np.int64)
        k_max = min(5, n_q - 1 - j)
        total = np.zeros(len(idx))
        survive = np.ones((len(idx), co.MC_PATHS))
        rep = np.repeat(idx, co.MC_PATHS)
        sub = _subset(u, rep)
        x = _latent_subset(latents[j], rep)
        for k in range(0, k_max):
            jj = j + k
            a = filing[idx, jj].astype(np.int64)
            b = filing[idx, jj + 1].astype(np.int64)
            days = np.maximum(b - a - 1, 1)
            frac = np.clip(horizon_end - a, 0, days) / days
            if k == 0:
                h = np.repeat(
                    _sigmoid(co.hazard_logit(_items_at(items[j], idx), _items_at(items[j - 4], idx), scale)),
                    co.MC_PATHS,
                )
            else:
                x = co.step_latent(sub, x, shocks[sub.sector, jj], rng.standard_normal((len(rep), 4)))
                now = co.statement_items(sub, x, int(q_ends[jj] % 12 + 1), rng.standard_normal((len(rep), 3)))
                ago = _items_at(items[jj - 4], rep)
                h = _sigmoid(co.hazard_logit(now, ago, scale))
            h = h.reshape(len(idx), co.MC_PATHS)
            total += (survive * h).mean(axis=1) * frac
            survive *= 1.0 - h
        company.append(u.company_id[idx])
        period.append(np.full(len(idx), _month_end(np.array([q_ends[j]]))[0]))
        pd12.append(np.clip(total, 0.0, 1.0))
    if not company:
        return pd.DataFrame({"company_id": [], "period_end_date": [], "true_pd_12m": []})
    return pd.DataFrame(
        {
            "company_id": np.concatenate(company),
            "period_end_date": np.concatenate(period),
            "true_pd_12m": np.concatenate(pd12),
        }
    )


def _items_at(values: dict[str, np.ndarray], idx: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[idx] for k, v in values.items()}


def _subset(u: co.CompanyUniverse, idx: np.ndarray) -> co.CompanyUniverse:
    return co.CompanyUniverse(**{f: getattr(u, f)[idx] for f in u.__dataclass_fields__})


def _latent_subset(x: co.Latent, idx: np.ndarray) -> co.Latent:
    return co.Latent(x.roa[idx], x.lev[idx], x.cr[idx], x.log_assets[idx])
