"""The benchmark harness: discovery, context, measurement records and the report writers."""

from __future__ import annotations

import importlib
import json
import pkgutil
import platform
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from creditrisk.settings import Settings

Scale = Literal["small", "full"]


@dataclass
class Measurement:
    """One measured figure and, when there is one, its baseline from the same run.

    ``higher_is_better`` says how to read the ratio: the ratio is always expressed so that
    values above 1 mean this project beats the baseline.
    """

    benchmark: str
    case: str
    metric: str
    value: float
    unit: str
    baseline_name: str | None = None
    baseline_value: float | None = None
    higher_is_better: bool = False
    target: str | None = None
    notes: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline_value is None or not self.value or not self.baseline_value:
            return None
        if self.higher_is_better:
            return self.value / self.baseline_value
        return self.baseline_value / self.value


@dataclass
class BenchContext:
    """What a benchmark module gets: settings, a scratch dir under the data dir and the scale."""

    settings: Settings
    work_dir: Path
    scale: Scale = "full"
    extra: dict[str, str] = field(default_factory=dict)

    def scratch(self, name: str) -> Path:
        path = self.work_dir / name
        path.mkdir(parents=True, exist_ok=True)
        return path


@contextmanager
def timed() -> Iterator[Callable[[], float]]:
    """Time a block; the yielded function returns the elapsed seconds once the block ends."""
    started = time.perf_counter()
    elapsed: list[float] = []
    yield lambda: elapsed[0] if elapsed else time.perf_counter() - started
    elapsed.append(time.perf_counter() - started)


def status_mb(field: str, pid: int | str = "self") -> float | None:
    """A memory line of ``/proc/<pid>/status`` (``VmRSS``, ``VmHWM``) in MiB; None without it."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB: ``VmHWM`` from ``/proc/self/status``.

    Not ``ru_maxrss``: Linux carries it across ``execve``, and Python spawns children with
    ``vfork``, so a benchmark child's ``ru_maxrss`` starts at its parent's RSS (the bench process
    holds ~1.9 GB after generating the 12M-row mart file, which was once reported as the ASOF
    store's peak). ``ru_maxrss`` remains the fallback where there is no ``/proc``.
    """
    peak = status_mb("VmHWM")
    if peak is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return peak


def discover() -> dict[str, Callable[[BenchContext], list[Measurement]]]:
    """Every ``bench_<name>`` module's ``run`` by name."""
    import benchmarks

    found: dict[str, Callable[[BenchContext], list[Measurement]]] = {}
    for info in pkgutil.iter_modules(benchmarks.__path__):
        if info.name.startswith("bench_"):
            module = importlib.import_module(f"benchmarks.{info.name}")
            found[info.name.removeprefix("bench_")] = module.run
    return dict(sorted(found.items()))


def write_reports(measurements: list[Measurement], out_dir: Path, scale: Scale) -> tuple[Path, Path]:
    """Write ``results.json`` and ``results.md`` and return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    meta = {
        "generated_at": datetime.now(UTC).isoformat(),
        "scale": scale,
        "python": platform.python_version(),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "cpus": __import__("os").cpu_count(),
    }
    rows = [{**asdict(m), "ratio": m.ratio} for m in measurements]
    json_path = out_dir / "results.json"
    json_path.write_text(json.dumps({"meta": meta, "results": rows}, indent=2))
    lines = [
        f"# Benchmark results ({meta['generated_at']}, scale={scale}, {meta['cpus']} cpus)",
        "",
        "Ratio > 1 means this project beats the named baseline measured in the same run.",
        "",
        "| benchmark | case | metric | value | baseline | baseline value | ratio | target | notes |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for m in measurements:
        ratio = f"{m.ratio:.2f}x" if m.ratio is not None else ""
        base = f"{m.baseline_value:,.4g} {m.unit}" if m.baseline_value is not None else ""
        lines.append(
            f"| {m.benchmark} | {m.case} | {m.metric} | {m.value:,.4g} {m.unit} | {m.baseline_name or ''} "
            f"| {base} | {ratio} | {m.target or ''} | {m.notes} |"
        )
    md_path = out_dir / "results.md"
    md_path.write_text("\n".join(lines) + "\n")
    return json_path, md_path
