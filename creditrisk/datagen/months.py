"""Calendar months as integers, so month arithmetic is vectorised integer arithmetic."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from creditrisk.errors import ConfigurationError

_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month; ``index`` counts months since 0000-01 (year * 12 + month - 1)."""

    index: int

    @classmethod
    def parse(cls, text: str) -> Month:
        match = _PATTERN.match(text.strip())
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ConfigurationError(f"expected a month as YYYY-MM, got {text!r}")
        return cls(int(match.group(1)) * 12 + int(match.group(2)) - 1)

    @classmethod
    def of(cls, year: int, month: int) -> Month:
        return cls(year * 12 + month - 1)

    @property
    def year(self) -> int:
        return self.index // 12

    @property
    def month(self) -> int:
        return self.index % 12 + 1

    @property
    def quarter(self) -> int:
        return (self.month - 1) // 3 + 1

    def __add__(self, months: int) -> Month:
        return Month(self.index + int(months))

    def __sub__(self, other: Month) -> int:
        return self.index - other.index

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def yyyymm(index: np.ndarray) -> np.ndarray:
    """Month indices as YYYYMM integers (the Freddie Mac date format)."""
    index = np.asarray(index, dtype=np.int64)
    return (index // 12) * 100 + index % 12 + 1


def month_of_year(index: np.ndarray) -> np.ndarray:
    """1..12 for each month index."""
    return np.asarray(index, dtype=np.int64) % 12 + 1
