"""Paths a user gets wrong are one-line errors naming the path, exit 1, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import app


@pytest.fixture()
def store(tmp_path: Path) -> str:
    path = str(tmp_path / "w.db")
    assert CliRunner().invoke(app, ["--store", path, "init"]).exit_code == 0
    return path


def _fails(args: list[str], *needles: str) -> None:
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 1, r.output
    assert r.exc_info is not None and r.exc_info[0] is SystemExit  # no escaped exception
    line = r.output.strip()
    assert "\n" not in line and line.startswith("InputError: "), line
    for needle in needles:
        assert needle in line, line


def test_a_missing_query_file(store: str, tmp_path: Path) -> None:
    missing = tmp_path / "nofile.rq"
    _fails(["--store", store, "query", f"@{missing}"], str(missing), "no such file")


@pytest.mark.parametrize("command", [["export", "-o"], ["audit", "export", "-o"]])
def test_an_output_path_through_a_file(store: str, tmp_path: Path, command: list[str]) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    _fails(["--store", store, *command, str(blocker / "out.ttl")], str(blocker), "in the way")
    assert blocker.read_text() == "x"


def test_a_store_path_through_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    _fails(["--store", str(blocker / "w.db"), "init"], str(blocker), "in the way")
