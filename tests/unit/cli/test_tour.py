"""The README's tour runs as written, on a new store."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import app

REPO = Path(__file__).resolve().parents[3]


def _tour() -> list[list[str]]:
    """The ``tier1 ...`` lines of the README's first bash block, comments dropped."""
    text = (REPO / "README.md").read_text()
    block = re.search(r"```bash\n(tier1 init.*?)```", text, re.S)
    assert block, "the README's tour block moved"
    lines = [ln.split("  #")[0].strip() for ln in block.group(1).splitlines()]
    return [shlex.split(ln)[1:] for ln in lines if ln.startswith("tier1 ")]


def test_the_readme_tour_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    store = str(tmp_path / "w.db")
    runner = CliRunner()
    for args in _tour():
        if args[0] == "ontology":  # HermiT needs Java: tests/unit/world covers it
            continue
        args = [a.replace("world.nt", str(tmp_path / "world.nt")) for a in args]
        r = runner.invoke(app, ["--store", store, *args])
        assert r.exit_code == 0, f"tier1 {shlex.join(args)}: {r.output}"
    r = runner.invoke(app, ["--store", store, "diff", "0", "--format", "json"])
    assert r.exit_code == 0, r.output
