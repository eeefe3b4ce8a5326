"""One driver transaction fed from a single writer thread, so Python and the server overlap.

Every ``tx.run`` blocks the calling thread while the server works: a commit's
client time (building rows) and the server's time add up. A ``Pipeline`` runs
each statement of the transaction on one thread of its own, in the order they
were given (FIFO); a write is queued and not waited for, a read is queued and
its caller waits for its one collected column (which implies every earlier
statement finished). The caller builds the next batches meanwhile; the writer
spends its wait in the socket, with the GIL released.

Guarantees: exactly one thread touches the transaction while the pipeline is
open; the first exception raised by a statement stops every later one (they
are dropped, never sent to a failed transaction) and is raised again, the
same object, from the caller's next ``write``/``read``/``close``; leaving the
``with`` block always stops and joins the thread, whatever was raised (a
``KeyboardInterrupt`` included): statements not yet sent are dropped and the
one in flight is waited for, so the caller may then roll the transaction back.
The queue is bounded (``DEPTH`` statements), so a fast caller waits for the
server instead of holding every batch of a large commit twice.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import Any, Protocol

__all__ = [
    "BATCH", "DEPTH", "Batch", "Pending", "Pipeline", "Runner", "batched", "chunks", "column",
    "gather", "submit",
]

BATCH = 5000
"""Rows per statement."""
DEPTH = 32
"""Statements queued at most (each a batch of rows)."""


class Runner(Protocol):
    """What a pipeline needs of a driver transaction: ``run`` returning a result."""

    def run(self, query: str, parameters: dict[str, Any] | None = None) -> Any: ...


class Pending:
    """The answer to one queued read: its collected column, once the writer ran it."""

    __slots__ = ("_done", "_pipe", "_value")

    def __init__(self, pipe: Pipeline) -> None:
        self._pipe = pipe
        self._done = threading.Event()
        self._value: list[Any] = []

    def result(self) -> list[Any]:
        """Wait for the read; raises the pipeline's first error instead of a value."""
        self._done.wait()
        self._pipe.check()
        return self._value


_STOP = object()


class Pipeline:
    """Runs the statements of one transaction in order on a writer thread.

    ``threaded=False`` runs each statement at once on the calling thread (the
    same interface without a thread: for commits too small to overlap anything).
    """

    def __init__(self, tx: Runner, *, threaded: bool = True, depth: int = DEPTH) -> None:
        self._tx = tx
        self._error: BaseException | None = None
        self._stopping = False
        self._queue: queue.Queue[Any] = queue.Queue(depth)
        self._thread: threading.Thread | None = None
        if threaded:
            self._thread = threading.Thread(target=self._drain, name="tier1-neo4j-writer",
                                            daemon=True)
            self._thread.start()

    # -- the caller's side ------------------------------------------------------------
    def write(self, query: str, params: dict[str, Any]) -> None:
        """Queue a statement whose result is not needed (it is consumed)."""
        self.check()
        if self._thread is None:
            self._tx.run(query, params).consume()
        else:
            self._queue.put((query, params, None))

    def submit(self, query: str, params: dict[str, Any]) -> Pending:
        """Queue a read returning one row of one collected list; its answer comes later."""
        self.check()
        pending = Pending(self)
        if self._thread is None:
            pending._value = self._tx.run(query, params).single(strict=True)[0]
            pending._done.set()
        else:
            self._queue.put((query, params, pending))
        return pending

    def read(self, query: str, params: dict[str, Any]) -> list[Any]:
        """Queue a read and wait for it (and so for every statement before it)."""
        return self.submit(query, params).result()

    def check(self) -> None:
        """Raise the first error a statement raised, if any (the very same object)."""
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        """Wait for every queued statement; raise the first error if one failed."""
        self._join()
        self.check()

    def abort(self) -> None:
        """Drop the statements not yet sent, wait for the one in flight, stop the thread."""
        self._stopping = True
        self._join()

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None,
    ) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()

    def _join(self) -> None:
        thread = self._thread
        if thread is None or not thread.is_alive():
            return
        self._queue.put(_STOP)  # the writer keeps taking items even after an error
        thread.join()

    # -- the writer's side ------------------------------------------------------------
    def _drain(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            query, params, pending = item
            if self._error is None and not self._stopping:
                self._run(query, params, pending)
            elif pending is not None:
                pending._done.set()  # dropped: its reader gets the error (or is gone)

    def _run(self, query: str, params: dict[str, Any], pending: Pending | None) -> None:
        try:
            result = self._tx.run(query, params)
            if pending is None:
                result.consume()
            else:
                pending._value = result.single(strict=True)[0]
        except BaseException as exc:  # handed to the caller unchanged
            self._error = exc
        finally:
            if pending is not None:
                pending._done.set()


# -- statements over many rows, in batches --------------------------------------------
class Batch(list[Any]):
    """The rows of one batch: a list whose ``repr`` is its length. The driver formats
    every RUN message for its debug log before looking at the log level, and the rows
    are most of that message: as much CPU as packing them (1-2 s on a 1M-triple load)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{len(self)} rows>"


def chunks(items: Sequence[Any], size: int = BATCH) -> Iterator[Batch]:
    for i in range(0, len(items), size):
        yield Batch(items[i:i + size])


def submit(pipe: Pipeline, query: str, name: str, items: Sequence[Any], **params: Any) -> list[Pending]:
    """Queue ``query`` over ``items`` in batches; the answers come later (see ``gather``)."""
    return [pipe.submit(query, {name: chunk, **params}) for chunk in chunks(items)]


def gather(reads: list[Pending]) -> list[Any]:
    """The items of every read's one collected list, waiting for each."""
    out: list[Any] = []
    for read in reads:
        out.extend(read.result())
    return out


def column(pipe: Pipeline, query: str, name: str, items: Sequence[Any], **params: Any) -> list[Any]:
    """Run ``query`` over ``items`` in batches; the items of every batch's one collected list."""
    return gather(submit(pipe, query, name, items, **params))


def batched(pipe: Pipeline, query: str, name: str, items: Sequence[Any], **params: Any) -> None:
    """Queue ``query`` over ``items`` in batches; nothing waits for the server."""
    for chunk in chunks(items):
        pipe.write(query, {name: chunk, **params})
