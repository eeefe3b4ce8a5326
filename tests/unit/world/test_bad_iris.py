"""An IRI no RDF file can hold (a space, ``<``, a control, U+2028, a non-character...) is
refused by every loader at its ``file:line:col``, and export names one an older store holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from engine.errors import ParseError, StoreError
from engine.provenance import export_provenance
from engine.store import CommitMeta, Delta, GraphStore, MemoryStore, SqliteStore
from engine.vocab import GraphName
from engine.world import EXPORT_FORMATS, export_graphs, parse_file

HEAD = "@prefix ex: <https://e.org/> .\n"
GOOD = "ex:a ex:label \"a\" .\n"

# name, file text, (line, col) of the bad IRI, the character named
CASES = {
    "space.ttl": (HEAD + GOOD + "ex:a ex:p <https://e.org/a b> .\n", (3, 11), "' '"),
    "escaped-space.ttl": (HEAD + GOOD + "ex:a ex:p <https://e.org/a\\u0020b> .\n", (3, 11), "' '"),
    "escaped-lt.ttl": (HEAD + GOOD + "ex:a ex:p <https://e.org/a\\u003Cb> .\n", (3, 11), "'<'"),
    "c1.ttl": (HEAD + GOOD + "ex:a ex:p <https://e.org/a\\u0085b> .\n", (3, 11), "'\\x85'"),
    "comment-first.ttl": (HEAD + "# <https://e.org/a b> in a comment\nex:a ex:p <https://e.org/a b> .\n",
                          (3, 11), "' '"),
    "string-first.ttl": (HEAD + 'ex:a ex:p "see <https://e.org/a b>" .\n'
                         "ex:a ex:p <https://e.org/a b> .\n", (3, 11), "' '"),
    "prefix.ttl": ("@prefix x: <https://e.org/a b#> .\n" + "x:a x:p x:c .\n", (1, 12), "' '"),
    "datatype.ttl": (HEAD + GOOD + "ex:a ex:p \"v\"^^<https://e.org/d\\u0020t> .\n", (3, 16),
                     "' '"),
    "c1.nt": ("<https://e.org/a> <https://e.org/l> \"a\" .\n"
              "<https://e.org/a\u0085b> <https://e.org/p> <https://e.org/c> .\n", (2, 1), "'\\x85'"),
    "line-separator.nt": ("<https://e.org/a> <https://e.org/p> <https://e.org/a\u2028b> .\n",
                          (1, 37), "'\\u2028'"),
    "non-character.nt": ("<https://e.org/a> <https://e.org/a\ufffe> <https://e.org/c> .\n",
                         (1, 19), "'\\ufffe'"),
    "raw-space.nt": ("<https://e.org/a> <https://e.org/p> <https://e.org/a b> .\n", (1, 37),
                     "' '"),
    "escaped-space.nt": ("<https://e.org/a> <https://e.org/p> <https://e.org/a\\u0020b> .\n",
                         (1, 37), "' '"),
    "datatype.nt": ("<https://e.org/a> <https://e.org/p> \"v\"^^<https://e.org/d\u0080> .\n",
                    (1, 42), "'\\x80'"),
    "id-space.jsonld": ('{"@id": "https://e.org/a b",\n "https://e.org/p": "v"}\n', (1, 9),
                        "' '"),
    "object-id-space.jsonld": ('{"@id": "https://e.org/a",\n'
                               ' "https://e.org/p": {"@id": "https://e.org/b c"}}\n', (2, 29),
                               "' '"),
    "type-bar.jsonld": ('{"@id": "https://e.org/a",\n "@type": "https://e.org/T|U"}\n', (2, 11),
                        "'|'"),
    "context-term.jsonld": ('{"@context": {"x": "https://e.org/y z#"},\n'
                            ' "@id": "x:a", "x:p": "v"}\n', (1, 20), "' '"),
    "coerced-value.jsonld": ('{"@context": {"p": {"@id": "https://e.org/p", "@type": "@id"}},\n'
                             ' "@id": "https://e.org/a", "p": "https://e.org/o o"}\n', (2, 33),
                             "' '"),
}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_bad_iri_is_a_parse_error_at_its_line(tmp_path: Path, name: str) -> None:
    text, (line, col), shown = CASES[name]
    path = write(tmp_path, name, text)
    with pytest.raises(ParseError) as err:
        parse_file(path)
    assert (err.value.source, err.value.line, err.value.col) == (str(path), line, col)
    msg = str(err.value)
    assert f"is not a valid IRI: it holds {shown}" in msg
    assert "percent-encode it as %" in msg
    assert "\n" not in msg


def test_an_iri_only_an_escape_can_write_is_named_by_file_and_value(tmp_path: Path) -> None:
    """A relative IRI resolves against the file's own IRI, so its text cannot be found."""
    path = write(tmp_path, "rel.ttl", HEAD + "ex:a ex:p <a\\u0020b> .\n")
    with pytest.raises(ParseError) as err:
        parse_file(path)
    assert (err.value.source, err.value.line) == (str(path), None)
    assert f"'{(tmp_path / 'a b').as_uri().replace('%20', ' ')}' is not a valid IRI" in str(err.value)


def test_several_bad_iris_name_the_first_in_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "two.ttl", HEAD + "ex:z ex:p <https://e.org/z z> .\n"
                 "ex:a ex:p <https://e.org/a a> .\n")
    with pytest.raises(ParseError) as err:
        parse_file(path)
    assert err.value.line == 2
    assert "'https://e.org/z z'" in str(err.value) and "(and 1 more)" in str(err.value)


@pytest.mark.parametrize(("name", "text"), [
    ("ok.ttl", HEAD + "ex:a ex:p <https://e.org/caf\u00e9%20au%20lait> , <urn:x:y?q=1#f> .\n"),
    ("ok.nt", "<https://e.org/caf\u00e9> <https://e.org/p> \"a b <c>\"^^<https://e.org/d%20t> .\n"),
    ("ok.jsonld", json.dumps({"@id": "https://e.org/%C3%A9", "https://e.org/p": "a b|c",
                              "https://e.org/q": {"@value": "x y", "@language": "en"}})),
])
def test_sound_iris_and_literals_with_those_characters_still_load(
    tmp_path: Path, name: str, text: str,
) -> None:
    assert parse_file(write(tmp_path, name, text))


def test_n_triples_iri_escapes_load_as_the_characters_they_name(tmp_path: Path) -> None:
    """N-Triples allows \\uXXXX and \\UXXXXXXXX in an IRI (UCHAR); the reader refused them."""
    path = write(tmp_path, "esc.nt", "<https://e.org/caf\\u00E9> <https://e.org/p> "
                 "<https://e.org/\\U0001F600> .\n")
    assert set(parse_file(path)) == {(URIRef("https://e.org/caf\u00e9"), URIRef("https://e.org/p"),
                                      URIRef("https://e.org/\U0001f600"))}


def old_store(kind: str, tmp_path: Path, graph: GraphName = GraphName.ASSERTED) -> GraphStore:
    """A store an older tier1 wrote: the bad IRI goes in through the store API, unchecked."""
    store: GraphStore = MemoryStore() if kind == "memory" else SqliteStore(
        tmp_path / "w.db", create=True)
    a, p = URIRef("https://e.org/a"), URIRef("https://e.org/p")
    store.commit(Delta.of([(a, p, URIRef("https://e.org/b c")), (a, p, Literal("ok"))],
                          graph=graph), CommitMeta(author="old", message="older tier1"))
    return store


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_export_names_the_bad_iri_its_triple_and_the_fix(
    tmp_path: Path, kind: str, fmt: str,
) -> None:
    store = old_store(kind, tmp_path)
    out = tmp_path / "out.rdf"
    graphs = (GraphName.ASSERTED,) if fmt in ("turtle", "nt", "json-ld") else tuple(GraphName)
    with pytest.raises(StoreError) as err:
        export_graphs(store, out, fmt, graphs, None)
    msg = str(err.value)
    assert "'https://e.org/b c' is not a valid IRI: it holds ' '" in msg
    assert "<https://e.org/a> <https://e.org/p> <https://e.org/b c> (asserted graph)" in msg
    assert "remove that triple" in msg and "percent-encoded" in msg
    assert not out.exists() and list(tmp_path.glob(".out.rdf*")) == []
    store.close()


def test_export_of_a_bad_datatype_iri_is_refused_too() -> None:
    store = MemoryStore()
    store.commit(Delta.of([(URIRef("https://e.org/a"), URIRef("https://e.org/p"),
                            Literal("1", datatype=URIRef("https://e.org/d\u2029t")))]),
                 CommitMeta(author="old", message="older tier1"))
    with pytest.raises(StoreError, match=r"'https://e.org/d\\u2029t' is not a valid IRI"):
        export_graphs(store, None, "nt", (GraphName.ASSERTED,), None)


@pytest.mark.parametrize("fmt", ["turtle", "json-ld"])
def test_audit_export_names_a_bad_iri_in_the_provenance_graph(tmp_path: Path, fmt: str) -> None:
    store = old_store("sqlite", tmp_path, GraphName.PROVENANCE)
    with pytest.raises(StoreError, match=r"\(provenance graph\)"):
        export_provenance(store, fmt)
    store.close()
