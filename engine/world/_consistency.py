"""The HermiT consistency check: is the ontology plus the world logically possible?

Turtle files are parsed with rdflib (errors name ``file:line:col``), merged,
written as N-Triples into a temporary directory and loaded into a fresh
owlready2 ``World``, which hands them to HermiT (Java). Nothing is cached
between calls. When HermiT says *inconsistent* it cannot say why, so the
report adds suspects found by :func:`~engine.world._diagnose.find_suspects`.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import owlready2
from pydantic import BaseModel, ConfigDict
from rdflib import OWL, RDF, BNode, Graph, URIRef
from rdflib.term import Node

from engine.errors import ConfigError, ConsistencyError, ParseError
from engine.terms import Triple, curie
from engine.vocab import PREFIXES
from engine.world._diagnose import find_suspects
from engine.world._rdf_io import parse_file

__all__ = ["ONTOLOGY_PATH", "ConsistencyReport", "check_consistency"]

ONTOLOGY_PATH = Path(__file__).resolve().parents[2] / "ontology" / "ops.ttl"
"""The tier1 ontology, always part of a consistency check."""

_JAVA_FIX = "install a Java 17+ runtime, e.g. apt-get install default-jre-headless"
_EXTRA = "<extra turtle>"


class ConsistencyReport(BaseModel):
    """What HermiT said about the ontology plus the given world files."""

    model_config = ConfigDict(frozen=True)

    consistent: bool
    reasoner: str
    seconds: float
    triples: int
    classes: int
    individuals: int
    unsatisfiable: tuple[str, ...] = ()
    """CURIEs of named classes that can have no members (equivalent to owl:Nothing)."""
    suspects: tuple[str, ...] = ()
    """When inconsistent: statements that most likely cause it (a best-effort diagnosis)."""
    message: str


def check_consistency(paths: Sequence[Path], extra_turtle: str | None = None) -> ConsistencyReport:
    """Run HermiT over ``ontology/ops.ttl`` plus ``paths`` plus ``extra_turtle``.

    Args:
        paths: world files (Turtle, N-Triples, JSON-LD); the ontology is added anyway.
        extra_turtle: a Turtle snippet to add, e.g. a what-if change. The prefixes
            of :data:`engine.vocab.PREFIXES` are predeclared.

    Returns:
        A :class:`ConsistencyReport`; an inconsistent world is a normal result, not an error.

    Raises:
        ConfigError: no Java runtime is installed.
        ParseError: a file or the snippet is not valid RDF (names ``file:line:col``).
        ConsistencyError: HermiT failed for another reason (its message is included).
    """
    java = _java()
    started = time.perf_counter()
    graph = _merged_graph([ONTOLOGY_PATH, *paths], extra_turtle)
    with tempfile.TemporaryDirectory(prefix="tier1-hermit-") as tmp:
        consistent, unsat = _run_hermit(graph, Path(tmp), java)
    seconds = round(time.perf_counter() - started, 3)
    suspects = () if consistent else tuple(find_suspects(graph))
    return ConsistencyReport(
        consistent=consistent,
        reasoner=f"HermiT via owlready2 {owlready2.VERSION}",
        seconds=seconds,
        triples=len(graph),
        classes=_count_classes(graph),
        individuals=_count_individuals(graph),
        unsatisfiable=unsat,
        suspects=suspects,
        message=_message(consistent, unsat, suspects),
    )


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        raise ConfigError(
            f"the HermiT consistency check needs Java, found none on PATH; {_JAVA_FIX}"
        )
    owlready2.JAVA_EXE = java
    return java


def _merged_graph(paths: Sequence[Path], extra_turtle: str | None) -> Graph:
    graph = Graph()
    for path in paths:
        for triple in parse_file(Path(path)):
            graph.add(triple)
    if extra_turtle:
        for triple in _parse_extra(extra_turtle):
            graph.add(triple)
    return graph


def _parse_extra(text: str) -> list[Triple]:
    """Parse the snippet with the standard prefixes predeclared on one extra first line."""
    header = " ".join(f"@prefix {p}: <{ns}> ." for p, ns in PREFIXES.items())
    with tempfile.TemporaryDirectory(prefix="tier1-extra-") as tmp:
        path = Path(tmp) / "extra.ttl"
        path.write_text(f"{header}\n{text}", encoding="utf-8")
        try:
            return list(parse_file(path))
        except ParseError as exc:
            line = exc.line - 1 if exc.line is not None and exc.line > 1 else exc.line
            raise ParseError(exc.detail, source=_EXTRA, line=line, col=exc.col) from None


def _run_hermit(graph: Graph, tmp: Path, java: str) -> tuple[bool, tuple[str, ...]]:
    """``(consistent, unsatisfiable classes)`` from HermiT over ``graph``, in a fresh World."""
    source = tmp / "world.nt"
    graph.serialize(destination=source, format="nt", encoding="utf-8")
    world = owlready2.World()
    try:
        onto = world.get_ontology(source.as_uri()).load(format="ntriples")
        try:
            with onto:
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError as exc:
            _remove_reasoner_input(exc)
            return False, ()
        except owlready2.OwlReadyJavaError as exc:
            _remove_reasoner_input(exc)
            raise ConsistencyError(
                f"HermiT ({java}) failed before reaching a verdict: {exc}; check the world "
                f"uses only OWL 2 datatypes, or {_JAVA_FIX}"
            ) from None
        unsat = tuple(sorted(curie(URIRef(c.iri)) for c in world.inconsistent_classes()))
        return True, unsat
    finally:
        world.close()


def _remove_reasoner_input(exc: BaseException) -> None:
    """Delete the N-Triples file owlready2 wrote for HermiT, which it keeps when HermiT fails.

    owlready2 names it only in a local variable (``tmp``) of the reasoning call,
    so look it up in the traceback; if owlready2 changes, nothing is removed.
    """
    tb = exc.__traceback__
    while tb is not None:
        tmp = tb.tb_frame.f_locals.get("tmp") if tb.tb_frame.f_code.co_name.startswith(
            "sync_reasoner") else None
        name = getattr(tmp, "name", None)
        if isinstance(name, str):
            Path(name).unlink(missing_ok=True)
            return
        tb = tb.tb_next


def _count_classes(graph: Graph) -> int:
    return sum(1 for s in set(graph.subjects(RDF.type, OWL.Class)) if isinstance(s, URIRef))


_SCHEMA_NS = (str(OWL), str(RDF), "http://www.w3.org/2000/01/rdf-schema#")


def _count_individuals(graph: Graph) -> int:
    """Named subjects typed with something other than an OWL/RDF(S) meta-class."""
    found: set[Node] = {
        s for s, o in graph.subject_objects(RDF.type)
        if isinstance(s, URIRef) and not isinstance(o, BNode) and not str(o).startswith(_SCHEMA_NS)
    }
    found.update(graph.subjects(RDF.type, OWL.NamedIndividual))
    return len(found)


def _message(consistent: bool, unsat: tuple[str, ...], suspects: tuple[str, ...]) -> str:
    if not consistent:
        head = "inconsistent: no model satisfies the ontology plus this world"
        if suspects:
            return f"{head}; likely cause: {'; '.join(suspects)}"
        return f"{head}; no simple cause found, remove recent additions one by one to find it"
    if unsat:
        return f"consistent, but these classes can have no members: {', '.join(unsat)}"
    return "consistent"
