"""Load shape files into one immutable :class:`ShapeSet` with a content version."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from rdflib import OWL, RDF, Graph
from rdflib.compare import to_canonical_graph
from rdflib.plugins.parsers.notation3 import BadSyntax

from engine.errors import ParseError, ShapeError
from engine.policy._lint import check_shapes
from engine.policy._model import ShapeVersion
from engine.world import quiet_literal_warnings, refuse_bad_iris, turtle_error

__all__ = ["ShapeSet", "default_shapes_dir", "load_shapes", "shape_files"]


class ShapeSet:
    """The merged shapes graph of some files, and its version. Treat it as read-only."""

    __slots__ = ("_graph", "_paths", "_version")

    def __init__(self, graph: Graph, version: ShapeVersion, paths: tuple[Path, ...]) -> None:
        self._graph = graph
        self._version = version
        self._paths = paths

    @property
    def graph(self) -> Graph:
        return self._graph

    @property
    def version(self) -> ShapeVersion:
        return self._version

    @property
    def paths(self) -> tuple[Path, ...]:
        return self._paths

    def __repr__(self) -> str:
        return f"ShapeSet({len(self._paths)} files, {self._version.version_info} {self._version.short})"


def default_shapes_dir() -> Path:
    """The repository's ``shapes/`` directory."""
    import engine

    return Path(engine.__file__).resolve().parents[1] / "shapes"


def shape_files(paths: Sequence[Path]) -> tuple[Path, ...]:
    """Expand directories to their ``*.ttl`` files (not recursive: tests live below)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(p.glob("*.ttl")))
        elif p.exists():
            out.append(p)
        else:
            raise ShapeError(f"no shapes file or directory at {p}; check the path (a shapes "
                             "folder such as shapes/, or one .ttl file)")
    if not out:
        raise ShapeError(f"no *.ttl shape files in {', '.join(map(str, paths))}")
    return tuple(out)


def load_shapes(paths: Sequence[Path]) -> ShapeSet:
    """Parse, check and merge shape files (directories mean their ``*.ttl`` files).

    Raises:
        ParseError: Turtle syntax or an unknown prefix, or a malformed shape
            (bad ``sh:path``, non-integer ``sh:minCount``...), with ``file:line``.
        ShapeError: pySHACL cannot load the shapes.
    """
    files = shape_files([Path(p) for p in paths])
    parsed = [(f, *_parse(f)) for f in files]
    merged = Graph()
    for _f, g, _text in parsed:
        merged += g
    for f, g, text in parsed:
        check_shapes(g, f, text, merged)
    _check_with_pyshacl(merged)
    return ShapeSet(merged, _version(merged), files)


def _parse(path: Path) -> tuple[Graph, str]:
    text = path.read_text(encoding="utf-8")
    g = Graph()
    try:
        with quiet_literal_warnings():  # refuse_bad_iris names a bad IRI, not rdflib's log
            g.parse(data=text, format="turtle", publicID=path.resolve().as_uri())
    except BadSyntax as exc:
        raise turtle_error(exc, path) from None
    except Exception as exc:
        raise ParseError(f"cannot read Turtle: {exc}", source=str(path)) from None
    refuse_bad_iris(g, path, text)  # a shape's IRI goes into every decision that names it
    return g, text


def _check_with_pyshacl(g: Graph) -> None:
    from pyshacl.errors import ConstraintLoadError, ReportableRuntimeError, ShapeLoadError
    from pyshacl.shapes_graph import ShapesGraph

    try:
        sg = ShapesGraph(g)
        list(sg.shapes)
    except (ShapeLoadError, ConstraintLoadError, ReportableRuntimeError) as exc:
        raise ShapeError(f"pySHACL cannot load the shapes: {exc}") from None


def _version(g: Graph) -> ShapeVersion:
    canon = to_canonical_graph(g)
    lines = sorted(canon.serialize(format="nt").splitlines())
    digest = hashlib.sha256("\n".join(x for x in lines if x).encode()).hexdigest()
    infos = sorted({str(v) for o in g.subjects(RDF.type, OWL.Ontology)
                    for v in g.objects(o, OWL.versionInfo)})
    return ShapeVersion(hash=digest, version_info=", ".join(infos) or "unversioned")
