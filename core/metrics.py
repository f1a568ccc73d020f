"""What an operator watches on an instance (INS5), counted as plain numbers: requests and
errors by operation, events published and delivered, the lag of events read from other
instances, time-outs fired. The core knows no metrics library; schema/metrics.py shows
these in Prometheus's text format at GET /metrics."""

from __future__ import annotations

from collections import Counter


class Tally:
    def __init__(self) -> None:
        # (name, (label, value) pairs) -> count
        self.counts: Counter[tuple[str, tuple[tuple[str, str], ...]]] = Counter()
        self.gauges: dict[str, float] = {}

    def add(self, name: str, amount: float = 1, **labels: str) -> None:
        self.counts[(name, tuple(sorted(labels.items())))] += amount

    def set(self, name: str, value: float) -> None:
        self.gauges[name] = value

    def value(self, name: str, **labels: str) -> float:
        return self.counts[(name, tuple(sorted(labels.items())))]
