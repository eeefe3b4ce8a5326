"""The policy commands end to end through click, on the sample estate."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import app
from tests.support.plans import FREEZE_PLAN

REPO = Path(__file__).resolve().parents[3]
PLAN = FREEZE_PLAN


def _estate(tmp_path: Path) -> str:
    spec = str(tmp_path / "w.db")
    r = CliRunner()
    assert r.invoke(app, ["--store", spec, "init"]).exit_code == 0
    res = r.invoke(app, ["--store", spec, "load", str(REPO / "ontology/ops.ttl"),
                         str(REPO / "ontology/examples/estate.ttl")])
    assert res.exit_code == 0, res.output
    return spec


def test_validate_plan_during_freeze_is_blocked_and_recorded(tmp_path: Path) -> None:
    spec = _estate(tmp_path)
    plan = tmp_path / "plan.ttl"
    plan.write_text(PLAN)
    r = CliRunner()
    res = r.invoke(app, ["--store", spec, "validate", "--plan", str(plan), "--format", "json"])
    assert res.exit_code == 1, res.output
    out = json.loads(res.output)
    assert out["verdict"] == "blocked" and out["scope"] == "delta"
    assert out["results"][0]["shape"] == "<https://w3id.org/tier1/shapes#ChangeFreeze>"
    assert r.invoke(app, ["--store", spec, "validate", "--plan", str(plan), "--record"]).exit_code == 1
    diff = r.invoke(app, ["--store", spec, "shapes", "diff", str(REPO / "shapes"),
                          str(REPO / "shapes"), "--against-history", "--format", "json"])
    assert diff.exit_code == 0, diff.output
    assert json.loads(diff.output)["replayed"] == 1
    assert json.loads(diff.output)["skipped"] == 0


def test_shapes_diff_says_which_decisions_it_could_not_replay(tmp_path: Path) -> None:
    """The closed loop records its verdicts without the judged delta: say so, not "0"."""
    spec = str(tmp_path / "w.db")
    r = CliRunner()
    assert r.invoke(app, ["--store", spec, "run", "bad-deploy"]).exit_code == 0
    args = ["--store", spec, "shapes", "diff", str(REPO / "shapes"), str(REPO / "shapes"),
            "--against-history"]
    out = json.loads(r.invoke(app, [*args, "--format", "json"]).output)
    assert out["replayed"] == 0 and out["skipped"] >= 1
    text = r.invoke(app, args).output
    assert f"{out['skipped']} decision(s) not replayed" in text
    assert "bump owl:versionInfo" not in text  # the same shapes: nothing to bump


def test_shapes_diff_notes_two_different_shape_sets_with_one_version(tmp_path: Path) -> None:
    import shutil

    spec = str(tmp_path / "w.db")
    new = tmp_path / "shapes"
    shutil.copytree(REPO / "shapes", new)
    shape = new / "plans.ttl"
    shape.write_text(shape.read_text().replace("Restart budget exceeded", "Restart budget used up"))
    r = CliRunner()
    assert r.invoke(app, ["--store", spec, "init"]).exit_code == 0
    out = r.invoke(app, ["--store", spec, "shapes", "diff", str(REPO / "shapes"), str(new),
                         "--against-history"]).output
    version = re.search(r'owl:versionInfo "([^"]+)"', (REPO / "shapes" / "tier1-shapes.ttl").read_text())
    assert version is not None
    assert (f"both shape sets say version {version[1]} but differ: bump owl:versionInfo"
            in out), out


def test_validate_whole_world_is_allowed(tmp_path: Path) -> None:
    spec = _estate(tmp_path)
    res = CliRunner().invoke(app, ["--store", spec, "validate"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("ALLOWED")


def test_bad_plan_file_is_one_clean_line(tmp_path: Path) -> None:
    spec = _estate(tmp_path)
    bad = tmp_path / "bad.ttl"
    bad.write_text("run:x a ops:Plan .")
    res = CliRunner().invoke(app, ["--store", spec, "validate", "--plan", str(bad)])
    assert res.exit_code == 3  # no verdict: not 1, which means "blocked"
    assert "ParseError" in res.output and "bad.ttl:1" in res.output


@pytest.mark.parametrize("args", [
    ["validate", "--shapes", "{bad}"],  # a broken shapes file
    ["validate", "--plan", "{missing}"],  # no such plan file
    ["validate", "--no-such-option"],  # wrong usage (click's own error)
])
def test_validate_errors_exit_3_not_a_verdict(tmp_path: Path, args: list[str]) -> None:
    """0/1/2 are verdicts (allowed/blocked/needs approval): a script gating on them must
    not read a broken input, or a typo, as "blocked" or "needs approval"."""
    spec = _estate(tmp_path)
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\nthis is not turtle\n")
    argv = [a.format(bad=bad, missing=tmp_path / "nope.ttl") for a in args]
    res = CliRunner().invoke(app, ["--store", spec, *argv])
    assert res.exit_code == 3, res.output


def test_validate_on_an_unreachable_store_exits_3() -> None:
    res = CliRunner().invoke(app, ["--store", "bolt://127.0.0.1:1", "validate"])
    assert res.exit_code == 3, res.output
    assert "StoreUnavailable" in res.output


def test_shapes_test_runs_the_shipped_fixtures() -> None:
    res = CliRunner().invoke(app, ["shapes", "test", "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["passed"] and len(out["outcomes"]) >= 10


@pytest.mark.parametrize(("status", "code"), [
    ("blocked", 0), ("rejected", 0), ("completed", 0), ("escalated", 0),
    ("proposed", 1), ("awaiting_approval", 1), ("approved", 1), ("running", 1),
])
def test_validate_judges_live_plans_steps_not_settled_ones(tmp_path: Path, status: str,
                                                          code: int) -> None:
    """A plan the gate blocked keeps its step in the world as a record: checking the whole
    world must not report it as a violation forever. A live plan's step is still judged."""
    spec = _estate(tmp_path)
    plan = tmp_path / "plan.ttl"
    stamped = '"2026-11-28T09:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>'
    plan.write_text(PLAN.replace('"proposed"', f'"{status}" ; <http://www.w3.org/ns/prov#'
                                 f'generatedAtTime> {stamped}'))  # planned during the freeze
    r = CliRunner()
    assert r.invoke(app, ["--store", spec, "load", str(plan)]).exit_code == 0
    res = r.invoke(app, ["--store", spec, "validate", "--format", "json"])
    assert res.exit_code == code, res.output
    assert json.loads(res.output)["left_out"] == (1 if code == 0 else 0)
    res = r.invoke(app, ["--store", spec, "validate", "--settled"])
    assert res.exit_code == 1 and "pol:ChangeFreeze" in res.output, res.output


@pytest.mark.parametrize(("when", "verdict"), [("2026-12-02T10:00:00Z", "allowed"),
                                               ("2026-11-27T10:00:00Z", "blocked")])
def test_a_recorded_decision_holds_the_time_the_plan_was_judged_at(
        tmp_path: Path, when: str, verdict: str) -> None:
    """QA F5: a plan with its own prov:generatedAtTime is judged at that time, so its
    record (judged_at, prov:startedAtTime, blocked-plans' started) holds it, not the
    time of the head commit."""
    from engine.policy import read_decisions
    from engine.store import open_store

    spec = _estate(tmp_path)
    plan = tmp_path / "plan.ttl"
    plan.write_text(PLAN.replace('"proposed" ;', f'"proposed" ; <http://www.w3.org/ns/prov#'
                                 f'generatedAtTime> "{when}"^^<http://www.w3.org/2001/'
                                 'XMLSchema#dateTime> ;'))
    r = CliRunner()
    res = r.invoke(app, ["--store", spec, "validate", "--plan", str(plan), "--record",
                         "--format", "json"])
    assert json.loads(res.output)["verdict"] == verdict
    assert json.loads(res.output)["judged_at"] == when
    store = open_store(spec)
    try:
        assert [d.judged_at.isoformat() for d in read_decisions(store)
                if d.judged_at] == [when.replace("Z", "+00:00")]
    finally:
        store.close()
    audit = r.invoke(app, ["--store", spec, "audit", "blocked-plans", "--format", "json"])
    started = [row["started"] for row in json.loads(audit.output)["rows"]]
    assert started == ([when] if verdict == "blocked" else [])
