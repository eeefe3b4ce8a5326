"""Regression (QA3 #22): a rules file reached twice clashed with itself.

``tier1 rules check rules/ops rules/ops/remediation.rules`` failed with "the id is
already used at <the same place>"; so did ``infer --rules`` with the same paths.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from engine.cli import app
from engine.inference import load_rules

RULE = "rule t.one\n  version 1\nwhen\n  ?a ops:about ?b\nthen\n  ?a ops:likelyCause ?b\nend\n"


def _pack(tmp_path: Path) -> Path:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "one.rules").write_text(RULE)
    (pack / "two.rules").write_text(RULE.replace("t.one", "t.two"))
    return pack


def test_dir_plus_one_of_its_files_loads_once(tmp_path: Path) -> None:
    pack = _pack(tmp_path)
    rs = load_rules([pack, pack / "one.rules", tmp_path / "pack" / ".." / "pack" / "two.rules"])
    assert sorted(r.id for r in rs.rules) == ["t.one", "t.two"]


def test_cli_check_accepts_overlapping_paths(tmp_path: Path) -> None:
    pack = _pack(tmp_path)
    r = CliRunner().invoke(app, ["rules", "check", str(pack), str(pack / "two.rules")])
    assert r.exit_code == 0, r.output
    assert "2 rules" in r.output


def test_a_real_clash_is_still_refused(tmp_path: Path) -> None:
    pack = _pack(tmp_path)
    (tmp_path / "copy.rules").write_text(RULE)
    r = CliRunner().invoke(app, ["rules", "check", str(pack), str(tmp_path / "copy.rules")])
    assert r.exit_code == 1
    assert "already used at" in r.output and "one.rules" in r.output
