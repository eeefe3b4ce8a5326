"""A bad scenario is refused before anything is committed: every IRI/CURIE in its events,
answers, faults and expectations is resolved, observed properties and fault actions are
checked against the ontology, and an answer's ``by`` must be a person of its starting
world. The error is one line naming the scenario file:line, the entry and the fix, and
the store's log is exactly as it was."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import RDF, Graph

from engine.cli import app
from engine.vocab import ACTION_TYPES, OPS

REPO = Path(__file__).resolve().parents[3]
BASE = REPO / "scenarios" / "primary-db-down.toml"


def _scenario(folder: Path, old: str, new: str, extra: str = "") -> tuple[Path, int]:
    """primary-db-down with ``old`` replaced by ``new`` (and ``extra`` appended), its
    world paths made absolute; returns the file and the 1-based line of ``new``."""
    text = BASE.read_text(encoding="utf-8")
    text = text.replace('"../ontology/', f'"{REPO}/ontology/')
    text = text.replace('"calm.ru"', f'"{REPO}/scenarios/calm.ru"') + extra
    if old:
        assert old in text
        text = text.replace(old, new)
    path = folder / "bad.toml"
    path.write_text(text, encoding="utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if new in t)
    return path, line


@pytest.fixture
def store(tmp_path: Path) -> list[str]:
    """A store holding one commit (the sample estate), as the global options."""
    opts = ["--store", str(tmp_path / "w.db")]
    r = CliRunner().invoke(app, [*opts, "load", str(REPO / "ontology" / "examples" / "estate.ttl")])
    assert r.exit_code == 0, r.output
    return opts


def _log(opts: list[str]) -> list[dict[str, object]]:
    r = CliRunner().invoke(app, [*opts, "--format", "json", "log"])
    assert r.exit_code == 0, r.output
    out: list[dict[str, object]] = json.loads(r.stdout)
    return out


def _refused(opts: list[str], path: Path) -> str:
    """Run ``path``; assert it fails with one ScenarioError line and commits nothing."""
    before = _log(opts)
    assert len(before) == 1
    r = CliRunner().invoke(app, [*opts, "run", str(path)])
    assert r.exit_code == 1, r.output
    errors = [ln for ln in r.output.splitlines() if "Error:" in ln]
    assert len(errors) == 1, r.output
    assert errors[0].startswith("ScenarioError: "), r.output
    assert _log(opts) == before
    return errors[0]


CASES = [  # (old, new, extra, words the message must hold)
    ('about = "ex:orders-db-1"', 'about = "foo:orders-db-1"', "",
     ["[[events]] #1", "about", "'foo:orders-db-1'", "known prefix"]),
    ('alert = "ex:alert-orders-db-primary-down"', 'alert = "orders-db-down"', "",
     ["[[events]] #1", "alert", "'orders-db-down'", "known prefix"]),
    ('"ops:health" = "crashed"', '"ops:helth" = "crashed"', "",
     ["[[events]] #1", "observe", "ops:helth", "not a property of the ops ontology",
      "did you mean ops:health"]),
    ('"ops:health" = "crashed"', '"ex:health" = "crashed"', "",
     ["[[events]] #1", "observe", "ex:health", "not a property of the ops ontology"]),
    ('by = "ex:chen"', 'by = "chen"', "",
     ["[[answers]] #1", "by", "'chen'", "known prefix"]),
    ('by = "ex:chen"', 'by = "ex:nobody"', "",
     ["[[answers]] #1", "by", "ex:nobody", "not an ops:Person in the scenario's starting world",
      "ex:chen"]),
    ("", 'action = "ops:Restrat"', '\n[[faults]]\nkind = "fail"\naction = "ops:Restrat"\n',
     ["[[faults]] #1", "action", "ops:Restrat", "not an ops action type", "did you mean ops:Restart"]),
    ("", 'target = "nope:x"', '\n[[faults]]\nkind = "fail"\ntarget = "nope:x"\n',
     ["[[faults]] #1", "target", "'nope:x'", "known prefix"]),
    ('actions = ["ops:Failover"]', 'actions = ["ops:Failovr"]', "",
     ["[expect]", "actions", "ops:Failovr", "not an ops action type", "did you mean ops:Failover"]),
    ('"ops:Approval"]', '"op:Approval"]', "",
     ["[expect]", "provenance", "'op:Approval'", "known prefix"]),
    ('approved_by = "ex:chen"', 'approved_by = "chen"', "",
     ["[expect]", "approved_by", "'chen'", "known prefix"]),
]


@pytest.mark.parametrize(("old", "new", "extra", "words"), CASES,
                         ids=[c[1] for c in CASES])
def test_a_bad_entry_is_refused_before_any_commit(
    store: list[str], tmp_path: Path, old: str, new: str, extra: str, words: list[str],
) -> None:
    path, line = _scenario(tmp_path, old, new, extra)
    msg = _refused(store, path)
    assert f"{path}:{line}: " in msg, msg
    for w in words:
        assert w in msg, (w, msg)


def test_an_unknown_approver_gets_toml_advice_not_cli_advice(store: list[str], tmp_path: Path) -> None:
    path, _ = _scenario(tmp_path, 'by = "ex:chen"', 'by = "ex:nobody"')
    msg = _refused(store, path)
    assert "--as" not in msg and "by =" in msg


def test_a_missing_toml_path_says_no_such_file(store: list[str], tmp_path: Path) -> None:
    for name in ("sc/nofile.toml", "nofile.toml", "sc/nofile"):
        r = CliRunner().invoke(app, [*store, "run", name])
        assert r.exit_code == 1
        assert f"no such file: {name}" in r.output, r.output
        assert "use a .toml path" not in r.output
    r = CliRunner().invoke(app, [*store, "run", "nofile"])  # a bare name: list the bundled ones
    assert r.exit_code == 1 and "primary-db-down" in r.output, r.output


def test_action_types_are_the_ontologys() -> None:
    g = Graph().parse(REPO / "ontology" / "ops.ttl")
    assert set(g.subjects(RDF.type, OPS.ActionType)) == set(ACTION_TYPES)


def test_the_line_is_found_in_the_right_entry(store: list[str], tmp_path: Path) -> None:
    """With two events, the second's bad value is located in the second block."""
    second = ('\n[[events]]\nat = 60\nabout = "ex:orders-db-1"\n'
              'observe = { "ops:restartCount" = 1, "ops:helth" = "crashed" }\n')
    path, _ = _scenario(tmp_path, "", "", second)
    text = path.read_text(encoding="utf-8")
    line = text.splitlines().index('observe = { "ops:restartCount" = 1, "ops:helth" = "crashed" }') + 1
    msg = _refused(store, path)
    assert re.search(rf"{re.escape(str(path))}:{line}: \[\[events\]\] #2 observe", msg), msg
