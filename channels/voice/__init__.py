"""Voice: calls with hold, consultation, conference, transfer, voicemail and DTMF."""

from core import hookimpl
from channels.voice.channel import VoiceChannel


@hookimpl
def register_channels(options):
    return [VoiceChannel()]
