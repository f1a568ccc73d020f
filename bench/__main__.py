"""`python -m bench [name ...]`: run every bench/bench_*.py module's `main()` in turn (or
only those named, e.g. `python -m bench directory`), each printing its own figures. One
failing benchmark does not stop the others; the exit status says whether all ran."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
import traceback
from pathlib import Path


def discover() -> list[str]:
    folder = Path(__file__).resolve().parent
    return sorted(m.name for m in pkgutil.iter_modules([str(folder)]) if m.name.startswith("bench_"))


def main(argv: list[str]) -> int:
    wanted = {f"bench_{name.removeprefix('bench_')}" for name in argv}
    names = [n for n in discover() if not wanted or n in wanted]
    if wanted - set(names):
        print(f"unknown benchmark(s): {', '.join(sorted(wanted - set(names)))}; known: {', '.join(discover())}")
        return 2
    failed = []
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        try:
            importlib.import_module(f"bench.{name}").main()
        except Exception:  # report and go on with the next benchmark
            traceback.print_exc()
            failed.append(name)
        print(f"--- {name}: {time.perf_counter() - started:.1f} s{' FAILED' if name in failed else ''}", flush=True)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
