"""The parse step rejects literals whose lexical form does not fit their XSD datatype."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from rdflib import XSD, Literal

from engine.errors import ParseError
from engine.world import parse_file

TTL_HEAD = (
    "@prefix ex: <https://example.org/estate/> .\n"
    "@prefix ops: <https://w3id.org/tier1/ops#> .\n"
    "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
)
BAD = [
    ("two", "integer"), ("1.5", "integer"), ("-1", "nonNegativeInteger"), ("300", "byte"),
    ("1.0", "int"), ("abc", "decimal"), ("abc", "double"), ("abc", "float"),
    ("yes", "boolean"), ("2024-13-01", "date"), ("noon", "dateTime"), ("soon", "duration"),
]
GOOD = [
    ("42", "integer"), ("+7", "integer"), ("0", "nonNegativeInteger"), ("3.25", "decimal"),
    ("1e3", "double"), ("INF", "float"), ("true", "boolean"), ("0", "boolean"),
    ("2024-01-31", "date"), ("2024-01-31T10:00:00Z", "dateTime"), ("P1D", "duration"),
]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def ttl(lex: str, dt: str) -> str:
    return f'{TTL_HEAD}\nex:a ops:label "a" .\nex:a ops:x "{lex}"^^xsd:{dt} .\n'


def nt(lex: str, dt: str) -> str:
    return (f'<https://e.org/a> <https://e.org/l> "a" .\n'
            f'<https://e.org/a> <https://e.org/x> "{lex}"^^<{XSD}{dt}> .\n')


def jsonld(lex: str, dt: str) -> str:
    doc = {"@id": "https://e.org/a",
           "https://e.org/l": "a",
           "https://e.org/x": {"@value": lex, "@type": f"{XSD}{dt}"}}
    return json.dumps(doc, indent=2) + "\n"


@pytest.mark.parametrize(("lex", "dt"), BAD)
@pytest.mark.parametrize(("suffix", "render", "line"),
                         [(".ttl", ttl, 6), (".nt", nt, 2), (".jsonld", jsonld, 5)])
def test_ill_typed_literal_is_a_parse_error_at_its_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, lex: str, dt: str, suffix: str,
    render: object, line: int, recwarn: pytest.WarningsRecorder,
) -> None:
    assert callable(render)
    path = write(tmp_path, f"bad{suffix}", render(lex, dt))
    with caplog.at_level(logging.DEBUG), pytest.raises(ParseError) as err:
        parse_file(path)
    assert (err.value.source, err.value.line) == (str(path), line)
    msg = str(err.value)
    assert msg.startswith(f"{path}:{line}")
    assert f'"{lex}" is not a valid xsd:{dt}' in msg
    assert "fix the value or its datatype" in msg
    assert "\n" not in msg
    assert not [r for r in caplog.records if r.name.startswith("rdflib")]
    assert not [w for w in recwarn if "rdflib" in w.filename and w.category is UserWarning]


@pytest.mark.parametrize(("lex", "dt"), GOOD)
@pytest.mark.parametrize(("suffix", "render"), [(".ttl", ttl), (".nt", nt), (".jsonld", jsonld)])
def test_well_typed_literals_still_load(
    tmp_path: Path, lex: str, dt: str, suffix: str, render: object,
) -> None:
    assert callable(render)
    path = write(tmp_path, f"good{suffix}", render(lex, dt))
    objects = {o for _, _, o in parse_file(path)}
    assert Literal(lex, datatype=XSD[dt]) in objects


def test_the_earliest_of_several_is_reported_with_a_count(tmp_path: Path) -> None:
    text = (f'{TTL_HEAD}ex:a ops:label "two" .\nex:a ops:n "x"^^xsd:decimal .\n'
            'ex:a ops:m "two"^^xsd:integer .\nex:b ops:m "two"^^xsd:integer .\n')
    with pytest.raises(ParseError) as err:
        parse_file(write(tmp_path, "many.ttl", text))
    assert err.value.line == 5
    assert '"x" is not a valid xsd:decimal' in str(err.value)
    assert "and 1 more" in str(err.value)


def test_without_a_findable_line_the_file_and_value_are_named(tmp_path: Path) -> None:
    text = f'{TTL_HEAD}ex:a ops:n "t\\u0077o"^^xsd:integer .\n'  # the lexical form is escaped
    path = write(tmp_path, "esc.ttl", text)
    with pytest.raises(ParseError) as err:
        parse_file(path)
    assert err.value.line is None
    assert str(err.value).startswith(f'{path}: "two" is not a valid xsd:integer')


def test_other_datatypes_are_left_alone(tmp_path: Path) -> None:
    """Only XSD datatypes are checked. (Not which XSD ones: rdflib's converters are global,
    and owlrl, loaded by the OWL 2 RL tests, registers more, xsd:gYear among them.)"""
    text = (f'{TTL_HEAD}ex:a ops:n "anything"^^ex:myType , '
            '"<a"^^<http://www.w3.org/1999/02/22-rdf-syntax-ns#XMLLiteral> .\n')
    assert len(parse_file(write(tmp_path, "other.ttl", text))) == 2
