"""What inference gives out: proposals, results, deltas and derivations (frozen)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from engine.store import Commit
from engine.terms import Node, Triple

__all__ = [
    "Derivation", "InferOutcome", "InferenceDelta", "InferenceResult", "Proposal", "WhyNot",
]

_FROZEN = ConfigDict(frozen=True, arbitrary_types_allowed=True)


class Proposal(BaseModel):
    """An action a rule proposes for the planner; ``id`` is stable across runs."""

    model_config = _FROZEN
    id: str
    rule_id: str
    rule_version: str
    action: Node
    target: Node
    params: tuple[tuple[str, str], ...]
    salience: int
    premises: tuple[Triple, ...]
    bindings: tuple[tuple[str, Node], ...]


class InferenceResult(BaseModel):
    """The full materialization: inferred triples (never asserted ones) and the agenda."""

    model_config = _FROZEN
    inferred: frozenset[Triple]
    proposals: tuple[Proposal, ...]


class InferenceDelta(BaseModel):
    """What an incremental :meth:`Reasoner.update` changed."""

    model_config = _FROZEN
    added: frozenset[Triple]
    removed: frozenset[Triple]
    proposals_new: tuple[Proposal, ...]
    proposals_withdrawn: tuple[Proposal, ...]
    agenda_touched: bool = True  # False: no proposal was derived, dropped or re-derived, so
    # ``Reasoner.agenda()`` (a scan of every derived fact) returns what it did before

    @property
    def inferred(self) -> frozenset[Triple]:
        return self.added

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.proposals_new or self.proposals_withdrawn)


class Derivation(BaseModel):
    """Why a fact holds: asserted (with its commit), or a rule over premises, recursively.

    ``kind`` is ``asserted``, ``derived``, ``proposal``, ``absent`` (a ``not`` block that
    matched nothing), ``count`` or ``clock``.
    """

    model_config = _FROZEN
    kind: str
    fact: str
    rule_id: str | None = None
    rule_version: str | None = None
    rule_source: str | None = None
    bindings: tuple[tuple[str, str], ...] = ()
    premises: tuple[Derivation, ...] = ()
    commit: str | None = None

    def render(self, indent: int = 0) -> str:
        pad = "  " * indent
        if self.kind == "asserted":
            tail = f"   [asserted in commit {self.commit}]" if self.commit else "   [asserted]"
            return f"{pad}{self.fact}{tail}"
        if self.kind in ("absent", "count", "clock"):
            return f"{pad}{self.fact}   [{self.kind}]"
        head = f"{pad}{self.fact}   [rule {self.rule_id} v{self.rule_version}, {self.rule_source}]"
        return "\n".join([head, *(p.render(indent + 1) for p in self.premises)])


class WhyNot(BaseModel):
    """Where a rule stopped matching for the given bindings."""

    model_config = _FROZEN
    rule_id: str
    rule_version: str
    bindings: tuple[tuple[str, str], ...]
    matched: bool
    failed_line: int | None = None
    failed: str | None = None
    reason: str
    satisfied: tuple[str, ...] = ()
    source: str = ""
    tried: tuple[tuple[tuple[str, str], ...], ...] = ()
    """The first bindings (``?var`` = CURIE, of the failing statement's variables) that
    reached the failing statement, so the value that made it fail can be seen."""


class InferOutcome(BaseModel):
    """What :func:`infer_store` did (or would do, with ``dry_run``)."""

    model_config = _FROZEN
    commit: Commit | None
    dry_run: bool
    added: tuple[Triple, ...]
    removed: tuple[Triple, ...]
    inferred_total: int
    proposals: tuple[Proposal, ...]
    ruleset_version: str
    asserted_at: int | None


Derivation.model_rebuild()
