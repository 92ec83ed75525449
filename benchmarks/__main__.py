"""``python -m benchmarks [--only NAME ...] [--scale small|full]`` (what ``make bench`` runs)."""

from __future__ import annotations

import argparse
import sys

from rich.console import Console

from benchmarks.harness import BenchContext, Measurement, discover, write_reports
from creditrisk.settings import get_settings
from creditrisk.telemetry import disable_telemetry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--only", nargs="*", default=None, help="benchmark names to run (default: all)")
    parser.add_argument("--scale", choices=["small", "full"], default="full")
    args = parser.parse_args(argv)
    disable_telemetry()
    console = Console()
    settings = get_settings()
    available = discover()
    names = args.only or list(available)
    unknown = sorted(set(names) - set(available))
    if unknown:
        console.print(f"[red]unknown benchmarks: {', '.join(unknown)}; have: {', '.join(available)}")
        return 2
    bench_dir = settings.data_root / "bench"
    measurements: list[Measurement] = []
    for name in names:
        console.rule(f"bench: {name}")
        ctx = BenchContext(settings=settings, work_dir=bench_dir / "work" / name, scale=args.scale)
        results = available[name](ctx)
        for m in results:
            ratio = f" ({m.ratio:.2f}x vs {m.baseline_name})" if m.ratio is not None else ""
            console.print(f"  {m.case} {m.metric}: {m.value:,.4g} {m.unit}{ratio}")
        measurements.extend(results)
    json_path, md_path = write_reports(measurements, bench_dir, args.scale)
    console.print(f"wrote {json_path} and {md_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
