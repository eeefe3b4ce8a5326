"""Loading shapes: clear file:line errors for malformed shapes, and content versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import ParseError, ShapeError
from engine.policy import load_shapes

HEAD = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix ex: <http://example.org/s#> .
"""


def _write(tmp_path: Path, body: str, name: str = "s.ttl") -> Path:
    f = tmp_path / name
    f.write_text(HEAD + body)
    return f


@pytest.mark.parametrize(("body", "line", "words"), [
    ("ex:S sh:targetClass ex:C ;\n  sh:property [ sh:path ex:p ;\n    sh:minCount \"1\" ] .\n",
     7, "sh:minCount must be a non-negative xsd:integer"),
    ("ex:S sh:targetClass ex:C ;\n  sh:property [\n    sh:path \"p\" ; sh:minCount 1 ] .\n",
     7, "bad sh:path"),
    ("ex:S sh:targetClass ex:C ;\n  sh:property [ sh:path ( ex:p ) ; sh:maxCount 1 ] .\n",
     6, "at least two elements"),
    ("ex:S sh:targetClass ex:C ;\n  sh:property [ sh:path foo:p ] .\n", 6, "foo"),
    ("ex:S sh:targetClass ex:C ; sh:severity ex:Fatal .\n", 5, "sh:severity"),
    ("ex:S sh:targetClass ex:C ;\n  sh:sparql [ sh:select \"\"\"\n"
     "  SELECT $this WHERE { $this nope:x 1 }\"\"\" ] .\n",
     7, "declare every prefix it uses with sh:prefixes"),
    ("ex:S sh:targetClass ex:C ;\n  sh:sparql [ sh:select \"\"\"\n"
     "  SELECT $this WHERE { $this ex:p ?t . FILTER(?t > ) }\"\"\" ] .\n",
     7, "fix the query's syntax"),  # not a prefix problem: no prefix advice
    ("ex:S sh:targetClass ex:C\nex:T sh:targetClass ex:C .\n",
     6, "check for a missing '.'"),  # not "declare every prefix"
])
def test_malformed_shapes_name_file_and_line(tmp_path: Path, body: str, line: int, words: str) -> None:
    f = _write(tmp_path, body)
    with pytest.raises(ParseError) as err:
        load_shapes([f])
    assert err.value.source == str(f)
    assert err.value.line == line
    assert words in str(err.value)


def test_sparql_that_pyshacl_would_reject_is_refused_at_load(tmp_path: Path) -> None:
    f = _write(tmp_path, 'ex:S sh:targetClass ex:C ;\n  sh:sparql [ sh:select """\n'
               '  PREFIX ex: <http://example.org/s#>\n'
               '  SELECT $this WHERE { $this a ex:DatabaseService . }""" ] .\n')
    with pytest.raises(ParseError, match="SERVICE"):
        load_shapes([f])


def test_missing_path_is_a_shape_error(tmp_path: Path) -> None:
    with pytest.raises(ShapeError):
        load_shapes([tmp_path / "nope.ttl"])


def test_version_is_content_hash_and_version_info(tmp_path: Path) -> None:
    body = ('<http://example.org/s> a owl:Ontology ; owl:versionInfo "2.1" .\n'
            "ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .\n")
    a = load_shapes([_write(tmp_path, body, "a.ttl")])
    reordered = "\n".join(reversed(body.strip().splitlines())) + "\n"
    b = load_shapes([_write(tmp_path, reordered, "b.ttl")])
    c = load_shapes([_write(tmp_path, body.replace("minCount 1", "minCount 2"), "c.ttl")])
    assert a.version.version_info == "2.1"
    assert a.version.hash == b.version.hash  # same content, blank nodes and order aside
    assert a.version.hash != c.version.hash


def test_shipped_shapes_load_and_are_versioned() -> None:
    from engine.policy import default_shapes_dir

    shapes = load_shapes([default_shapes_dir()])
    assert shapes.version.version_info != "unversioned"
    assert len(shapes.version.hash) == 64
