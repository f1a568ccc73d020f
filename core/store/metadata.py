"""Every table, gathered for migrations and tests. A module that defines tables is listed
here once, so that alembic and the test schema see the same metadata."""

from __future__ import annotations

import importlib

from sqlmodel import SQLModel

TABLE_MODULES = (
    "core.store.history",
    "core.identity.models",
    "core.directory.models",
    "core.presence.models",
    "core.messages.models",
    "core.voicemail.models",
    "core.interactions.models",
    "core.supervision.models",
    "core.transcripts.models",
    "core.identity.guests",
    "core.timeouts.models",
    "channels.tables",  # the built-in channels' own tables
)


def metadata():
    for module in TABLE_MODULES:
        importlib.import_module(module)
    return SQLModel.metadata
