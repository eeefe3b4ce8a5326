"""Reading and writing RDF files: Turtle, N-Triples, JSON-LD (plus TriG/N-Quads export).

Loading parses every file completely before anything is committed, then
applies one :class:`~engine.store.Delta` as one commit: a bad file anywhere
means nothing is written. Parse errors carry ``file:line:col``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import rdflib
from pydantic import BaseModel, ConfigDict
from rdflib import Literal, URIRef
from rdflib.namespace import NamespaceManager
from rdflib.plugins.parsers.notation3 import BadSyntax

from engine._files import write_atomically
from engine.errors import InputError, ParseError
from engine.store import Commit, CommitMeta, Delta, GraphStore
from engine.terms import Quad, Triple, shorten, sorted_quads
from engine.vocab import PREFIXES, RUN, GraphName
from engine.world._iris import exportable, refuse_bad_iris, refuse_bad_jsonld_iris
from engine.world._ntriples import (
    ill_typed,
    ill_typed_error,
    parse_ntriples,
    quiet_literal_warnings,
    write_ntriples,
)

__all__ = [
    "EXPORT_FORMATS",
    "LoadRequest",
    "export_format_for",
    "export_graphs",
    "format_for",
    "load_files",
    "parse_file",
    "read_text_file",
    "refuse_ill_typed",
    "sorted_graph",
    "stable_jsonld",
    "turtle_error",
]

_SUFFIX = {
    ".ttl": "turtle", ".turtle": "turtle", ".nt": "nt", ".ntriples": "nt",
    ".jsonld": "json-ld", ".json": "json-ld", ".trig": "trig", ".nq": "nquads",
    ".nquads": "nquads",
}
EXPORT_FORMATS = ("turtle", "nt", "json-ld", "trig", "nquads")
Progress = Callable[[str, int], None]


def format_for(path: Path, explicit: str | None = None) -> str:
    """The RDF format of ``path``: ``explicit`` if given, else from its suffix."""
    if explicit:
        return explicit
    fmt = _SUFFIX.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            f"{path}: cannot tell the RDF format from the suffix {path.suffix!r}; "
            "use .ttl, .nt or .jsonld, or pass --input-format turtle|nt|json-ld"
        )
    return fmt


def export_format_for(output: Path | None, explicit: str | None,
                      allowed: Sequence[str] = EXPORT_FORMATS) -> str:
    """The format to write: ``explicit`` if given, else the one ``output``'s suffix names
    (``prov.jsonld`` is JSON-LD), else Turtle."""
    if explicit:
        return explicit
    fmt = _SUFFIX.get(output.suffix.lower()) if output is not None else None
    if fmt is None or output is None:
        return "turtle"
    if fmt not in allowed:
        raise InputError(
            f"{output}: the suffix {output.suffix!r} names {fmt}, which this command does not "
            f"write; pass --to {' or --to '.join(allowed)}, or name the file for one of them"
        )
    return fmt


def parse_file(path: Path, fmt: str | None = None) -> list[Triple]:
    """All triples of one file, or a :class:`ParseError` naming ``file:line:col``."""
    fmt = format_for(path, fmt)
    if fmt == "nt":
        with _reading(path), path.open(encoding="utf-8") as fh:
            return list(parse_ntriples(fh, source=str(path)))
    return _parse_with_rdflib(read_text_file(path), path, fmt)


def read_text_file(path: Path) -> str:
    """The text of a file a user named, or one line naming it and the fix."""
    with _reading(path):
        return path.read_text(encoding="utf-8")


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    try:
        yield
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a directory; pass the files inside it") from None
    except UnicodeDecodeError as exc:
        raise ParseError(f"not UTF-8 text ({exc.reason}); re-encode the file as UTF-8",
                         source=str(path)) from None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _refuse_lone_surrogates(triples: list[Triple], path: Path, data: str) -> None:
    """A literal written with a lone surrogate escape (``"x\\uD800"``) is not text: no store
    can hold it (SQLite's insert failed with a traceback; QA pass 9 N6)."""
    bad = next((m for _, _, o in triples if isinstance(o, Literal)
                and (m := _SURROGATE.search(str(o))) is not None), None)
    if bad is None:
        return
    code = f"{ord(bad.group()):04X}"
    at = min((i for i in (data.find(f"\\u{code}"), data.find(f"\\u{code.lower()}")) if i >= 0),
             default=-1)
    line, col = ParseError.locate(data, at) if at >= 0 else (None, None)
    raise ParseError(f"escape \\u{code} in a literal is a lone surrogate, not a character; "
                     "write the character itself, or its \\UXXXXXXXX escape",
                     source=str(path), line=line, col=col)


def _parse_with_rdflib(data: str, path: Path, fmt: str) -> list[Triple]:
    if fmt == "json-ld":
        refuse_bad_jsonld_iris(data, path)
    with quiet_literal_warnings():
        triples = _rdflib_triples(data, path, fmt)
    refuse_ill_typed((o for _, _, o in triples), path, data)
    refuse_bad_iris(triples, path, data)
    _refuse_lone_surrogates(triples, path, data)
    odd = next((t for t in triples if isinstance(t[0], Literal) or not isinstance(t[1], URIRef)),
               None)
    if odd is not None:  # Turtle's parser takes a literal subject; no store can hold one
        raise ParseError(f"({odd[0].n3()} {odd[1].n3()} ...) is not an RDF statement: a subject "
                         "must be an IRI or a blank node, a predicate an IRI; fix the data",
                         source=str(path))
    return triples


def _rdflib_triples(data: str, path: Path, fmt: str) -> list[Triple]:
    g = rdflib.Graph()
    try:
        g.parse(data=data, format=fmt, publicID=path.resolve().as_uri())
    except BadSyntax as exc:
        raise turtle_error(exc, path) from None
    except json.JSONDecodeError as exc:
        raise ParseError(f"invalid JSON: {exc.msg}", source=str(path), line=exc.lineno,
                         col=exc.colno) from None
    except ValueError as exc:
        if type(exc).__name__ == "JSONDecodeError":  # orjson's, same fields
            line, col = getattr(exc, "lineno", None), getattr(exc, "colno", None)
            raise ParseError(f"invalid JSON: {exc}", source=str(path), line=line, col=col) from None
        raise ParseError(f"cannot read as {fmt}: {exc}", source=str(path)) from None
    except Exception as exc:  # rdflib plugins raise assorted types
        raise ParseError(f"cannot read as {fmt}: {exc}", source=str(path)) from None
    return list(g)  # type: ignore[arg-type]


def turtle_error(exc: BadSyntax, path: Path) -> ParseError:
    """A Turtle syntax error at ``path``'s line:col, with a hint for the usual mistakes."""
    text = exc._str.decode("utf-8", "replace") if isinstance(exc._str, bytes) else str(exc._str)
    line, col = ParseError.locate(text, exc._i)
    why = str(exc._why)
    return ParseError(f"{why}{_turtle_hint(why)}", source=str(path), line=line, col=col)


_TYPED = re.compile(  # a quoted lexical form, then ^^ and the datatype (Turtle family)
    r'(?:"""(.*?)"""|\'\'\'(.*?)\'\'\'|"((?:[^"\\\n]|\\.)*)"|\'((?:[^\'\\\n]|\\.)*)\')'
    r"\s*\^\^\s*(<[^>]*>|[\w.-]*:[\w.-]*)", re.S)
_VALUE = re.compile(r'"@value"\s*:\s*("(?:[^"\\]|\\.)*")')  # JSON-LD


def refuse_ill_typed(terms: Iterable[object], path: Path, data: str) -> None:
    """The loader's ``file:line:col`` error for the first ill-typed literal among ``terms``,
    parsed from ``data`` (the text of ``path``); also for readers of other files (plan files)."""
    bad = [t for t in terms if ill_typed(t)]
    if bad:
        raise _ill_typed_error(bad, data, path)


def _ill_typed_error(bad: list[Literal], data: str, path: Path) -> ParseError:
    """Name the first ill-typed literal as written in the file, and how many more there are.

    rdflib keeps a normalised form (``"yes"^^xsd:boolean`` becomes ``"false"``), so
    the file's text is scanned for a written literal that reads as one of ``bad``.
    """
    more = len(set(bad)) - 1
    with quiet_literal_warnings():
        hit = _first_written(set(bad), data)
    if hit is None:
        return ill_typed_error(bad[0], str(path), more=more)
    offset, lit, written = hit
    line, col = ParseError.locate(data, offset)
    return ill_typed_error(lit, str(path), line=line, col=col, written=written, more=more)


def _first_written(bad: set[Literal], data: str) -> tuple[int, Literal, str] | None:
    types = {lit.datatype for lit in bad if lit.datatype is not None}
    found: list[tuple[int, Literal, str]] = []
    for m in _TYPED.finditer(data):
        lex = next(g for g in m.groups()[:4] if g is not None)
        written = m.group(5).rstrip(">")
        found += [(m.start(), c, lex) for t in types if written.endswith(_local_suffixes(t))
                  if (c := Literal(lex, datatype=t)) in bad and c.ill_typed]
        if found:
            return found[0]
    for m in _VALUE.finditer(data):
        lex = json.loads(m.group(1))
        found += [(m.start(1), c, lex) for t in types
                  if (c := Literal(lex, datatype=t)) in bad and c.ill_typed]
        if found:
            return found[0]
    return None


def _local_suffixes(datatype: str) -> tuple[str, str]:
    """How a written datatype ends: ``<...#integer>`` or ``xsd:integer``."""
    local = datatype.rsplit("#", 1)[-1]
    return f"#{local}", f":{local}"


def _turtle_hint(why: str) -> str:
    if "not bound" in why and "Prefix" in why:
        pfx = why.split('"')[1] if '"' in why else "x:"
        return f"; declare it, e.g. '@prefix {pfx} <https://...#> .' at the top of the file"
    if "newline found in string" in why:
        return '; close the string with " on the same line, or use """long strings"""'
    if "expected" in why.lower():
        return "; check for a missing '.', ';' or ',' at the end of the previous statement"
    return ""


class LoadRequest(BaseModel):
    """One ``tier1 load``: files into one graph, as one commit."""

    model_config = ConfigDict(frozen=True)

    paths: tuple[Path, ...]
    graph: GraphName = GraphName.ASSERTED
    fmt: str | None = None
    author: str
    message: str | None = None


_RECORDS = str(RUN["prov/"])


def _refuse_record_subjects(store: GraphStore, triples: Iterable[Triple], path: Path) -> None:
    """Statements about a provenance record of this store (``run:prov/...``) belong to its
    hash-chained record only: beside it, in any graph, they would mix into what the audits
    read of the record (on Neo4j a record's literal properties hold the values of every
    graph). Another store's records (an exported chain) load as plain data."""
    records = {URIRef(str(t[0]).split("#", 1)[0]) for t in triples
               if str(t[0]).startswith(_RECORDS)}
    for rec in sorted(records):
        if next(iter(store.quads((rec, None, None), graphs=(GraphName.PROVENANCE,))), None):
            raise InputError(
                f"{path}: {shorten(rec)} is a provenance record of this store, which only "
                "tier1's recorder writes: statements about it beside the record would change "
                "what the audits report; annotate it in a separate store, or name another "
                "subject")


def load_files(store: GraphStore, req: LoadRequest, progress: Progress | None = None) -> Commit:
    """Parse every file, then commit them all at once (nothing is written on any error)."""
    triples: list[Triple] = []
    for path in req.paths:
        got = parse_file(path, req.fmt)
        _refuse_record_subjects(store, got, path)
        triples.extend(got)
        if progress:
            progress(str(path), len(got))
    delta = Delta.of(triples, graph=req.graph)
    names = ", ".join(p.name for p in req.paths)
    msg = req.message or f"load {names}"
    return store.commit(delta, CommitMeta(author=req.author, message=msg))


def export_graphs(
    store: GraphStore, out: Path | None, fmt: str, graphs: Sequence[GraphName], at: int | None,
) -> str | None:
    """Write the chosen graphs (as of ``at``) to ``out`` atomically, or return the text."""
    if fmt not in EXPORT_FORMATS:
        raise InputError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    if fmt in ("turtle", "nt", "json-ld") and len(graphs) > 1:
        raise InputError(
            f"{fmt} holds one graph; pick one with --graph, or use --to trig or nquads for several"
        )
    chunks = _render(store, fmt, graphs, at)
    if out is None:
        return "".join(chunks)
    write_atomically(out, chunks)
    return None


def _render(store: GraphStore, fmt: str, graphs: Sequence[GraphName], at: int | None) -> Iterable[str]:
    """The chosen graphs as ``fmt``, the same bytes for the same quads: rdflib's writers follow
    the graph's order (filled sorted here) except where they go through sets (handled after).
    An IRI no file can hold (an older store's) is a :class:`StoreError` naming it."""
    found = exportable(store.quads(graphs=graphs, at=at))
    if fmt == "nt":
        return write_ntriples((s, p, o) for s, p, o, _ in found)
    if fmt in ("turtle", "json-ld"):  # one graph (export_graphs checked)
        text = sorted_graph(found).serialize(format=fmt)
        return [stable_jsonld(text) if fmt == "json-ld" else text]
    quads = sorted_quads(found)
    if fmt == "nquads":
        text = _dataset(quads).serialize(format=fmt)
        return ["".join(sorted(text.splitlines(keepends=True)))]
    # trig: one graph at a time, in GraphName order (rdflib orders a dataset's graphs by a set)
    names = _dataset(()).namespace_manager  # one for every graph: a prefix rdflib makes up
    parts = [_dataset([q for q in quads if q[3] is g], names).serialize(format=fmt)  # (ns1:)
             for g in GraphName if any(q[3] is g for q in quads)]  # names one namespace
    return [_prefixes(parts), *(_no_prefixes(t) for t in parts)]


def _prefixes(trigs: Sequence[str]) -> str:
    """The ``@prefix`` lines of every part, once each, sorted: each part declares only the
    prefixes it uses, and the file needs them all before its first graph (QA pass 10 #2: with
    the first part's alone, ``export --graph all`` wrote TriG no reader takes back). The
    parts share one namespace manager, so a prefix means one namespace in all of them (QA
    pass 11 #5: each part made up its own ``ns1:``)."""
    lines = {ln for t in trigs for ln in t.splitlines(keepends=True) if ln.startswith("@prefix")}
    return "".join(sorted(lines))


def sorted_graph(quads: Iterable[Quad]) -> rdflib.Graph:
    """``quads``' triples as an rdflib graph with the prefixes bound, filled in sorted order:
    rdflib's writers follow a graph's insertion order, so the same triples give the same
    bytes (what set order they go through, :func:`stable_jsonld` puts back in order)."""
    g = rdflib.Graph()
    for pfx, ns in PREFIXES.items():
        g.bind(pfx, ns)
    for s, p, o, _ in sorted_quads(quads):
        g.add((s, p, o))
    return g


def _dataset(quads: Iterable[Quad], names: NamespaceManager | None = None) -> rdflib.Dataset:
    ds = rdflib.Dataset()
    if names is not None:
        ds.namespace_manager = names
    for pfx, ns in PREFIXES.items():
        ds.bind(pfx, ns)
    for s, p, o, g in quads:
        ds.graph(g.iri).add((s, p, o))
    return ds


def _no_prefixes(trig: str) -> str:
    return "".join(ln for ln in trig.splitlines(keepends=True) if not ln.startswith("@prefix"))


def stable_jsonld(text: str) -> str:
    """rdflib's JSON-LD writer lists the nodes in the order of a set of subjects, which
    changes from run to run: sorted by ``@id`` (from a graph filled in sorted order, so the
    values within a node keep one order too), the same graph gives the same bytes."""
    doc = json.loads(text)
    nodes = doc.get("@graph") if isinstance(doc, dict) else doc if isinstance(doc, list) else None
    if isinstance(nodes, list):
        nodes.sort(key=lambda n: str(n.get("@id", "")) if isinstance(n, dict) else "")
    return json.dumps(doc, indent=2, ensure_ascii=False)


