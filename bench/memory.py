"""Peak memory of a process, as the benchmarks report it."""

from __future__ import annotations

from pathlib import Path


def _status_mb(field: str, pid: int | str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb(pid: int | str = "self") -> float:
    """VmHWM of `pid` (default: this process) in MB.

    VmHWM belongs to the address space, which exec replaces: a child's own peak, not that of
    the large parent it was forked from (ru_maxrss would include that).
    """
    return _status_mb("VmHWM", pid)


def rss_mb(pid: int | str = "self") -> float:
    """VmRSS of `pid` (default: this process) in MB: resident now."""
    return _status_mb("VmRSS", pid)
