"""The supervisor's mode, shared by the supervision API and the events that report it."""

from __future__ import annotations

import strawberry

from core.interactions.hearing import Mode

SupervisionMode = strawberry.enum(Mode, name="SupervisionMode", description=(
    "MONITOR: hears all, heard by nobody. COACH: hears all, heard by the agent only. "
    "BARGE: a full party, heard by all."))
