"""Fast column formatting for the text files, in Arrow compute (no per-row Python).

Freddie Mac writes money with two decimals, some counts zero-padded (``000`` MI, ``02``
borrowers, ``012`` loan age) and blanks for missing values; these helpers build those
string columns from numpy arrays, with a mask meaning "blank".
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def ints(values: np.ndarray, width: int = 0, blank: np.ndarray | None = None) -> pa.Array:
    """Integers as text, optionally zero-padded to ``width``; ``blank`` rows become empty."""
    arr = pa.array(np.asarray(values, dtype=np.int64), mask=blank).cast(pa.string())
    if width:
        arr = pc.utf8_lpad(arr, width=width, padding="0")
    return arr


def money(values: np.ndarray, blank: np.ndarray | None = None) -> pa.Array:
    """Dollars with two decimals (``248000.00``, ``-1234.50``); ``blank`` rows become empty.

    Loss and modification fields are blank on almost every row, so a mostly blank column is
    formatted only where it has values and spread out with a null-aware ``take``.
    """
    values = np.asarray(values, dtype=float)
    if blank is not None and blank.mean() > 0.5:
        keep = np.flatnonzero(~blank)
        positions = np.zeros(len(values), dtype=np.int64)
        positions[keep] = np.arange(len(keep))
        return money(values[keep]).take(pa.array(positions, mask=blank))
    cents = np.round(np.asarray(values, dtype=float) * 100.0).astype(np.int64)
    negative = cents < 0
    cents = np.abs(cents)
    whole = pa.array(cents // 100).cast(pa.string())
    frac = pc.utf8_lpad(pa.array(cents % 100).cast(pa.string()), width=2, padding="0")
    text = pc.binary_join_element_wise(whole, frac, ".")
    text = pc.if_else(pa.array(negative), pc.binary_join_element_wise("-", text, ""), text)
    if blank is not None and blank.any():
        text = pc.if_else(pa.array(blank), pa.scalar(None, pa.string()), text)
    return text


def labels(indices: np.ndarray, table: np.ndarray | list[str], blank: np.ndarray | None = None) -> pa.Array:
    """Strings looked up from a small table by index (a dictionary decode: fast for ids and codes)."""
    dictionary = pa.array([str(x) for x in table], type=pa.string())
    idx = pa.array(np.asarray(indices, dtype=np.int32), mask=blank)
    return pa.DictionaryArray.from_arrays(idx, dictionary).cast(pa.string())


def decimals(values: np.ndarray, blank: np.ndarray | None = None) -> pa.Array:
    """Rates as the files show them (``6.625``, ``7.0``): few distinct values, so decode a table."""
    uniq, inverse = np.unique(np.round(np.asarray(values, dtype=float), 4), return_inverse=True)
    return labels(inverse, [repr(float(u)) for u in uniq], blank)


def constant(text: str, n: int) -> pa.Array:
    return labels(np.zeros(n, dtype=np.int32), [text])


def empty(n: int) -> pa.Array:
    return pa.nulls(n, type=pa.string())
