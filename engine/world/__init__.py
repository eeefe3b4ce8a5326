"""The world: RDF files in and out, read-only views for SPARQL, readable entity views,
and the HermiT consistency check."""

from engine.world._consistency import ONTOLOGY_PATH, ConsistencyReport, check_consistency
from engine.world._entity import EntityView, Link, ServiceLine, Summary, entity_view, summarize
from engine.world._iris import bad_iris, exportable, refuse_bad_iris
from engine.world._ntriples import (
    ill_typed,
    ill_typed_statement,
    parse_ntriples,
    quiet_literal_warnings,
    write_ntriples,
)
from engine.world._rdf_io import (
    EXPORT_FORMATS,
    LoadRequest,
    export_format_for,
    export_graphs,
    format_for,
    load_files,
    parse_file,
    read_text_file,
    refuse_ill_typed,
    sorted_graph,
    stable_jsonld,
    turtle_error,
)
from engine.world._view import StoreView, rows_of, run_sparql, view_graph

__all__ = [
    "EXPORT_FORMATS",
    "ONTOLOGY_PATH",
    "ConsistencyReport",
    "EntityView",
    "Link",
    "LoadRequest",
    "ServiceLine",
    "StoreView",
    "Summary",
    "bad_iris",
    "check_consistency",
    "entity_view",
    "export_format_for",
    "export_graphs",
    "exportable",
    "format_for",
    "ill_typed",
    "ill_typed_statement",
    "load_files",
    "parse_file",
    "parse_ntriples",
    "quiet_literal_warnings",
    "read_text_file",
    "refuse_bad_iris",
    "refuse_ill_typed",
    "rows_of",
    "run_sparql",
    "sorted_graph",
    "stable_jsonld",
    "summarize",
    "turtle_error",
    "view_graph",
    "write_ntriples",
]
