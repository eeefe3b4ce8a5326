"""`audit why` with no answer says what the subject is when it is a decision, plan or approval."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from provlog import build_log  # type: ignore[import-not-found]

from engine.cli import app
from engine.store import SqliteStore
from engine.vocab import RUN


def _why(tmp_path: Path, subject: str) -> str:
    spec = str(tmp_path / "w.db")
    if not Path(spec).exists():
        store = SqliteStore(Path(spec), create=True)
        build_log(store)
        store.close()
    res = CliRunner().invoke(app, ["--store", spec, "audit", "why", "--subject", subject])
    assert res.exit_code == 0, res.output
    return res.output


def test_why_on_a_policy_decision_points_at_blocked_plans(tmp_path):
    out = _why(tmp_path, "run:prov/00000001")  # provlog's blocked decision on plan/b
    assert "no answers" in out
    assert "run:prov/00000001 is a policy decision (verdict blocked)" in out
    assert "tier1 audit blocked-plans" in out


def test_why_on_a_plan_points_at_plans(tmp_path):
    out = _why(tmp_path, str(RUN["plan/a"]))
    assert "run:plan/a is a plan" in out and "tier1 plans" in out


def test_why_on_an_unknown_subject_adds_nothing(tmp_path):
    out = _why(tmp_path, "ex:nobody")
    assert out.strip().startswith("no answers") and len(out.strip().splitlines()) == 1
