"""Paths a user gets wrong are one-line errors naming the path, exit 1, never a traceback."""

from __future__ import annotations

import os
import stat
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


@pytest.mark.parametrize("command", [["export", "-o"], ["audit", "export", "-o"]])
def test_an_output_in_a_missing_directory_creates_nothing(store: str, tmp_path: Path,
                                                          command: list[str]) -> None:
    """A typo in -o must not leave new directories behind."""
    _fails(["--store", store, *command, str(tmp_path / "typo" / "dir" / "out.ttl")],
           str(tmp_path / "typo" / "dir"), "no such directory")
    assert not (tmp_path / "typo").exists()


@pytest.mark.parametrize("command", [["export", "-o"], ["audit", "export", "-o"]])
def test_an_exported_file_gets_the_umasks_mode(store: str, tmp_path: Path,
                                               command: list[str]) -> None:
    """Not the 0600 of the temporary file it is renamed from."""
    out = tmp_path / "out.ttl"
    old = os.umask(0o022)
    try:
        r = CliRunner().invoke(app, ["--store", store, *command, str(out)])
    finally:
        os.umask(old)
    assert r.exit_code == 0, r.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
