"""Plain-text rendering shared by commands: tables and one-line commits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engine.store import Commit

__all__ = ["commit_line", "table"]


def commit_line(c: Commit) -> str:
    when = c.timestamp.strftime("%Y-%m-%d %H:%M:%S")
    return f"#{c.seq:<4} {c.short}  {when}  {c.author:<12} +{c.added} -{c.removed}  {c.message}"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], max_width: int = 60) -> str:
    """A left-aligned text table; cells longer than ``max_width`` are cut with '…'."""
    cells = [[_cut(str(v), max_width) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(v)) for w, v in zip(widths, row, strict=False)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False))
    rule = "  ".join("-" * w for w in widths)
    body = ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=False)) for row in cells]
    return "\n".join(x.rstrip() for x in [line, rule, *body])


def _cut(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
