"""Email: inbound messages that can only be transferred (TRF6, CNF2)."""

from core import hookimpl
from channels.email.channel import EmailChannel


@hookimpl
def register_channels(options):
    return [EmailChannel()]
