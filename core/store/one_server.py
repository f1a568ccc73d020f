"""On SQLite, one `backline serve` per database file.

Live events cross between instances through PostgreSQL's LISTEN / NOTIFY (core.store.relay);
an SQLite file has no such channel, so a second server on the same file would share the
store but not one event: its subscribers would silently miss what the first one changed.
Rather than that, the second one refuses to start and says why. The claim is an exclusive
lock on a file beside the database, held while the process lives (the operating system lets
go of it when the process ends, `kill -9` included). Commands that write without serving
(`migrate`, `demo load`, `simulate`) take no claim.
"""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

from core.errors import ConfigurationError


def claim(database_url: str) -> IO | None:
    """Holds the SQLite file for this server process (None for other stores); keep the
    returned file open for as long as the server runs."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    lock_path = Path(url.database).with_name(Path(url.database).name + ".serve-lock")
    handle = open(lock_path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise ConfigurationError(
            f"Another `backline serve` already serves {url.database}. One SQLite file has one "
            "server: several instances share one PostgreSQL database "
            "(BACKLINE_DATABASE_URL=postgresql+asyncpg://…), where every event reaches every instance."
        ) from None
    return handle
