"""Scenarios: a starting world, timed events, injected faults, human answers, and the
expected outcome, read from a TOML file into frozen models before anything runs.

Paths inside a scenario are relative to the scenario file. See ``docs/loop.md``
for the format and ``scenarios/`` for the bundled ones.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Collection, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from rdflib import RDF, URIRef

from engine.errors import InputError, ParseError, ScenarioError
from engine.terms import Triple, curie, expand, expand_valid
from engine.vocab import ACTION_TYPES, OPS, PROV

__all__ = [
    "PROPERTIES",
    "AlertEvent",
    "Answer",
    "Expectation",
    "Fault",
    "Scenario",
    "Severity",
    "WorldSpec",
    "check_people",
    "check_scenario",
    "load_scenario",
]

PROPERTIES = frozenset(OPS[n] for n in OPS.__annotations__ if n[:1].islower())
"""The properties of the ops ontology: what an event may ``observe``."""
_PERSON_TYPES = frozenset({OPS.Person, OPS.HumanAgent, PROV.Person})

_STRICT = ConfigDict(frozen=True, extra="forbid")
Severity = Literal["critical", "warning", "info"]


class WorldSpec(BaseModel):
    """The starting world: RDF files, SPARQL update files over them, then the scenario's own
    SPARQL update (``sparql``) and Turtle (``turtle``)."""

    model_config = _STRICT

    files: tuple[str, ...] = ()
    updates: tuple[str, ...] = ()
    sparql: str = ""
    turtle: str = ""


class AlertEvent(BaseModel):
    """What monitoring reports at ``at`` seconds after the start: alerts (``count`` copies
    make a storm) and/or observed state of ``about`` (``observe``: property → new value)."""

    model_config = _STRICT

    at: float = Field(default=0.0, ge=0)
    alert: str | None = None  # CURIE or IRI of the alert (copies get -1, -2, ... suffixes)
    about: str
    observe: dict[str, str | int | float] = Field(default_factory=dict)
    severity: Severity = "critical"
    fingerprint: str = ""
    label: str = ""
    count: int = Field(default=1, ge=1, le=100_000)


class Fault(BaseModel):
    """A fault the digital twin injects into matching actions."""

    model_config = _STRICT

    kind: Literal["fail", "timeout", "partial"]
    action: str | None = None
    target: str | None = None
    times: int | None = Field(default=1, ge=1)


class Answer(BaseModel):
    """A human's answer to a parked plan, ``at`` seconds after the start."""

    model_config = _STRICT

    at: float = Field(default=0.0, ge=0)
    by: str
    decision: Literal["approve", "reject"] = "approve"
    emergency: bool = False
    reason: str = ""


class Expectation(BaseModel):
    """What must be true at the end for the scenario to pass."""

    model_config = _STRICT

    outcome: Literal["resolved", "blocked", "escalated", "awaiting_approval", "rejected"]
    actions: tuple[str, ...] = ()  # action types that ran and took effect
    plans: int | None = None  # how many plans were made (re-plans included)
    approved_by: str | None = None
    blocked_by: str | None = None  # a substring of the blocking shape or reason
    paged: str | None = None  # who was paged
    provenance: tuple[str, ...] = ()  # classes that must appear in the provenance graph


class Scenario(BaseModel):
    """One runnable story of the closed loop."""

    model_config = _STRICT

    id: str
    title: str
    summary: str = ""
    start: datetime
    world: WorldSpec
    events: tuple[AlertEvent, ...] = ()
    faults: tuple[Fault, ...] = ()
    answers: tuple[Answer, ...] = ()
    expect: Expectation
    source: str = ""

    @property
    def folder(self) -> Path:
        return Path(self.source).parent


def load_scenario(path: Path) -> Scenario:
    """Parse ``path`` into a :class:`Scenario`, naming the file and field on any error."""
    try:
        raw: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such scenario file; list them with 'tier1 run --list'",
                            source=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        line, col = _where(str(exc))
        raise ParseError(f"not valid TOML: {exc}", source=str(path), line=line, col=col) from None
    raw.setdefault("id", path.stem)
    raw["source"] = str(path)
    try:
        sc = Scenario.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        line = _Locator(str(path)).field_line(first["loc"], first.get("input"))
        raise ScenarioError.at(str(path), line, f"field {field!r}: {first['msg']} (see "
                               "docs/loop.md for the scenario format)") from None
    check_scenario(sc)
    return sc


def check_scenario(sc: Scenario) -> None:
    """Resolve every IRI/CURIE of ``sc``'s events, faults, answers and expectations, and
    check observed properties and action types against the ontology, before anything runs.

    Raises:
        ScenarioError: naming the scenario file:line, the entry and the fix.
    """
    at = _Locator(sc.source)
    for i, ev in enumerate(sc.events, 1):
        if ev.alert is not None:
            at.iri("events", i, "alert", ev.alert)
        at.iri("events", i, "about", ev.about)
        for prop in ev.observe:
            at.term("events", i, "observe", prop, PROPERTIES, "a property of the ops ontology")
    for i, f in enumerate(sc.faults, 1):
        if f.action is not None:
            at.term("faults", i, "action", f.action, ACTION_TYPES, "an ops action type")
        if f.target is not None:
            at.iri("faults", i, "target", f.target)
    for i, ans in enumerate(sc.answers, 1):
        at.iri("answers", i, "by", ans.by)
    exp = sc.expect
    for a in exp.actions:
        at.term("expect", 0, "actions", a, ACTION_TYPES, "an ops action type")
    for key, value in (("approved_by", exp.approved_by), ("paged", exp.paged)):
        if value is not None:
            at.iri("expect", 0, key, value)
    for c in exp.provenance:
        at.iri("expect", 0, "provenance", c)


def check_people(sc: Scenario, world: Iterable[Triple]) -> None:
    """Every ``[[answers]] by`` names a person (``ops:Person``) of the starting ``world``.

    Raises:
        ScenarioError: naming the scenario file:line, the answer and people who could answer.
    """
    people = {s for s, p, o in world if p == RDF.type and o in _PERSON_TYPES}
    at = _Locator(sc.source)
    for i, ans in enumerate(sc.answers, 1):
        if expand(ans.by) not in people:
            names = sorted(curie(p) for p in people)
            some = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
            raise at.error("answers", i, "by", ans.by, (
                f"{ans.by} is not an ops:Person in the scenario's starting world; name one in "
                f"by = (e.g. {some})" if names else
                f"{ans.by} is not an ops:Person: the scenario's starting world has no people; "
                "add them to [world] (files or turtle)"))


_HEADER = re.compile(r"^\s*(\[\[?\s*[\w.-]+\s*\]\]?)\s*(?:#.*)?$")


class _Locator:
    """Finds an entry of a scenario file (``[[events]]`` #2 ``about``) for error messages."""

    def __init__(self, source: str) -> None:
        self.source = source
        try:
            self.lines = Path(source).read_text(encoding="utf-8").splitlines() if source else []
        except OSError:
            self.lines = []

    def iri(self, section: str, index: int, key: str, value: str) -> URIRef:
        try:
            return expand_valid(value)
        except InputError as exc:
            raise self.error(section, index, key, value, str(exc)) from None

    def term(self, section: str, index: int, key: str, value: str,
             allowed: Collection[URIRef], what: str) -> URIRef:
        iri = self.iri(section, index, key, value)
        if iri in allowed:
            return iri
        names = sorted(curie(a) for a in allowed)
        near = difflib.get_close_matches(value, names, n=1)
        fix = f"did you mean {near[0]}?" if near else (
            f"use one of {', '.join(names)}" if len(names) <= 10 else "see ontology/ops.ttl")
        raise self.error(section, index, key, value, f"{value} is not {what}; {fix}")

    def error(self, section: str, index: int, key: str, value: str, msg: str) -> ScenarioError:
        entry = f"[[{section}]] #{index}" if index else f"[{section}]"
        line = self._line(f"[[{section}]]" if index else f"[{section}]", index, key, value)
        return ScenarioError.at(self.source, line, f"{entry} {key}: {msg}")

    def field_line(self, loc: tuple[int | str, ...], value: object) -> int | None:
        """The line of the field pydantic names by ``loc`` (``start``, ``events.0.at``,
        ``world.files``), or None."""
        text = value if isinstance(value, str) else None
        if len(loc) >= 3 and isinstance(loc[1], int):
            return self._line(f"[[{loc[0]}]]", loc[1] + 1, str(loc[2]), text)
        if len(loc) >= 2:
            return self._line(f"[{loc[0]}]", 0, str(loc[1]), text)
        for n, line in enumerate(self.lines, 1):  # a top-level key, before the first table
            if line.lstrip().startswith("["):
                break
            if re.match(rf"\s*{re.escape(str(loc[0]))}\s*=", line):
                return n
        return None

    def _line(self, header: str, index: int, key: str, value: str | None) -> int | None:
        """The line of ``value`` (else of ``key``, else the header) in the entry's block."""
        seen, start, end = 0, None, len(self.lines)
        for n, text in enumerate(self.lines, 1):
            s = re.sub(r"\s", "", m.group(1)) if (m := _HEADER.match(text)) else ""
            if start is not None and s.startswith("["):
                end = n - 1
                break
            if s == header:
                seen += 1
                start = n if seen == max(index, 1) else None
        if start is None:
            return None
        block = list(enumerate(self.lines[start:end], start + 1))
        for pick in (lambda t: value is not None and (f'"{value}"' in t or f"'{value}'" in t),
                     lambda t: t.strip().startswith(key)):
            hit = next((n for n, t in block if pick(t)), None)
            if hit:
                return hit
        return start


def _where(msg: str) -> tuple[int | None, int | None]:
    m = re.search(r"line (\d+), column (\d+)", msg)
    return (int(m.group(1)), int(m.group(2))) if m else (None, None)
