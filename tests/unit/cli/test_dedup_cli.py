"""QA F3 with the real rules and shapes: the sample estate holds an open incident on
ex:checkout, and the rules mint another for the same service, so two goals name it. The
restart budget blocks the plan and ex:maria is paged: once, not once per goal, through an
emergency approval, the hand-back and a later outage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from engine.cli import app

REPO = Path(__file__).resolve().parents[3]
CHECKOUT = "https://example.org/estate/checkout"


def _json(runner: CliRunner, store: str, *args: str, stdin: str | None = None) -> Any:
    r = runner.invoke(app, ["--store", store, *args, "--format", "json"], input=stdin)
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def _plans(runner: CliRunner, store: str) -> list[tuple[str, str]]:
    return sorted((p["iri"], p["state"]) for p in _json(runner, store, "plans")
                  if p["entity"] == CHECKOUT)


def _goals(runner: CliRunner, store: str) -> list[str]:
    return sorted(g["status"] for g in _json(runner, store, "goal", "list")
                  if g["entity"] == CHECKOUT)


def _pages(runner: CliRunner, store: str) -> list[str]:
    rows = _json(runner, store, "audit", "service-history", "--service", "ex:checkout")["rows"]
    return [r["plan"] for r in rows if r["action"].endswith("#Page") and r["status"] == "succeeded"]


def _lines(*events: dict[str, object]) -> str:
    return "".join(json.dumps(e) + "\n" for e in events)


def test_two_incidents_on_one_service_are_one_plan_and_one_page(tmp_path: Path) -> None:
    runner = CliRunner()
    store = str(tmp_path / "world.db")
    assert runner.invoke(app, ["--store", store, "init"]).exit_code == 0
    r = runner.invoke(app, ["--store", store, "load", str(REPO / "ontology" / "ops.ttl"),
                            str(REPO / "ontology" / "examples" / "estate.ttl")])
    assert r.exit_code == 0, r.output
    _json(runner, store, "resume")
    ((plan, state),) = _plans(runner, store)
    assert state == "blocked" and _pages(runner, store) == [plan]
    assert _goals(runner, store) == ["failed", "failed"]

    r = runner.invoke(app, ["--store", store, "approve", plan, "--as", "ex:maria",
                            "--emergency"])  # a restart budget: no emergency lifts it
    assert r.exit_code == 1 and "lifts none of the blocks" in r.output, r.output
    assert _plans(runner, store) == [(plan, "blocked")] and _goals(runner, store) == ["failed"] * 2
    assert _pages(runner, store) == [plan]

    fixed = _lines({"about": "ex:checkout-2", "observe": {"ops:health": "healthy"}},
                   {"about": "ex:alert-checkout-2-down", "observe": {"ops:status": "resolved"}},
                   {"about": "ex:incident-checkout-errors", "observe": {"ops:status": "resolved"}})
    _json(runner, store, "ingest", stdin=fixed)
    assert _goals(runner, store) == ["met", "met"]  # handed back by the person paged

    later = _lines({"alert": "ex:alert-later", "about": "ex:checkout-1", "severity": "critical"},
                   {"about": "ex:checkout-1", "observe": {"ops:health": "crashed"}})
    _json(runner, store, "ingest", stdin=later)
    plans = _plans(runner, store)
    assert [s for _, s in plans] == ["blocked", "blocked"]
    assert sorted(_pages(runner, store)) == sorted(p for p, _ in plans)  # one per plan
