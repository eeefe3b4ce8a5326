"""IRIs no RDF file can hold (a space, ``<``, a control...): refused on the way in, named on
the way out.

rdflib's parsers keep many of them (Turtle's ``<a b>`` or ``<a\\u0020b>``, a C1 control in
N-Triples) or, in JSON-LD, quietly drop or rewrite the node that holds one; its writers then
fail with a traceback (Turtle, TriG) or write a file no reader takes back (N-Triples,
N-Quads, JSON-LD). The test is :func:`engine.terms.iri_fault`, the one every way in uses;
each distinct IRI is tested once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from rdflib import Literal, URIRef

from engine.errors import ParseError, StoreError
from engine.terms import Quad, curie, iri_fault
from engine.world._ntriples import quiet_term_log

__all__ = ["bad_iris", "exportable", "refuse_bad_iris", "refuse_bad_jsonld_iris"]


def bad_iris(triples: Iterable[tuple[object, object, object]]) -> dict[str, str]:
    """Each IRI of ``triples`` (datatypes too) that :func:`iri_fault` refuses, with why."""
    terms = {t for triple in triples for t in triple}
    iris = {str(t) for t in terms if isinstance(t, URIRef)}
    iris |= {str(t.datatype) for t in terms if isinstance(t, Literal) and t.datatype is not None}
    faults = {iri: iri_fault(iri) for iri in iris}
    return {iri: why for iri, why in faults.items() if why is not None}


def refuse_bad_iris(triples: Iterable[tuple[object, object, object]], path: Path, data: str) -> None:
    """A :class:`ParseError` for the first bad IRI in ``data`` (the text of ``path``) among
    ``triples``, at its ``file:line:col`` when it is written there as parsed."""
    _refuse(bad_iris(triples), path, data)


def refuse_bad_jsonld_iris(data: str, path: Path) -> None:
    """The bad IRIs a JSON-LD document writes where rdflib takes an IRI (``@id``, ``@type``,
    ``@vocab``, ``@base``, a context's term, a value of a term typed ``@id``): rdflib's
    reader drops a node whose ``@id`` holds a space, or puts the document's own IRI in its
    place, so they are refused before it reads the file. Invalid JSON is left to it."""
    try:
        doc = json.loads(data)
    except ValueError:
        return
    written = set(_jsonld_iris(doc, _id_terms(doc)))
    _refuse({w: why for w in written if (why := iri_fault(w)) is not None}, path, data)


_LOCATE = 20
"""How many bad IRIs are looked for in the text to name the first (each is one scan)."""


def _refuse(bad: dict[str, str], path: Path, data: str) -> None:
    if not bad:
        return
    spots = sorted((_offset(iri, data), iri) for iri in sorted(bad)[:_LOCATE])
    offset, iri = spots[0]
    more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
    if offset == len(data):
        raise ParseError(bad[iri] + more, source=str(path))
    line_start = data.rfind("\n", 0, offset) + 1
    raise ParseError(bad[iri] + more, source=str(path), line=data.count("\n", 0, line_start) + 1,
                     col=offset - line_start + 1)


def _offset(iri: str, data: str) -> int:
    """Where ``data`` first writes ``iri`` up to its first bad character (in ``<...>``, a
    prefix declaration, a JSON string; raw or as a ``\\u`` escape), at the ``<`` or ``"``
    that opens it; else ``len(data)``."""
    cut = next(i for i, c in enumerate(iri) if iri_fault(c) is not None)
    head, ch = iri[:cut], iri[cut]
    forms = (head + ch, f"{head}\\u{ord(ch):04X}", f"{head}\\u{ord(ch):04x}",
             f"{head}\\U{ord(ch):08X}", json.dumps(head + ch)[1:-1])
    at = min((at for form in forms if (at := data.find(form)) >= 0), default=len(data))
    return at - 1 if 0 < at < len(data) and data[at - 1] in "<\"" else at  # at its < or "


_IRI_KEYS = ("@id", "@type", "@vocab", "@base")


def _id_terms(doc: object) -> set[str]:
    """The terms any context of ``doc`` types ``@id`` or ``@vocab`` (their values are IRIs)."""
    out: set[str] = set()
    for ctx in _contexts(doc):
        out |= {term for term, d in ctx.items()
                if isinstance(d, dict) and d.get("@type") in ("@id", "@vocab")}
    return out


def _contexts(doc: object) -> Iterator[dict[str, object]]:
    if isinstance(doc, list):
        for item in doc:
            yield from _contexts(item)
    elif isinstance(doc, dict):
        for key, value in doc.items():
            if key == "@context":
                yield from (c for c in (value if isinstance(value, list) else [value])
                            if isinstance(c, dict))
            else:
                yield from _contexts(value)


def _jsonld_iris(doc: object, id_terms: set[str], in_context: bool = False) -> Iterator[str]:
    """The strings ``doc`` writes in IRI positions."""
    if isinstance(doc, list):
        for item in doc:
            yield from _jsonld_iris(item, id_terms, in_context)
        return
    if not isinstance(doc, dict):
        return
    for key, value in doc.items():
        if key in _IRI_KEYS or key in id_terms or (in_context and isinstance(value, str)):
            yield from _strings(value)
        if isinstance(value, dict | list):
            yield from _jsonld_iris(value, id_terms, in_context or key == "@context")


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        yield from (v for v in value if isinstance(v, str))


def exportable(quads: Iterable[Quad]) -> Iterator[Quad]:
    """``quads``, or a :class:`StoreError` at the first that holds an IRI no file can hold
    (one an older tier1 wrote), naming it, its triple and graph, and what to do."""
    seen: set[str] = set()
    with quiet_term_log():  # reading such an IRI, rdflib logs that it looks odd
        for q in quads:
            for term in q[:3]:
                iri = term.datatype if isinstance(term, Literal) else term
                if isinstance(iri, URIRef) and iri not in seen:
                    why = iri_fault(iri)
                    if why is not None:
                        raise _unexportable(q, why)
                    seen.add(iri)
            yield q


def _unexportable(q: Quad, why: str) -> StoreError:
    s, p, o, g = q
    triple = "".join(c if c.isprintable() else repr(c)[1:-1] for c in
                     f"{curie(s)} {curie(p)} {curie(o)}")  # U+2028 would break the line
    return StoreError(
        f"cannot export: {why}. The store holds it in {triple} "
        f"({g.value} graph), written by an older tier1 or another tool, and no RDF file can "
        "hold it: remove that triple (no tier1 command retracts one: commit an "
        "engine.store.Delta that removes it) and add it back with the IRI percent-encoded, "
        "then export again")
