"""`tier1 ingest`: JSON lines from a file or stdin into the loop; a bad line writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from engine.cli import app
from engine.store import SqliteStore
from tests.unit.planning.conftest import estate

REPO = Path(__file__).resolve().parents[3]
STORM = "".join(json.dumps({"alert": f"ex:storm-{i}", "about": "ex:search-2",
                            "time": "2026-11-28T09:01:00Z"}) + "\n" for i in range(30))


def _world(tmp_path: Path, runner: CliRunner) -> str:
    store = str(tmp_path / "world.db")
    r = runner.invoke(app, ["--store", store, "load", str(REPO / "ontology" / "ops.ttl"),
                            str(REPO / "ontology" / "examples" / "estate.ttl")])
    assert r.exit_code == 0, r.output
    return store


def _fresh(tmp_path: Path) -> tuple[CliRunner, str, int]:
    """A runner, a store with the sample estate, and its number of commits."""
    runner = CliRunner()
    store = _world(tmp_path, runner)
    return runner, store, _commits(runner, store)


def _commits(runner: CliRunner, store: str) -> int:
    r = runner.invoke(app, ["--store", store, "log", "--format", "json"])
    return len(json.loads(r.output))


def test_a_storm_from_a_file_is_one_batch_and_one_plan(tmp_path: Path) -> None:
    """On the calm estate, 30 alerts and a crash of one instance: one commit, one plan."""
    store = tmp_path / "calm.db"
    calm = SqliteStore(store, create=True)
    estate(calm)
    calm.close()
    crash = json.dumps({"about": "ex:search-2", "observe": {"ops:health": "crashed"}})
    (tmp_path / "storm.jsonl").write_text(STORM + crash + "\n")
    r = CliRunner().invoke(app, ["--store", str(store), "ingest", str(tmp_path / "storm.jsonl"),
                                 "--plan-only", "--format", "json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert (out["events"], out["alerts"], out["duplicates"], out["batches"]) == (31, 30, 29, 1)
    (plan,) = out["plans"]
    assert (plan["was"], plan["state"]) == ("new", "approved")
    assert out["events_per_s"] > 0
    r = CliRunner().invoke(app, ["--store", str(store), "ingest", "--plan-only"],
                           input=STORM.replace("storm-", "more-"))  # they repeat storm-0 too
    assert r.exit_code == 0, r.output
    assert "ingested 30 event(s), 30 alert(s) (30 recorded as duplicates), in 1 batch(es)" \
        in r.output


def test_events_come_from_stdin_and_batches_are_bounded(tmp_path: Path) -> None:
    runner = CliRunner()
    store = _world(tmp_path, runner)
    r = runner.invoke(app, ["--store", store, "ingest", "--batch", "10", "--plan-only",
                            "--format", "json"], input=STORM)
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["batches"] == 3


def test_a_bad_line_names_file_and_line_and_writes_nothing(tmp_path: Path) -> None:
    runner, store, before = _fresh(tmp_path)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(STORM + '{"alert": "ex:x", "about": "ex:search-2", "sevrity": "info"}\n')
    r = runner.invoke(app, ["--store", store, "ingest", str(bad)])
    assert r.exit_code != 0
    assert f"{bad}:31: unknown field 'sevrity': did you mean 'severity'?" in r.output
    assert _commits(runner, store) == before


def test_no_events_is_not_an_error_and_keeps_the_report_shape(tmp_path: Path) -> None:
    runner = CliRunner()
    store = _world(tmp_path, runner)
    r = runner.invoke(app, ["--store", store, "ingest"], input="\n")
    assert r.exit_code == 0, r.output
    assert "no events" in r.output
    r = runner.invoke(app, ["--store", store, "ingest", "--format", "json"], input="")
    assert set(json.loads(r.output)) == {"events", "alerts", "duplicates", "batches", "seconds",
                                         "plans", "events_per_s", "alerts_per_s"}


def test_goal_add_refuses_an_iri_no_store_could_export(tmp_path: Path) -> None:
    runner, store, before = _fresh(tmp_path)
    r = runner.invoke(app, ["--store", store, "goal", "add", "ex:check out"])
    assert r.exit_code == 1
    assert "'ex:check out' is not a valid IRI: it holds ' '" in r.output
    assert _commits(runner, store) == before


def test_an_unknown_entity_is_refused_unless_allowed(tmp_path: Path) -> None:
    runner, store, before = _fresh(tmp_path)
    typo = '{"alert": "ex:a-1", "about": "ex:orders-db1"}\n'
    r = runner.invoke(app, ["--store", store, "ingest"], input=typo)
    assert r.exit_code == 1
    assert ("<stdin>:1: field 'about': ex:orders-db1 is not in the world; did you mean "
            "ex:orders-db-1?") in r.output
    assert _commits(runner, store) == before
    r = runner.invoke(app, ["--store", store, "ingest", "--allow-unknown", "--plan-only",
                            "--format", "json"], input=typo)
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["events"] == 1


def test_stdin_that_is_not_utf8_is_named_and_writes_nothing(tmp_path: Path) -> None:
    runner, store, before = _fresh(tmp_path)
    data = (b'{"alert": "ex:a-1", "about": "ex:search-2"}\n'
            b'{"alert": "ex:a-2", "about": "ex:search-2", "label": "caf\xe9"}\n')
    r = runner.invoke(app, ["--store", store, "ingest"], input=data)
    assert r.exit_code == 1
    assert "<stdin>:2: not UTF-8" in r.output
    assert _commits(runner, store) == before


def test_linger_without_follow_is_a_usage_error(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["--store", str(tmp_path / "w.db"), "ingest", "--linger", "1"])
    assert r.exit_code == 2
    assert "--linger applies only with --follow" in r.output


def test_an_alert_may_not_be_an_entity_of_the_world(tmp_path: Path) -> None:
    runner, store, before = _fresh(tmp_path)
    r = runner.invoke(app, ["--store", store, "ingest"],
                      input='{"alert": "ex:orders-db-1", "about": "ex:orders-db-1"}\n')
    assert r.exit_code == 1
    assert "<stdin>:1: field 'alert': ex:orders-db-1 is an entity of the world, not an alert" in r.output
    assert _commits(runner, store) == before


def test_an_alert_fired_and_resolved_in_one_input_ends_resolved(tmp_path: Path) -> None:
    """QA pass 8 F3: the resolve line was refused ('not in the world': the checks ran before
    the input's own alert line was applied), and with --allow-unknown both lines went into
    one commit, leaving the alert both firing and resolved."""
    runner, store, _ = _fresh(tmp_path)
    lines = ('{"alert": "ex:db-down", "about": "ex:orders-db-1", "severity": "critical"}\n'
             '{"about": "ex:db-down", "observe": {"ops:status": "resolved"}}\n'
             '{"alert": "ex:db-down", "about": "ex:orders-db-1", "severity": "critical"}\n'
             '{"about": "ex:db-down", "observe": {"ops:status": "resolved"}}\n')
    r = runner.invoke(app, ["--store", store, "ingest", "--plan-only", "--format", "json"],
                      input=lines)
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["batches"] == 4  # fired, resolved, fired again, resolved
    r = runner.invoke(app, ["--store", store, "--format", "json", "query",
                            "SELECT ?s WHERE { ex:db-down ops:status ?s }"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["rows"] == [['"resolved"']]  # one value, not two


def test_a_resolve_that_arrives_before_its_fire_is_replaced_by_it(tmp_path: Path) -> None:
    """QA pass 9 N4: out of order, with --allow-unknown the resolve created the entity and the
    fire then added 'firing' beside 'resolved'."""
    runner, store, _ = _fresh(tmp_path)
    lines = ('{"about": "ex:db-x", "observe": {"ops:status": "resolved"}}\n'
             '{"alert": "ex:db-x", "about": "ex:orders-db-1", "severity": "critical"}\n')
    r = runner.invoke(app, ["--store", store, "ingest", "--plan-only", "--allow-unknown"],
                      input=lines)
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["--store", store, "--format", "json", "query",
                            "SELECT ?s WHERE { ex:db-x ops:status ?s }"])
    assert json.loads(r.output)["rows"] == [['"firing"']]
