"""Regression: `tier1 infer --now T` dated its commit T. One `infer --now 2099-...` dated every
later commit (commit times never go backwards) in 2099, so time travel by time missed them,
and the default evaluation time (the later of the newest commit and the wall clock) stayed in
2099, which killed every time-window rule on that store (QA pass 3, #2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from engine.cli import app
from engine.store import open_store

REPO = Path(__file__).resolve().parents[2]


def test_infer_now_is_the_evaluation_time_not_the_commit_date(tmp_path: Path) -> None:
    spec = str(tmp_path / "w.db")
    r = CliRunner()
    assert r.invoke(app, ["--store", spec, "load", str(REPO / "ontology/examples/estate.ttl")]
                    ).exit_code == 0
    res = r.invoke(app, ["--store", spec, "infer", "--now", "2099-01-01T00:00:00Z"])
    assert res.exit_code == 0, res.output
    extra = tmp_path / "more.ttl"
    extra.write_text("<https://example.org/estate/new> a <https://w3id.org/tier1/ops#Service> .\n")
    assert r.invoke(app, ["--store", spec, "load", str(extra)]).exit_code == 0
    store = open_store(spec)
    log = store.log(limit=None)
    store.close()
    soon = datetime.now(UTC) + timedelta(minutes=5)
    assert all(c.timestamp < soon for c in log), [(c.seq, c.timestamp) for c in log]
    assert "evaluated at 2099-01-01T00:00:00+00:00" in log[1].message  # newest first: the infer
