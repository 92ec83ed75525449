"""Peak resident memory of the current process, as the benchmarks report it."""

from __future__ import annotations

import resource
from pathlib import Path


def peak_rss_mb() -> float:
    """This process's peak resident memory: ``VmHWM`` from ``/proc/self/status`` on Linux.

    Not ``ru_maxrss``: Linux carries it across ``execve``, and Python spawns children with
    ``vfork``, so a benchmark child's ``ru_maxrss`` starts at its parent's RSS (the bench process
    holds ~1.9 GB after generating the 12M-row mart file, which was once reported as the ASOF
    store's peak). ``ru_maxrss`` remains the fallback where there is no ``/proc``.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
