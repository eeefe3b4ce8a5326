"""Scenarios: a starting world, timed events, injected faults, human answers, and the
expected outcome, read from a TOML file into frozen models before anything runs.

Paths inside a scenario are relative to the scenario file. See ``docs/loop.md``
for the format and ``scenarios/`` for the bundled ones.
"""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from engine.errors import ParseError, ScenarioError

__all__ = [
    "AlertEvent",
    "Answer",
    "Expectation",
    "Fault",
    "Scenario",
    "WorldSpec",
    "load_scenario",
]

_STRICT = ConfigDict(frozen=True, extra="forbid")


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
    severity: Literal["critical", "warning", "info"] = "critical"
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
        raise ScenarioError(f"{path}: no such scenario file; list them with 'tier1 run --list'") from None
    except tomllib.TOMLDecodeError as exc:
        line, col = _where(str(exc))
        raise ParseError(f"not valid TOML: {exc}", source=str(path), line=line, col=col) from None
    raw.setdefault("id", path.stem)
    raw["source"] = str(path)
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise ScenarioError(
            f"{path}: field {field!r}: {first['msg']} (see docs/loop.md for the scenario format)"
        ) from None


def _where(msg: str) -> tuple[int | None, int | None]:
    import re

    m = re.search(r"line (\d+), column (\d+)", msg)
    return (int(m.group(1)), int(m.group(2))) if m else (None, None)
