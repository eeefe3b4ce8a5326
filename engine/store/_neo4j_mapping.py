"""RDF ⇄ property graph, in the conventions of neosemantics (n10s). No Cypher here.

* An IRI is one ``(:Resource {uri})`` node; a blank node is ``(:Resource:BNode
  {uri: "_:id"})`` ("_:" can never start an absolute IRI, so the two never meet).
* A predicate, class or namespace IRI is shortened to ``prefix__local``
  (``ops__dependsOn``). Known prefixes come from :data:`engine.vocab.PREFIXES`;
  any other namespace gets ``ns0``, ``ns1``… recorded as ``(:NamespacePrefix)``
  nodes, so every name maps back to exactly one IRI. A local part outside
  ``[A-Za-z0-9_]`` or longer than 64 characters makes the whole IRI the
  namespace (name ``nsN__``), which keeps every label and relationship type a
  short, plain Cypher identifier.
* An object property is a relationship of that type with a ``graph``
  property (``asserted``/``inferred``/``provenance``); ``rdf:type`` to an IRI
  is both a ``rdf__type`` relationship (which keeps the graph) and a label.
* A datatype property is a node property under the same name (``ops__tier``),
  holding the values of every graph: one value is a scalar, several a list.
  Values are Neo4j-typed (int, float, bool, string) when that type gives
  back the exact literal; a language tag shows as ``"text@lang"`` (as n10s
  does); an ``xsd:dateTime`` with a zone is a Neo4j datetime in UTC. Whenever
  the typed value alone would lose something (language, datatype, lexical
  form, zone, mixed types) the exact term keys sit beside it under
  ``<key>@rdf``. (Datetimes always do: ArcadeDB drops the zone on storage.)
  Values not (only) in the asserted graph get ``<key>@graph``: for each
  value, in order, its graphs (``"inferred"``, ``"asserted,inferred"``).
  Audits can read ``n.ops__status`` whatever graph the value came from.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from hashlib import blake2b as _blake2b
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, XSD

from engine.errors import InputError
from engine.terms import Node, Quad, decode, encode
from engine.vocab import PREFIXES, GraphName

__all__ = [
    "BNODE",
    "QUAD_SEP",
    "RDF_TYPE",
    "Namespaces",
    "check_quad",
    "literal_props",
    "node_term",
    "node_uri",
    "quad_hash",
    "read_literals",
    "single_value",
    "term_hash",
]

RDF_TYPE = RDF.type
BNODE = "_:"
SHADOW = "@rdf"
GRAPHS = "@graph"
SEP = "__"
_SAFE_LOCAL = re.compile(r"[A-Za-z0-9_]{0,64}")
_GENERATED = re.compile(r"ns\d+")
_NODE_TYPES = (URIRef, BNode)


def node_uri(term: Node) -> str:
    """The ``uri`` property of the node for ``term`` (an IRI or a blank node)."""
    if type(term) is URIRef:  # the common case, without isinstance's ABC checks
        return str(term)
    return BNODE + term if isinstance(term, BNode) else str(term)


def node_term(uri: str) -> URIRef | BNode:
    return BNode(uri[2:]) if uri.startswith(BNODE) else URIRef(uri)


def check_quad(q: Quad) -> None:
    """Refuse what a property graph cannot hold: literal subjects, non-IRI predicates."""
    s, p, _, _ = q
    # str.startswith, not the term's own: rdflib overrides it in Python (a third of this check)
    fast = type(p) is URIRef and type(s) in _NODE_TYPES and not str.startswith(p, BNODE)
    if fast and (type(s) is BNode or not str.startswith(s, BNODE)):
        return
    if isinstance(s, Literal) or not isinstance(p, URIRef):
        raise InputError(
            f"cannot store ({s.n3()} {p.n3()} …) in Neo4j: subjects must be IRIs or blank "
            "nodes and predicates IRIs; fix the input data"
        )
    for t in (s, p):
        if isinstance(t, URIRef) and str(t).startswith(BNODE):
            raise InputError(f"{str(t)!r} is not an IRI (it reads as a blank node); fix the data")


def term_hash(key: str) -> str:
    return _blake2b(key.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


QUAD_SEP = "\x1f"
"""Between the keys of a quad in the text :func:`quad_hash` hashes."""


def quad_hash(g: str, s: str, p: str, o: str) -> str:
    """The identity of a statement: one live ``Stmt`` node per hash, the ``term_hash`` of its
    joined keys. The definition: a commit computes it a column at a time
    (``_neo4j_rows.statement_rows``; a property test keeps the two equal)."""
    return term_hash(QUAD_SEP.join((g, s, p, o)))


class Namespaces:
    """The prefix table: ``prefix__local`` names ⇄ IRIs, growing as new namespaces appear.

    Prefixes allocated during a commit stay in :attr:`pending` until the
    commit is known to be written (:meth:`accept`) or rolled back (:meth:`reject`).
    """

    def __init__(self, rows: Iterable[tuple[str, str]] = ()) -> None:
        self._ns: dict[str, str] = dict(PREFIXES)
        for prefix, ns in rows:
            self._ns[prefix] = ns
        self._by_ns = {ns: p for p, ns in self._ns.items()}
        self._known = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))
        self.pending: list[tuple[str, str]] = []
        self._cache: dict[str, str] = {}

    def rows(self) -> list[tuple[str, str]]:
        return sorted(self._ns.items())

    def name(self, iri: str) -> str:
        """``prefix__local`` for ``iri``, allocating a prefix for a new namespace."""
        hit = self._cache.get(iri)
        if hit is not None:
            return hit
        ns, local = self._split(iri)
        prefix = self._by_ns.get(ns)
        if prefix is None:
            prefix = self._allocate(ns)
        name = prefix + SEP + local
        self._cache[iri] = name
        return name

    def iri(self, name: str) -> str:
        prefix, sep, local = name.partition(SEP)
        if not sep or prefix not in self._ns:
            raise InputError(f"{name!r} has no known prefix; the NamespacePrefix nodes are damaged")
        return self._ns[prefix] + local

    def accept(self) -> None:
        self.pending.clear()

    def reject(self) -> None:
        for prefix, ns in self.pending:
            del self._ns[prefix]
            del self._by_ns[ns]
        self.pending.clear()
        self._cache.clear()

    def _split(self, iri: str) -> tuple[str, str]:
        for _, ns in self._known:
            if iri.startswith(ns) and _SAFE_LOCAL.fullmatch(iri[len(ns):]):
                return ns, iri[len(ns):]
        cut = max(iri.rfind("#"), iri.rfind("/"), iri.rfind(":")) + 1
        if cut > 0 and _SAFE_LOCAL.fullmatch(iri[cut:]):
            return iri[:cut], iri[cut:]
        return iri, ""

    def _allocate(self, ns: str) -> str:
        n = sum(1 for p in self._ns if _GENERATED.fullmatch(p))
        while f"ns{n}" in self._ns:
            n += 1
        prefix = f"ns{n}"
        self._ns[prefix] = ns
        self._by_ns[ns] = prefix
        self.pending.append((prefix, ns))
        return prefix


# -- literal values -----------------------------------------------------------
# plain strings, compared with str.__eq__: rdflib's namespace lookup and URIRef.__eq__
# are Python code, and this runs once per literal of a load
_INTEGER, _DOUBLE, _BOOLEAN = str(XSD.integer), str(XSD.double), str(XSD.boolean)


_DATETIME = str(XSD.dateTime)
_INTEGERS = frozenset({_INTEGER, str(XSD.int), str(XSD.long)})


def _exact(lit: Literal) -> Any | None:
    """A Neo4j value that gives back exactly ``lit``, or ``None``."""
    dt = lit.datatype
    return _exact_of(str(lit), None if dt is None else str(dt), lit.language)


def _exact_of(lex: str, dt: str | None, lang: str | None) -> Any | None:
    """:func:`_exact` of the literal with lexical form ``lex``, datatype ``dt``, language ``lang``."""
    if lang:
        return None
    if dt is None:
        return lex
    try:
        if dt == _INTEGER:
            i = int(lex)
            return i if str(i) == lex and -(2**63) <= i < 2**63 else None
        if dt == _DOUBLE:
            f = float(lex)
            return f if math.isfinite(f) and repr(f) == lex else None
        if dt == _BOOLEAN:
            return {"true": True, "false": False}.get(lex)
    except ValueError:
        return None
    return None


def _readable(lit: Literal) -> Any:
    """The closest natural Neo4j value, for people reading the graph."""
    dt = lit.datatype
    return _readable_of(str(lit), None if dt is None else str(dt), lit.language)


def _readable_of(lex: str, dt: str | None, lang: str | None) -> Any:
    if lang:
        return f"{lex}@{lang}"
    try:
        if dt == _DATETIME:
            d = datetime.fromisoformat(lex)
            return d.astimezone(UTC) if d.tzinfo is not None else lex
        if dt in _INTEGERS:
            return int(lex)
    except ValueError:
        pass
    return lex


def _from_value(v: Any) -> Literal:
    if isinstance(v, bool):
        return Literal("true" if v else "false", datatype=XSD.boolean)
    if isinstance(v, int):
        return Literal(str(v), datatype=XSD.integer)
    if isinstance(v, float):
        return Literal(repr(v), datatype=XSD.double)
    if isinstance(v, str):
        return Literal(v)
    raise InputError(f"unexpected Neo4j property value {v!r}: the graph was changed outside tier1")


def literal_props(
    name: str, pairs: Sequence[tuple[GraphName, Literal]], *, clear: bool = True,
) -> dict[str, Any]:
    """Node properties for every literal value of one predicate; ``None`` removes a key.
    Without ``clear`` (a new node: no key to remove), keys without a value are left out."""
    if len(pairs) == 1 and pairs[0][0] is GraphName.ASSERTED:  # the common case, fast
        value = _exact(pairs[0][1])
        if value is not None:
            return {name: value, name + SHADOW: None, name + GRAPHS: None} if clear else {name: value}
    out = _literal_props(name, pairs)
    return out if clear else {k: v for k, v in out.items() if v is not None}


def single_value(key: str) -> tuple[Any, bool]:
    """The value :func:`literal_props` gives a property holding only the literal whose term
    key is ``key`` (asserted), and whether it is inexact (then ``[key]`` goes beside it under
    ``<key>@rdf``). Read from the key, without building the rdflib ``Literal``."""
    dt, lang, lex = key[1:].split("\x00", 2)
    value = _exact_of(lex, dt or None, lang or None)
    return (value, False) if value is not None else (_readable_of(lex, dt or None, lang or None), True)


def _literal_props(name: str, pairs: Sequence[tuple[GraphName, Literal]]) -> dict[str, Any]:
    graphs: dict[Literal, set[str]] = defaultdict(set)
    for g, lit in pairs:
        graphs[lit].add(g.value)
    ordered = sorted(graphs, key=encode)
    out: dict[str, Any] = {name: None, name + SHADOW: None, name + GRAPHS: None}
    if not ordered:
        return out
    values: list[Any] = [_exact(x) for x in ordered]
    if any(v is None for v in values) or len({type(v) for v in values}) > 1:
        out[name + SHADOW] = [encode(x) for x in ordered]
        values = [_readable(x) for x in ordered]
        if len({type(v) for v in values}) > 1:
            values = [v.isoformat() if isinstance(v, datetime) else str(v) for v in values]
    out[name] = values[0] if len(values) == 1 else values
    tags = [",".join(sorted(graphs[x])) for x in ordered]
    if any(tag != GraphName.ASSERTED.value for tag in tags):
        out[name + GRAPHS] = tags
    return out


def read_literals(
    props: Mapping[str, Any], ns: Namespaces,
) -> Iterator[tuple[URIRef, Literal, GraphName]]:
    """The (predicate, literal, graph) statements a node's properties stand for."""
    for key, value in props.items():
        if key == "uri" or key.endswith((SHADOW, GRAPHS)):
            continue
        exact = props.get(key + SHADOW)
        values = exact if exact is not None else value if isinstance(value, list) else [value]
        tags = props.get(key + GRAPHS) or [GraphName.ASSERTED.value] * len(values)
        if len(tags) != len(values):
            raise InputError(f"property {key!r} and {key + GRAPHS!r} disagree: the graph was "
                             "changed outside tier1")
        pred = URIRef(ns.iri(key))
        for v, tag in zip(values, tags, strict=True):
            lit = decode(v) if exact is not None else _from_value(v)
            if not isinstance(lit, Literal):
                raise InputError(f"property {key!r} holds {v!r}, not a literal")
            for g in tag.split(","):
                yield pred, lit, GraphName(g)
