"""Backline's channel-agnostic core: domain, services, store, events and the plugin host.

Nothing here imports GraphQL or names a channel; `schema` and `channels` import `core`.
"""

import pluggy

PROJECT_NAME = "backline"

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

__all__ = ["PROJECT_NAME", "hookimpl"]
