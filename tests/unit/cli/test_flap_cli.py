"""N7 through the CLI: after a flap, `tier1 approve` says nothing ran and why, and exits 0."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from rdflib import Literal

from engine.cli import app
from engine.store import CommitMeta, Delta, SqliteStore
from engine.vocab import EX, OPS
from tests.unit.planning.conftest import estate

CRASHED: dict[str, object] = {"about": "ex:orders-db-1", "observe": {"ops:health": "crashed"}}
HEALTHY: dict[str, object] = {"about": "ex:orders-db-1", "observe": {"ops:health": "healthy"}}


def _ingest(tmp_path: Path, *events: dict[str, object]) -> tuple[CliRunner, str]:
    """The calm sample estate, ``events`` ingested with --plan-only; the runner and store."""
    store = str(tmp_path / "calm.db")
    calm = SqliteStore(store, create=True)
    estate(calm)
    calm.close()
    feed = tmp_path / "events.jsonl"
    feed.write_text("".join(json.dumps(e) + "\n" for e in events))
    runner = CliRunner()
    r = runner.invoke(app, ["--store", store, "ingest", str(feed), "--plan-only"])
    assert r.exit_code == 0, r.output
    return runner, store


def _json(runner: CliRunner, store: str, *args: str) -> Any:
    r = runner.invoke(app, ["--store", store, *args, "--format", "json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def test_a_flap_leaves_nothing_to_approve(tmp_path: Path) -> None:
    runner, store = _ingest(tmp_path, CRASHED, HEALTHY)
    (plan,) = _json(runner, store, "plans")
    assert plan["state"] == "withdrawn"
    assert [g["status"] for g in _json(runner, store, "goal", "list")] == ["met"]
    r = runner.invoke(app, ["--store", store, "approve", plan["iri"], "--as", "ex:chen"])
    assert r.exit_code == 0, r.output
    assert "nothing to approve, nothing ran" in r.output
    assert "ex:orders-db is healthy again" in r.output


def test_approving_once_healed_records_the_approval_and_says_nothing_ran(
        tmp_path: Path) -> None:
    runner, store = _ingest(tmp_path, CRASHED)
    (plan,) = _json(runner, store, "plans", "--state", "awaiting_approval")
    healed = SqliteStore(store)  # healed in a commit no loop settled after
    db = EX["orders-db-1"]
    healed.commit(Delta.of([(db, OPS.health, Literal("healthy"))],
                           [(db, OPS.health, Literal("crashed"))]),
                  CommitMeta(author="test", message="healed"))
    healed.close()
    r = runner.invoke(app, ["--store", store, "approve", plan["iri"], "--as", "ex:chen"])
    assert r.exit_code == 0, r.output
    assert "approval recorded, but nothing ran: withdrawn because its goal was met" in r.output
    (done,) = _json(runner, store, "plans", "--state", "withdrawn")
    assert done["approver"] == str(EX.chen)
    ran = _json(runner, store, "audit", "approved-by", "--person", "ex:chen")["rows"]
    assert ran == []  # no action ran under chen's approval


def test_a_withdrawn_plan_checks_the_person_and_reject_says_nothing_to_do(tmp_path: Path) -> None:
    """QA pass 8 F6/F7: `--as` is checked whatever the plan's state, and rejecting a plan the
    loop withdrew exits 0 like approving it (the same race with the flap's heal)."""
    runner, store = _ingest(tmp_path, CRASHED, HEALTHY)
    (plan,) = _json(runner, store, "plans")
    r = runner.invoke(app, ["--store", store, "approve", plan["iri"], "--as", "ex:nobody"])
    assert r.exit_code == 1 and "ex:nobody is not a person" in r.output
    r = runner.invoke(app, ["--store", store, "reject", plan["iri"], "--as", "ex:chen"])
    assert r.exit_code == 0, r.output
    assert "nothing to reject, nothing ran: the loop withdrew it earlier" in r.output
