"""``tier1 audit``: verify, each audit, --show-query and export, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from provlog import Log, build_log  # type: ignore[import-not-found]
from rdflib import Literal

from engine.cli import app
from engine.store import CommitMeta, Delta, SqliteStore
from engine.vocab import OPS, GraphName


@pytest.fixture
def world(tmp_path: Path) -> tuple[str, Log]:
    spec = str(tmp_path / "store")
    assert CliRunner().invoke(app, ["--store", spec, "init"]).exit_code == 0
    store = SqliteStore(tmp_path / "store" / "world.db")
    log = build_log(store)
    store.close()
    return spec, log


def _run(spec: str, *args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, ["--store", spec, *args])
    return res.exit_code, res.output


def test_verify_ok_then_broken(world):
    spec, log = world
    code, out = _run(spec, "audit", "verify")
    assert code == 0 and "intact: 6 records" in out
    code, out = _run(spec, "audit", "verify", "--format", "json")
    assert code == 0 and json.loads(out)["ok"] is True
    store = SqliteStore(Path(spec) / "world.db")
    act = log.records[3].iri
    store.commit(Delta.of([(act, OPS.status, Literal("failed"))],
                          [(act, OPS.status, Literal("succeeded"))], GraphName.PROVENANCE),
                 CommitMeta(author="mallory", message="cover up"))
    store.close()
    code, out = _run(spec, "audit", "verify")
    assert code == 1 and "BROKEN" in out and "run:prov/00000004" in out and "modified" in out
    code, out = _run(spec, "--format", "json", "audit", "verify")
    data = json.loads(out)
    assert code == 1 and data["ok"] is False
    assert data["problems"][0]["record"] == str(act)
    code, out = _run(spec, "audit", "verify", "--at", "HEAD~1")  # before the cover-up
    assert code == 0 and "intact" in out


def test_verify_errors_exit_3_not_broken(world, tmp_path):
    """1 means "the chain is broken": an error that prevents the check must not read as one."""
    spec, _ = world
    code, out = _run(spec, "audit", "verify", "--at", "abcdef99")
    assert code == 3 and "CommitNotFound" in out, out
    code, out = _run(spec, "audit", "verify", "--no-such-option")
    assert code == 3, out
    code, out = _run("bolt://127.0.0.1:1", "audit", "verify")
    assert code == 3 and "StoreUnavailable" in out, out


@pytest.mark.parametrize(("args", "expect"), [
    (["why", "--subject", "run:step/3"], "rollback-bad-deploy@1"),
    (["service-history", "--service", "ex:checkout", "--from", "2026-11-28"], "ex:checkout-1"),
    (["blocked-plans"], "ex:FreezeShape"),
    (["approved-by", "--person", "ex:alice"], "ex:checkout-2"),
    (["top-rules", "--limit", "1"], "restart-crashed"),
])
def test_each_audit_in_text_and_json(world, args, expect):
    spec, _ = world
    code, out = _run(spec, "audit", *args)
    assert code == 0 and expect in out, out
    code, out = _run(spec, "audit", *args, "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["audit"] == args[0] and data["language"] == "sparql"
    assert data["rows"]


def test_show_query_prints_cypher_without_a_store(tmp_path):
    code, out = _run(str(tmp_path / "absent"), "audit", "why", "--show-query")
    assert code == 0 and out.startswith("// Why was this action taken?") and "$subject" in out
    code, out = _run(str(tmp_path / "absent"), "audit", "top-rules", "--show-query",
                     "--format", "json")
    data = json.loads(out)
    assert "LIMIT $limit" in data["cypher"] and "SELECT" in data["sparql"]


def test_missing_parameter_is_one_clean_line(world):
    code, out = _run(world[0], "audit", "approved-by")
    assert code == 1 and out.strip() == (
        "InputError: audit 'approved-by' needs --person (the approver)")


@pytest.mark.parametrize(("args", "words"), [
    (["top-rules", "--limit", "0"], "--limit 0 lists nothing"),
    (["top-rules", "--limit", "-1"], "--limit must be a whole number, 1 or more, not '-1'"),
    (["service-history", "--service", "ex:orders-db", "--from", "2026-12-01", "--to",
      "2026-11-01"], "is after --to 2026-11-01; swap them"),
])
def test_parameters_that_could_only_answer_nothing_are_refused(world, args, words):
    code, out = _run(world[0], "audit", *args)
    assert code == 1 and words in out, out


@pytest.mark.parametrize(("args", "name", "parse_as"), [
    (["--to", "turtle"], "prov.out", "turtle"), (["--to", "json-ld"], "prov.out", "json-ld"),
    ([], "prov.ttl", "turtle"), ([], "prov.jsonld", "json-ld"), ([], "prov.json", "json-ld"),
    ([], "prov.out", "turtle")])
def test_export_round_trips(world, tmp_path, args, name, parse_as):
    """--to picks the format; without it the file's suffix does; Turtle otherwise."""
    spec, _ = world
    out_file = tmp_path / name
    code, out = _run(spec, "audit", "export", *args, "-o", str(out_file))
    assert code == 0 and str(out_file) in out
    exported = rdflib.Graph().parse(out_file, format=parse_as)
    store = SqliteStore(Path(spec) / "world.db")
    assert len(exported) == store.count(graphs=(GraphName.PROVENANCE,))
    store.close()


def test_export_to_stdout_is_turtle(world):
    code, out = _run(world[0], "audit", "export")
    assert code == 0 and "prov:Activity" in out
    assert len(rdflib.Graph().parse(data=out, format="turtle")) > 0


def test_export_under_the_json_format_is_wrapped_as_for_the_world_export(world, tmp_path):
    """`tier1 --format json audit export` is for scripts: JSON, with the same keys as
    `tier1 export`, and the global format never changes what goes into the file."""
    code, out = _run(world[0], "--format", "json", "audit", "export")
    assert code == 0
    data = json.loads(out)
    assert data["rdf_format"] == "turtle"
    assert len(rdflib.Graph().parse(data=data["content"], format="turtle")) > 0
    target = tmp_path / "prov.ttl"
    code, out = _run(world[0], "--format", "json", "audit", "export", "-o", str(target))
    assert code == 0 and json.loads(out) == {"rdf_format": "turtle", "output": str(target)}
    assert len(rdflib.Graph().parse(target, format="turtle")) > 0


def test_export_refuses_a_suffix_it_cannot_write(world, tmp_path):
    code, out = _run(world[0], "audit", "export", "-o", str(tmp_path / "prov.nt"))
    assert code == 1 and "names nt" in out and "--to turtle or --to json-ld" in out
    assert not (tmp_path / "prov.nt").exists()


def test_json_ld_export_is_the_same_bytes_whatever_the_hash_seed(world):
    """rdflib's writer orders nodes through a set of subjects: two processes with different
    hash seeds wrote the same graph in different orders. Archived exports must diff clean."""
    import os
    import subprocess
    import sys

    outs = set()
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        r = subprocess.run([sys.executable, "-c", "from engine.cli import main; main()",
                            "--store", world[0], "audit", "export", "--to", "json-ld"],
                           env=env, capture_output=True, text=True, check=True)
        outs.add(r.stdout)
    assert len(outs) == 1
    assert "@graph" in json.loads(outs.pop())
