"""Benchmarks run by ``make bench``.

Each ``benchmarks/bench_<name>.py`` module exposes ``run(ctx: BenchContext) -> list[Measurement]``.
A measurement names its baseline (a reference implementation measured in the same run, or a
documented figure) so the report shows ratios, not lone numbers. Results go to
``$CREDITRISK_DATA_DIR/bench/results.json`` and ``results.md``.
"""
