"""The loop's commands: who is recorded on their commits, and where the demo writes."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from engine.cli import app

REPO = Path(__file__).resolve().parents[3]


def _parked(tmp_path: Path, runner: CliRunner) -> tuple[str, str]:
    """A store where primary-db-down's failover waits for approval, and the plan's IRI."""
    store = str(tmp_path / "world.db")
    text = (REPO / "scenarios" / "primary-db-down.toml").read_text()
    text = text.replace("../ontology", str(REPO / "ontology")).replace(
        '"calm.ru"', f'"{REPO / "scenarios" / "calm.ru"}"')
    head, _, _ = text.partition("[[answers]]")
    sc = tmp_path / "parked.toml"
    sc.write_text(head + '[expect]\noutcome = "awaiting_approval"\n')
    r = runner.invoke(app, ["--store", store, "run", str(sc), "--format", "json"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["--store", store, "plans", "--state", "awaiting_approval",
                            "--format", "json"])
    (plan,) = json.loads(r.output)
    return store, plan["iri"]


def _authors_after(runner: CliRunner, store: str, seq: int) -> set[str]:
    r = runner.invoke(app, ["--store", store, "log", "--format", "json"])
    return {c["author"] for c in json.loads(r.output) if c["seq"] > seq}


def _head(runner: CliRunner, store: str) -> int:
    r = runner.invoke(app, ["--store", store, "log", "--format", "json"])
    return max(c["seq"] for c in json.loads(r.output))


def test_approve_records_the_author_on_its_commits(tmp_path: Path) -> None:
    runner = CliRunner()
    store, plan = _parked(tmp_path, runner)
    before = _head(runner, store)
    r = runner.invoke(app, ["--store", store, "--author", "alice", "approve", plan,
                            "--as", "ex:chen"])
    assert r.exit_code == 0, r.output
    assert _authors_after(runner, store, before) == {"alice"}


def test_reject_records_the_author_from_the_environment(tmp_path: Path) -> None:
    runner = CliRunner()
    store, plan = _parked(tmp_path, runner)
    before = _head(runner, store)
    r = runner.invoke(app, ["--store", store, "reject", plan, "--as", "ex:chen"],
                      env={"TIER1_AUTHOR": "bob"})
    assert r.exit_code == 0, r.output
    assert _authors_after(runner, store, before) == {"bob"}


def test_demo_leaves_the_store_from_the_environment_alone(tmp_path: Path) -> None:
    everyday = tmp_path / "everyday.db"
    r = CliRunner().invoke(app, ["demo", "--format", "json"], env={"TIER1_STORE": str(everyday)})
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["passed"]
    assert not everyday.exists()


def test_run_records_an_author_given_and_the_loop_otherwise(tmp_path: Path) -> None:
    runner = CliRunner()
    for name, opts, expected in (("given", ["--author", "alice"], {"alice"}),
                                 ("default", [], {"tier1-loop"})):
        store = str(tmp_path / f"{name}.db")
        r = runner.invoke(app, ["--store", store, *opts, "run", "bad-deploy", "--format", "json"],
                          env={"TIER1_AUTHOR": None})
        assert r.exit_code == 0, r.output
        assert _authors_after(runner, store, 0) == expected


def _left_running(tmp_path: Path, runner: CliRunner) -> tuple[str, str]:
    """A parked failover whose approving command died once the plan was running."""
    from engine.cli.loop import make_loop
    from engine.planning import approve
    from engine.store import open_store
    from engine.terms import expand

    store, plan = _parked(tmp_path, runner)
    s = open_store(store)
    loop = make_loop(s, "alice")

    def killed(*args: object, **kwargs: object) -> object:
        raise KeyboardInterrupt

    loop.ports.actuator.execute = killed  # type: ignore[method-assign]
    try:
        approve(loop, expand(plan), expand("ex:chen"))
    except KeyboardInterrupt:
        pass
    finally:
        s.close()
    return store, plan


def test_resume_carries_on_with_a_plan_an_approval_left_running(tmp_path: Path) -> None:
    """The approving command died after the plan started running (QA4: a ConflictError
    there did the same): ``tier1 resume`` gates it again and runs the failover once."""
    runner = CliRunner()
    store, plan = _left_running(tmp_path, runner)
    r = runner.invoke(app, ["--store", store, "plans", "--state", "running", "--format", "json"])
    assert [p["iri"] for p in json.loads(r.output)] == [plan]
    r = runner.invoke(app, ["--store", store, "plans"])
    assert "'tier1 resume' carries it on" in r.output, r.output
    r = runner.invoke(app, ["--store", store, "approve", plan, "--as", "ex:chen"])
    assert r.exit_code == 1 and "'tier1 resume' carries it on" in r.output, r.output
    r = runner.invoke(app, ["--store", store, "resume"])
    assert r.exit_code == 0, r.output
    assert "interrupted while running" in r.output and "completed" in r.output
    r = runner.invoke(app, ["--store", store, "plans", "--format", "json"])
    assert {p["iri"]: p["state"] for p in json.loads(r.output)}[plan] == "completed"
    r = runner.invoke(app, ["--store", store, "resume", "--format", "json"])
    assert r.exit_code == 0 and json.loads(r.output) == {"plans": [], "goals": []}, r.output
    r = runner.invoke(app, ["--store", store, "audit", "verify"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["--store", store, "goal", "list"])  # the incident goal's entity
    assert "entity" in r.output and "ex:orders-db" in r.output, r.output


def test_resume_in_json_says_what_each_plan_was(tmp_path: Path) -> None:
    runner = CliRunner()
    store, plan = _left_running(tmp_path, runner)
    r = runner.invoke(app, ["--store", store, "--format", "json", "resume"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert [(p["iri"], p["was"], p["state"]) for p in out["plans"]] == [
        (plan, "running", "completed")]
    assert [(g["was"], g["status"]) for g in out["goals"]] == [("open", "met")]


def test_an_approval_is_judged_when_it_acts_not_when_the_plan_was_made(tmp_path: Path) -> None:
    """QA5 #4: the gate read a plan's time from its prov:generatedAtTime, so a change freeze
    that began after the plan was parked did not stop the failover its approval ran."""
    runner = CliRunner()
    store, plan = _parked(tmp_path, runner)  # the plan was made at about 09:01 sim time
    freeze = tmp_path / "freeze.ttl"
    freeze.write_text(
        "@prefix ops: <https://w3id.org/tier1/ops#> . @prefix ex: <https://example.org/estate/> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        'ex:freeze-orders a ops:FreezeWindow ; ops:freezes ex:orders-db ;\n'
        '  ops:startsAt "2026-11-28T10:00:00Z"^^xsd:dateTime ;\n'
        '  ops:endsAt "2999-01-01T00:00:00Z"^^xsd:dateTime .\n')
    r = runner.invoke(app, ["--store", store, "load", str(freeze), "-m", "a freeze began"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["--store", store, "approve", plan, "--as", "ex:chen"])
    assert r.exit_code == 0, r.output
    assert "BLOCKED" in r.output and "change freeze" in r.output, r.output
    r = runner.invoke(app, ["--store", store, "plans", "--format", "json"])
    assert {p["iri"]: p["state"] for p in json.loads(r.output)}[plan] == "blocked"
    r = runner.invoke(app, ["--store", store, "show", plan])
    assert "2026-11-28T09:" in r.output  # the stored plan keeps the time it was made


def test_resume_takes_over_a_plan_from_another_host_only_when_told(tmp_path: Path) -> None:
    from rdflib import Literal

    from engine.store import CommitMeta, Delta, open_store, triples
    from engine.terms import expand
    from engine.vocab import OPS

    runner = CliRunner()
    store, plan = _left_running(tmp_path, runner)
    s = open_store(store)
    iri = expand(plan)
    s.commit(Delta.of([(iri, OPS.runBy, Literal("other-host.example/77"))],
                      set(triples(s, (iri, OPS.runBy, None)))), CommitMeta(author="t", message="m"))
    s.close()
    r = runner.invoke(app, ["--store", store, "resume"])
    assert r.exit_code == 0 and "--take-over" in r.output, r.output
    r = runner.invoke(app, ["--store", store, "--format", "json", "resume", "--take-over"])
    assert [(p["was"], p["state"]) for p in json.loads(r.output)["plans"]] == [
        ("running", "completed")]
