"""Running a scenario: build its world, play its timeline through the loop, judge the end.

The ports (rule engine, policy gate, agents on the digital twin, provenance)
come from a factory so the same runner serves ``tier1 run``, ``tier1 demo``,
the tests and the benchmark.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Protocol

import rdflib
from pydantic import BaseModel, ConfigDict
from rdflib import RDF, RDFS, XSD, Literal, URIRef

from engine.errors import ParseError, ScenarioError
from engine.planning._approval import approve, reject
from engine.planning._drive import settle
from engine.planning._duplicates import Firing
from engine.planning._loop import Loop, LoopConfig, Observer, Ports
from engine.planning._model import PlanState
from engine.planning._ports import LoopEvent
from engine.planning._scenario import AlertEvent, Answer, Scenario, check_people, check_scenario
from engine.store import CommitMeta, Delta, GraphStore, triples
from engine.terms import Triple, curie, expand
from engine.vocab import OPS, PREFIXES, GraphName

__all__ = [
    "Copies", "PortsFactory", "ScenarioResult", "alert_iris", "alert_triples", "build_world",
    "event_change", "fired_literal", "run_scenario",
]

PortsFactory = Callable[[GraphStore, Scenario], Ports]
"""Builds the loop's ports for a scenario once its starting world is committed."""


class ScenarioResult(BaseModel):
    """How a scenario ended, compared with what it expected."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    id: str
    title: str
    passed: bool
    outcome: str
    expected: str
    actions: tuple[str, ...]
    plans: int
    approved_by: tuple[str, ...]
    paged: tuple[str, ...]
    blocked_by: tuple[str, ...]
    problems: tuple[str, ...]
    events: tuple[LoopEvent, ...]
    wall_s: float
    sim_s: float


def build_world(scenario: Scenario) -> list[Triple]:
    """The starting world: files, then SPARQL updates over them, then the scenario's Turtle."""
    from engine.world import parse_file, quiet_literal_warnings

    g = rdflib.Graph()
    for f in scenario.world.files:
        for t in parse_file(scenario.folder / f):
            g.add(t)
    for u in scenario.world.updates:
        path = scenario.folder / u
        try:
            _update(g, path.read_text(encoding="utf-8"), str(path), str(path))
        except FileNotFoundError:
            raise ScenarioError(f"{scenario.source}: update file {path} not found",
                                source=scenario.source) from None
    if scenario.world.sparql.strip():
        _update(g, scenario.world.sparql, f"{scenario.source} [world] sparql", scenario.source)
    if scenario.world.turtle.strip():
        head = "".join(f"@prefix {k}: <{v}> .\n" for k, v in PREFIXES.items())
        try:
            with quiet_literal_warnings():
                g.parse(data=head + scenario.world.turtle, format="turtle")
        except Exception as exc:
            line, why = _turtle_why(exc, len(PREFIXES))
            raise ScenarioError.at(scenario.source, _turtle_line(scenario, line),
                                   f"[world] turtle does not parse: {why}") from None
    _refuse_bad_terms(g, scenario)
    return list(g)  # type: ignore[arg-type]


def _refuse_bad_terms(g: rdflib.Graph, scenario: Scenario) -> None:
    """An ill-typed literal or an IRI no RDF file can hold, from the inline turtle or an update
    (parse_file refused the files')."""
    from engine.world import bad_iris, ill_typed, ill_typed_statement

    bad = next((t for t in g if ill_typed(t[2])), None)
    if bad is not None:
        raise ScenarioError(f"{scenario.source}: [world] {ill_typed_statement(bad)}; fix the "
                            "value or its datatype", source=scenario.source)
    iris = bad_iris(g)
    if iris:
        first = min(iris)
        raise ScenarioError.at(scenario.source, _written_at(scenario, first),
                               f"[world] {iris[first]}")


def _written_at(scenario: Scenario, text: str) -> int | None:
    """The first line of the scenario file that holds ``text`` as written (QA pass 8 F8: the
    inline turtle's IRIs); None if none does (a CURIE, an escape, an IRI an update file writes
    or builds at run time)."""
    try:
        data = Path(scenario.source).read_text(encoding="utf-8")
    except OSError:
        return None
    at = data.find(text)
    return ParseError.locate(data, at)[0] if at >= 0 else None


def _turtle_line(scenario: Scenario, line: int | None) -> int | None:
    """The scenario file's line of line ``line`` of its inline turtle, when the file holds
    the turtle as written (a TOML string without escapes)."""
    start = _written_at(scenario, scenario.world.turtle) if line else None
    return start + line - 1 if start and line else None


_STATE = frozenset({OPS.health, OPS.status, OPS.diskUsedPercent, OPS.version, OPS.restartCount,
                    OPS.maxInstances, OPS.changedAt, OPS.previousVersion})


def stale_state(store: GraphStore, world: list[Triple]) -> list[Triple]:
    """State values in ``store`` that the scenario's world replaces (a kept store may hold
    what earlier runs left: a rolled-back version, a healed instance, a resolved alert)."""
    keep = set(world)
    pairs = {(s, p) for s, p, _ in world if p in _STATE}
    return [t for s, p in pairs for t in triples(store, (s, p, None)) if t not in keep]


def _turtle_why(exc: Exception, head_lines: int) -> tuple[int | None, str]:
    """The line in the inline turtle (its own lines, not counting the prefixes put in front
    of it), and one line saying where and what, with the loader's hint."""
    from rdflib.plugins.parsers.notation3 import BadSyntax

    from engine.world import turtle_error

    if not isinstance(exc, BadSyntax):
        return None, str(exc).splitlines()[0]
    err = turtle_error(exc, Path("turtle"))
    line = (err.line or 0) - head_lines
    return line, f"line {line} of the turtle: {str(err).split(': ', 1)[1]}"


def _update(g: rdflib.Graph, text: str, where: str, source: str) -> None:
    try:
        g.update(text, initNs=PREFIXES)
    except Exception as exc:
        raise ScenarioError(f"{where}: not a valid SPARQL update ({exc})",
                            source=source) from None


_ALERT, _ABOUT, _SEVERITY, _STATUS, _FIRED, _FINGERPRINT = (
    OPS.Alert, OPS.about, OPS.severity, OPS.status, OPS.firedAt, OPS.fingerprint)
_FIRING = Literal("firing")
_SEVERITIES = {s: Literal(s) for s in ("critical", "warning", "info")}
_DUPLICATE, _DUPLICATE_OF, _REPEATED = OPS.DuplicateAlert, OPS.duplicateOf, OPS.repeatedAt
_REFIRED = (_STATUS, _FIRED, _SEVERITY, _ABOUT, _FINGERPRINT, _DUPLICATE_OF, _REPEATED)
"""What an alert's next firing replaces (its label too, when the event gives one); a
duplicate's record too (it repeats another alert, or fires as its own)."""


class Copies(Protocol):
    """What names an event's alerts: a scenario's event or one ``tier1 ingest`` read."""

    @property
    def alert(self) -> str | None: ...

    @property
    def count(self) -> int: ...


def alert_iris(ev: Copies) -> list[URIRef]:
    """The alerts of ``ev``: its ``alert``, or ``count`` copies of it (``-1`` … ``-N``)."""
    if ev.alert is None:
        return []
    base = expand(ev.alert)
    return [base] if ev.count == 1 else [URIRef(f"{base}-{i + 1}") for i in range(ev.count)]


def alert_triples(ev: AlertEvent, fired: Literal, firing: Firing | None = None) -> list[Triple]:
    """The asserted triples of one alert event (``count`` copies for a storm). With
    ``firing``, a new alert that repeats a firing one is written as its duplicate
    (:mod:`._duplicates`)."""
    if ev.alert is None:
        return []
    about = expand(ev.about)
    severity = _SEVERITIES[ev.severity]
    fingerprint = Literal(ev.fingerprint or f"{curie(about)}:{ev.severity}")
    key = (str(fingerprint), about, ev.severity)
    label = Literal(ev.label) if ev.label else None
    out: list[Triple] = []
    for a in alert_iris(ev):
        was = firing.repeats(a, key, fired) if firing is not None else None
        if was is not None:
            out += [(a, RDF.type, _DUPLICATE), (a, _DUPLICATE_OF, was), (a, _REPEATED, fired),
                    (a, _STATUS, _FIRING)]
        else:
            out += [(a, RDF.type, _ALERT), (a, _ABOUT, about), (a, _SEVERITY, severity),
                    (a, _STATUS, _FIRING), (a, _FIRED, fired), (a, _FINGERPRINT, fingerprint)]
            if firing is not None:
                firing.fired(a, key, fired)
        if label is not None:
            out.append((a, RDFS.label, label))
    return out


def run_scenario(
    store: GraphStore, scenario: Scenario, make_ports: PortsFactory, *,
    observer: Observer | None = None, config: LoopConfig | None = None,
) -> ScenarioResult:
    """Play ``scenario`` on ``store`` and judge its outcome."""
    t0 = time.perf_counter()
    check_scenario(scenario)  # all checked before the first commit: a bad file writes nothing
    world = build_world(scenario)
    check_people(scenario, world)
    store.commit(Delta.of(world, stale_state(store, world)), CommitMeta(
        author=(config or LoopConfig()).author, message=f"scenario {scenario.id}: starting world",
        timestamp=scenario.start))
    loop = Loop(store, make_ports(store, scenario), now=scenario.start, config=config,
                observer=observer)
    earlier = set(loop.plans)  # a kept store may hold plans of earlier runs
    settle(loop)
    timeline: list[AlertEvent | Answer] = [*scenario.events, *scenario.answers]
    firing = Firing(store, timedelta(seconds=loop.config.recurrence_grace_s), loop.firing_with)
    for item in sorted(timeline, key=lambda e: e.at):
        loop.now = max(loop.now, scenario.start + timedelta(seconds=item.at))
        if isinstance(item, AlertEvent):
            _arrive(loop, item, firing)
        else:
            _answer(loop, item)
        settle(loop)
    for iri in earlier:
        loop.plans.pop(iri, None)
    return judge(loop, scenario, time.perf_counter() - t0)


def observed(store: GraphStore, ev: AlertEvent) -> tuple[list[Triple], list[Triple]]:
    """(adds, removes) setting each observed property of ``ev.about`` to its new value."""
    about = expand(ev.about)
    adds: list[Triple] = []
    removes: list[Triple] = []
    for prop, value in ev.observe.items():
        p = expand(prop)
        lit = Literal(Decimal(str(value))) if isinstance(value, float) else Literal(value)
        removes += [t for t in triples(store, (about, p, None)) if t[2] != lit]
        adds.append((about, p, lit))
    return adds, removes


def event_change(store: GraphStore, ev: AlertEvent, fired: Literal, *,
                 exists: Callable[[URIRef], bool] | None = None, firing: Firing | None = None,
                 ) -> tuple[list[Triple], list[Triple], str]:
    """What ``ev`` changes in the world: (adds, removes, a line for the progress view).

    An alert already in the world fires again: its status, time, severity, subject
    (``about``) and fingerprint are replaced, and its label when the event gives one.
    ``exists`` says which alerts may be in the world (default: look each one up); an alert
    it rules out costs no store read. With ``firing`` (one per feed of events), a new alert
    that repeats a firing one is written as its duplicate (:mod:`._duplicates`)."""
    adds, removes = observed(store, ev) if ev.observe else ([], [])
    if firing is not None:
        for prop, value in ev.observe.items():
            if expand(prop) == _STATUS:  # monitoring resolved an alert: its repeats go on
                more, fewer = firing.resolved(expand(ev.about), value)
                adds += more
                removes += fewer
    alerts = alert_triples(ev, fired, firing)
    again = [a for a in alert_iris(ev) if exists is None or exists(a)]
    if again:
        new = set(alerts)
        props = (*_REFIRED, RDFS.label) if ev.label else _REFIRED
        removes += [t for a in again for p in props for t in triples(store, (a, p, None))
                    if t not in new]
        removes += [t for a in again for t in triples(store, (a, RDF.type, _DUPLICATE))
                    if t not in new]  # a duplicate fires as an alert of its own
    parts = [f"{ev.count} {ev.severity} alert(s) about {ev.about}"] if ev.alert else []
    repeated = [o for _, p, o in alerts if p == _DUPLICATE_OF] if ev.count > 1 else []
    if repeated:  # copies of one key: one alert repeated (a batch's line names its first event)
        parts[0] += f" ({len(repeated)} repeat {curie(repeated[0])}: recorded as duplicates)"
    parts += [f"{ev.about} {k} = {v}" for k, v in ev.observe.items()]
    label = ev.label if len(ev.label) <= 200 else ev.label[:199] + "…"  # it goes in the log
    what = "; ".join(parts) + (f": {label}" if label else "")
    return alerts + adds, removes, what


def fired_literal(when: datetime) -> Literal:
    """``when`` as an alert's ``ops:firedAt`` value."""
    return Literal(when.isoformat().replace("+00:00", "Z"), datatype=XSD.dateTime)


def _arrive(loop: Loop, ev: AlertEvent, firing: Firing) -> None:
    firing.next_batch()
    loop.ingest(*event_change(loop.store, ev, fired_literal(loop.now), firing=firing))


def _answer(loop: Loop, ans: Answer) -> None:
    parked = [p for p in loop.plans.values() if p.state is PlanState.AWAITING_APPROVAL]
    if not parked:
        loop.emit("approval", f"{ans.by} had nothing to {ans.decision}: no plan is parked")
        return
    for plan in sorted(parked, key=lambda p: str(p.iri)):
        if ans.decision == "approve":
            approve(loop, plan.iri, expand(ans.by), emergency=ans.emergency)
        else:
            reject(loop, plan.iri, expand(ans.by), ans.reason)


def _outcome(loop: Loop) -> str:
    states = {p.state for p in loop.plans.values()}
    for state, name in ((PlanState.BLOCKED, "blocked"), (PlanState.REJECTED, "rejected"),
                        (PlanState.ESCALATED, "escalated"), (PlanState.REFUSED, "escalated"),
                        (PlanState.AWAITING_APPROVAL, "awaiting_approval")):
        if state in states:
            return name
    if PlanState.COMPLETED in states:
        return "resolved"
    return "no_plan" if not states else "unresolved"


def _data(events: Iterable[LoopEvent], kind: str, key: str) -> tuple[str, ...]:
    out: list[str] = []
    for e in events:
        d = dict(e.data)
        if e.kind == kind and d.get(key) and d[key] not in out:
            out.append(d[key])
    return tuple(out)


def judge(loop: Loop, scenario: Scenario, wall_s: float) -> ScenarioResult:
    """Compare how the loop ended with ``scenario.expect``."""
    exp, ev = scenario.expect, loop.events
    outcome = _outcome(loop)
    actions = tuple(curie(URIRef(a)) for a in _data([e for e in ev if ("status", "missing")
                                                     not in e.data], "effect", "action"))
    approved = tuple(curie(URIRef(a)) for a in _data(ev, "approval", "approver"))
    paged = tuple(curie(URIRef(a)) for a in _data(ev, "escalate", "paged"))
    blocked = tuple(e.text for e in ev if e.kind == "policy" and ("verdict", "violation") in e.data)
    problems = []
    if outcome != exp.outcome:
        problems.append(f"outcome {outcome}, expected {exp.outcome}")
    problems += [f"{a} did not take effect" for a in exp.actions if a not in actions]
    if exp.plans is not None and len(loop.plans) != exp.plans:
        problems.append(f"{len(loop.plans)} plan(s), expected {exp.plans}")
    if exp.approved_by and exp.approved_by not in approved:
        problems.append(f"not approved by {exp.approved_by}")
    if exp.paged and exp.paged not in paged:
        problems.append(f"{exp.paged} was not paged (paged: {', '.join(paged) or 'nobody'})")
    if exp.blocked_by and not any(exp.blocked_by in b for b in blocked):
        problems.append(f"not blocked by {exp.blocked_by}")
    problems += _provenance_problems(loop.store, exp.provenance)
    return ScenarioResult(
        id=scenario.id, title=scenario.title, passed=not problems, outcome=outcome,
        expected=exp.outcome, actions=actions, plans=len(loop.plans), approved_by=approved,
        paged=paged, blocked_by=blocked, problems=tuple(problems), events=tuple(ev),
        wall_s=wall_s, sim_s=(loop.now - scenario.start).total_seconds(),
    )


def _provenance_problems(store: GraphStore, classes: Iterable[str]) -> list[str]:
    out = []
    for c in classes:
        iri = expand(c)
        if not any(True for _ in store.quads((None, RDF.type, iri), graphs=(GraphName.PROVENANCE,))):
            out.append(f"no {c} in the provenance graph")
    return out


def scenario_files(folder: Path) -> list[Path]:
    """The scenario files in ``folder``, in name order."""
    return sorted(p for p in folder.glob("*.toml") if not p.name.startswith("_"))
