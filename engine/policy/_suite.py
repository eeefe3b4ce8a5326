"""Policy unit tests: fixture worlds next to the shapes say what must pass or fail.

A fixture is a Turtle file in ``<shapes dir>/tests/``. One node typed
``t:Fixture`` (``t:`` = ``https://w3id.org/tier1/shapes-test#``) declares:

- ``t:includes <relative/path.ttl>``: base world files (e.g. the sample estate);
- ``t:conforms true``: no Violation and no Warning; or
- ``t:violates pol:Shape`` / ``t:warns pol:Shape`` (repeatable): exactly these
  shapes fail with that severity (a node shape also names its property shapes).

Every other triple of the file is the fixture's own data. Each fixture runs
twice: a full validation of base plus data, and a what-if with the base as the
world and the data as the delta. Both must meet the expectation.
"""

from __future__ import annotations

from difflib import get_close_matches
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.term import Node

from engine.errors import ParseError
from engine.policy._gate import PolicyGate
from engine.policy._lint import SH
from engine.policy._model import PolicyReport
from engine.store import Delta

__all__ = ["FixtureOutcome", "SuiteReport", "T", "run_suite"]

T = Namespace("https://w3id.org/tier1/shapes-test#")
_FROZEN = ConfigDict(frozen=True)


class FixtureOutcome(BaseModel):
    """One fixture's verdict. Shape sets hold ``Severity shape-IRI`` strings."""

    model_config = _FROZEN

    fixture: str
    passed: bool
    expected: tuple[str, ...]
    full: tuple[str, ...]
    what_if: tuple[str, ...]


class SuiteReport(BaseModel):
    model_config = _FROZEN

    passed: bool
    outcomes: tuple[FixtureOutcome, ...]


_FIXTURE_TERMS = {T.includes, T.conforms, T.violates, T.warns}


def run_suite(gate: PolicyGate, folder: Path) -> SuiteReport:
    """Run every ``*.ttl`` fixture in ``folder`` against ``gate``'s shapes."""
    files = sorted(folder.glob("*.ttl"))
    if not files:
        raise ParseError(f"no fixtures: {folder}/*.ttl matches no file; write fixture worlds "
                         "there (see docs/policy.md), or name the shapes folder that has them",
                         source=str(folder))
    outcomes = tuple(_run_one(gate, f) for f in files)
    return SuiteReport(passed=bool(outcomes) and all(o.passed for o in outcomes),
                       outcomes=outcomes)


def _parse(path: Path) -> Graph:
    g = Graph()
    try:
        g.parse(path, format="turtle")
    except BadSyntax as exc:
        raise ParseError(f"{exc._why}; fix the fixture's Turtle", source=str(path),
                         line=exc.lines + 1) from None
    return g


def _run_one(gate: PolicyGate, path: Path) -> FixtureOutcome:
    g = _parse(path)
    fixture = next(iter(g.subjects(RDF.type, T.Fixture)), None)
    if fixture is None:
        raise ParseError("no node typed t:Fixture: declare [] a t:Fixture ; t:conforms true "
                         "(t: = <https://w3id.org/tier1/shapes-test#>)", source=str(path))
    base = Graph()
    for inc in g.objects(fixture, T.includes):
        included = _resolve(path, inc)
        if not included.exists():
            raise ParseError(f"t:includes {included}, which does not exist; fix the relative path",
                             source=str(path))
        base += _parse(included)
    data = [t for t in g if t[0] != fixture]
    expected = _expected(g, fixture, path, gate)
    full_world = Graph()
    full_world += base
    for t in data:
        full_world.add(t)
    full = _failing(gate, gate.validate(full_world))
    delta = Delta.of(adds=data)  # type: ignore[arg-type]
    what_if = _failing(gate, gate.what_if(base, delta))
    return FixtureOutcome(
        fixture=path.name, passed=full == expected and what_if == expected,
        expected=tuple(sorted(expected)), full=tuple(sorted(full)),
        what_if=tuple(sorted(what_if)),
    )


def _resolve(path: Path, inc: Node) -> Path:
    text = str(inc)
    if text.startswith("file://"):
        return Path(text.removeprefix("file://"))
    return (path.parent / text).resolve()


def _expected(g: Graph, fixture: Node, path: Path, gate: PolicyGate) -> set[str]:
    """What the fixture says must fail, checked: its ``t:`` terms and the shapes it names."""
    for p in set(g.predicates(fixture, None)) - _FIXTURE_TERMS - {RDF.type}:
        if str(p).startswith(str(T)):
            near = get_close_matches(str(p), [str(t) for t in _FIXTURE_TERMS], n=1)
            hint = f"; did you mean t:{near[0].removeprefix(str(T))}?" if near else ""
            raise ParseError(f"t:{str(p).removeprefix(str(T))} is not a fixture term (t:includes, "
                             f"t:conforms, t:violates, t:warns){hint}", source=str(path))
    named = set(g.objects(fixture, T.violates)) | set(g.objects(fixture, T.warns))
    for shape in sorted(named - set(gate.shapes.graph.subjects()), key=str):
        raise ParseError(f"the fixture names {shape.n3()}, which is no shape in the shape set; "
                         "fix the name", source=str(path))
    out = {f"Violation {s.n3()}" for s in g.objects(fixture, T.violates)}
    out |= {f"Warning {s.n3()}" for s in g.objects(fixture, T.warns)}
    if not out and g.value(fixture, T.conforms) != Literal(True):
        raise ParseError("a fixture needs t:conforms true, or t:violates / t:warns shapes",
                         source=str(path))
    return out


def _failing(gate: PolicyGate, report: PolicyReport) -> set[str]:
    """``Severity <shape>`` for each Violation/Warning, property shapes named by their parent."""
    out = set()
    sg = gate.shapes.graph
    for r in report.results:
        if r.severity == "Info":
            continue
        name = r.shape.split(" / ")[0]
        node = URIRef(name.strip("<>"))
        parent = next(iter(sg.subjects(SH.property, node)), None)
        out.add(f"{r.severity} {parent.n3() if parent is not None else name}")
    return out
