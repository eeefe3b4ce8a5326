"""Whose approval counts (QA pass 9 N7): the policy gate judges a plan with its approval
attached, and ``pol:DatabaseFailoverApproval`` accepts the owning team or its on-call only."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from rdflib import URIRef

from engine.cli import app
from engine.planning import Loop, PlanState, load_plans, settle
from engine.planning._wiring import LoopSetup, real_ports
from engine.store import SqliteStore
from engine.vocab import EX
from tests.unit.cli.test_loop_cli import REPO, _head, _parked

_PREFIXES = ("@prefix ops: <https://w3id.org/tier1/ops#> . "
             "@prefix ex: <https://example.org/estate/> .\n"
             "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n")


def _cover(tmp_path: Path, runner: CliRunner, store: str, until: str) -> None:
    """Priya (platform team) covers the data team's on-call until ``until``."""
    shift = tmp_path / "cover.ttl"
    shift.write_text(_PREFIXES + (
        "ex:oncall-data-cover a ops:OnCallShift ; ops:onCallFor ex:team-data ;\n"
        '  ops:onCallPerson ex:priya ; ops:startsAt "2000-01-01T00:00:00Z"^^xsd:dateTime ;\n'
        f'  ops:endsAt "{until}"^^xsd:dateTime .\n'))
    r = runner.invoke(app, ["--store", store, "load", str(shift), "-m", "cover shift"])
    assert r.exit_code == 0, r.output


def _freeze(tmp_path: Path, runner: CliRunner, store: str) -> None:
    """A change freeze on orders-db from 10:00, after the failover was parked."""
    freeze = tmp_path / "freeze.ttl"
    freeze.write_text(_PREFIXES + (
        "ex:freeze-orders a ops:FreezeWindow ; ops:freezes ex:orders-db ;\n"
        '  ops:startsAt "2026-11-28T10:00:00Z"^^xsd:dateTime ;\n'
        '  ops:endsAt "2999-01-01T00:00:00Z"^^xsd:dateTime .\n'))
    r = runner.invoke(app, ["--store", store, "load", str(freeze), "-m", "a freeze began"])
    assert r.exit_code == 0, r.output


def _state(runner: CliRunner, store: str, plan: str) -> str:
    r = runner.invoke(app, ["--store", store, "plans", "--format", "json"])
    return {p["iri"]: p["state"] for p in json.loads(r.output)}[plan]


def test_an_approval_from_outside_the_owning_team_is_refused_and_nothing_is_written(
        tmp_path: Path) -> None:
    runner = CliRunner()
    store, plan = _parked(tmp_path, runner)
    before = _head(runner, store)
    r = runner.invoke(app, ["--store", store, "approve", plan, "--as", "ex:priya"])
    assert r.exit_code == 1, r.output
    assert "ex:priya may not approve" in r.output, r.output
    assert "owning team" in r.output and "nothing was recorded" in r.output, r.output
    assert "ex:team-data owns it: ex:chen, ex:fatima; on call now: ex:" in r.output, r.output
    assert _head(runner, store) == before
    assert _state(runner, store, plan) == "awaiting_approval"
    r = runner.invoke(app, ["--store", store, "approve", plan, "--as", "ex:chen"])  # data team
    assert r.exit_code == 0, r.output
    assert _state(runner, store, plan) == "completed"
    r = runner.invoke(app, ["--store", store, "audit", "verify"])  # the refusal left no record
    assert r.exit_code == 0, r.output


def test_the_owning_teams_on_call_may_approve_while_on_call(tmp_path: Path) -> None:
    runner = CliRunner()
    store, plan = _parked(tmp_path, runner)
    _cover(tmp_path, runner, store, "2999-01-01T00:00:00Z")
    r = runner.invoke(app, ["--store", store, "approve", plan, "--as", "ex:priya"])
    assert r.exit_code == 0, r.output
    assert _state(runner, store, plan) == "completed"


def test_an_approval_that_no_longer_counts_parks_the_plan_again(tmp_path: Path) -> None:
    """An approval recorded while Priya covered the on-call, whose plan is gated only after
    the shift ended (the approving command was stopped between the two): parked again."""
    runner = CliRunner()
    store, plan = _parked(tmp_path, runner)
    _cover(tmp_path, runner, store, "2001-01-01T00:00:00Z")  # long over
    world = SqliteStore(Path(store))
    head = world.head()
    assert head is not None
    setup = LoopSetup(rules=(REPO / "rules" / "ops",), shapes=(REPO / "shapes",))
    loop = Loop(world, real_ports(world, None, setup, head.timestamp), now=head.timestamp)
    parked = loop.plans[URIRef(plan)]
    loop.save(parked, parked.model_copy(update={"approver": EX.priya}), "approval (as before)")
    settle(loop)
    (again,) = [p for p in load_plans(world) if str(p.iri) == plan]
    world.close()
    assert again.state is PlanState.AWAITING_APPROVAL
    assert again.approver is None
    assert "the approval by ex:priya does not satisfy the policy" in again.reason, again.reason
    r = runner.invoke(app, ["--store", store, "approve", plan, "--as", "ex:chen"])
    assert r.exit_code == 0, r.output
    assert _state(runner, store, plan) == "completed"


def test_an_emergency_approval_of_a_blocked_failover_counts_only_from_the_owning_team(
        tmp_path: Path) -> None:
    """A freeze blocked the failover; break-glass re-opens it only with an approval the
    failover policy accepts too (else the gate would park it again, emergency dropped)."""
    runner = CliRunner()
    store, plan = _parked(tmp_path, runner)
    _freeze(tmp_path, runner, store)
    r = runner.invoke(app, ["--store", store, "approve", plan, "--as", "ex:chen"])
    assert r.exit_code == 0 and "BLOCKED" in r.output, r.output
    before = _head(runner, store)
    r = runner.invoke(app, ["--store", store, "approve", plan, "--as", "ex:priya", "--emergency"])
    assert r.exit_code == 1 and "ex:priya may not approve" in r.output, r.output
    assert _head(runner, store) == before and _state(runner, store, plan) == "blocked"
    r = runner.invoke(app, ["--store", store, "approve", plan, "--as", "ex:chen", "--emergency"])
    assert r.exit_code == 0, r.output
    assert _state(runner, store, plan) == "completed"


def test_an_outsiders_approval_is_refused_when_a_freeze_blocks_the_failover_too(
        tmp_path: Path) -> None:
    """QA pass 11 #2: with a freeze beside it, the gate's verdict was a block, which hid the
    approval shape still failing: Priya's plain approval was recorded, and the page that
    followed listed her as its approver."""
    runner = CliRunner()
    store, plan = _parked(tmp_path, runner)
    _freeze(tmp_path, runner, store)
    before = _head(runner, store)
    r = runner.invoke(app, ["--store", store, "approve", plan, "--as", "ex:priya"])
    assert r.exit_code == 1 and "ex:priya may not approve" in r.output, r.output
    assert _head(runner, store) == before
    assert _state(runner, store, plan) == "awaiting_approval"


def test_a_refusal_in_json_names_its_case(tmp_path: Path) -> None:
    """QA pass 11 #8: every approval error was a PlanningError with nothing more, so a script
    could not tell an outsider's approval from a plan that is not parked."""
    runner = CliRunner()
    store, plan = _parked(tmp_path, runner)
    r = runner.invoke(app, ["--store", store, "--format", "json", "approve", plan,
                            "--as", "ex:priya"])
    assert r.exit_code == 1
    err = json.loads(r.stderr)["error"]
    assert err["type"] == "PlanningError" and err["code"] == "approval_refused", err
    r = runner.invoke(app, ["--store", store, "--format", "json", "approve", plan,
                            "--as", "ex:checkout"])
    assert json.loads(r.stderr)["error"]["code"] == "not_a_person"
    assert runner.invoke(app, ["--store", store, "approve", plan, "--as", "ex:chen"]).exit_code == 0
    r = runner.invoke(app, ["--store", store, "--format", "json", "approve", plan,
                            "--as", "ex:chen"])
    assert json.loads(r.stderr)["error"]["code"] == "not_parked"
