"""Regression: the change-freeze shape tells on-call to attach an emergency approval, but
`tier1 approve --emergency` refused a blocked plan ("only a parked plan can be approved"), so
there was no way to do what the block message said (QA pass 3, #13).

An emergency approval now re-opens a blocked plan and the policy gate judges it again with the
approval attached: the freeze lets it through; a restart budget still blocks it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import app

REPO = Path(__file__).resolve().parents[2]


def _blocked(tmp_path: Path, restarts: int) -> tuple[str, str]:
    text = (REPO / "scenarios" / "freeze-crash-loop.toml").read_text()
    text = (text.replace('"ops:restartCount" = 7', f'"ops:restartCount" = {restarts}')
            .replace('"../ontology/', f'"{REPO}/ontology/')
            .replace('"calm.ru"', f'"{REPO}/scenarios/calm.ru"'))
    scenario = tmp_path / "freeze.toml"
    scenario.write_text(text)
    spec = str(tmp_path / "w.db")
    r = CliRunner().invoke(app, ["--store", spec, "run", str(scenario)])
    assert r.exit_code == 0, r.output
    plans = json.loads(CliRunner().invoke(app, ["--store", spec, "--format", "json", "plans"]).output)
    assert [p["state"] for p in plans] == ["blocked"]
    return spec, plans[0]["iri"]


def test_a_plain_approval_of_a_blocked_plan_says_what_works(tmp_path: Path) -> None:
    spec, plan = _blocked(tmp_path, 1)
    r = CliRunner().invoke(app, ["--store", spec, "approve", plan, "--as", "ex:sofia"])
    assert r.exit_code == 1 and "only an emergency approval (--emergency)" in r.output


@pytest.mark.parametrize(("restarts", "state", "shape"), [(1, "completed", None),
                                                          (7, "blocked", "RestartBudget")])
def test_an_emergency_approval_reopens_a_blocked_plan_and_the_gate_decides(
        tmp_path: Path, restarts: int, state: str, shape: str | None) -> None:
    spec, plan = _blocked(tmp_path, restarts)
    r = CliRunner().invoke(app, ["--store", spec, "--format", "json", "approve", plan,
                                 "--as", "ex:sofia", "--emergency"])
    assert r.exit_code == 0, r.output
    done = json.loads(r.output[r.output.index("{"):])
    assert done["state"] == state and done["emergency"] is True
    assert shape is None or "Restart budget" in done["reason"]
    r = CliRunner().invoke(app, ["--store", spec, "audit", "verify"])
    assert r.exit_code == 0, r.output
    flags = json.loads(CliRunner().invoke(app, [  # the approval record says it was an emergency
        "--store", spec, "--format", "json", "query", "--graph", "provenance",
        "SELECT ?e WHERE { ?act prov:generated ?a . ?a a ops:Approval ; ops:emergency ?e }",
    ]).output)
    assert flags["rows"] == [["true"]], flags


def test_a_plan_blocked_again_after_an_emergency_approval_pages_again(tmp_path: Path) -> None:
    """QA pass 11 #3: the second escalation of the plan reused the first page's idempotency
    key (``plan#page``), so the page was recorded ``skipped_duplicate`` and never sent,
    although the loop said the on-call was paged again."""
    spec, plan = _blocked(tmp_path, 7)
    r = CliRunner().invoke(app, ["--store", spec, "approve", plan, "--as", "ex:sofia",
                                 "--emergency"])
    assert r.exit_code == 0, r.output
    rows = json.loads(CliRunner().invoke(app, [
        "--store", spec, "--format", "json", "query", "--graph", "provenance",
        "SELECT ?step ?status WHERE { ?x ops:executedAction ops:Page ; ops:executes ?step ; "
        "ops:status ?status } ORDER BY ?step",
    ]).output)["rows"]
    assert [status for _, status in rows] == ['"succeeded"', '"succeeded"'], rows
    assert len({step for step, _ in rows}) == 2


def test_an_emergency_approval_that_lifts_no_block_is_refused(tmp_path: Path) -> None:
    """QA pass 11 #6: Maria (storefront team, not on call for payments) broke the payments
    freeze with an emergency approval. Her approval does not count for it (shapes 1.2.0), and
    one that lifts none of the blocks is refused up front, nothing written."""
    spec, plan = _blocked(tmp_path, 1)
    before = CliRunner().invoke(app, ["--store", spec, "--format", "json", "log"]).output
    r = CliRunner().invoke(app, ["--store", spec, "approve", plan, "--as", "ex:maria",
                                 "--emergency"])
    assert r.exit_code == 1 and "lifts none of the blocks" in r.output, r.output
    assert "ex:team-payments owns it" in r.output, r.output
    assert CliRunner().invoke(app, ["--store", spec, "--format", "json", "log"]).output == before
