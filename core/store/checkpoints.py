"""WAL checkpoints on a thread of their own, not in the commits of the event loop's thread.

By default SQLite checkpoints inside the commit that grows the write-ahead log past 1,000
pages: that commit copies the log into the database file and syncs it. Our statements run on
the event loop's thread, so every request in flight waited for it: a few milliseconds most
times, 200 ms when the disk was slow (the consult-then-transfer benchmark's tail). Write
connections therefore never checkpoint (`wal_autocheckpoint=0`), and this thread runs a
PASSIVE checkpoint every `interval` seconds on its own connection: it copies what no reader
still needs, waits for nobody, and sqlite3 releases the GIL while it works. Writers keep
appending meanwhile, and start the log again from its beginning once it has all been copied.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

log = logging.getLogger("backline.store")

CHECKPOINT_INTERVAL_SECONDS = 0.5


class WalCheckpointer:
    def __init__(self, path: str, interval: float = CHECKPOINT_INTERVAL_SECONDS) -> None:
        self.path = path
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="backline-wal-checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join(timeout=10)
        self._thread = None

    def checkpoint(self, connection: sqlite3.Connection) -> tuple[int, int, int]:
        """(busy, frames in the log, frames copied), as SQLite reports them."""
        return connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        try:
            connection.execute("PRAGMA busy_timeout=1000")
            while not self._stop.wait(self.interval):
                try:
                    self.checkpoint(connection)
                except sqlite3.Error as error:  # e.g. another process checkpoints: next time
                    log.debug("WAL checkpoint skipped: %s", error)
        finally:
            connection.close()
