"""Every commit of a scenario run carries the simulated time, the executor's included: one
wall-clock commit (the agents' provenance) pushed every later commit to the wall clock and
broke time travel by time (`--at 2026-11-28T09:25:00Z`) over the run (QA pass 2)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from engine.planning._runner import run_scenario
from engine.planning._scenario import load_scenario
from engine.planning._wiring import LoopSetup, real_ports
from engine.store import SqliteStore

REPO = Path(__file__).resolve().parents[2]


def test_a_scenario_run_commits_on_the_simulated_clock(tmp_path: Path) -> None:
    sc = load_scenario(REPO / "scenarios" / "primary-db-down.toml")
    setup = LoopSetup(rules=(REPO / "rules" / "ops",), shapes=(REPO / "shapes",))
    store = SqliteStore(tmp_path / "w.db", create=True)
    result = run_scenario(store, sc, lambda st, s: real_ports(st, s, setup, s.start),
                          config=setup.config)
    assert result.passed, result.problems
    times = [c.timestamp for c in store.log(limit=None)]
    # the agents' records are committed with their effects, in the loop's "action:" commits
    assert any(c.message.startswith("action:") for c in store.log(limit=None))
    assert all(sc.start <= t <= sc.start + timedelta(hours=1) for t in times), times
    store.close()
