"""Run every section over one frame, timing each, and keep the results together for rendering."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from analysis.collinearity import CollinearityResult, analyse_collinearity
from analysis.columns import ColumnRoles, binary_label, infer_roles
from analysis.matrix import NumericMatrix
from analysis.outlier_section import OutlierResult, find_outliers
from analysis.profile import Profile, profile_frame
from analysis.projection import ProjectionResult, project
from analysis.timeseries import TimeResult, analyse_time

#: Key features also followed month by month (beside the most time-varying ones).
TIME_FEATURES = 2

T = TypeVar("T")


@dataclass(frozen=True)
class AnalysisOptions:
    """Sample sizes that bound the cost of the expensive methods, the seed, and BLAS/OpenMP threads.

    One thread by default: the matrices here are small (p = 60), so threads gain little, and on
    a shared machine their spin-waiting costs a lot: MCD took many times longer with the default
    threads than with one on a busy 2-core box (docs/report.md, "Speed").
    """

    mcd_sample: int = 2_000
    scatter_sample: int = 3_000
    tsne_sample: int = 1_500
    seed: int = 42
    threads: int | None = 1


@dataclass
class Analysis:
    title: str
    roles: ColumnRoles
    profile: Profile
    outliers: OutlierResult
    collinearity: CollinearityResult
    projection: ProjectionResult
    time: TimeResult | None
    seconds: dict[str, float] = field(default_factory=dict)


def analyse(
    frame: pd.DataFrame,
    label: str,
    *,
    title: str,
    time_column: str | None = None,
    id_columns: list[str] | None = None,
    options: AnalysisOptions | None = None,
    on_section: Callable[[str], None] | None = None,
) -> Analysis:
    """Every section's numbers; ``on_section`` is told each section's name before it runs."""
    options = options or AnalysisOptions()
    with threadpool_limits(limits=options.threads):
        return _analyse(frame, label, title, time_column, id_columns, options, on_section)


def _analyse(
    frame: pd.DataFrame,
    label: str,
    title: str,
    time_column: str | None,
    id_columns: list[str] | None,
    options: AnalysisOptions,
    on_section: Callable[[str], None] | None,
) -> Analysis:
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    roles = infer_roles(frame, label, time_column=time_column, id_columns=id_columns)
    y = binary_label(frame, label).to_numpy()
    matrix = NumericMatrix.from_frame(frame, roles.numeric)
    seconds["prepare"] = time.perf_counter() - started

    def timed(name: str, work: Callable[[], T]) -> T:
        if on_section:
            on_section(name)
        begun = time.perf_counter()
        result = work()
        seconds[name] = time.perf_counter() - begun
        return result

    context_columns = [*roles.id_columns, *([roles.time_column] if roles.time_column else []), label]
    profile = timed("profile", lambda: profile_frame(frame, roles, y))
    outliers = timed(
        "outliers",
        lambda: find_outliers(
            matrix, frame, y, frame[context_columns], sample_size=options.mcd_sample, seed=options.seed
        ),
    )
    collinearity = timed("collinearity", lambda: analyse_collinearity(matrix))
    projection = timed(
        "projection",
        lambda: project(
            matrix,
            y,
            scatter_sample=options.scatter_sample,
            tsne_sample=options.tsne_sample,
            seed=options.seed,
        ),
    )
    key = profile.key_features[:TIME_FEATURES]
    time_result = timed("time", lambda: analyse_time(frame, y, roles.time_column, key, roles.numeric))
    return Analysis(
        title=title,
        roles=roles,
        profile=profile,
        outliers=outliers,
        collinearity=collinearity,
        projection=projection,
        time=time_result,
        seconds=seconds,
    )


def class_ratio(share_1: float, share_0: float) -> float:
    """How many times more often something happens in bad rows than in good ones."""
    return float("inf") if share_0 == 0 and share_1 > 0 else (share_1 / share_0 if share_0 else np.nan)
