"""Chat: customer conversations with consultation, conference and transfer; it closes once
every agent party has marked it done (CH2)."""

from core import hookimpl
from channels.chat.channel import ChatChannel


@hookimpl
def register_channels(options):
    return [ChatChannel()]
