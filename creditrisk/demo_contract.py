"""What every layer's demo step takes and returns: :class:`DemoOptions` and :class:`StepResult`.

Core, so that each layer's ``demo_step`` module can depend on it while ``creditrisk.pipeline``,
the layer above all of them, lists and runs the steps: no layer imports the pipeline back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path


@dataclass(frozen=True)
class DemoOptions:
    """Sizes for the demo's generated data set: small enough to run in minutes on 2 cores.

    Companies outnumber loans because bankruptcies are rare. The demo's companies are a riskier,
    speculative-grade panel (bankruptcy odds x6, about 2% a year against the generator's 0.35%), so
    that the model has a few hundred bankrupt companies to learn from and the holdout about a
    hundred to be measured on. Fewer companies at the generator's rate left the holdout so few
    events that the model's share of the oracle AUC could not be measured (its interval held both
    a poor model and a perfect one) and the registered model fell well short of the oracle: the
    runs are in docs/measurements.md, "Training: defaults and the method", and docs/training.md,
    "Reliability".
    """

    loans: int = 2_000
    companies: int = 5_000
    #: First month (YYYY-MM); empty means ``months`` before the current month, so the window ends
    #: now. Online features then are fresh: Feast expires online values older than a view's TTL
    #: against the wall clock, and a window that ended years ago would serve only nulls.
    start: str = ""
    months: int = 60
    seed: int = 42
    #: Multiplies the generator's bankruptcy odds (see ``GeneratorConfig.bankruptcy_rate_scale``).
    bankruptcy_rate_scale: float = 6.0

    @property
    def window_start(self) -> str:
        """The first month of the window as YYYY-MM (``start``, or ``months`` before now)."""
        if self.start:
            return self.start
        return default_window_start(self.months)


def default_window_start(months: int, today: date | None = None) -> str:
    """The month ``months`` months before ``today``'s month, so the window ends last month."""
    today = today or datetime.now(UTC).date()
    index = today.year * 12 + today.month - 1 - months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@dataclass
class StepResult:
    """What a step produced: paths to look at, one-line facts, and how to inspect them."""

    outputs: dict[str, Path | str] = field(default_factory=dict)
    facts: dict[str, str] = field(default_factory=dict)
    hints: list[str] = field(default_factory=list)
