"""Monitoring events as ``tier1 ingest`` reads them: one JSON object per line, checked.

The fields are a scenario's ``[[events]]`` (docs/loop.md) with ``time`` (when it fired, ISO 8601
with a zone) instead of ``at``::

    {"alert": "ex:alert-7", "about": "ex:checkout-1", "severity": "critical", "time": "2026-11-28T09:01:00Z"}
    {"about": "ex:checkout-1", "observe": {"ops:health": "crashed"}}

Every line is parsed and checked before anything is written: JSON, known fields (strictly
typed), IRIs that a store can hold, observed properties of the ops ontology, a time not
ahead of this machine's clock and, given the world (:class:`Entities`), an ``about`` in it.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from rdflib import RDF, URIRef

from engine.errors import InputError, ParseError
from engine.planning._runner import alert_iris
from engine.planning._scenario import PROPERTIES, AlertEvent, Severity
from engine.store import GraphStore, triples
from engine.terms import curie, expand, expand_valid
from engine.vocab import OPS

__all__ = ["MAX_AHEAD", "MAX_LINE", "Entities", "Incoming", "parse_events", "parse_lines"]


class Incoming(BaseModel):
    """One monitoring event: an alert firing (``alert``) and/or observed state of ``about``
    (``observe``: property -> new value). ``count`` copies make a storm, as in a scenario.

    Strict: a JSON type is never coerced (``true`` is not 1, ``"3"`` is not 3), and ``time``
    is an ISO 8601 string with a zone, not a number."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    alert: str | None = None
    about: str
    time: AwareDatetime | None = Field(default=None, strict=False)  # when it fired
    severity: Severity = "critical"
    fingerprint: str = ""
    label: str = ""
    observe: dict[str, str | int | float] = Field(default_factory=dict)
    count: int = Field(default=1, ge=1, le=10_000)  # more copies: more lines

    @field_validator("time", mode="before")
    @classmethod
    def _iso_text(cls, value: object) -> object:
        if value is not None and not isinstance(value, str):
            raise ValueError("give an ISO 8601 string with a zone, not a number")
        return value

    @field_validator("observe")
    @classmethod
    def _finite(cls, value: dict[str, str | int | float]) -> dict[str, str | int | float]:
        for prop, v in value.items():
            if isinstance(v, float) and not math.isfinite(v):
                raise ValueError(f"{prop}: {v} is not a finite number")
        return value

    @model_validator(mode="after")
    def _says_something(self) -> Incoming:
        if self.alert is None and not self.observe:
            raise ValueError("an event needs 'alert' (an alert fires) or 'observe' (new state "
                             "of 'about'), or both")
        return self

    def event(self) -> AlertEvent:
        """The same event as a scenario would state it (its time is the loop's)."""
        return AlertEvent(**self.model_dump(exclude={"time"}))


_FORMAT = ('one JSON object per line, e.g. {"alert": "ex:alert-7", "about": "ex:checkout-1", '
           '"severity": "critical"} (docs/loop.md, "Feeding events")')


MAX_LINE = 1 << 20
"""The longest line read, in characters: an event is a few hundred."""

MAX_AHEAD = timedelta(minutes=5)
"""How far past this machine's clock an event's ``time`` may be (a sender's clock skew). The
loop's clock never goes back, so one event from the far future would date every later
commit there, and freeze windows and on-call shifts would be judged then."""


class Entities:
    """Which entities the world has (a store read per entity asked about, then cached), and
    the nearest one to a misspelt name."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self._seen: dict[URIRef, bool] = {}
        self._fired: set[URIRef] = set()  # alerts earlier lines of the input bring

    def __contains__(self, iri: URIRef) -> bool:
        if iri in self._fired:
            return True
        if iri not in self._seen:
            self._seen[iri] = next(iter(self.store.quads((iri, None, None))), None) is not None
        return self._seen[iri]

    def may_be_alert(self, iri: URIRef) -> bool:
        """Whether ``iri`` is new to the world or an alert (or a duplicate alert) in it, not
        an instance, say."""
        return (iri in self._fired or iri not in self
                or any(True for kind in (OPS.Alert, OPS.DuplicateAlert)
                       for _ in self.store.quads((iri, RDF.type, kind))))

    def fired(self, iris: Iterable[URIRef]) -> None:
        """Alerts an earlier line fired: a later line may be about them (resolve one)."""
        self._fired.update(iris)

    def near(self, text: str) -> str | None:
        """The typed entity whose CURIE is closest to ``text``, if one is close."""
        names = {curie(s) for s, _, _ in triples(self.store, (None, RDF.type, None))
                 if isinstance(s, URIRef)}
        close = [n for n in names if abs(len(n) - len(text)) <= 3]
        hit = difflib.get_close_matches(text, close, n=1)
        return hit[0] if hit else None


def parse_events(text: str, source: str = "<stdin>", entities: Entities | None = None
                 ) -> list[Incoming]:
    """Every event of ``text`` (JSON lines; blank lines are skipped), checked: IRIs and
    CURIEs resolve, observed properties are properties of the ops ontology and, given
    ``entities``, each ``about`` is in the world.

    Raises:
        ParseError: naming ``source:line`` (and column for bad JSON), the field and the fix.
    """
    lines = text.split("\n")  # not splitlines(): U+2028 and the like are text inside JSON
    return parse_lines(enumerate((t.removesuffix("\r") for t in lines), 1), source, entities)


def parse_lines(lines: Iterable[tuple[int, str]], source: str = "<stdin>",
                entities: Entities | None = None) -> list[Incoming]:
    """:func:`parse_events` for lines already numbered (a stream read in batches)."""
    latest = datetime.now(UTC) + MAX_AHEAD
    out = []
    for n, line in lines:
        if line.strip():
            ev = _parse_line(line, source, n, latest)
            if entities is not None:
                _in_world(ev, entities, source, n)
                entities.fired(alert_iris(ev))
            out.append(ev)
    return out


def _in_world(ev: Incoming, entities: Entities, source: str, n: int) -> None:
    if ev.alert is not None and not entities.may_be_alert(expand(ev.alert)):
        raise ParseError(f"field 'alert': {ev.alert} is an entity of the world, not an alert; "
                         "give the alert an IRI of its own", source=source, line=n)
    if expand(ev.about) in entities:
        return
    near = entities.near(ev.about)
    fix = f"did you mean {near}?" if near else "load it first ('tier1 load')"
    raise ParseError(f"field 'about': {ev.about} is not in the world; {fix} (or pass "
                     "--allow-unknown to ingest events about new entities)", source=source, line=n)


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number; give a finite number")


def _no_repeats(pairs: list[tuple[str, object]]) -> dict[str, object]:
    seen: dict[str, object] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"field {key!r} is given twice; give it once")
        seen[key] = value
    return seen


def _text_only(value: object) -> None:
    """Refuse a lone surrogate (``"\\ud800"``): valid JSON, but no UTF-8 store can hold it."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"{value!r} holds a lone surrogate escape, which is not text; "
                             "send the character itself, in UTF-8") from None
    elif isinstance(value, dict):
        for k, v in value.items():
            _text_only(k)
            _text_only(v)


def _parse_line(line: str, source: str, n: int, latest: datetime) -> Incoming:
    if len(line) > MAX_LINE:
        raise ParseError(f"line of {len(line):,} characters (at most {MAX_LINE:,}): an event "
                         "is one short JSON object; shorten its label", source=source, line=n)
    try:
        raw = json.loads(line, parse_constant=_no_constant, object_pairs_hook=_no_repeats)
        _text_only(raw)
    except ValueError as exc:
        if not isinstance(exc, json.JSONDecodeError):
            raise ParseError(str(exc), source=source, line=n) from None
        raise ParseError(f"not JSON ({exc.msg}); write {_FORMAT}", source=source, line=n,
                         col=exc.colno) from None
    if not isinstance(raw, dict):
        raise ParseError(f"an event is a JSON object, not {type(raw).__name__}; write {_FORMAT}",
                         source=source, line=n)
    try:
        ev = Incoming.model_validate(raw)
    except ValidationError as exc:
        raise ParseError(_why(exc), source=source, line=n) from None
    _check(ev, source, n)
    if ev.time is not None and ev.time > latest:
        raise ParseError(f"field 'time': {ev.time.isoformat()} is ahead of this machine's clock "
                         f"({datetime.now(UTC).isoformat(timespec='seconds')}) by more than "
                         f"{MAX_AHEAD}; fix the sender's clock, or leave 'time' out (now)",
                         source=source, line=n)
    return ev


_PROPERTY_NAMES = sorted(curie(p) for p in PROPERTIES)
_UNION_TAGS = frozenset({"str", "int", "float"})  # pydantic names the union member it tried
_FIELDS = sorted(Incoming.model_fields)


def _why(exc: ValidationError) -> str:
    """The first problem, an unknown field ahead of the missing one it usually misspells."""
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    first = errors[0]
    if not first["loc"]:  # a check of the whole event
        return str(first["msg"]).removeprefix("Value error, ")
    field = ".".join(str(p) for p in first["loc"] if p not in _UNION_TAGS)
    if first["type"] == "extra_forbidden":
        near = difflib.get_close_matches(field, _FIELDS, n=1)
        fix = f"did you mean {near[0]!r}?" if near else f"the fields are {', '.join(_FIELDS)}"
        return f"unknown field {field!r}: {fix}"
    fix = " (e.g. 2026-11-28T09:01:00Z)" if field == "time" else ""
    msg = str(first["msg"]).removeprefix("Value error, ")
    return f"field {field!r}: {msg}{fix}; write {_FORMAT}"


def _check(ev: Incoming, source: str, n: int) -> None:
    for key, value in (("alert", ev.alert), ("about", ev.about)):
        if value is not None:
            try:
                expand_valid(value)
            except InputError as exc:
                raise ParseError(f"field {key!r}: {exc}", source=source, line=n) from None
    for prop in ev.observe:
        try:
            known = expand(prop) in PROPERTIES
        except InputError as exc:
            raise ParseError(f"field 'observe': {exc}", source=source, line=n) from None
        if not known:
            near = difflib.get_close_matches(prop, _PROPERTY_NAMES, n=1)
            fix = f"did you mean {near[0]}?" if near else "e.g. ops:health"
            raise ParseError(f"field 'observe': {prop} is not a property of the ops ontology "
                             f"(ontology/ops.ttl); {fix}", source=source, line=n)
