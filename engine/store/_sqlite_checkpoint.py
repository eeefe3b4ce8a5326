"""WAL checkpoints off the commit path, on a thread with its own connection.

In WAL mode a commit appends pages to ``world.db-wal``; a *checkpoint* copies them back
into ``world.db`` and fsyncs both files. SQLite's default runs it inside the commit that
pushes the WAL past 1000 pages, which made a 100k-triple commit into a 1M-triple store
spend ~0.5 s of its ~1.7 s in fsync. Here the committing connection only checkpoints as a
backstop (WAL past ``BACKSTOP_PAGES``); the usual checkpoint is a ``PASSIVE`` one run by
:class:`Checkpointer` on its own thread once about ``PAGES`` pages were committed. The
sqlite3 module releases the GIL while SQLite works, so the fsyncs overlap with whatever the
caller does next.

Nothing about atomicity changes: a checkpoint is SQLite's own crash-safe operation, and a
process killed before, during or after one leaves the file at its last completed commit.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import suppress
from pathlib import Path

__all__ = ["BACKGROUND", "BACKSTOP_PAGES", "PAGES", "Checkpointer"]

BACKGROUND = True
"""Checkpoint on a thread (``False``: SQLite's default, inside the commit; benchmarks compare)."""

PAGES = 1000
"""Checkpoint once about this many pages were committed (SQLite's own default threshold)."""

BACKSTOP_PAGES = 20_000
"""The committing connection still checkpoints if the WAL reaches this (about 80 MB)."""


class Checkpointer:
    """Runs ``PRAGMA wal_checkpoint(PASSIVE)`` on a daemon thread when asked; started lazily."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._debt = 0
        self._wake = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None

    def committed(self, rows: int) -> None:
        """Account for a commit that changed ``rows`` rows; wake the thread past ``PAGES``."""
        self._debt += 4 + rows // 8  # ~500 bytes a row over the table and its indexes
        if self._debt < PAGES:
            return
        self._debt = 0
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="tier1-wal-checkpoint", daemon=True)
            self._thread.start()
        self._wake.set()

    def close(self) -> None:
        """Wait for a running checkpoint, then stop the thread."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop = True
            self._wake.set()
            if thread is not threading.current_thread():  # a finalizer may run on the thread itself
                thread.join()

    def _run(self) -> None:
        # mode=rw: never create a file, should the store have been moved away meanwhile
        uri = f"{self._path.resolve().as_uri()}?mode=rw"
        try:
            db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=30.0)
        except sqlite3.Error:  # the backstop and close() still checkpoint
            return
        db.execute("PRAGMA synchronous=NORMAL")  # the same fsyncs as the committing connection's
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stop:
                    return
                with suppress(sqlite3.Error):  # the backstop and close() still checkpoint
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            db.close()
