"""Quiet logs for normal events: a client that drops its connection while the server writes
to it is not a fault. asyncio warns "socket.send() raised exception." once a transport whose
peer went away has been written to several times (a client aborting in the middle of a
snapshot); that is said at debug level here, and ERROR stays for faults."""

from __future__ import annotations

import logging

_LOST_PEER_WRITES = "socket.send() raised exception."


class LostPeerWrites(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "asyncio" and record.msg == _LOST_PEER_WRITES and record.levelno == logging.WARNING:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger("asyncio").isEnabledFor(logging.DEBUG)
        return True


def install() -> None:
    """Once per process (idempotent)."""
    asyncio_log = logging.getLogger("asyncio")
    if not any(isinstance(f, LostPeerWrites) for f in asyncio_log.filters):
        asyncio_log.addFilter(LostPeerWrites())
