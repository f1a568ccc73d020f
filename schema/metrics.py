"""GET /metrics: an instance's figures in Prometheus's text format (INS5), from the core's
plain counts (core.metrics) and the event bus, through prometheus-client's public collector
interface. One registry per app: a process that builds several (the tests) keeps them apart."""

from __future__ import annotations

from graphql import OperationDefinitionNode
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import Response

from core.runtime import Backline

COUNTERS = {
    "requests": ("backline_requests", "GraphQL operations by root field and transport", ("operation", "transport")),
    "request_errors": ("backline_request_errors", "Unexpected errors by root field", ("operation",)),
    "timeouts_fired": ("backline_timeouts_fired", "Time-outs fired by kind", ("kind",)),
}


class BacklineCollector:
    def __init__(self, backline: Backline) -> None:
        self.backline = backline

    def collect(self):
        tally, bus = self.backline.tally, self.backline.bus
        for name, (metric, help_text, labels) in COUNTERS.items():
            family = CounterMetricFamily(metric, help_text, labels=labels)
            for (counted, pairs), value in tally.counts.items():
                if counted == name:
                    given = dict(pairs)
                    family.add_metric([given.get(label, "") for label in labels], value)
            yield family
        yield CounterMetricFamily("backline_events_published", "Events published to this instance's subscribers",
                                  value=getattr(bus, "published", 0))
        yield CounterMetricFamily("backline_events_delivered", "Events handed to a subscription",
                                  value=getattr(bus, "delivered", 0))
        count = getattr(bus, "subscription_count", None)
        yield GaugeMetricFamily("backline_open_subscriptions", "Event streams open on this instance",
                                value=count() if count else 0)
        relay = self.backline.store.relay
        yield GaugeMetricFamily("backline_event_lag_seconds",
                                "Age of the last event read from another instance when it arrived",
                                value=relay.lag_seconds if relay is not None else 0.0)


def metrics_endpoint(backline: Backline):
    registry = CollectorRegistry()
    registry.register(BacklineCollector(backline))

    async def metrics(_: Request) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return metrics


def count_operation(context, document, operation_name: str | None) -> None:
    """One GraphQL operation, by the root fields it selects (`directory`, `acceptOffer` …)."""
    backline = getattr(context, "backline", None)
    if backline is None or document is None:
        return
    transport = "ws" if getattr(getattr(context, "request", None), "scope", {}).get("type") == "websocket" else "http"
    for definition in document.definitions:
        name = getattr(getattr(definition, "name", None), "value", None)
        if not isinstance(definition, OperationDefinitionNode) or (operation_name and name != operation_name):
            continue
        for selection in definition.selection_set.selections:
            field = getattr(getattr(selection, "name", None), "value", None)
            if field is not None:
                backline.tally.add("requests", operation=field, transport=transport)
        return
