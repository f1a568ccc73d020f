"""Back-office work items as a Backline channel: transfer only, several at a time, closed
when every agent who holds one marks it done."""

from __future__ import annotations

from typing import Any, Mapping

from core import hookimpl
from core.channels import Capabilities, Channel, ClosePolicy, Operation
from core.errors import ConfigurationError


class WorkItemChannel(Channel):
    name = "workitem"
    display_name = "Work item"
    capabilities = Capabilities(
        operations=frozenset({Operation.TRANSFER}),
        capacity=2,
        close_policy=ClosePolicy.WHEN_ALL_AGENTS_DONE,
    )
    option_names = Channel.option_names | {"default_due_hours"}

    def configure(self, options: Mapping[str, Any]) -> None:
        super().configure(options)
        due = options.get("default_due_hours", 24)
        if not isinstance(due, int) or due < 1:
            raise ConfigurationError("Channel 'workitem': default_due_hours must be a whole number ≥ 1")
        self.default_due_hours = due


@hookimpl
def register_channels(options):
    return [WorkItemChannel()]
