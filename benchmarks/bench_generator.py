"""Generator throughput and memory: 100k loans x 60 months (small scale: 10k).

Figures:
- end to end (``creditrisk.datagen.generate``, in a child process so its peak RSS is its
  own): performance rows per second, wall time and peak memory, against the absolute target
  of well under a minute for 100k x 60 on 2 cores;
- the same run with 2 worker processes (``--workers 2``) against 1 process, measured in the
  same run (the output is byte-identical; the ratio depends on how idle the 2 cores are);
- the performance-file writer (Arrow compute + Arrow's CSV writer) against a named baseline
  measured in the same run: a straightforward per-row Python formatter (f-strings, ``"|".join``)
  writing the same fields for the same simulated rows.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.harness import BenchContext, Measurement

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from benchmarks.harness import peak_rss_mb
from creditrisk.datagen import GeneratorConfig, generate
from creditrisk.settings import Settings
loans, root, workers = int(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
started = time.perf_counter()
config = GeneratorConfig(loans=loans, companies=300, months=60, workers=workers)
summary = generate(config, Settings(data_dir=root), show_progress=False)
usage = resource.getrusage(resource.RUSAGE_SELF)
children = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": time.perf_counter() - started, "rows": summary.performance_rows,
                  "cpu_seconds": usage.ru_utime + usage.ru_stime + children.ru_utime + children.ru_stime,
                  "peak_rss_mb": max(peak_rss_mb(), children.ru_maxrss / 1024)}))
"""


def _end_to_end(loans: int, root: Path, workers: int = 1) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(loans), str(root), str(workers)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _one_quarter(loans: int):
    """Simulate one origination quarter of the default window (what each streaming step holds)."""
    from creditrisk.datagen.config import GeneratorConfig
    from creditrisk.datagen.loan_source import coefficients, plan_quarters, quarter_rng
    from creditrisk.datagen.loans import draw_block
    from creditrisk.datagen.macro import simulate_macro
    from creditrisk.datagen.performance import simulate_block

    config = GeneratorConfig(loans=loans * 20, months=60)
    macro = simulate_macro(config, np.random.default_rng(0))
    plan = plan_quarters(config)[0]
    rng = quarter_rng(config.seed, plan)
    notes = rng.choice(np.array(plan.note_months), size=plan.loans)
    block = draw_block(rng, macro, plan.year, plan.quarter, plan.loans, notes, config.last_month.index)
    return block, simulate_block(block, macro, config.last_month.index, rng, coefficients(config))


def _naive_write(path: Path, block, rows, limit: int) -> int:
    """Baseline: format every field of every row in Python and join with ``|``."""
    c = {k: v[:limit].tolist() for k, v in rows.columns.items()}
    ids = block.loan_id.tolist()
    with path.open("w") as fh:
        for i in range(len(c["loan"])):
            status = "RA" if c["status"][i] < 0 else str(c["status"][i])
            zb = c["zero_balance_code"][i]
            month = c["month"][i]
            ym = f"{month // 12}{month % 12 + 1:02d}"
            fields = [
                ids[c["loan"][i]], ym, f"{c['upb'][i]:.2f}", status, f"{c['age'][i]:03d}",
                f"{c['remaining'][i]:03d}", "", "Y" if c["modified"][i] else "", f"{zb:02d}" if zb else "",
                ym if zb else "", repr(float(c["rate"][i])), f"{c['deferred_upb'][i]:.2f}", ym,
                *[""] * 9, f"{c['cum_mod_cost'][i]:.2f}" if c["modified"][i] else "", "", "",
                str(c["eltv"][i]), f"{c['removal_upb'][i]:.2f}" if zb else "", "", "", "",
                f"{c['month_mod_cost'][i]:.2f}" if c["modified"][i] else "",
                f"{c['upb'][i] - c['deferred_upb'][i]:.2f}",
            ]  # fmt: skip
            fh.write("|".join(fields) + "\n")
    return len(c["loan"])


def run(ctx: BenchContext) -> list[Measurement]:
    from creditrisk.datagen import freddie_writer as fw
    from creditrisk.datagen.layouts import get_layout

    loans = 100_000 if ctx.scale == "full" else 10_000
    case = f"{loans // 1000}k loans x 60 months"
    result = _end_to_end(loans, ctx.scratch("end_to_end"))
    rows_per_s = result["rows"] / result["seconds"]
    measurements = [
        Measurement(
            "generator", case, "throughput", rows_per_s, "perf rows/s", higher_is_better=True,
            notes=f"{result['rows']:,.0f} performance rows incl. truth, companies, macro",
        ),
        Measurement(
            "generator", case, "wall time", result["seconds"], "s", target="well under 60 s (100k x 60)",
            notes=f"{result['cpu_seconds']:.1f} s CPU (user+sys, incl. imports): wall time depends on load",
        ),
        Measurement(
            "generator", case, "peak memory", result["peak_rss_mb"], "MiB",
            target="bounded by one origination quarter (1M loans: a few GB)",
        ),
    ]  # fmt: skip

    parallel = _end_to_end(loans, ctx.scratch("two_workers"), workers=2)
    measurements.append(
        Measurement(
            "generator", f"{case}, 2 worker processes", "throughput", parallel["rows"] / parallel["seconds"],
            "perf rows/s", baseline_name="same generator, 1 process", baseline_value=rows_per_s,
            higher_is_better=True,
            notes=f"{parallel['seconds']:.1f} s wall; peak RSS per process {parallel['peak_rss_mb']:.0f} MiB",
        )
    )  # fmt: skip

    block, rows = _one_quarter(loans // 20)
    work = ctx.scratch("writer")
    _naive_write(work / "warm.txt", block, rows, limit=100)  # both paths warmed up first
    fw.write_performance(work / "warm.txt", block, rows, get_layout(32))
    started = time.perf_counter()
    fw.write_performance(work / "arrow.txt", block, rows, get_layout(32))
    arrow_rate = rows.n / (time.perf_counter() - started)
    started = time.perf_counter()
    naive_rows = _naive_write(work / "naive.txt", block, rows, limit=min(rows.n, 60_000))
    naive_rate = naive_rows / (time.perf_counter() - started)
    measurements.append(
        Measurement(
            "generator", f"performance writer, one quarter ({rows.n:,} rows)", "throughput", arrow_rate,
            "rows/s", baseline_name="per-row Python formatter", baseline_value=naive_rate,
            higher_is_better=True, notes=f"baseline timed on {naive_rows:,} rows",
        )
    )  # fmt: skip
    return measurements
