"""Escapes that name no character are refused at their line, not with a traceback (QA pass 9
N6): a lone surrogate (half of a UTF-16 pair) no store can hold, and a code point past
U+10FFFF."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import ParseError
from engine.world import parse_file

HEAD = "@prefix ex: <https://e.org/> .\nex:a ex:p \"ok\" .\n"


@pytest.mark.parametrize(("name", "text", "line", "says"), [
    ("surrogate.nt", '<https://e.org/a> <https://e.org/p> "x\\uD800" .\n', 1,
     "escape \\uD800 is a lone surrogate"),
    ("surrogate-iri.nt", '<https://e.org/a\\uDC00> <https://e.org/p> "x" .\n', 1,
     "escape \\uDC00 is a lone surrogate"),
    ("beyond.nt", '<https://e.org/a> <https://e.org/p> "x\\U00110000" .\n', 1,
     "names no character (the last is U+10FFFF)"),
    ("surrogate.ttl", HEAD + 'ex:a ex:p "x\\uD800" .\n', 3,
     "escape \\uD800 in a literal is a lone surrogate"),
])
def test_an_escape_that_names_no_character_is_a_parse_error_at_its_line(
        tmp_path: Path, name: str, text: str, line: int, says: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParseError) as err:
        parse_file(path)
    assert err.value.line == line and says in str(err.value)


def test_a_character_past_the_basic_plane_written_as_an_escape_loads(tmp_path: Path) -> None:
    path = tmp_path / "emoji.nt"
    path.write_text('<https://e.org/a> <https://e.org/p> "x\\U0001F600" .\n', encoding="utf-8")
    ((_, _, o),) = parse_file(path)
    assert str(o) == "x\U0001f600"
