"""`audit --show-query` prints the values given (as Neo4j Browser :param lines), and a
date-only --to covers that whole day."""

from __future__ import annotations

import json

from click.testing import CliRunner

from engine.cli import app
from engine.provenance import run_audit


def _run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, ["--store", "/nonexistent/none.db", *args])
    return res.exit_code, res.output


def test_show_query_prints_given_values_and_defaults_as_params():
    code, out = _run("audit", "service-history", "--service", "ex:checkout",
                     "--from", "2026-11-28T09:00:00+01:00", "--show-query")
    assert code == 0, out
    lines = out.splitlines()
    assert ":param service => 'https://example.org/estate/checkout'" in lines
    assert ":param from => '2026-11-28T08:00:00Z'" in lines  # normalised to UTC
    assert ":param to => '9999-12-31T23:59:59Z'" in lines  # not given: the default
    assert "$service" in out  # the query itself stays parameterised
    assert "https://example.org/estate/checkout" not in out.split("MATCH", 1)[1]


def test_show_query_json_has_values():
    code, out = _run("--format", "json", "audit", "top-rules", "--limit", "2", "--show-query")
    assert code == 0, out
    assert json.loads(out)["values"] == {"limit": 2}
    code, out = _run("audit", "top-rules", "--show-query")
    assert ":param limit => 10" in out.splitlines()


def test_show_query_quotes_values_for_pasting():
    code, out = _run("audit", "why", "--subject", "<urn:x:it's\\here>", "--show-query")
    assert code == 0, out
    assert ":param subject => 'urn:x:it\\'s\\\\here'" in out.splitlines()


def test_show_query_names_a_missing_required_value():
    code, out = _run("audit", "why", "--show-query")
    assert code == 0 and "// $subject is required: pass --subject" in out.splitlines()
    assert json.loads(_run("--format", "json", "audit", "why", "--show-query")[1])["values"] == {
        "subject": None}


def test_a_date_only_to_includes_that_day(log):
    rows = run_audit(log.store, "service-history", {
        "service": "ex:checkout", "from": "2026-11-28", "to": "2026-11-28"}).rows
    assert len(rows) == 2  # the two restarts at 10:00 and 11:00
    end = run_audit(log.store, "service-history", {
        "service": "ex:checkout", "to": "2026-11-28"}).params["to"]
    assert end.startswith("2026-11-28T23:59:59")
    assert run_audit(log.store, "service-history", {
        "service": "ex:checkout", "to": "2026-11-27"}).rows == ()


def test_to_help_says_a_date_means_end_of_day():
    out = CliRunner().invoke(app, ["audit", "blocked-plans", "--help"]).output
    assert "a date alone means the end of that day" in " ".join(out.split())
