"""Lines of a stream in batches, as they arrive: what ``tier1 ingest --follow`` reads.

Reads the file descriptor itself (``select`` and ``os.read``), not a buffered file: a line
held in a reader's buffer would wait there, unseen by ``select``, until more input came.
"""

from __future__ import annotations

import os
import select
from collections.abc import Iterator

from engine.errors import ParseError

__all__ = ["line_batches"]

Numbered = list[tuple[int, str]]


def line_batches(fd: int, limit: int, linger: float, source: str = "<stdin>") -> Iterator[Numbered]:
    """The lines of ``fd``, numbered from 1, in batches: a batch ends once it holds ``limit``
    non-blank lines, when no new line came for ``linger`` seconds, or at the end of input.

    Raises:
        ParseError: a line that is not UTF-8, named ``source:line``.
    """
    batch: Numbered = []
    rest, n = b"", 0
    while True:
        ready, _, _ = select.select([fd], [], [], linger if batch else None)
        if not ready:
            yield batch
            batch = []
            continue
        data = os.read(fd, 1 << 16)
        *lines, rest = (rest + data).split(b"\n") if data else (rest, b"")
        for raw in lines:
            n += 1
            if raw.strip():
                batch.append((n, _text(raw, n, source)))
            if len(batch) >= limit:
                yield batch
                batch = []
        if not data:
            if batch:
                yield batch
            return


def _text(raw: bytes, n: int, source: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError(f"not UTF-8 ({exc.reason} at byte {exc.start}); give JSON lines in "
                         "UTF-8", source=source, line=n) from None
