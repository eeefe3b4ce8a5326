"""Catch malformed shapes at load time and say where they are (``file:line``).

pySHACL would fail later, mid-validation, without a location; these checks
run on each file's own graph so the line can be found in its text.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from rdflib import RDF, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.plugins.sparql import prepareQuery
from rdflib.term import Node

from engine.errors import ParseError
from engine.vocab import unknown_term

__all__ = ["SH", "check_shapes", "sparql_prefixes"]

SH = Namespace("http://www.w3.org/ns/shacl#")
_SPEC = "https://www.w3.org/TR/shacl/"
_COUNTS = ("minCount", "maxCount", "minLength", "maxLength", "qualifiedMinCount",
           "qualifiedMaxCount")
_IRI_PARAMS = ("class", "datatype", "targetClass", "targetSubjectsOf", "targetObjectsOf",
               "nodeKind")
_SEVERITIES = {SH.Violation, SH.Warning, SH.Info}
_PATH_KEYS = (SH.inversePath, SH.alternativePath, SH.zeroOrMorePath, SH.oneOrMorePath,
              SH.zeroOrOnePath)


def check_shapes(g: Graph, path: Path, text: str, merged: Graph) -> None:
    """Raise :class:`ParseError` (file:line) for the first malformed shape in ``g``.

    ``merged`` is every file's graph together (SPARQL prefixes may be declared elsewhere).
    """
    for problem, pred, obj in _problems(g, merged):
        line = _line_of(text, pred, obj)
        raise ParseError(problem, source=str(path), line=line)


def _problems(g: Graph, merged: Graph) -> Iterator[tuple[str, str, Node | None]]:
    for name in _COUNTS:
        for _, v in g.subject_objects(SH[name]):
            if not (isinstance(v, Literal) and v.datatype == XSD.integer and _nonneg(v)):
                yield (f"sh:{name} must be a non-negative xsd:integer, not {v.n3()}; "
                       f"write e.g. 'sh:{name} 1' ({_SPEC}#{name[0].upper()}{name[1:]}"
                       "ConstraintComponent)", name, v)
    for name in _IRI_PARAMS:
        for _, v in g.subject_objects(SH[name]):
            if not isinstance(v, URIRef):
                yield f"sh:{name} needs an IRI, not {v.n3()}", name, v
    for _, v in g.subject_objects(SH.severity):
        if v not in _SEVERITIES:
            yield (f"sh:severity {v.n3()} is not sh:Violation, sh:Warning or sh:Info "
                   "(a Violation blocks a plan, a Warning needs approval)", "severity", v)
    for _, v in g.subject_objects(SH.path):
        why = _bad_path(g, v, 0)
        if why:
            yield f"bad sh:path: {why} ({_SPEC}#property-paths)", "path", _first_word(g, v)
    yield from _bad_sparql(g, merged)
    yield from _unknown_terms(g)


def _unknown_terms(g: Graph) -> Iterator[tuple[str, str, Node | None]]:
    """``ops:`` and ``sh:`` IRIs that are no terms of their vocabularies: a misspelt class,
    property or constraint makes a shape match nothing, or constrain nothing, silently."""
    iris = {t for triple in g for t in triple if isinstance(t, URIRef)}
    for iri in sorted(iris, key=str):
        why = unknown_term(iri)
        if why is not None:
            local = str(iri).rsplit("#", 1)[-1]
            yield f"{why}; a shape naming it would match nothing", local, None


def _nonneg(v: Literal) -> bool:
    try:
        return int(v) >= 0
    except (TypeError, ValueError):
        return False


def _bad_path(g: Graph, p: Node, depth: int) -> str | None:
    if isinstance(p, URIRef):
        return None
    if isinstance(p, Literal) or depth > 20:
        return f"{p.n3()} is a literal; a path is an IRI, a list or a path node"
    assert isinstance(p, BNode)
    if (p, RDF.first, None) in g:
        items = list(g.items(p))
        if len(items) < 2:
            return "a sequence path needs at least two elements; use the predicate itself"
        return next((w for w in (_bad_path(g, i, depth + 1) for i in items) if w), None)
    keys = [k for k in _PATH_KEYS if (p, k, None) in g]
    if len(keys) != 1:
        return ("a path node needs exactly one of sh:inversePath, sh:alternativePath, "
                "sh:zeroOrMorePath, sh:oneOrMorePath, sh:zeroOrOnePath")
    inner = g.value(p, keys[0])
    assert inner is not None
    if keys[0] == SH.alternativePath:
        alts = list(g.items(inner)) if isinstance(inner, BNode) else []
        if len(alts) < 2:
            return "sh:alternativePath needs a list of at least two paths"
        return next((w for w in (_bad_path(g, i, depth + 1) for i in alts) if w), None)
    return _bad_path(g, inner, depth + 1)


def _first_word(g: Graph, p: Node) -> Node | None:
    if isinstance(p, BNode):
        first = g.value(p, RDF.first)
        return first if first is not None else next(iter(g.objects(p, None)), None)
    return p


def sparql_prefixes(g: Graph, constraint: Node) -> dict[str, str]:
    """The prefixes a SPARQL constraint declares through ``sh:prefixes``."""
    out: dict[str, str] = {}
    for decl_owner in g.objects(constraint, SH.prefixes):
        for decl in g.objects(decl_owner, SH.declare):
            pfx, ns = g.value(decl, SH.prefix), g.value(decl, SH.namespace)
            if pfx is not None and ns is not None:
                out[str(pfx)] = str(ns)
    return out


def _bad_sparql(g: Graph, merged: Graph) -> Iterator[tuple[str, str, Node | None]]:
    for c, select in g.subject_objects(SH.select):
        try:
            prepareQuery(str(select).replace("$PATH", "<urn:x:path>"),
                         initNs=sparql_prefixes(merged, c))
            _pyshacl_accepts(str(select))
        except Exception as exc:
            lines = [x.strip() for x in str(select).strip().splitlines() if x.strip()]
            first = next((x for x in lines if _culprit(str(exc)) in x), lines[0] if lines else "")
            why = str(exc).splitlines()[0]
            fix = ("declare every prefix it uses with sh:prefixes" if "prefix" in why.lower()
                   else "fix the query's syntax (test it with tier1 query)")
            empty = [o for o in merged.objects(c, SH.prefixes)
                     if not any(True for _ in merged.objects(o, SH.declare))]
            if "prefix" in why.lower() and empty:
                fix = (f"its sh:prefixes {empty[0].n3()} names a node with no sh:declare in "
                       "the shape files loaded: load the file that declares them too (for the "
                       "shipped shapes, shapes/tier1-shapes.ttl), or declare them here")
            yield f"sh:select does not parse ({why}); {fix}", "select", Literal(first)


def _culprit(message: str) -> str:
    """The last line of the text pySHACL's regex matched, quoted in ``message``."""
    quoted = message.split("'")
    return quoted[1].replace("\\n", "\n").splitlines()[-1].strip() if len(quoted) > 2 else "\x00"


def _pyshacl_accepts(text: str) -> None:
    """pySHACL refuses, per focus node, texts its regexes take for MINUS, VALUES or
    SERVICE (``ops:DatabaseService`` followed by a space counts!): refuse them now."""
    from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper as Q

    for rx, what in ((Q.has_minus_regex, "MINUS"), (Q.has_values_regex, "VALUES"),
                     (Q.has_service_regex, "SERVICE")):
        if m := rx.search(text):
            raise ValueError(f"pySHACL reads {m.group(0).strip()[-60:]!r} as a {what} clause, which "
                             "SHACL forbids here; rephrase it (e.g. wrap the IRI in parentheses)")


def _line_of(text: str, pred: str, obj: Node | None) -> int | None:
    """The first line naming ``pred`` (and ``obj``'s text, when it is on that line)."""
    lines = text.splitlines()
    if pred == "select" and obj is not None:
        return next((n for n, line in enumerate(lines, 1) if str(obj) in line), None)
    needles = [str(obj).split("#")[-1].split("/")[-1]] if obj is not None else []
    for want_obj in (True, False):
        for n, line in enumerate(lines, 1):
            code = line.split(" #")[0]
            if pred in code and (not want_obj or all(x and x in code for x in needles)):
                return n
    return None
