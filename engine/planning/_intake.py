"""Monitoring events from outside the loop: JSON lines in, micro-batches through the loop.

``tier1 ingest`` reads one event per line, with the fields of a scenario's ``[[events]]``
(docs/loop.md) and ``time`` (when it fired, ISO 8601 with a zone) instead of ``at``::

    {"alert": "ex:alert-7", "about": "ex:checkout-1", "severity": "critical", "time": "2026-11-28T09:01:00Z"}
    {"about": "ex:checkout-1", "observe": {"ops:health": "crashed"}}

Every line is parsed and checked (:func:`parse_events`) before the first commit, so a bad
line writes nothing. Then the events are queued (:meth:`Loop.offer`) and drained in
micro-batches (:func:`~engine.planning._drive.pump`): one commit with one inference update per
batch, plans settled once per batch, so a storm of alerts about one entity is one plan.

An alert that is already in the world fires again: its status, time and severity are
replaced, as a scenario's re-firing alert is. A batch never holds the same alert twice (it
is cut before the second), so each firing is its own commit.
"""

from __future__ import annotations

import difflib
import json
import time
from collections.abc import Callable, Iterable, Sequence
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
from rdflib import RDF, XSD, Literal, URIRef

from engine.errors import InputError, ParseError
from engine.planning._drive import pump
from engine.planning._loop import Loop
from engine.planning._model import Plan
from engine.planning._runner import alert_iris, event_change
from engine.planning._scenario import PROPERTIES, AlertEvent, Severity
from engine.store import GraphStore, triples
from engine.terms import curie, expand, expand_valid
from engine.vocab import OPS

__all__ = ["Feeder", "Incoming", "IngestReport", "ingest", "parse_events", "parse_lines"]


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
    count: int = Field(default=1, ge=1, le=100_000)

    @field_validator("time", mode="before")
    @classmethod
    def _iso_text(cls, value: object) -> object:
        if value is not None and not isinstance(value, str):
            raise ValueError("give an ISO 8601 string with a zone, not a number")
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


def parse_events(text: str, source: str = "<stdin>") -> list[Incoming]:
    """Every event of ``text`` (JSON lines; blank lines are skipped), checked: IRIs and
    CURIEs resolve and observed properties are properties of the ops ontology.

    Raises:
        ParseError: naming ``source:line`` (and column for bad JSON), the field and the fix.
    """
    lines = text.split("\n")  # not splitlines(): U+2028 and the like are text inside JSON
    return parse_lines(enumerate((t.removesuffix("\r") for t in lines), 1), source)


def parse_lines(lines: Iterable[tuple[int, str]], source: str = "<stdin>") -> list[Incoming]:
    """:func:`parse_events` for lines already numbered (a stream read in batches)."""
    latest = datetime.now(UTC) + MAX_AHEAD
    return [_parse_line(line, source, n, latest) for n, line in lines if line.strip()]


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number; give a finite number")


def _parse_line(line: str, source: str, n: int, latest: datetime) -> Incoming:
    if len(line) > MAX_LINE:
        raise ParseError(f"line of {len(line):,} characters (at most {MAX_LINE:,}): an event "
                         "is one short JSON object; shorten its label", source=source, line=n)
    try:
        raw = json.loads(line, parse_constant=_no_constant)
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
_FIELDS = sorted(Incoming.model_fields)


def _why(exc: ValidationError) -> str:
    """The first problem, an unknown field ahead of the missing one it usually misspells."""
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    first = errors[0]
    if not first["loc"]:  # a check of the whole event
        return str(first["msg"]).removeprefix("Value error, ")
    field = ".".join(str(p) for p in first["loc"])
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


class IngestReport(BaseModel):
    """What one ``ingest`` did: events and alerts in, batches, time, and the plans whose
    state changed (each with ``was``: its state before, or ``new``)."""

    model_config = ConfigDict(frozen=True)

    events: int
    alerts: int
    batches: int
    seconds: float
    plans: tuple[dict[str, str], ...] = ()

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


Progress = Callable[[int, int], None]
"""Told (events done, events in all) after each batch."""


class Feeder:
    """Feeds checked events to ``loop`` in arrival order, in micro-batches of up to ``batch``
    (default ``LoopConfig.max_batch``) events; after each batch the plans are settled (the
    allowed ones run on the twin unless ``execute`` is false). Counts what it fed."""

    def __init__(self, loop: Loop, *, batch: int | None = None, execute: bool = True) -> None:
        self.loop, self.execute = loop, execute
        self.limit = batch or loop.config.max_batch
        self.events = self.alerts = self.batches = 0
        self._before = {p.iri: p.state.value for p in loop.plans.values()}
        self._known = _alerts(loop.store)
        self._t0 = time.perf_counter()

    def feed(self, events: Sequence[Incoming], progress: Progress | None = None) -> None:
        for chunk in _chunks(events, self.limit):
            _offer(self.loop, chunk, self._known)
            self.batches += pump(self.loop, execute=self.execute, limit=self.limit)
            self.events += len(chunk)
            self.alerts += sum(e.count for e in chunk if e.alert)
            if progress is not None:
                progress(self.events, len(events))

    def report(self) -> IngestReport:
        return IngestReport(events=self.events, alerts=self.alerts, batches=self.batches,
                            seconds=time.perf_counter() - self._t0,
                            plans=_changed(self.loop.plans.values(), self._before))


def ingest(loop: Loop, events: Sequence[Incoming], *, batch: int | None = None,
           execute: bool = True, progress: Progress | None = None) -> IngestReport:
    """Feed ``events`` to ``loop`` (see :class:`Feeder`) and report it."""
    feeder = Feeder(loop, batch=batch, execute=execute)
    feeder.feed(events, progress)
    return feeder.report()


def _alerts(store: GraphStore) -> set[URIRef]:
    """The alerts already in the world: only these can fire again (a store read each)."""
    return {s for s, _, _ in triples(store, (None, RDF.type, OPS.Alert)) if isinstance(s, URIRef)}


def _chunks(events: Sequence[Incoming], limit: int) -> Iterable[list[Incoming]]:
    """Runs of at most ``limit`` alerts (an event of ``count`` copies counts ``count``; one
    larger than ``limit`` is a run of its own), each cut before an event that would change
    what the run already changes: an alert it holds fires again, or a property of an entity
    it observes is observed again. A later event then wins, each in its own commit."""
    chunk: list[Incoming] = []
    alerts: set[URIRef] = set()
    observed: set[tuple[str, str]] = set()
    weight = 0
    for ev in events:
        mine = set(alert_iris(ev.event())) if ev.alert is not None else set()
        says = {(ev.about, p) for p in ev.observe}
        size = max(1, len(mine))
        if chunk and (weight + size > limit or not alerts.isdisjoint(mine)
                      or not observed.isdisjoint(says)):
            yield chunk
            chunk, alerts, observed, weight = [], set(), set(), 0
        chunk.append(ev)
        alerts |= mine
        observed |= says
        weight += size
    if chunk:
        yield chunk


def _offer(loop: Loop, chunk: list[Incoming], known: set[URIRef]) -> None:
    """Queue ``chunk`` at the latest time it names (the clock never goes back)."""
    stamps = [e.time for e in chunk if e.time is not None]
    if stamps:
        loop.advance_to(max(stamps))
    fired_at: dict[datetime | None, Literal] = {}  # one literal per time, not per event
    for inc in chunk:
        ev = inc.event()
        fired = fired_at.get(inc.time)
        if fired is None:
            fired = fired_at[inc.time] = _literal(inc.time or loop.now)
        adds, removes, text = event_change(loop.store, ev, fired, exists=known.__contains__)
        loop.offer(adds, removes, text)
        known.update(s for s, p, _ in adds if p == RDF.type and isinstance(s, URIRef))


def _literal(when: datetime) -> Literal:
    return Literal(when.isoformat().replace("+00:00", "Z"), datatype=XSD.dateTime)


def _changed(plans: Iterable[Plan], before: dict[URIRef, str]) -> tuple[dict[str, str], ...]:
    return tuple({"plan": str(p.iri), "was": before.get(p.iri, "new"), "state": p.state.value,
                  "reason": p.reason} for p in plans if before.get(p.iri) != p.state.value)
