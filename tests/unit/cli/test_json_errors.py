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


@pytest.mark.parametrize(("args", "code", "needle"), [
    (["--format", "json", "bogus"], 2, "No such command 'bogus'"),  # before the group ran
    (["--format", "json", "audit", "bogus"], 2, "No such command 'bogus'"),
    (["log", "-n", "0", "--format", "json"], 2, "'-n' / '--limit'"),  # the option after
    (["log", "-n", "0", "--format=json"], 2, "'-n' / '--limit'"),
    (["validate", "--bogus", "--format", "json"], 3, "No such option '--bogus'"),
])
def test_a_usage_error_before_format_is_read_is_json_too(args: list[str], code: int,
                                                         needle: str) -> None:
    """QA F6: click stopped before it read --format (an unknown command, a bad option
    ahead of the command's own --format), and the error came out as text."""
    err = _error(args, code)
    assert err["type"] == "UsageError" and needle in str(err["message"])


def test_the_last_format_given_decides_a_usage_errors_form() -> None:
    r = CliRunner().invoke(app, ["--format", "json", "log", "-n", "0", "--format", "text"])
    assert r.exit_code == 2 and r.stderr.startswith("Usage: ") and "Error: Invalid" in r.stderr


def test_a_rule_error_names_its_file_and_line(store: str, tmp_path: Path) -> None:
    """QA F6: a RuleError (it parses, but cannot run) carries file and line as fields."""
    rules = tmp_path / "r.rules"
    rules.write_text("prefix ops: <https://w3id.org/tier1/ops#>\n\nrule a.x\nwhen\n"
                     "  ?s ops:health ?o\nthen\n  ?s ops:status ?z\nend\n")
    err = _error(["--store", store, "--format", "json", "rules", "check", str(rules)], 1)
    assert err["type"] == "RuleError" and "unbound head variable ?z" in str(err["message"])
    assert (err["file"], err["line"]) == (str(rules), 7)


SCENARIO = """title = "t"
summary = "s"
start = {start}

[world]
turtle = \"\"\"
ex:a ops:health "ok" .
ex:b ops:health "ok"
ex:c ops:health "ok" .
\"\"\"

[[events]]
at = {at}
alert = "ex:alert-1"
about = "ex:a"

[expect]
outcome = "resolved"
"""


@pytest.mark.parametrize(("start", "at", "line", "needle"), [
    ('"yesterday"', "0", 3, "field 'start'"),  # a bad start value had no line
    ("2026-11-28T09:00:00Z", '"soon"', 13, "field 'events.0.at'"),
    ("2026-11-28T09:00:00Z", "0", 9, "turtle does not parse: line 3 of the turtle"),
])
def test_a_scenario_error_names_its_file_and_line(tmp_path: Path, start: str, at: str,
                                                  line: int, needle: str) -> None:
    """QA F6: a ScenarioError carries file and line as fields, and a bad field's message
    names its line."""
    sc = tmp_path / "sc.toml"
    sc.write_text(SCENARIO.format(start=start, at=at))
    err = _error(["--store", str(tmp_path / "w.db"), "--format", "json", "run", str(sc)], 1)
    assert err["type"] == "ScenarioError" and needle in str(err["message"])
    assert (err["file"], err["line"]) == (str(sc), line)
    assert str(err["message"]).startswith(f"{sc}:{line}: ")
