"""Values that cross the store boundary: deltas, commits, diffs and commit refs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from engine.errors import ConfigError
from engine.terms import Node, Pattern, Quad, Triple
from engine.vocab import GraphName

__all__ = [
    "Commit",
    "CommitMeta",
    "CommitRef",
    "Delta",
    "Diff",
    "Node",
    "Pattern",
    "Quad",
    "Triple",
]

_FROZEN = ConfigDict(frozen=True, arbitrary_types_allowed=True)


class Delta(BaseModel):
    """Triples to add and remove, each tagged with its graph, applied as one commit.

    A triple in both ``adds`` and ``removes`` is a contradiction and is refused.
    Build large deltas with :meth:`of` (no per-triple validation).
    """

    model_config = _FROZEN

    adds: frozenset[Quad] = frozenset()
    removes: frozenset[Quad] = frozenset()

    @classmethod
    def of(
        cls,
        adds: Iterable[Triple] = (),
        removes: Iterable[Triple] = (),
        graph: GraphName = GraphName.ASSERTED,
    ) -> Delta:
        """Build a delta for one graph from plain triples, without re-validating terms."""
        a = frozenset((s, p, o, graph) for s, p, o in adds)
        r = frozenset((s, p, o, graph) for s, p, o in removes)
        if a & r:
            s, p, o, _ = next(iter(a & r))
            raise ConfigError(
                f"the delta both adds and removes ({s.n3()} {p.n3()} {o.n3()}); "
                "drop it from one side"
            )
        return cls.model_construct(adds=a, removes=r)

    def __or__(self, other: Delta) -> Delta:
        return Delta.model_construct(
            adds=(self.adds - other.removes) | other.adds,
            removes=(self.removes - other.adds) | other.removes,
        )

    def __len__(self) -> int:
        return len(self.adds) + len(self.removes)

    @property
    def empty(self) -> bool:
        return not self.adds and not self.removes

    def graphs(self) -> set[GraphName]:
        return {q[3] for q in self.adds} | {q[3] for q in self.removes}


class CommitMeta(BaseModel):
    """Who is committing and why. ``timestamp`` defaults to now (UTC)."""

    model_config = _FROZEN

    author: str
    message: str
    timestamp: datetime | None = None
    expect_absent: frozenset[Quad] = frozenset()
    """A compare-and-set guard: the commit happens only if none of these quads is live when
    it is applied (checked inside its transaction), else :class:`ConflictError` and nothing
    is written. The provenance chain uses it to claim its next record number."""

    @field_validator("author")
    @classmethod
    def _author_not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("author must not be blank; pass --author NAME or set USER")
        return v


class Commit(BaseModel):
    """One entry of the world's log. ``seq`` counts from 1; ``id`` is a stable hex digest."""

    model_config = _FROZEN

    id: str
    seq: int
    timestamp: datetime
    author: str
    message: str
    parent: str | None
    added: int
    removed: int

    @property
    def short(self) -> str:
        return self.id[:10]


class Diff(BaseModel):
    """What changed between two commits: quads present at ``to`` and not at ``frm``, and back."""

    model_config = _FROZEN

    frm: int
    to: int
    added: tuple[Quad, ...]
    removed: tuple[Quad, ...]


_HEAD = re.compile(r"^HEAD(?:~(\d+))?$", re.IGNORECASE)
_HEX = re.compile(r"^[0-9a-f]{4,64}$")


class CommitRef(BaseModel):
    """A way to name a commit, parsed from what a user types.

    Accepted forms: ``HEAD``, ``HEAD~N``, a sequence number (``12``), an id or
    a prefix of at least 4 hex digits, or an ISO-8601 time (the last commit at
    or before it).
    """

    model_config = _FROZEN

    seq: int | None = None
    back: int | None = None
    id_prefix: str | None = None
    time: datetime | None = None

    @classmethod
    def parse(cls, text: str) -> CommitRef:
        t = text.strip()
        if m := _HEAD.match(t):
            return cls(back=int(m.group(1) or 0))
        if t.isdigit():
            return cls(seq=int(t))
        if _HEX.match(t.lower()):
            return cls(id_prefix=t.lower())
        try:
            when = datetime.fromisoformat(t.replace("Z", "+00:00"))
        except ValueError:
            raise ConfigError(
                f"cannot read {text!r} as a commit: use HEAD, HEAD~N, a sequence number, "
                "a commit id (4+ hex digits) or an ISO time like 2026-11-28T09:00:00Z"
            ) from None
        return cls(time=when if when.tzinfo else when.replace(tzinfo=UTC))

    def __str__(self) -> str:
        parts: list[Any] = [self.seq, self.back, self.id_prefix, self.time]
        return next(str(p) for p in parts if p is not None)
