"""Policy decisions in the provenance graph, and reading them back.

A decision is an ``ops:PolicyDecision`` (a ``prov:Activity``) that is also a
``sh:ValidationReport``: its ``sh:result`` nodes keep shape, focus node, path,
value, message and severity, so "why was this plan blocked" is one query. It
records what it was judged under (the shape set: hash and ``owl:versionInfo``)
and against (the commit), and the judged delta itself, so it can be replayed.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict
from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.util import from_n3

from engine.policy._lint import SH
from engine.policy._model import PolicyReport, PolicyResult
from engine.provenance import PolicyDecisionRecord, ProvenanceRecorder, Record, Violation
from engine.store import Commit, Delta, GraphStore, triples
from engine.terms import Node, Triple
from engine.vocab import OPS, PROV, RUN, GraphName

__all__ = ["RecordedDecision", "read_decisions", "record_decision", "report_to_delta"]

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


_VERDICT = {"blocked": "blocked", "needs-approval": "awaiting_approval", "allowed": "allowed"}


def record_decision(recorder: ProvenanceRecorder, report: PolicyReport, *,
                    plan: URIRef | None = None, delta: Delta | None = None,
                    commit: Commit | None = None) -> Record:
    """``report`` as a hash-chained ``ops:PolicyDecision`` record (commit ``.delta``).

    The record is the one the loop's gate writes (so ``audit blocked-plans`` lists it
    and ``audit verify`` checks it), plus, as ``#`` sub-nodes sealed into its hash,
    the shape set, the commit and the judged delta, so ``shapes diff`` can replay it.
    """
    now = report.judged_at or datetime.now(UTC)
    violations = tuple(Violation(
        shape=_shape_iri(r.shape) or URIRef(f"{RUN}shape/{i}"), severity=r.severity,
        focus=t if isinstance(t := _term(r.focus), URIRef) else None, message=r.message,
    ) for i, r in enumerate(report.results))
    rec = PolicyDecisionRecord(
        plan=plan, verdict=_VERDICT[report.verdict],
        started=now, ended=now, shape_set_version=report.shape_version.short,
        violations=violations)

    def attach(r: URIRef) -> list[Triple]:
        return sorted(_replayable(URIRef(f"{r}#"), r, report, delta, commit))

    return recorder.policy_decision(rec, attach)


def _shape_iri(shape: str) -> URIRef | None:
    return URIRef(shape[1:-1]) if shape.startswith("<") and " / " not in shape else None


def _replayable(base: URIRef, d: URIRef, report: PolicyReport, delta: Delta | None,
                commit: Commit | None) -> set[Triple]:
    """The parts of a decision a replay needs, as sub-nodes ``base...`` of ``d``."""
    v = report.shape_version
    s = URIRef(f"{base}shapes")
    out: set[Triple] = {(d, PROV.used, s), (s, RDF.type, PROV.Entity),
                        (s, OPS.fingerprint, Literal(v.hash)),
                        (s, OPS.version, Literal(v.version_info)),
                        (d, SH.conforms, Literal(report.conforms))}
    if commit is not None:
        c = URIRef(f"{base}commit")
        out |= {(d, PROV.used, c), (c, RDF.type, PROV.Entity),
                (c, OPS.fingerprint, Literal(commit.id)),
                (c, OPS.stepOrder, Literal(commit.seq, datatype=XSD.integer))}
    for i, r in enumerate(report.results):
        n = URIRef(f"{base}result-{i}")
        out |= {(n, SH.sourceConstraintComponent, _term(r.component.replace("sh:", str(SH), 1))),
                (n, RDFS.label, Literal(r.shape))}
        if r.path is not None:
            out.add((n, RDFS.comment, Literal(f"path {r.path}")))
        if r.value is not None:
            out.add((n, SH.value, _term(r.value)))
    if delta is not None:
        out |= _judged_delta(d, delta, base)
    return out


def _local(d: URIRef) -> str:
    return "decision/" + hashlib.sha256(str(d).encode()).hexdigest()[:16]


def _shape_set(d: URIRef, report: PolicyReport) -> set[Triple]:
    v = report.shape_version
    s = RUN[f"shapes/{v.hash}"]
    return {(d, PROV.used, s), (s, RDF.type, PROV.Entity), (s, OPS.fingerprint, Literal(v.hash)),
            (s, OPS.version, Literal(v.version_info))}


def _judged_delta(d: URIRef, delta: Delta, base: URIRef | None = None) -> set[Triple]:
    out: set[Triple] = set()
    for side, quads in (("adds", delta.adds), ("removes", delta.removes)):
        e = URIRef(f"{base}{side}") if base is not None else RUN[f"{_local(d)}/{side}"]
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
    """Every replayable policy decision in ``store``'s provenance graph, oldest first.

    Both layouts are read: chained records (:func:`record_decision`, parts under
    ``d#``) and the older unchained decisions (:func:`report_to_delta`).
    """
    prov = GraphName.PROVENANCE
    out = []
    for d, _, _ in triples(store, (None, RDF.type, OPS.PolicyDecision), graph=prov):
        if not isinstance(d, URIRef):
            continue
        used = [o for _, _, o in triples(store, (d, PROV.used, None), graph=prov)]
        for base in (f"{d}#", f"{RUN[_local(d)]}/"):
            if URIRef(f"{base}adds") in used:  # recorded with its delta, hence replayable
                out.append(_read_one(store, d, used, base))
                break
    return sorted(out, key=lambda r: (r.judged_at is None, r.judged_at, str(r.decision)))


def _read_one(store: GraphStore, d: URIRef, used: list[Node], base: str) -> RecordedDecision:
    def val(s: Node, p: URIRef) -> Node | None:
        return next((o for _, _, o in triples(store, (s, p, None), graph=GraphName.PROVENANCE)),
                    None)

    chained = base == f"{d}#"
    shapes = URIRef(f"{base}shapes") if chained else next(
        (u for u in used if str(u).startswith(str(RUN["shapes/"]))), None)
    commit_iri = URIRef(f"{base}commit") if chained else next(
        (u for u in used if str(u).startswith(str(RUN["commit/"]))), None)
    commit = commit_iri if commit_iri in used else None
    plan = next((u for u in used if isinstance(u, URIRef) and u not in (shapes, commit)
                 and not str(u).startswith(base)), None)
    assert plan is None or isinstance(plan, URIRef)
    seq = val(commit, OPS.stepOrder) if commit is not None else None
    when = val(d, PROV.startedAtTime)
    verdict = str(val(d, OPS.status) or "")
    return RecordedDecision(
        decision=d, verdict="needs-approval" if verdict == "awaiting_approval" else verdict,
        plan=plan, commit_seq=int(seq) if seq is not None else None,
        shape_hash=str(val(shapes, OPS.fingerprint) or "") if shapes is not None else "",
        version_info=str(val(shapes, OPS.version) or "") if shapes is not None else "",
        judged_at=when.toPython() if isinstance(when, Literal) else None,
        delta=_delta_of(val(URIRef(f"{base}adds"), PROV.value),
                        val(URIRef(f"{base}removes"), PROV.value)),
    )


def _delta_of(adds: Node | None, removes: Node | None) -> Delta:
    def parse(text: Node | None) -> list[Triple]:
        if text is None or not str(text).strip():
            return []
        return list(Graph().parse(data=str(text), format="nt"))  # type: ignore[arg-type]

    return Delta.of(adds=parse(adds), removes=parse(removes))
