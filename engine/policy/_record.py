"""Policy decisions in the provenance graph, and reading them back.

A decision is an ``ops:PolicyDecision`` (a ``prov:Activity``) that is also a
``sh:ValidationReport``: its ``sh:result`` nodes keep shape, focus node, path,
value, message and severity, so "why was this plan blocked" is one query. It
records what it was judged under (the shape set: hash and ``owl:versionInfo``)
and against (the commit), and the judged delta itself, so it can be replayed.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.util import from_n3

from engine.policy._lint import SH
from engine.policy._model import PolicyReport, PolicyResult
from engine.store import Commit, Delta, GraphStore, triples
from engine.terms import Node, Triple
from engine.vocab import OPS, PROV, RUN, GraphName

__all__ = ["RecordedDecision", "read_decisions", "report_to_delta"]

_SEV = {"Violation": SH.Violation, "Warning": SH.Warning, "Info": SH.Info}
_FROZEN = ConfigDict(frozen=True, arbitrary_types_allowed=True)


def report_to_delta(report: PolicyReport, decision: URIRef, *, plan: URIRef | None = None,
                    delta: Delta | None = None, commit: Commit | None = None) -> Delta:
    """The provenance-graph delta recording ``report`` as decision ``decision``."""
    d = decision
    out: set[Triple] = {
        (d, RDF.type, OPS.PolicyDecision), (d, RDF.type, PROV.Activity),
        (d, RDF.type, SH.ValidationReport), (d, SH.conforms, Literal(report.conforms)),
        (d, OPS.status, Literal(report.verdict)),
    }
    if report.judged_at is not None:
        out.add((d, PROV.startedAtTime, Literal(report.judged_at)))
    out |= _shape_set(d, report)
    if plan is not None:
        out |= {(d, PROV.used, plan), (plan, PROV.wasInvalidatedBy, d)} if report.blocking \
            else {(d, PROV.used, plan)}
    if commit is not None:
        c = RUN[f"commit/{commit.id}"]
        out |= {(d, PROV.used, c), (c, RDF.type, PROV.Entity), (c, OPS.fingerprint, Literal(commit.id)),
                (c, OPS.stepOrder, Literal(commit.seq, datatype=XSD.integer))}
    if delta is not None:
        out |= _judged_delta(d, delta)
    for i, r in enumerate(report.results):
        out |= _result(d, RUN[f"{_local(d)}/result/{i}"], r)
    return Delta.of(adds=out, graph=GraphName.PROVENANCE)


def _local(d: URIRef) -> str:
    return "decision/" + hashlib.sha256(str(d).encode()).hexdigest()[:16]


def _shape_set(d: URIRef, report: PolicyReport) -> set[Triple]:
    v = report.shape_version
    s = RUN[f"shapes/{v.hash}"]
    return {(d, PROV.used, s), (s, RDF.type, PROV.Entity), (s, OPS.fingerprint, Literal(v.hash)),
            (s, OPS.version, Literal(v.version_info))}


def _judged_delta(d: URIRef, delta: Delta) -> set[Triple]:
    out: set[Triple] = set()
    for side, quads in (("adds", delta.adds), ("removes", delta.removes)):
        e = RUN[f"{_local(d)}/{side}"]
        g = Graph()
        for s, p, o, _gr in quads:
            g.add((s, p, o))
        text = "".join(sorted(g.serialize(format="nt").splitlines(keepends=True)))
        out |= {(d, PROV.used, e), (e, RDF.type, PROV.Entity), (e, RDFS.label, Literal(side)),
                (e, PROV.value, Literal(text))}
    return out


def _result(d: URIRef, n: URIRef, r: PolicyResult) -> set[Triple]:
    out: set[Triple] = {
        (d, SH.result, n), (n, RDF.type, SH.ValidationResult),
        (n, SH.focusNode, _term(r.focus)), (n, SH.resultSeverity, _SEV[r.severity]),
        (n, SH.resultMessage, Literal(r.message)), (n, RDFS.label, Literal(r.shape)),
        (n, SH.sourceConstraintComponent, _term(r.component.replace("sh:", str(SH), 1))),
    }
    if r.shape.startswith("<") and " / " not in r.shape:
        out.add((n, SH.sourceShape, URIRef(r.shape[1:-1])))
    if r.path is not None:
        out.add((n, RDFS.comment, Literal(f"path {r.path}")))
    if r.value is not None:
        out.add((n, SH.value, _term(r.value)))
    return out


def _term(text: str) -> Node:
    if not text.startswith(("<", '"', "_:")):
        return URIRef(text)
    t = from_n3(text)
    assert isinstance(t, URIRef | BNode | Literal)
    return t


class RecordedDecision(BaseModel):
    """A past decision read back from the provenance graph."""

    model_config = _FROZEN

    decision: URIRef
    verdict: str
    plan: URIRef | None
    commit_seq: int | None
    shape_hash: str
    version_info: str
    judged_at: datetime | None
    delta: Delta


def read_decisions(store: GraphStore) -> list[RecordedDecision]:
    """Every policy decision recorded in ``store``'s provenance graph, oldest first."""
    prov = GraphName.PROVENANCE
    out = []
    for d, _, _ in triples(store, (None, RDF.type, OPS.PolicyDecision), graph=prov):
        if not isinstance(d, URIRef):
            continue
        used = [o for _, _, o in triples(store, (d, PROV.used, None), graph=prov)]
        if RUN[f"{_local(d)}/adds"] in used:  # recorded by report_to_delta, hence replayable
            out.append(_read_one(store, d, used))
    return sorted(out, key=lambda r: (r.judged_at is None, r.judged_at, str(r.decision)))


def _read_one(store: GraphStore, d: URIRef, used: list[Node]) -> RecordedDecision:
    def val(s: Node, p: URIRef) -> Node | None:
        return next((o for _, _, o in triples(store, (s, p, None), graph=GraphName.PROVENANCE)),
                    None)

    shapes = next((u for u in used if str(u).startswith(str(RUN["shapes/"]))), None)
    commit = next((u for u in used if str(u).startswith(str(RUN["commit/"]))), None)
    plan = next((u for u in used if isinstance(u, URIRef) and u not in (shapes, commit)
                 and not str(u).startswith(str(RUN[_local(d)]))), None)
    assert plan is None or isinstance(plan, URIRef)
    seq = val(commit, OPS.stepOrder) if commit is not None else None
    when = val(d, PROV.startedAtTime)
    return RecordedDecision(
        decision=d, verdict=str(val(d, OPS.status) or ""), plan=plan,
        commit_seq=int(seq) if seq is not None else None,
        shape_hash=str(val(shapes, OPS.fingerprint) or "") if shapes is not None else "",
        version_info=str(val(shapes, OPS.version) or "") if shapes is not None else "",
        judged_at=when.toPython() if isinstance(when, Literal) else None,
        delta=_delta_of(val(RUN[f"{_local(d)}/adds"], PROV.value),
                        val(RUN[f"{_local(d)}/removes"], PROV.value)),
    )


def _delta_of(adds: Node | None, removes: Node | None) -> Delta:
    def parse(text: Node | None) -> list[Triple]:
        if text is None or not str(text).strip():
            return []
        return list(Graph().parse(data=str(text), format="nt"))  # type: ignore[arg-type]

    return Delta.of(adds=parse(adds), removes=parse(removes))
