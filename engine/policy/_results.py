"""Turn pySHACL's raw result tuples into :class:`PolicyResult` values."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from engine.policy._lint import SH
from engine.policy._model import PolicyResult, Severity
from engine.terms import curie

__all__ = ["path_text", "shape_label", "to_results"]

_SEVERITY: dict[Node, Severity] = {SH.Violation: "Violation", SH.Warning: "Warning",
                                   SH.Info: "Info"}


def path_text(g: Graph, p: Node, depth: int = 0) -> str:
    """A SHACL path in SPARQL property-path syntax, IRIs in full (``<a>/^<b>``)."""
    if isinstance(p, URIRef) or depth > 20:
        return p.n3()
    if (p, RDF.first, None) in g:
        return "(" + "/".join(path_text(g, i, depth + 1) for i in g.items(p)) + ")"
    forms = ((SH.inversePath, "^{}"), (SH.zeroOrMorePath, "{}*"), (SH.oneOrMorePath, "{}+"),
             (SH.zeroOrOnePath, "{}?"))
    for key, fmt in forms:
        if (inner := g.value(p, key)) is not None:
            return fmt.format(path_text(g, inner, depth + 1))
    if (alts := g.value(p, SH.alternativePath)) is not None:
        return "(" + "|".join(path_text(g, i, depth + 1) for i in g.items(alts)) + ")"
    return p.n3()


def shape_label(g: Graph, shape: Node) -> str:
    """A stable name for a shape: its IRI, or ``<parent> / <path>`` for a blank property shape."""
    if not isinstance(shape, BNode):
        return shape.n3()
    path = g.value(shape, SH.path)
    own = path_text(g, path) if path is not None else "[node]"
    parent = next(iter(sorted(g.subjects(SH.property, shape), key=str)), None)
    if parent is None:
        parent = next(iter(sorted(g.subjects(None, shape), key=str)), None)
    return f"{shape_label(g, parent)} / {own}" if parent is not None else f"[] / {own}"


def _plain(o: Any) -> Any:
    return o[1] if isinstance(o, tuple) else o


def to_results(raw: Iterable[tuple[str, Node, list[tuple[Any, Any, Any]]]], g: Graph
               ) -> list[PolicyResult]:
    """Convert pySHACL ``(text, result node, triples)`` tuples, shapes graph ``g``."""
    out = []
    for _text, node, triples in raw:
        props: dict[Node, list[Any]] = {}
        for s, p, o in triples:
            if s == node:
                props.setdefault(p, []).append(o)
        out.append(_one(props, g))
    return out


def _one(props: dict[Node, list[Any]], g: Graph) -> PolicyResult:
    def first(key: Node) -> Any:
        vals = props.get(key)
        return _plain(vals[0]) if vals else None

    path = props.get(SH.resultPath)
    value = first(SH.value)
    msgs = sorted(str(_plain(m)) for m in props.get(SH.resultMessage, []))
    source = first(SH.sourceShape)
    return PolicyResult(
        shape=shape_label(g, source) if source is not None else "",
        focus=first(SH.focusNode).n3(),
        path=path_text(path[0][0] if isinstance(path[0], tuple) else g, _plain(path[0]))
        if path else None,
        value=value.n3() if isinstance(value, URIRef | BNode | Literal) else None,
        message=" | ".join(msgs),
        severity=_SEVERITY.get(first(SH.resultSeverity), "Violation"),
        component=curie(first(SH.sourceConstraintComponent)),
    )
