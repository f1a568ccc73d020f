"""Instant messages between agents (IM1–IM4); also a medium for consultations."""

from core import hookimpl
from channels.im.channel import InstantMessageChannel


@hookimpl
def register_channels(options):
    return [InstantMessageChannel()]
