"""Audits: the investigations auditors would otherwise write by hand.

Each :class:`Audit` carries a parameterised Cypher query (run on a store whose
``capabilities.cypher`` is true) and the equivalent SPARQL over the embedded
store's provenance graph. :func:`run_audit` picks one and returns rows with
the same columns and value forms either way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict
from rdflib import XSD, URIRef
from rdflib import Literal as Lit
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query

from engine.errors import AuditError, InputError
from engine.provenance._audit_queries import CYPHER, SPARQL
from engine.store import GraphStore, triples
from engine.terms import expand
from engine.vocab import OPS, PREFIXES, GraphName

__all__ = ["AUDITS", "Audit", "AuditParam", "AuditResult", "resolved_params", "run_audit"]

ParamKind = Literal["iri", "datetime", "int"]
ColumnKind = Literal["iri", "text", "time", "int", "list"]
_SEP = "\u001f"
_ASSERTED = GraphName.ASSERTED
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
_EARLIEST, _LATEST = "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"


class AuditParam(BaseModel):
    """One named parameter of an audit (``--name VALUE`` on the command line)."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: ParamKind
    help: str
    default: str | None = None

    @property
    def required(self) -> bool:
        return self.default is None


class Audit(BaseModel):
    """An investigation: its question, parameters, result columns and both query forms."""

    model_config = ConfigDict(frozen=True)

    name: str
    question: str
    params: tuple[AuditParam, ...]
    columns: tuple[tuple[str, ColumnKind], ...]

    @property
    def cypher(self) -> str:
        return CYPHER[self.name].strip()

    @property
    def sparql(self) -> str:
        return SPARQL[self.name].strip()


class AuditResult(BaseModel):
    """The answer: rows (dicts keyed by column) and how it was obtained."""

    model_config = ConfigDict(frozen=True)

    audit: str
    language: Literal["cypher", "sparql"]
    columns: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]
    params: dict[str, Any]


def _p(name: str, kind: ParamKind, help: str, default: str | None = None) -> AuditParam:
    return AuditParam(name=name, kind=kind, help=help, default=default)


_FROM = _p("from", "datetime", "earliest start time (ISO 8601)", _EARLIEST)
_TO = _p("to", "datetime", "latest start time (ISO 8601; a date alone means the end of that day)",
         _LATEST)
_STEP_COLS: tuple[tuple[str, ColumnKind], ...] = (
    ("activity", "iri"), ("started", "time"), ("action", "iri"), ("target", "iri"),
    ("status", "text"),
)

AUDITS: dict[str, Audit] = {a.name: a for a in (
    Audit(name="why", question="Why was this action taken?",
          params=(_p("subject", "iri", "a step execution (run:prov/...) or the plan step it ran"),),
          columns=(("activity", "iri"), ("step", "iri"), ("plan", "iri"), ("action", "iri"),
                   ("target", "iri"), ("agent", "iri"), ("status", "text"), ("started", "time"),
                   ("ended", "time"), ("decision", "iri"), ("verdict", "text"),
                   ("shape_set_version", "text"), ("approver", "iri"), ("rules", "list"),
                   ("informed_by", "list"))),
    Audit(name="service-history", question="Everything done to a service between two dates",
          params=(_p("service", "iri", "the service"), _FROM, _TO),
          columns=(*_STEP_COLS, ("agent", "iri"), ("plan", "iri"))),
    Audit(name="blocked-plans", question="Plans blocked by policy, and by which shape",
          params=(_FROM, _TO),
          columns=(("decision", "iri"), ("plan", "iri"), ("started", "time"), ("shape", "iri"),
                   ("shape_set_version", "text"))),
    Audit(name="approved-by", question="Actions approved by a person",
          params=(_p("person", "iri", "the approver"),),
          columns=(*_STEP_COLS, ("plan", "iri"))),
    Audit(name="top-rules", question="Which rule versions caused the most actions",
          params=(_p("limit", "int", "how many rule versions to list (1 or more)", "10"),),
          columns=(("rule_id", "text"), ("rule_version", "text"), ("actions", "int"))),
)}


class CypherRunner(Protocol):
    def run_cypher(self, query: str, params: Mapping[str, Any]) -> list[dict[str, Any]]: ...


def get_audit(name: str) -> Audit:
    try:
        return AUDITS[name]
    except KeyError:
        raise InputError(
            f"no audit named {name!r}; choose one of {', '.join(sorted(AUDITS))}"
        ) from None


def parse_params(audit: Audit, given: Mapping[str, str | None]) -> dict[str, Any]:
    """Check and convert what the user gave: IRIs (CURIEs allowed), ISO times, integers."""
    unknown = set(given) - {p.name for p in audit.params}
    if unknown:
        raise InputError(f"audit {audit.name!r} has no parameter {sorted(unknown)[0]!r}; "
                         f"it takes {', '.join(p.name for p in audit.params) or 'none'}")
    out: dict[str, Any] = {}
    for p in audit.params:
        raw = given.get(p.name) or p.default
        if raw is None:
            raise InputError(f"audit {audit.name!r} needs --{p.name} ({p.help})")
        out[p.name] = _convert(audit.name, p, raw)
    if out.get("limit") == 0:
        raise InputError(f"audit {audit.name!r}: --limit 0 lists nothing; give 1 or more")
    if "from" in out and "to" in out and out["from"] > out["to"]:
        raise InputError(f"audit {audit.name!r}: --from {given.get('from')} is after --to "
                         f"{given.get('to')}; swap them")
    return out


def resolved_params(audit: Audit, given: Mapping[str, str | None]) -> dict[str, Any]:
    """The values the query would get, as passed to Cypher (``None``: required, not given).

    Unlike :func:`parse_params` a missing required value is no error, so a query can be
    shown before its values are known.
    """
    out: dict[str, Any] = {}
    for p in audit.params:
        raw = given.get(p.name) or p.default
        out[p.name] = None if raw is None else _convert(audit.name, p, raw)
    return _cypher_params({k: v for k, v in out.items() if v is not None}) | {
        k: None for k, v in out.items() if v is None}


def _convert(audit: str, p: AuditParam, raw: str) -> Any:
    if p.kind == "iri":
        return expand(raw)
    if p.kind == "int":
        if not raw.strip().isdigit():  # a count: '-1' is no more a count than 'ten'
            raise InputError(f"audit {audit!r}: --{p.name} must be a whole number, 1 or more, "
                             f"not {raw!r}")
        return int(raw)
    try:
        when = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"audit {audit!r}: --{p.name} {raw!r} is not an ISO 8601 time; "
                         "write e.g. 2026-11-28T09:00:00Z or 2026-11-28") from None
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    if p.name == "to" and _DATE_ONLY.fullmatch(raw.strip()):
        when += timedelta(days=1, microseconds=-1)  # a day given as --to includes that day
    return when


def run_audit(store: GraphStore, name: str, params: Mapping[str, str | None]) -> AuditResult:
    """Answer audit ``name``: Cypher on a Cypher-capable store, SPARQL on the others."""
    audit = get_audit(name)
    values = parse_params(audit, params)
    if store.capabilities.cypher:
        runner = getattr(store, "run_cypher", None)
        if runner is None:
            raise AuditError(f"{store.location} declares Cypher but has no run_cypher(); "
                             "update tier1 or audit an embedded copy (tier1 export / load)")
        raw = runner(audit.cypher, _cypher_params(values))
        rows, language = [_row(audit, r) for r in raw], "cypher"
    else:
        rows, language = _sparql_rows(store, audit, values), "sparql"
    if audit.name == "service-history":
        if language == "sparql":
            rows += _rows_by_plan(store, audit, values)
        rows.sort(key=lambda r: (r["started"] or "", r["activity"] or ""))
    if "limit" in values:
        rows = rows[: values["limit"]]
    return AuditResult(audit=name, language=language, columns=tuple(c for c, _ in audit.columns),
                       rows=tuple(rows), params=_cypher_params(values))


def _cypher_params(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _iso(v) if isinstance(v, datetime) else str(v) if isinstance(v, URIRef) else v
            for k, v in values.items()}


def _sparql_rows(store: GraphStore, audit: Audit, values: Mapping[str, Any],
                 query: str | None = None) -> list[dict[str, Any]]:
    from engine.world import view_graph

    bindings = {k: Lit(_iso(v), datatype=XSD.dateTime) if isinstance(v, datetime) else v
                for k, v in values.items() if k != "limit"}
    graph = view_graph(store, (GraphName.PROVENANCE,))
    result = graph.query(_prepared(query or audit.name), initBindings=bindings)
    names = [str(v) for v in (result.vars or [])]
    return [_row(audit, dict(zip(names, row, strict=True))) for row in result]  # type: ignore[arg-type]


def _rows_by_plan(store: GraphStore, audit: Audit, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Records with no ``ops:targetService`` (pages) of plans whose steps touch the service."""
    vals = {k: v for k, v in values.items() if k != "service"}
    rows: list[dict[str, Any]] = []
    for plan in sorted(_plans_touching(store, URIRef(values["service"])), key=str):
        rows += _sparql_rows(store, audit, {**vals, "plan": plan}, "service-history-by-plan")
    return rows


def _plans_touching(store: GraphStore, service: URIRef) -> set[URIRef]:
    """Plans with a step on the service, one of its instances, a change to it, or a host
    running one of its instances (the asserted graph; as the executor counts services)."""
    def objs(s: Any, p: URIRef) -> set[Any]:
        return {o for _, _, o in triples(store, (s, p, None), graph=_ASSERTED)}

    def subjs(p: URIRef, o: Any) -> set[Any]:
        return {s for s, _, _ in triples(store, (None, p, o), graph=_ASSERTED)}

    targets = {service} | subjs(OPS.instanceOf, service) | subjs(OPS.changes, service)
    targets |= {h for i in subjs(OPS.instanceOf, service) for h in objs(i, OPS.runsOn)}
    steps = {s for t in targets for s in subjs(OPS.target, t)}
    return {p for s in steps for p in subjs(OPS.hasStep, s) if isinstance(p, URIRef)}


@cache
def _prepared(name: str) -> Query:
    """The parsed SPARQL of audit ``name`` (parsing costs more than answering)."""
    return prepareQuery(SPARQL[name], initNs=PREFIXES)


def _row(audit: Audit, raw: Mapping[str, Any]) -> dict[str, Any]:
    return {col: _value(kind, raw.get(col)) for col, kind in audit.columns}


def _value(kind: ColumnKind, v: Any) -> Any:
    """One value in the form both backends agree on."""
    if v is None:
        return [] if kind == "list" else None
    if kind == "list":
        items = v if isinstance(v, list) else str(v).split(_SEP)
        return sorted(str(i) for i in items if i not in (None, ""))
    if kind == "int":
        return int(v)
    if kind == "time":
        return _time(v)
    return str(v)


def _time(v: Any) -> str:
    if isinstance(v, list):  # Neo4j: the property holds every graph's values of a record
        raise AuditError(
            f"a provenance record carries several times ({', '.join(map(str, v))}): statements "
            "about the record were added outside its hash-chained record (before tier1 "
            "refused them); find them with tier1 query and remove them from that graph")
    if hasattr(v, "to_native"):  # a neo4j DateTime
        v = v.to_native()
    if isinstance(v, Lit):
        v = v.toPython()
    if isinstance(v, datetime):
        return _iso(v if v.tzinfo else v.replace(tzinfo=UTC))
    return _iso(datetime.fromisoformat(str(v).replace("Z", "+00:00")))


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")
