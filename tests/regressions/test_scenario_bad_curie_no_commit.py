"""Regression: a scenario whose event had a bad CURIE (``about = "foo:orders-db-1"``)
failed with a good one-line error, but only after committing the starting world and the
initial inference: ``tier1 log`` showed "scenario ...: starting world" and "inference:
initial". The whole scenario is now checked before the first commit."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from engine.cli import app

REPO = Path(__file__).resolve().parents[2]


def test_a_bad_event_curie_leaves_the_store_empty(tmp_path: Path) -> None:
    text = (REPO / "scenarios" / "primary-db-down.toml").read_text(encoding="utf-8")
    text = text.replace('"../ontology/', f'"{REPO}/ontology/')
    text = text.replace('"calm.ru"', f'"{REPO}/scenarios/calm.ru"')
    text = text.replace('about = "ex:orders-db-1"', 'about = "foo:orders-db-1"')
    sc = tmp_path / "ev_prefix.toml"
    sc.write_text(text, encoding="utf-8")
    store = ["--store", str(tmp_path / "ev.db")]
    assert CliRunner().invoke(app, [*store, "init"]).exit_code == 0
    r = CliRunner().invoke(app, [*store, "run", str(sc)])
    assert r.exit_code == 1
    assert f"{sc}:" in r.output and "[[events]] #1 about" in r.output and "foo:orders-db-1" in r.output
    r = CliRunner().invoke(app, [*store, "log"])
    assert r.output.strip() == "(no commits yet)", r.output
