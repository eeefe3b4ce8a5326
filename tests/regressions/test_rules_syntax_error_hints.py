"""Regression (QA3 #18): rule syntax errors that did not say the fix.

A two-term pattern printed a raw '\\n', a missing ``end`` blamed the next ``rule``, an
unterminated description said "unexpected character", ``5 minutes`` said "one statement
per line", and an IRI with a space said it expected an IRI and found '<'.
"""

from __future__ import annotations

import pytest

from engine.errors import ParseError
from engine.inference import parse_text

HEAD = "rule x.r\n  version 1\n"


@pytest.mark.parametrize(("text", "says"), [
    (HEAD + "when\n  ?a ops:about\nthen\n  ?a ops:health \"bad\"\nend\n",
     r"^r\.rules:4:15: rule x\.r: a triple needs a subject, a predicate and an object, found 2 "
     r"term\(s\) before the end of the line; complete it"),
    (HEAD + "when\n  ?a ops:about ?b\nthen\n  ?a ops:likelyCause ?b\n\nrule x.next\nwhen\n"
     "  ?a ops:about ?b\nthen\n  ?b ops:likelyCause ?a\nend\n",
     r"^r\.rules:8:1: rule x\.r: missing 'end' for rule x\.r \(opened at line 1\); "
     r"add it before line 8"),
    (HEAD + "when\n  ?a ops:about ?b\nthen\n  ?a ops:likelyCause ?b\n",
     r"missing 'end' for rule x\.r \(opened at line 1\); add it at the end of the file"),
    (HEAD + "  description \"unterminated\nwhen\n  ?a ops:about ?b\nthen\n  ?a ops:about ?b\nend\n",
     r"^r\.rules:3:15: rule x\.r: unterminated string: close it with '\"' on the same line"),
    (HEAD + "when\n  ?a ops:firedAt ?t\n  filter ?t > now - 5 minutes\nthen\n  ?a ops:about ?a\nend\n",
     r"^r\.rules:5:23: rule x\.r: unknown duration unit 'minutes'; write 30s, 5min, 2h or 1d$"),
    (HEAD + "when\n  ?a ops:firedAt ?t\n  filter (?t > now - 5 hours)\nthen\n  ?a ops:about ?a\nend\n",
     r"unknown duration unit 'hours'; write 30s, 5min, 2h or 1d$"),
    ("prefix zz: <not an iri>\n",
     r"^r\.rules:1:12: IRI '<not an iri>' contains a space; .*%20"),
    (HEAD + "when\n  ?a ops:about ?b\nthen\n  ?a ops:likelyCause <http://x/a b>\nend\n",
     r"IRI '<http://x/a b>' contains a space"),
])
def test_syntax_errors_say_the_fix(text: str, says: str) -> None:
    with pytest.raises(ParseError, match=says) as got:
        parse_text(text, "r.rules")
    assert "found '\\n'" not in str(got.value)
