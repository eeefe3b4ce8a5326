"""Regression (QA3 #15): ``rules check`` accepted a misspelt ``ops:`` term (the rule then
matched nothing), ``propose`` of an unknown action type, a non-numeric version and a
redefined ``ops:`` prefix."""

from __future__ import annotations

import pytest

from engine.errors import ParseError
from engine.inference import load_rules, parse_text
from engine.inference._load import default_rules_dir
from engine.terms import curie
from engine.vocab import ACTION_TYPES


def _rule(body: str = "?h ops:diskUsedPercent ?v", head: str = "?h ops:health \"degraded\"",
          header: str = "  version 1\n") -> str:
    return f"rule x.r\n{header}when\n  {body}\nthen\n  {head}\nend\n"


@pytest.mark.parametrize(("text", "says"), [
    (_rule(body="?h ops:diskUsedPercnt ?v"),
     r"^r\.rules:4:6: rule x\.r: ops:diskUsedPercnt is not a term of the ops ontology "
     r".*did you mean ops:diskUsedPercent\?"),
    (_rule(head="?h <https://w3id.org/tier1/ops#helth> \"x\""), r"did you mean ops:health\?"),
    (_rule(head="propose ops:Restrat ?h"),
     r"propose needs an ops action type, not <https://w3id.org/tier1/ops#Restrat>; "
     r"did you mean ops:Restart\?"),
    (_rule(head="propose ops:Host ?h"),
     r"propose needs an ops action type, not <https://w3id.org/tier1/ops#Host>"),
    (_rule(head="propose ex:Restart ?h"), r"did you mean ops:Restart\?"),
    (_rule(header="  version one\n"), r"^r\.rules:2:11: rule x\.r: version must be a whole number"),
    (_rule(header="  version 1.5\n"), r"version must be a whole number"),
    ("prefix ops: <https://example.org/my-ops#>\n" + _rule(),
     r"^r\.rules:1:13: prefix 'ops:' is predeclared as <https://w3id.org/tier1/ops#> and "
     r"cannot be rebound"),
    ("prefix rdf: <https://example.org/x#>\n", r"prefix 'rdf:' is predeclared"),
])
def test_refused_with_file_line_and_fix(text: str, says: str) -> None:
    with pytest.raises(ParseError, match=says):
        parse_text(text, "r.rules")


def test_still_accepted() -> None:
    ok = ("prefix ops: <https://w3id.org/tier1/ops#>\nprefix my: <https://example.org/my#>\n"
          + _rule(head="propose ops:Restart ?h reason=my:full"))
    assert [r.id for r in parse_text(ok, "r.rules")] == ["x.r"]
    assert parse_text(_rule(head="propose ?a ?h"), "r.rules")[0].heads


def test_shipped_packs_load_and_every_action_type_may_be_proposed() -> None:
    for pack in sorted(p for p in default_rules_dir().iterdir() if p.is_dir()):
        assert load_rules([pack]).rules
    for action in sorted(ACTION_TYPES, key=str):  # one list (engine.vocab) for rules and planner
        assert parse_text(_rule(head=f"propose {curie(action)} ?h"), "r.rules")[0].heads
