"""With ``--format json`` an error is one JSON object on stderr, so a script reads the error
the way it reads the output; the exit status and the text form stay as they were."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import app

BAD_TTL = "@prefix ex: <http://e/> .\nex:a ex:b ex:c ;\n ex:d .\n"


@pytest.fixture()
def store(tmp_path: Path) -> str:
    path = str(tmp_path / "w.db")
    assert CliRunner().invoke(app, ["--store", path, "init"]).exit_code == 0
    return path


def _error(args: list[str], code: int) -> dict[str, object]:
    r = CliRunner().invoke(app, args)
    assert r.exit_code == code, r.output
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    got: dict[str, object] = json.loads(lines[0])["error"]
    return got


def test_a_parse_error_names_its_file_line_and_column(store: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text(BAD_TTL)
    err = _error(["--store", store, "--format", "json", "load", str(bad)], 1)
    assert err["type"] == "ParseError"
    assert (err["file"], err["line"], err["col"]) == (str(bad), 3, 6)
    assert "missing '.'" in str(err["message"])


def test_the_command_level_format_option_counts_too(store: str) -> None:
    err = _error(["--store", store, "show", "ex:nothing-here", "--format", "json"], 1)
    assert err == {"type": "InputError",
                   "message": "ex:nothing-here is not in the world; list entities with tier1 query"}


def test_a_verdict_command_keeps_its_error_exit(store: str, tmp_path: Path) -> None:
    err = _error(["--store", store, "shapes", "test", "--format", "json",
                  str(tmp_path / "none")], 3)
    assert err["type"] == "ShapeError" and "no shapes file" in str(err["message"])


def test_an_unreachable_server_is_a_json_error() -> None:
    err = _error(["--store", "bolt://127.0.0.1:1", "--format", "json", "summary"], 1)
    assert err["type"] == "StoreUnavailable" and "bolt://127.0.0.1:1" in str(err["message"])


def test_text_format_errors_stay_one_plain_line(store: str) -> None:
    r = CliRunner().invoke(app, ["--store", store, "show", "ex:nothing-here"])
    assert r.exit_code == 1
    assert r.stderr.strip() == ("InputError: ex:nothing-here is not in the world; "
                                "list entities with tier1 query")


@pytest.mark.parametrize(("args", "code", "needle"), [
    (["explain", "ex:a", "rdf:type", "ops:Service"], 2, "unexpected extra arguments"),
    (["validate", "--bogus"], 3, "No such option '--bogus'"),  # a verdict command keeps its 3
    (["approve", "5accc"], 2, "Missing option '--as'"),  # QA5 #8: these came out empty
    (["plans", "--state", "bogus"], 2, "Invalid value for '--state'"),
    (["validate", "--format", "yaml"], 3, "Invalid value for '--format'"),
])
def test_a_usage_error_is_json_too(args: list[str], code: int, needle: str) -> None:
    err = _error(["--format", "json", *args], code)
    assert err["type"] == "UsageError" and needle in str(err["message"])
