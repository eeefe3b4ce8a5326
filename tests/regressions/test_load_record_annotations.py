"""Regression (QA4 #2): one triple about a provenance record, loaded into the asserted graph,
changed the audits on Neo4j (where a record's literal properties hold every graph's values):
``audit why`` crashed with a traceback and ``service-history`` dropped the action. ``load``
now refuses statements about this store's records; another store's records load as data."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import app
from engine.errors import AuditError
from engine.provenance._audits import _time

INJECT = """@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ops: <https://w3id.org/tier1/ops#> .
<urn:tier1:run:prov/00000004#approval> ops:status "disputed" .
<urn:tier1:run:prov/00000004> prov:startedAtTime "2026-01-01T00:00:00Z"^^xsd:dateTime .
"""


def _cli(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.output


def test_statements_about_this_stores_records_are_refused(tmp_path: Path) -> None:
    store, inject = str(tmp_path / "w.db"), tmp_path / "inject.ttl"
    inject.write_text(INJECT)
    assert _cli("--store", store, "run", "primary-db-down")[0] == 0
    before = _cli("--store", store, "export", "--graph", "all", "--to", "nquads")[1]
    code, out = _cli("--store", store, "load", str(inject))
    assert code == 1
    assert out.startswith(f"InputError: {inject}: run:prov/00000004 is a provenance record")
    assert _cli("--store", store, "export", "--graph", "all", "--to", "nquads")[1] == before
    assert _cli("--store", store, "audit", "verify")[0] == 0


def test_another_stores_records_load_as_plain_data(tmp_path: Path) -> None:
    inject = tmp_path / "inject.ttl"
    inject.write_text(INJECT)
    assert _cli("--store", str(tmp_path / "other.db"), "load", str(inject))[0] == 0


def test_a_record_time_with_several_values_is_an_audit_error_not_a_traceback() -> None:
    with pytest.raises(AuditError, match="several times"):
        _time(["2026-01-01T00:00:00Z", "2026-11-28T09:20:00Z"])
