"""Reference answers from plain pySHACL, for comparing the gate against."""

from __future__ import annotations

from rdflib import Graph, Namespace
from rdflib.term import Node

from engine.policy._results import path_text
from engine.terms import curie

SH = Namespace("http://www.w3.org/ns/shacl#")
Key = tuple[str, str, str, str, str, str]


_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


def only_root(shapes: Graph, root: Node) -> Graph:
    """A copy of ``shapes`` where only ``root`` keeps its target declarations."""
    g = Graph()
    for t in shapes:
        if t[1] in _TARGETS and t[0] != root:
            continue
        g.add(t)
    return g


def pyshacl_keys(data: Graph, shapes: Graph) -> set[Key]:
    """(focus, component, path, value, severity, message) of every result pySHACL reports."""
    import pyshacl

    _c, rg, _t = pyshacl.validate(data, shacl_graph=shapes, inplace=False)
    out: set[Key] = set()
    for r in rg.objects(None, SH.result):
        out.add(_key(rg, r))
    return out


def _key(rg: Graph, r: Node) -> Key:
    path = rg.value(r, SH.resultPath)
    value = rg.value(r, SH.value)
    msgs = sorted(str(m) for m in rg.objects(r, SH.resultMessage))
    return (
        rg.value(r, SH.focusNode).n3(),
        curie(rg.value(r, SH.sourceConstraintComponent)),
        path_text(rg, path) if path is not None else "",
        value.n3() if value is not None else "",
        str(rg.value(r, SH.resultSeverity)).rsplit("#", 1)[-1],
        " | ".join(msgs),
    )


def result_key(r: object) -> Key:
    """The same key for a :class:`PolicyResult`."""
    from engine.policy import PolicyResult

    assert isinstance(r, PolicyResult)
    return (r.focus, r.component, r.path or "", r.value or "", r.severity, r.message)
