"""Export the provenance graph as PROV-O in Turtle or JSON-LD."""

from __future__ import annotations

import json
from typing import Literal

import rdflib

from engine.errors import InputError
from engine.store import GraphStore
from engine.terms import sorted_quads
from engine.vocab import PREFIXES, GraphName

__all__ = ["PROV_FORMATS", "ProvFormat", "export_provenance"]

ProvFormat = Literal["turtle", "json-ld"]
PROV_FORMATS: tuple[str, ...] = ("turtle", "json-ld")


def export_provenance(store: GraphStore, fmt: str, *, at: int | None = None) -> str:
    """The PROVENANCE graph (now, or as of commit ``at``) serialised as ``fmt``."""
    if fmt not in PROV_FORMATS:
        raise InputError(f"cannot export provenance as {fmt!r}; use turtle or json-ld")
    g = rdflib.Graph()
    for pfx, ns in PREFIXES.items():
        g.bind(pfx, ns)
    # in a fixed order: the JSON-LD serializer writes nodes and values in the graph's insertion
    # order, so the same provenance gives the same bytes (archived exports can be diffed)
    for q in sorted_quads(store.quads(graphs=(GraphName.PROVENANCE,), at=at)):
        g.add(q[:3])
    if fmt == "json-ld":
        return _stable_jsonld(g.serialize(format="json-ld", context=dict(PREFIXES),
                                          auto_compact=True))
    return g.serialize(format="turtle")


def _stable_jsonld(text: str) -> str:
    """rdflib's JSON-LD writer lists the nodes in the order of a set of subjects, which
    changes from run to run: sort them by ``@id`` so the same graph gives the same bytes."""
    doc = json.loads(text)
    nodes = doc.get("@graph") if isinstance(doc, dict) else None
    if isinstance(nodes, list):
        nodes.sort(key=lambda n: str(n.get("@id", "")) if isinstance(n, dict) else "")
    return json.dumps(doc, indent=2, ensure_ascii=False)
