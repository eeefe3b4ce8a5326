"""Lines of a stream in batches, as they arrive: what ``tier1 ingest --follow`` reads.

Reads the file descriptor itself (``select`` and ``os.read``), not a buffered file: a line
held in a reader's buffer would wait there, unseen by ``select``, until more input came.
"""

from __future__ import annotations

import os
import select
from collections.abc import Iterator

from engine.errors import ParseError

__all__ = ["decode_lines", "line_batches"]

Numbered = list[tuple[int, str]]


def line_batches(fd: int, limit: int, linger: float, source: str = "<stdin>", *,
                 max_bytes: int = 4 << 20) -> Iterator[Numbered]:
    """The lines of ``fd``, numbered from 1, in batches: a batch ends once it holds ``limit``
    non-blank lines, when no new line came for ``linger`` seconds, or at the end of input.

    Raises:
        ParseError: a line that is not UTF-8, or longer than ``max_bytes``, named
            ``source:line``.
    """
    batch: Numbered = []
    part: list[bytes] = []  # the line being read, in pieces (no copy per read)
    held, n = 0, 0
    while True:
        ready, _, _ = select.select([fd], [], [], linger if batch else None)
        if not ready:
            yield batch
            batch = []
            continue
        data = os.read(fd, 1 << 16)
        pieces = data.split(b"\n") if data else [b"", b""]
        for i, piece in enumerate(pieces):
            part.append(piece)
            held += len(piece)
            if held > max_bytes:
                raise ParseError(f"a line longer than {max_bytes:,} bytes: an event is one short "
                                 "JSON object", source=source, line=n + 1)
            if i == len(pieces) - 1:
                break  # no newline after it (yet)
            n += 1
            raw, part, held = b"".join(part), [], 0
            if raw.strip():
                batch.append((n, decode_lines(raw, source, first=n).removesuffix("\r")))
            if len(batch) >= limit:
                yield batch
                batch = []
        if not data:
            if batch:
                yield batch
            return


def decode_lines(data: bytes, source: str, first: int = 1) -> str:
    """``data`` (lines numbered from ``first``) as UTF-8 text, or a ParseError naming the
    line of the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = first + data.count(b"\n", 0, exc.start)
        raise ParseError(f"not UTF-8 ({exc.reason}); give JSON lines in UTF-8", source=source,
                         line=line) from None
