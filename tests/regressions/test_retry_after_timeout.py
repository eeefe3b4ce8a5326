"""Regression: a retry of a timed-out step was recorded as starting 30 s *before* the timed-out
attempt ended (the loop's clock stayed at the attempt's start while the agent ran), so the two
attempts overlapped in the audit trail and the live view (QA pass 3, #8)."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from engine.planning._runner import run_scenario
from engine.planning._scenario import load_scenario
from engine.planning._wiring import LoopSetup, real_ports
from engine.store import SqliteStore
from engine.vocab import GraphName
from engine.world import rows_of, run_sparql

REPO = Path(__file__).resolve().parents[2]
ATTEMPTS = """SELECT ?start ?end ?status WHERE {
  ?a a ops:StepExecution ; prov:startedAtTime ?start ; prov:endedAtTime ?end ; ops:status ?status
} ORDER BY ?start"""


def test_each_attempt_starts_after_the_one_before_ended(tmp_path: Path) -> None:
    sc = load_scenario(REPO / "scenarios" / "disk-full.toml")  # the first attempt times out
    setup = LoopSetup(rules=(REPO / "rules" / "ops",), shapes=(REPO / "shapes",))
    store = SqliteStore(tmp_path / "w.db", create=True)
    result = run_scenario(store, sc, lambda st, s: real_ports(st, s, setup, s.start),
                          config=setup.config)
    assert result.passed, result.problems
    _, rows = rows_of(run_sparql(store, ATTEMPTS, (GraphName.PROVENANCE,)))
    store.close()
    assert [str(r[2]) for r in rows][:2] == ["timed_out", "succeeded"], rows
    for before, after in pairwise(rows):
        assert after[0].toPython() >= before[1].toPython(), (before, after)
