"""Regressions of QA pass 12: two goals on one entity (a `tier1 goal add` and the incident),
and a plan waiting for a lock across commands.

- B1: a rejection left the joined goal open, and `resume` planned the same failover again;
- B3: after the failover completed, the joined within-SLO goal got a second failover (the old
  primary's restart stays proposed; a runbook's failover answers the whole problem);
- B4: a plan waiting for a lock was never refused across commands (the wait began again in
  each); it is refused after `max_lock_wait_s` and the on-call owner paged.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from engine.cli import app

REPO = Path(__file__).resolve().parents[2]


def _scenario(tmp_path: Path, name: str, keep_answers: bool = False) -> Path:
    text = (REPO / "scenarios" / f"{name}.toml").read_text()
    if not keep_answers:
        text = re.sub(r"\[\[answers\]\].*?decision = \"approve\"\n", "", text, flags=re.S)
        text = re.sub(r"\[expect\].*", '[expect]\noutcome = "awaiting_approval"\n', text,
                      flags=re.S)
    text = (text.replace('"../ontology/', f'"{REPO}/ontology/')
            .replace('"calm.ru"', f'"{REPO}/scenarios/calm.ru"'))
    out = tmp_path / f"{name}.toml"
    out.write_text(text)
    return out


def _cli(spec: str, *args: str) -> str:
    r = CliRunner().invoke(app, ["--store", spec, *args])
    assert r.exit_code == 0, r.output
    return r.output


def _two_goals_one_parked_failover(tmp_path: Path) -> tuple[str, str]:
    spec = str(tmp_path / "w.db")
    _cli(spec, "run", str(_scenario(tmp_path, "primary-db-down")))
    _cli(spec, "goal", "add", "ex:orders-db")
    _cli(spec, "resume")
    (plan,) = json.loads(_cli(spec, "--format", "json", "plans"))
    assert plan["state"] == "awaiting_approval"
    return spec, plan["iri"]


def _statuses(spec: str) -> list[str]:
    return sorted(g["status"] for g in json.loads(_cli(spec, "--format", "json", "goal", "list")))


def test_a_rejection_fails_the_goal_that_joined_the_plan(tmp_path: Path) -> None:
    spec, plan = _two_goals_one_parked_failover(tmp_path)
    _cli(spec, "reject", plan, "--as", "ex:chen")
    _cli(spec, "resume")
    assert [p["iri"] for p in json.loads(_cli(spec, "--format", "json", "plans"))] == [plan]
    assert _statuses(spec) == ["failed", "failed"]


def test_a_completed_failover_meets_the_goal_that_joined_it(tmp_path: Path) -> None:
    spec, plan = _two_goals_one_parked_failover(tmp_path)
    _cli(spec, "approve", plan, "--as", "ex:chen")
    _cli(spec, "resume")
    plans = json.loads(_cli(spec, "--format", "json", "plans"))
    assert [(p["iri"], p["state"]) for p in plans] == [(plan, "completed")]
    assert _statuses(spec) == ["met", "met"]


DB_CRASH = """[[events]]
at = 0
alert = "ex:alert-orders-db-primary-down"
about = "ex:orders-db-1"
observe = { "ops:health" = "crashed" }
severity = "critical"
"""
"""The primary's crash, with its alert (both scenarios below start with it)."""


LOCKWAIT = """title = "rollback waits behind a parked failover"
summary = "s"
start = 2026-11-28T09:00:00Z
[world]
files = ["{repo}/ontology/examples/estate.ttl"]
updates = ["{repo}/scenarios/calm.ru"]
sparql = \"\"\"
DELETE {{ ex:orders-db ops:maxInstances ?m }} INSERT {{ ex:orders-db ops:maxInstances 3 }}
WHERE  {{ ex:orders-db ops:maxInstances ?m }} ;
DELETE {{ ex:checkout ops:version ?v }} INSERT {{ ex:checkout ops:version "4.13.0" }}
WHERE  {{ ex:checkout ops:version ?v }}
\"\"\"
turtle = \"\"\"
ex:deploy-checkout-4-13-0 a ops:Deployment ; ops:name "checkout-4.13.0" ;
    ops:changes ex:checkout ; ops:changedAt "2026-11-28T09:00:00Z"^^xsd:dateTime ;
    ops:status "completed" ; ops:version "4.13.0" ; ops:previousVersion "4.12.0" .
\"\"\"
{crash}[[events]]
at = 120
alert = "ex:alert-checkout-5xx"
about = "ex:checkout"
severity = "critical"
[expect]
outcome = "awaiting_approval"
"""


def test_a_plan_waiting_for_a_lock_across_commands_is_refused_and_paged(tmp_path: Path) -> None:
    """checkout's rollback waits behind the parked orders-db failover (a neighbour); a later
    command, long after (the wall clock is a day past the scenario's sim time), refuses it
    and pages checkout's on-call."""
    sc = tmp_path / "lockwait.toml"
    sc.write_text(LOCKWAIT.format(repo=REPO, crash=DB_CRASH))
    spec = str(tmp_path / "w.db")
    _cli(spec, "run", str(sc))
    states = {p["iri"]: p["state"] for p in json.loads(_cli(spec, "--format", "json", "plans"))}
    (waiting,) = [iri for iri, state in states.items() if state == "waiting"]
    out = _cli(spec, "resume")
    assert "refused" in out and "paged" in out, out
    states = {p["iri"]: p["state"] for p in json.loads(_cli(spec, "--format", "json", "plans"))}
    assert states[waiting] == "refused"


TWO_INCIDENTS = """title = "orders-db crash with an incident already open; the failover fails"
summary = "s"
start = 2026-11-28T09:00:00Z
[world]
files = ["{repo}/ontology/examples/estate.ttl"]
updates = ["{repo}/scenarios/calm.ru"]
sparql = \"\"\"
DELETE {{ ex:orders-db ops:maxInstances ?m }} INSERT {{ ex:orders-db ops:maxInstances 3 }}
WHERE  {{ ex:orders-db ops:maxInstances ?m }}
\"\"\"
turtle = \"\"\"
ex:incident-orders-db a ops:Incident ; ops:name "INC-ODB" ; ops:status "open" ;
    ops:affects ex:orders-db ; ops:openedAt "2026-11-28T08:59:00Z"^^xsd:dateTime .
\"\"\"
{crash}[[faults]]
kind = "fail"
action = "ops:Failover"
target = "ex:orders-db"
times = 50
[[answers]]
at = 1200
by = "ex:chen"
decision = "approve"
[expect]
outcome = "blocked"
"""


def test_a_re_plan_a_joined_goal_drives_leaves_out_the_failed_step(tmp_path: Path) -> None:
    """QA pass 12 B2: the joined goal drove the run; the failed failover was recorded under
    it, and the re-plan (for the plan's own goal) tried the failover again, parked for
    approval, while a second plan waited on its lock and nobody was paged."""
    sc = tmp_path / "twoinc.toml"
    sc.write_text(TWO_INCIDENTS.format(repo=REPO, crash=DB_CRASH))
    spec = str(tmp_path / "w.db")
    out = _cli(spec, "run", str(sc))
    plans = json.loads(_cli(spec, "--format", "json", "plans"))
    failovers = [p for p in plans if any(s["action"].endswith("#Failover") for s in p["steps"])]
    assert len(failovers) == 1, plans
    assert "re-plan 1 for ex:orders-db: Restart" in out and "paged ex:chen" in out, out
