"""The hash chain over provenance records: sealing, reading back, verifying.

A record is an activity IRI ``R`` plus its sub-nodes ``R#...``. Its hash is the
SHA-256 of its canonical triples (every triple of ``R`` and of the ``R#``
nodes it links to, except ``R ops:recordHash``); those triples include its
sequence number and the previous record's hash, so changing or deleting any
record breaks the chain from there on. ``run:prov/head`` points at the last
record (its sequence number), so deleting the newest records is caught too.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal

from rdflib import RDF, XSD, BNode, Literal, URIRef

from engine.provenance._model import ChainProblem, ChainReport
from engine.store import Delta, GraphStore, triples
from engine.terms import Node, Quad, Triple
from engine.vocab import OPS, PROV, RUN, GraphName

__all__ = [
    "HEAD",
    "claims",
    "read_head",
    "record_hash",
    "record_iri",
    "record_triples",
    "time_literal",
    "verify_chain",
]

HEAD = RUN["prov/head"]
"""The chain head pointer: ``ops:recordSeq`` of the newest record."""

_PROV = GraphName.PROVENANCE
# Written with every record but outside its hash: the agents and plans it names get a
# PROV type so PROV tools see them. They say nothing an audit reads on its own.
_TYPED_OUTSIDE = frozenset({PROV.SoftwareAgent, PROV.Plan, PROV.Person})
_NUMERIC = (XSD.integer, XSD.int, XSD.long, XSD.decimal, XSD.double, XSD.float)


def record_iri(seq: int) -> URIRef:
    """The IRI of record number ``seq`` (also its activity IRI)."""
    return RUN[f"prov/{seq:08d}"]


def claims(delta: Delta) -> frozenset[Quad]:
    """The record numbers a commit of ``delta`` claims: each new record's ``ops:recordSeq``
    triple. Committed with ``CommitMeta(expect_absent=claims(delta))``, a record whose number
    another writer took meanwhile is a conflict instead of a second record merged into the
    first (which broke the chain when two tier1 commands recorded at once)."""
    return frozenset(q for q in delta.adds
                     if q[1] == OPS.recordSeq and q[3] is _PROV and q[0] != HEAD)


def time_literal(when: datetime) -> Literal:
    """An ``xsd:dateTime`` in UTC with a ``Z``, the one form records use."""
    text = when.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return Literal(text, datatype=XSD.dateTime)


def _canon(node: Node) -> str:
    """A backend-independent text form: equal values hash equal even if a store
    rewrites the lexical form (``Z`` vs ``+00:00``, ``"5"`` vs ``5``)."""
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, BNode):
        return "_:b"
    if node.language:
        return f"{json.dumps(str(node))}@{node.language.lower()}"
    dt = node.datatype
    if dt == XSD.dateTime:
        value = node.toPython()
        if isinstance(value, datetime):
            v = value if value.tzinfo else value.replace(tzinfo=UTC)
            return f"{json.dumps(v.astimezone(UTC).isoformat())}^^dateTime"
    if dt in _NUMERIC:
        return f"{Decimal(str(node)).normalize()}^^number"
    if dt == XSD.boolean:
        return str(bool(node.toPython())).lower()
    if dt is None or dt == XSD.string:
        return json.dumps(str(node))
    return f"{json.dumps(str(node))}^^<{dt}>"


def record_hash(content: Iterable[Triple]) -> str:
    """SHA-256 (hex) of the canonical, sorted triples of a record."""
    lines = sorted(f"{_canon(s)} {_canon(p)} {_canon(o)}" for s, p, o in content)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def record_triples(store: GraphStore, iri: URIRef) -> list[Triple]:
    """Every stored triple of record ``iri``: its own and those of its ``iri#`` sub-nodes."""
    return _collect(lambda s: triples(store, (s, None, None), graph=_PROV), iri)


def _collect(lookup: Callable[[URIRef], Iterable[Triple]], iri: URIRef) -> list[Triple]:
    prefix = f"{iri}#"
    out: list[Triple] = []
    todo, seen = [iri], {iri}
    while todo:
        for t in lookup(todo.pop()):
            out.append(t)
            o = t[2]
            if isinstance(o, URIRef) and str(o).startswith(prefix) and o not in seen:
                seen.add(o)
                todo.append(o)
    return out


def read_head(store: GraphStore) -> tuple[int, str]:
    """The chain head: (sequence number, hash) of the newest record; (0, "") for none.

    The pointer holds only the sequence number (the largest one wins, so records
    committed slightly out of order still leave the right head); the hash is
    read from that record.
    """
    seqs = [int(o) for _, _, o in triples(store, (HEAD, OPS.recordSeq, None), graph=_PROV)]
    if not seqs:
        return 0, ""
    seq = max(seqs)
    h = next((o for _, _, o in triples(store, (record_iri(seq), OPS.recordHash, None),
                                        graph=_PROV)), None)
    return seq, str(h or "")


def _snapshot(store: GraphStore, at: int | None) -> dict[Node, list[Triple]]:
    """The whole provenance graph in one read, by subject (one query on any backend)."""
    by_subject: dict[Node, list[Triple]] = defaultdict(list)
    for s, p, o, _ in store.quads(graphs=(_PROV,), at=at):
        by_subject[s].append((s, p, o))
    return by_subject


def _stored_records(snap: dict[Node, list[Triple]]) -> dict[int, list[URIRef]]:
    found: dict[int, list[URIRef]] = {}
    for s, ts in snap.items():
        if s == HEAD or not isinstance(s, URIRef):
            continue
        for _, p, o in ts:
            if p == OPS.recordSeq:
                found.setdefault(int(o), []).append(s)
    return found


def _inspect(snap: dict[Node, list[Triple]], iri: URIRef) -> tuple[str, str, str | None]:
    """(hash of the stored triples, the hash the record carries, the hash it links to)."""
    content = _collect(lambda s: snap.get(s, ()), iri)
    stored = next((str(o) for s, p, o in content if s == iri and p == OPS.recordHash), "")
    body = [t for t in content if not (t[0] == iri and t[1] == OPS.recordHash)]
    linked = next((str(o) for s, p, o in body if s == iri and p == OPS.previousHash), None)
    return record_hash(body), stored, linked


def verify_chain(store: GraphStore, *, at: int | None = None) -> ChainReport:
    """Recompute every record's hash and link; name each modified or deleted record.

    Args:
        store: the store whose PROVENANCE graph holds the chain.
        at: check the chain as it was at this commit (default: now).
    """
    snap = _snapshot(store, at)
    found = _stored_records(snap)
    seqs = [int(o) for _, p, o in snap.get(HEAD, ()) if p == OPS.recordSeq]
    head_seq = max(seqs, default=0)
    head_hash = next((str(o) for _, p, o in snap.get(record_iri(head_seq), ())
                      if p == OPS.recordHash), "")
    last = max([head_seq, *found], default=0)
    problems: list[ChainProblem] = []
    prev: str | None = ""  # hash of the previous record; None when it is missing or bad
    for seq in range(1, last + 1):
        prev = _check_link(snap, seq, found.get(seq, []), prev, problems)
    problems += _unchained(snap, [iri for iris in found.values() for iri in iris])
    if last and head_seq < last:
        problems.append(ChainProblem(seq=last, record=HEAD, kind="head", detail=(
            f"the head pointer says record {head_seq}, but the chain goes on to record {last}: "
            "the pointer was edited, or a record was committed without it")))
    return ChainReport(
        records=sum(len(v) for v in found.values()), head_seq=head_seq, head_hash=head_hash,
        problems=tuple(problems),
    )


def _check_link(
    snap: dict[Node, list[Triple]], seq: int, iris: list[URIRef], prev: str | None,
    problems: list[ChainProblem],
) -> str | None:
    """Check record ``seq`` against the previous hash; return its hash (``None`` if bad)."""
    if not iris:
        problems.append(ChainProblem(seq=seq, record=record_iri(seq), kind="deleted", detail=(
            f"record {seq} ({record_iri(seq)}) is missing: it was deleted")))
        return None
    if len(iris) > 1:
        problems.append(ChainProblem(seq=seq, record=iris[0], kind="duplicate", detail=(
            f"{len(iris)} records claim sequence number {seq}: two writers raced")))
    iri = iris[0]
    actual, stored, linked = _inspect(snap, iri)
    if actual != stored or iri != record_iri(seq):
        problems.append(ChainProblem(seq=seq, record=iri, kind="modified", detail=(
            f"record {seq} was modified: its triples hash to {actual[:12]}, "
            f"it carries {stored[:12] or 'no hash'}")))
        return None
    if prev is not None and linked != prev:
        if seq == 1:
            detail = f"record 1 was rewritten: it links to {str(linked)[:12]}, the first links to nothing"
            problems.append(ChainProblem(seq=1, record=iri, kind="modified", detail=detail))
            return actual
        problems.append(ChainProblem(seq=seq - 1, record=record_iri(seq - 1), kind="modified",
                                     detail=(
            f"record {seq - 1} was modified and its hash rewritten: record {seq} still "
            f"links to {str(linked)[:12]}, record {seq - 1} now hashes to {prev[:12]}")))
    return actual


def _unchained(snap: dict[Node, list[Triple]], records: list[URIRef]) -> list[ChainProblem]:
    """Provenance triples no record's hash covers: loaded or written beside the chain.

    Covered are each record's triples (its own and its ``#`` sub-nodes', hash
    included), the head pointer, and the PROV types a record gives the agents and
    plans it names. Anything else could be read by an audit yet never be checked.
    """
    covered: set[Triple] = set()
    for iri in records:
        covered.update(_collect(lambda s: snap.get(s, ()), iri))
    out: list[ChainProblem] = []
    for s, ts in snap.items():
        if s == HEAD:
            ts = [t for t in ts if t[1] != OPS.recordSeq]
        stray = [t for t in ts if t not in covered
                 and not (t[1] == RDF.type and t[2] in _TYPED_OUTSIDE)]
        if stray:
            preds = sorted({str(t[1]) for t in stray})
            out.append(ChainProblem(seq=0, record=s if isinstance(s, URIRef) else URIRef(
                f"_:{s}"), kind="unchained", detail=(
                f"{len(stray)} triple(s) about {s} are in no chained record "
                f"(e.g. {preds[0]}): they were added outside tier1's recorder "
                "(e.g. `tier1 load --graph provenance`) and audits would read them unchecked")))
    return out
