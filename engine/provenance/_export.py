"""Export the provenance graph as PROV-O in Turtle or JSON-LD."""

from __future__ import annotations

from typing import Literal

from engine.errors import InputError
from engine.store import GraphStore
from engine.vocab import PREFIXES, GraphName
from engine.world import exportable, sorted_graph, stable_jsonld

__all__ = ["PROV_FORMATS", "ProvFormat", "export_provenance"]

ProvFormat = Literal["turtle", "json-ld"]
PROV_FORMATS: tuple[str, ...] = ("turtle", "json-ld")


def export_provenance(store: GraphStore, fmt: str, *, at: int | None = None) -> str:
    """The PROVENANCE graph (now, or as of commit ``at``) serialised as ``fmt``."""
    if fmt not in PROV_FORMATS:
        raise InputError(f"cannot export provenance as {fmt!r}; use turtle or json-ld")
    g = sorted_graph(exportable(store.quads(graphs=(GraphName.PROVENANCE,), at=at)))  # same bytes
    if fmt == "json-ld":
        return stable_jsonld(g.serialize(format="json-ld", context=dict(PREFIXES),
                                          auto_compact=True))
    return g.serialize(format="turtle")

