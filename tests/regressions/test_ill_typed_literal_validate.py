"""A store written before `tier1 load` refused ill-typed literals may hold one: `validate`
names it (exit 3, no verdict) instead of crashing inside pySHACL with a TypeError."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from rdflib import XSD, Literal

from engine.cli import app
from engine.store import CommitMeta, Delta, SqliteStore
from engine.vocab import EX, OPS
from engine.world import parse_file

REPO = Path(__file__).resolve().parents[2]


def test_validate_names_an_ill_typed_literal_already_in_the_store(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    store = SqliteStore(db, create=True)
    world = [*parse_file(REPO / "ontology" / "ops.ttl"),
             *parse_file(REPO / "ontology" / "examples" / "estate.ttl")]
    store.commit(Delta.of(world), CommitMeta(author="t", message="estate"))
    bad = (EX.checkout, OPS.minHealthyInstances, Literal("two", datatype=XSD.integer))
    store.commit(Delta.of([bad]), CommitMeta(author="t", message="from an older tier1"))
    store.close()
    r = CliRunner().invoke(app, ["--store", str(db), "validate"])
    assert r.exit_code == 3, r.output
    assert r.output.startswith("InputError: ex:checkout ops:minHealthyInstances"), r.output
    assert "not a valid xsd:integer" in r.output and "\n" not in r.output.strip()
