"""Compact, lossless text keys for RDF terms, and CURIE display.

Stores keep a term as one string: ``U<iri>``, ``B<bnode id>``, or
``L<datatype>\\x00<lang>\\x00<lexical form>``. The key round-trips exactly
(lexical form, language tag, datatype, plain vs ``xsd:string``) and decodes
without a parser, which keeps bulk loads and reads cheap.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import quote

from rdflib import BNode, Literal, URIRef

from engine.vocab import PREFIXES, GraphName

__all__ = [
    "Node", "Pattern", "Quad", "Triple", "curie", "decode", "encode", "expand", "expand_valid",
    "iri_fault", "shorten", "sorted_quads",
]

Node = URIRef | BNode | Literal
Triple = tuple[Node, Node, Node]
Quad = tuple[Node, Node, Node, GraphName]
Pattern = tuple[Node | None, Node | None, Node | None]

_SEP = "\x00"


def encode(node: Node) -> str:
    """The storage key of ``node``."""
    # f-strings, not "U" + node: URIRef.__radd__ would build (and validate) a new URIRef
    if type(node) is URIRef or isinstance(node, URIRef):
        return f"U{node}"
    if isinstance(node, Literal):
        dt = node.datatype or ""
        lang = node.language or ""
        return f"L{dt}{_SEP}{lang}{_SEP}{node}"
    if isinstance(node, BNode):
        return f"B{node}"
    raise TypeError(f"not an RDF term: {node!r}")


def sorted_quads(quads: Iterable[Quad]) -> tuple[Quad, ...]:
    """Quads in a stable order (graph, then subject, predicate, object keys)."""
    return tuple(sorted(quads, key=lambda q: (q[3], encode(q[0]), encode(q[1]), encode(q[2]))))


@lru_cache(maxsize=1 << 20)
def decode(key: str) -> Node:
    """The RDF term stored under ``key`` (inverse of :func:`encode`).

    Cached: terms are immutable, and rdflib's ``Literal()`` re-parses the
    lexical form on every construction, which dominated bulk reads.
    """
    kind = key[0]
    if kind == "U":
        return URIRef(key[1:])
    if kind == "L":
        dt, lang, lex = key[1:].split(_SEP, 2)
        if lang:
            return Literal(lex, lang=lang)
        return Literal(lex, datatype=URIRef(dt)) if dt else Literal(lex)
    if kind == "B":
        return BNode(key[1:])
    raise ValueError(f"corrupt term key {key[:40]!r}: the store file may be damaged")


_BY_LENGTH = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))


def curie(node: object, prefixes: dict[str, str] | None = None) -> str:
    """A short, readable form: ``ops:Service``, ``"3"^^xsd:integer`` or ``<iri>``."""
    table = _BY_LENGTH if prefixes is None else sorted(prefixes.items(), key=lambda kv: -len(kv[1]))
    if isinstance(node, URIRef):
        s = str(node)
        for pfx, ns in table:
            if s.startswith(ns) and _is_local(s[len(ns):]):
                return f"{pfx}:{s[len(ns):]}"
        return f"<{s}>"
    if isinstance(node, Literal):
        if node.language:
            return f'"{node}"@{node.language}'
        if node.datatype is None:
            return f'"{node}"'
        if node.datatype.endswith(("#integer", "#decimal", "#boolean", "#double")):
            return str(node)
        return f'"{node}"^^{curie(node.datatype, prefixes)}'
    if isinstance(node, BNode):
        return f"_:{node}"
    return str(node)


def shorten(text: object) -> str:
    """``text`` with every IRI of a known namespace written ``prefix:rest``: the display form
    of messages and tables. Unlike :func:`curie` it keeps a ``/`` (``run:plan/5acc...``), which
    :func:`expand` reads back."""
    out = str(text)
    for pfx, ns in _BY_LENGTH:
        out = out.replace(ns, f"{pfx}:")
    return out


def _is_local(local: str) -> bool:
    return bool(local) and all(c.isalnum() or c in "_-." for c in local) and not local.endswith(".")


def expand(text: str, prefixes: dict[str, str] | None = None) -> URIRef:
    """Turn ``ops:Service``, ``<iri>`` or a full IRI into a ``URIRef``."""
    return _expand_known(text) if prefixes is None else _expand_with(text, prefixes)


@lru_cache(maxsize=1 << 16)
def _expand_known(text: str) -> URIRef:
    """:func:`expand` with the built-in prefixes, memoized: an event stream names the same
    entities over and over."""
    return _expand_with(text, PREFIXES)


def _expand_with(text: str, table: dict[str, str]) -> URIRef:
    from engine.errors import InputError

    t = text.strip()
    if t.startswith("<") and t.endswith(">"):
        return URIRef(t[1:-1])
    if "://" in t or t.startswith("urn:"):
        return URIRef(t)
    pfx, sep, local = t.partition(":")
    if sep and pfx in table:
        return URIRef(table[pfx] + local)
    known = ", ".join(sorted(table))
    raise InputError(
        f"cannot read {text!r} as an IRI: write a full IRI, <iri>, or a CURIE with a known prefix ({known})"
    )


_NOT_IN_IRI = re.compile('[\x00-\x20<>"{}|\\\\^`\x7f-\x9f\u2028\u2029\ufffe\uffff\ud800-\udfff]')
"""Characters RFC 3987 leaves out of an IRI: a store holding one cannot export it."""


def iri_fault(iri: str, written: str | None = None) -> str | None:
    """Why ``iri`` (as ``written``, if given) cannot be stored: one line naming the first
    character an IRI may not hold and the fix, or ``None`` for a sound IRI. The one IRI
    check: every way in (ingest, goals, scenarios, loads, rules, shapes, plan files) and
    export use it."""
    bad = _NOT_IN_IRI.search(iri)
    if bad is None:
        return None
    ch = bad.group()
    fix = ("remove it (a lone surrogate has no encoding)" if "\ud800" <= ch <= "\udfff"
           else f"percent-encode it as {quote(ch, safe='')}")
    shown = str(iri) if written is None else written
    return f"{shown!r} is not a valid IRI: it holds {ch!r}, which an IRI may not; {fix}"


def expand_valid(text: str) -> URIRef:
    """:func:`expand`, for an IRI about to be written: one holding a character an IRI may not
    (a space, ``<``, ``"``...) is refused. Reads stay lenient, so an audit can still name one
    an older store holds."""
    iri = expand(text)
    why = iri_fault(iri, text)
    if why is not None:
        from engine.errors import InputError

        raise InputError(why)
    return iri
