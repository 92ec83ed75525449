"""The generator's parameters, validated once, in one frozen dataclass."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from creditrisk.datagen.layouts import LAYOUTS
from creditrisk.datagen.months import Month
from creditrisk.errors import ConfigurationError


@dataclass(frozen=True)
class GeneratorConfig:
    """What to generate.

    The window is ``months`` reporting months from ``start``. Loans are originated in every
    quarter of the window; statements are filed for fiscal periods ending in it. The stress
    period (a 2008-like shock: unemployment up, house prices down) defaults to starting 40% of
    the way into the window and lasting 18 months, so the default demo window (2018-01, 60
    months) has it from 2020-01 to 2021-06.
    """

    loans: int = 2_000
    companies: int = 300
    start: str = "2018-01"
    months: int = 60
    seed: int = 42
    layout: int = 32
    stress_start: str | None = None
    stress_months: int = 18
    stress_severity: float = 1.0
    #: Multiplies the monthly odds of missing a payment (1.0 = calibrated default of roughly
    #: 1-2% of loans a year reaching 90+ days delinquent in normal times).
    default_rate_scale: float = 1.0
    #: Multiplies the quarterly bankruptcy odds (1.0 = a few percent of companies over 5 years).
    bankruptcy_rate_scale: float = 1.0
    corrupt_rate: float = 0.0
    write_truth: bool = True
    #: Processes simulating origination quarters in parallel (the output is identical for any
    #: number; memory grows with it, one quarter per worker).
    workers: int = 1

    def __post_init__(self) -> None:
        if self.loans < 0 or self.companies < 0:
            raise ConfigurationError("--loans and --companies must be >= 0")
        if not 3 <= self.months <= 600:
            raise ConfigurationError("--months must be between 3 and 600")
        if self.layout not in LAYOUTS:
            raise ConfigurationError(f"--layout must be one of {sorted(LAYOUTS)}, got {self.layout}")
        if not 0.0 <= self.corrupt_rate < 0.5:
            raise ConfigurationError("--corrupt-rate must be in [0, 0.5)")
        if self.stress_months < 0 or self.stress_severity < 0:
            raise ConfigurationError("--stress-months and --stress-severity must be >= 0")
        if not 1 <= self.workers <= 64:
            raise ConfigurationError("--workers must be between 1 and 64")
        if self.default_rate_scale <= 0 or self.bankruptcy_rate_scale <= 0:
            raise ConfigurationError("rate scales must be > 0")
        first = self.first_month
        if first < Month.parse("2001-01"):
            raise ConfigurationError("--start must be 2001-01 or later (macro history begins 2000-01)")
        if self.stress_start is not None:
            Month.parse(self.stress_start)

    @property
    def first_month(self) -> Month:
        return Month.parse(self.start)

    @property
    def last_month(self) -> Month:
        return self.first_month + (self.months - 1)

    @property
    def stress_first_month(self) -> Month:
        if self.stress_start is not None:
            return Month.parse(self.stress_start)
        return self.first_month + round(self.months * 0.4)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["stress_start"] = str(self.stress_first_month)
        return data
