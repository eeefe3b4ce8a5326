"""Policy impact analysis: which past decisions would go differently under new shapes.

Each decision recorded in the provenance graph carries the delta it judged,
the commit it was judged against and the time it was judged at, so it can be
replayed exactly under any shape set.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from rdflib import RDF, URIRef

from engine.policy._gate import PolicyGate
from engine.policy._model import PolicyReport, ShapeVersion
from engine.policy._record import RecordedDecision, read_decisions
from engine.policy._shapes import ShapeSet
from engine.store import GraphStore, triples
from engine.vocab import OPS, GraphName

__all__ = ["ImpactReport", "ImpactRow", "impact_on_history"]

_FROZEN = ConfigDict(frozen=True, arbitrary_types_allowed=True)


class ImpactRow(BaseModel):
    """One past decision replayed under the old and the new shape set."""

    model_config = _FROZEN

    decision: URIRef
    plan: URIRef | None
    commit_seq: int | None
    recorded: str
    old: str
    new: str
    old_shapes: tuple[str, ...]
    new_shapes: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return self.old != self.new or self.old_shapes != self.new_shapes


class ImpactReport(BaseModel):
    model_config = _FROZEN

    old_version: ShapeVersion
    new_version: ShapeVersion
    replayed: int
    changed: tuple[ImpactRow, ...]
    skipped: int = 0
    """Decisions recorded without the delta they judged (the closed loop's, and a whole-world
    ``validate --record``): not replayable."""


def impact_on_history(store: GraphStore, old: ShapeSet, new: ShapeSet) -> ImpactReport:
    """Replay every recorded decision under ``old`` and ``new``; keep those that differ."""
    gates = (PolicyGate(old), PolicyGate(new))
    rows = [_replay(store, rec, *gates) for rec in read_decisions(store)]
    total = sum(1 for _ in triples(store, (None, RDF.type, OPS.PolicyDecision),
                                   graph=GraphName.PROVENANCE))
    return ImpactReport(old_version=old.version, new_version=new.version, replayed=len(rows),
                        changed=tuple(r for r in rows if r.changed), skipped=total - len(rows))


def _replay(store: GraphStore, rec: RecordedDecision, old: PolicyGate, new: PolicyGate
            ) -> ImpactRow:
    a, b = (_judge(g, store, rec) for g in (old, new))
    return ImpactRow(
        decision=rec.decision, plan=rec.plan, commit_seq=rec.commit_seq, recorded=rec.verdict,
        old=a.verdict, new=b.verdict, old_shapes=_failing(a), new_shapes=_failing(b),
    )


def _judge(gate: PolicyGate, store: GraphStore, rec: RecordedDecision) -> PolicyReport:
    if rec.delta.empty and rec.plan is None:
        return gate.validate(store, at=rec.commit_seq)
    return gate.what_if(store, rec.delta, at=rec.commit_seq, now=rec.judged_at)


def _failing(report: PolicyReport) -> tuple[str, ...]:
    return tuple(sorted({f"{r.severity} {r.shape}" for r in report.results
                         if r.severity != "Info"}))
