"""Helpers shared by the benchmarks: a migrated demo database in a temporary folder, a real
`backline serve` process, latency figures."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
from pathlib import Path

from core.config import Settings
from core.demo import load_demo
from core.runtime import Backline
from core.store.migrate import upgrade

REPO = Path(__file__).resolve().parents[1]


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def demo_database(folder: Path) -> Path:
    path = folder / "bench.db"
    upgrade(sqlite_url(path))

    async def load() -> None:
        backline = Backline(Settings(database_url=sqlite_url(path), plugins_file=REPO / "plugins.toml"))
        try:
            await load_demo(backline.store)
        finally:
            await backline.store.close()

    asyncio.run(load())
    return path


def temporary_folder() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="backline-bench-")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def describe(values_ms: list[float]) -> str:
    if not values_ms:
        return "no samples"
    return (f"p50 {percentile(values_ms, 50):6.2f} ms  p99 {percentile(values_ms, 99):6.2f} ms  "
            f"max {max(values_ms):6.2f} ms  mean {statistics.fmean(values_ms):6.2f} ms  n={len(values_ms)}")
