"""Tables that channel plugins shipped with Backline keep (gathered by core.store.metadata
for migrations, without the core naming any channel)."""

import channels.voice.sip.credentials  # noqa: F401 - softphone credentials (VOX1)
