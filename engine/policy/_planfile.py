"""Read a plan delta from a file, for ``tier1 validate --plan``.

Two forms:

- Turtle (``.ttl``): every triple is added;
- TriG (``.trig``): triples in the graph ``<urn:tier1:run:removes>`` are
  removed; those in ``<urn:tier1:run:adds>`` or in the default graph are added; any other
  graph name is refused (a typo would otherwise turn removals into additions).

All changes go to the asserted graph.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Dataset
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.parsers.notation3 import BadSyntax

from engine.errors import ParseError
from engine.store import Delta
from engine.terms import Triple
from engine.vocab import RUN
from engine.world import (
    parse_file,
    quiet_literal_warnings,
    read_text_file,
    refuse_bad_iris,
    refuse_ill_typed,
    turtle_error,
)

__all__ = ["ADDS_GRAPH", "REMOVES_GRAPH", "read_plan_file"]

ADDS_GRAPH = RUN.adds
REMOVES_GRAPH = RUN.removes


def read_plan_file(path: Path) -> Delta:
    """The delta a plan file describes. Raises :class:`ParseError` with file:line."""
    if not path.exists():
        raise ParseError("no such plan file; pass --plan FILE (.ttl or .trig)", source=str(path))
    if path.suffix.lower() != ".trig":
        return Delta.of(adds=parse_file(path, "turtle"))  # the loader's checks, ill-typed values too
    text = read_text_file(path)
    try:
        with quiet_literal_warnings():
            delta = _trig(text, path)
    except BadSyntax as exc:
        raise turtle_error(exc, path) from None
    refuse_ill_typed((o for s, p, o, _g in delta.adds | delta.removes), path, text)
    refuse_bad_iris((q[:3] for q in delta.adds | delta.removes), path, text)
    return delta


def _trig(text: str, path: Path) -> Delta:
    ds = Dataset()
    ds.parse(data=text, format="trig", publicID=path.resolve().as_uri())
    adds: list[Triple] = []
    removes: list[Triple] = []
    for s, p, o, g in ds.quads((None, None, None, None)):
        name = getattr(g, "identifier", g)
        if name not in (ADDS_GRAPH, REMOVES_GRAPH, DATASET_DEFAULT_GRAPH_ID):
            raise ParseError(f"unknown graph <{name}>: name <{ADDS_GRAPH}> or "
                             f"<{REMOVES_GRAPH}> (or none: added)", source=str(path))
        (removes if name == REMOVES_GRAPH else adds).append((s, p, o))  # type: ignore[arg-type]
    return Delta.of(adds=adds, removes=removes)
