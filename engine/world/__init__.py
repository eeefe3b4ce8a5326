"""The world: RDF files in and out, read-only views for SPARQL, readable entity views."""

from engine.world._entity import EntityView, Link, ServiceLine, Summary, entity_view, summarize
from engine.world._ntriples import parse_ntriples, write_ntriples
from engine.world._rdf_io import (
    EXPORT_FORMATS,
    LoadRequest,
    export_graphs,
    format_for,
    load_files,
    parse_file,
)
from engine.world._view import StoreView, rows_of, run_sparql, view_graph

__all__ = [
    "EXPORT_FORMATS",
    "EntityView",
    "Link",
    "LoadRequest",
    "ServiceLine",
    "StoreView",
    "Summary",
    "entity_view",
    "export_graphs",
    "format_for",
    "load_files",
    "parse_file",
    "parse_ntriples",
    "rows_of",
    "run_sparql",
    "summarize",
    "view_graph",
    "write_ntriples",
]
