"""Regression (QA3 #11): ``infer --rules mine.rules`` silently deleted every inference the
default pack had made. It still replaces the inferred graph, but now says so on stderr."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from engine.cli import app

ROOT = Path(__file__).resolve().parents[2]
MINE = """rule qa.host-hot
  version 1
when
  ?h a ops:Host
  ?h ops:diskUsedPercent ?used
  filter ?used > 80
then
  ?h ops:health "degraded"
end
"""
NOW = ["--now", "2026-11-28T08:05:00Z"]


def test_switching_rule_sets_warns_with_count_and_fix(tmp_path: Path) -> None:
    store = ["--store", str(tmp_path / "s.db")]
    run = CliRunner().invoke
    assert run(app, [*store, "load", str(ROOT / "ontology" / "ops.ttl"),
                     str(ROOT / "ontology" / "examples" / "estate.ttl")]).exit_code == 0
    first = run(app, [*store, "infer", *NOW])
    assert first.exit_code == 0 and "warning" not in first.stderr
    mine = tmp_path / "mine.rules"
    mine.write_text(MINE)
    again = run(app, [*store, "infer", "--rules", str(ROOT / "rules" / "ops"), *NOW])
    assert "warning" not in again.stderr  # same rule set: nothing to warn about
    dry = run(app, [*store, "infer", "--rules", str(mine), "--dry-run", *NOW])
    removed = sum(1 for ln in dry.stdout.splitlines() if ln.startswith("- "))
    assert removed > 0
    assert f"would remove {removed} inferred triple(s)" in dry.stderr
    assert "--rules rules/ops --rules mine.rules, or --dry-run first" in dry.stderr
    real = run(app, [*store, "infer", "--rules", str(mine), *NOW])
    assert real.exit_code == 0
    assert len(real.stderr.strip().splitlines()) == 1
    assert f"removed {removed} inferred triple(s)" in real.stderr
    both = run(app, [*store, "infer", "--rules", str(ROOT / "rules" / "ops"), "--rules", str(mine),
                     *NOW])
    assert both.exit_code == 0 and "warning" not in both.stderr  # adds back, removes nothing
