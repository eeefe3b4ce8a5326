"""Regression (QA3 leftover): a rule without ``version`` silently ran as version 1.

Audits count actions by rule version and provenance records it, so a proposing rule that
never declared a version would have its changed meaning counted as the old one. ``rules
check`` now warns about it (the rule still runs: the default is documented)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from engine.cli import app
from engine.inference import load_rules, rule_warnings

BODY = "when\n  ?i ops:health \"crashed\"\nthen\n  {head}\nend\n"
PROPOSE = "propose ops:Restart ?i"
DERIVE = "?i ops:status \"down\""


def _rules(tmp_path: Path, header: str, head: str) -> Path:
    f = tmp_path / "mine.rules"
    f.write_text(f"rule my.restart\n{header}" + BODY.format(head=head))
    return f


def test_a_proposing_rule_without_version_is_warned_about(tmp_path: Path) -> None:
    f = _rules(tmp_path, "", PROPOSE)
    [warning] = rule_warnings(load_rules([f]).rules)
    assert warning.startswith(f"{f}:1: rule my.restart proposes actions but declares no version")
    r = CliRunner().invoke(app, ["--format", "json", "rules", "check", str(f)])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)[0]["warnings"] == [warning]
    text = CliRunner().invoke(app, ["rules", "check", str(f)])
    assert f"warning: {warning}" in text.stdout


def test_a_declared_version_or_a_plain_derivation_is_not(tmp_path: Path) -> None:
    assert rule_warnings(load_rules([_rules(tmp_path, "  version 1\n", PROPOSE)]).rules) == []
    assert rule_warnings(load_rules([_rules(tmp_path, "", DERIVE)]).rules) == []


def test_the_bundled_packs_have_nothing_to_warn_about() -> None:
    r = CliRunner().invoke(app, ["--format", "json", "rules", "check"])
    assert r.exit_code == 0, r.output
    assert [x["warnings"] for x in json.loads(r.stdout)] == [[], [], []]
