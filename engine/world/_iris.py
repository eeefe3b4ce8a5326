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
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

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
    _refuse(bad_iris(triples), path, data, code=_in_code)


def refuse_bad_jsonld_iris(data: str, path: Path) -> None:
    """The bad IRIs a JSON-LD document writes where rdflib takes an IRI (``@id``, ``@type``,
    ``@vocab``, ``@base``, a context's term, a value of a term typed ``@id``): rdflib's
    reader drops a node whose ``@id`` holds a space, or puts the document's own IRI in its
    place, so they are refused before it reads the file. Invalid JSON is left to it."""
    seen = _JsonIris()
    try:
        doc = json.loads(data, object_hook=seen.hook)
    except ValueError:
        return
    if seen.coerced:  # rare: a context types a term @id; its values are IRIs too
        seen.add(_values_of(doc, seen.coerced))
    _refuse({w: why for w in seen.found if (why := iri_fault(w)) is not None}, path, data)


_IRI_KEYS = ("@id", "@type", "@vocab", "@base")


class _JsonIris:
    """Collects, while ``json.loads`` builds each object (one pass, inner objects first), the
    strings in IRI positions, and the terms a context types ``@id`` or ``@vocab``."""

    def __init__(self) -> None:
        self.found: set[str] = set()
        self.coerced: set[str] = set()

    def hook(self, obj: dict[str, Any]) -> dict[str, Any]:
        for key in _IRI_KEYS:
            if key in obj:
                self.add(obj[key])
        ctx = obj.get("@context")
        for c in ctx if isinstance(ctx, list) else [ctx]:
            if isinstance(c, dict):
                self.add([v for v in c.values() if isinstance(v, str)])
                self.coerced |= {t for t, d in c.items()
                                 if isinstance(d, dict) and d.get("@type") in ("@id", "@vocab")}
        return obj

    def add(self, value: object) -> None:
        if isinstance(value, str):
            self.found.add(value)
        elif isinstance(value, list):
            self.found.update(v for v in value if isinstance(v, str))


def _values_of(doc: object, keys: set[str]) -> list[str]:
    """The strings ``doc`` gives any of ``keys``, at any depth."""
    out: list[str] = []
    stack = [doc]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) \
            if isinstance(node, list) else ()
        for key, value in items:
            if key in keys and isinstance(value, str):
                out.append(value)
            elif key in keys and isinstance(value, list):
                out += [v for v in value if isinstance(v, str)]
            if isinstance(value, dict | list):
                stack.append(value)
    return out


_LOCATE = 20
"""How many bad IRIs are looked for in the text to name the first (each is one scan)."""


def _refuse(bad: dict[str, str], path: Path, data: str,
            code: Callable[[str, int], bool] = lambda data, at: True) -> None:
    if not bad:
        return
    spots = sorted((_offset(iri, data, code), iri) for iri in sorted(bad)[:_LOCATE])
    offset, iri = spots[0]
    more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
    if offset == len(data):
        raise ParseError(bad[iri] + more, source=str(path))
    line, col = ParseError.locate(data, offset)
    raise ParseError(bad[iri] + more, source=str(path), line=line, col=col)


def _in_code(data: str, at: int) -> bool:
    """Whether offset ``at`` of Turtle or N-Triples text is outside a comment and a one-line
    string on its line (QA pass 8 F5: an IRI's text quoted in a comment was named instead)."""
    line = data[data.rfind("\n", 0, at) + 1:at]
    quote, iri, escaped = "", False, False
    for ch in line:
        if quote:
            escaped, quote = (not escaped and ch == "\\"), ("" if ch == quote and not escaped
                                                               else quote)
        elif iri:
            iri = ch != ">"
        elif ch in "\"'":
            quote = ch
        elif ch == "<":
            iri = True
        elif ch == "#":
            return False
    return not quote


def _offset(iri: str, data: str, code: Callable[[str, int], bool] = lambda data, at: True) -> int:
    """Where ``data`` first writes ``iri`` up to its first bad character (in ``<...>``, a
    prefix declaration, a JSON string; raw or as a ``\\u`` escape), at the ``<`` or ``"``
    that opens it; else ``len(data)``."""
    cut = next(i for i, c in enumerate(iri) if iri_fault(c) is not None)
    head, ch = iri[:cut], iri[cut]
    forms = (head + ch, f"{head}\\u{ord(ch):04X}", f"{head}\\u{ord(ch):04x}",
             f"{head}\\U{ord(ch):08X}", json.dumps(head + ch)[1:-1])
    at = min((at for form in forms if (at := _find(data, form, code)) >= 0), default=len(data))
    return at - 1 if 0 < at < len(data) and data[at - 1] in "<\"" else at  # at its < or "


def _find(data: str, form: str, code: Callable[[str, int], bool]) -> int:
    """The first offset of ``form`` in ``data`` where ``code`` holds (else the first, else -1)."""
    first = at = data.find(form)
    while at >= 0 and not code(data, at):
        at = data.find(form, at + 1)
    return at if at >= 0 else first


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
