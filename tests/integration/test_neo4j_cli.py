"""The CLI on a Neo4j store: the same commands give the same answers as the embedded store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from engine.cli import app
from tests.support.bolt import BoltServer, wipe

pytestmark = pytest.mark.neo4j
REPO = Path(__file__).resolve().parents[2]
FILES = [str(REPO / "ontology" / "ops.ttl"), str(REPO / "ontology" / "examples" / "estate.ttl")]


def cli(store: str, *args: str) -> Result:
    return CliRunner().invoke(app, ["--store", store, "--author", "tester", *args])


def test_cli_answers_like_the_embedded_store(neo4j_env: BoltServer, tmp_path: Path) -> None:
    wipe(neo4j_env)
    embedded = str(tmp_path / "store")
    outputs = []
    for store in (neo4j_env.uri, embedded):
        assert cli(store, "init").exit_code == 0
        r = cli(store, "load", *FILES, "-m", "estate")
        assert r.exit_code == 0, r.output
        exported = cli(store, "export", "--format", "json")
        log = json.loads(cli(store, "log", "--format", "json").output)
        outputs.append((exported.output, [(c["seq"], c["added"]) for c in log]))
    assert outputs[0] == outputs[1]


def test_cli_on_an_unreachable_server_is_one_clear_line() -> None:
    r = cli("bolt://127.0.0.1:9", "log")
    assert r.exit_code == 1
    assert "StoreUnavailable" in r.output and "bolt://127.0.0.1:9" in r.output
