"""The policy gate: full validation of a world, and what-if validation of a delta.

pySHACL does the judging; this module decides *which* focus nodes it judges
and *which* world it reads: a :class:`WorldView` (base minus removes plus
adds), never a copy.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any
from typing import Literal as Literal_

from rdflib import RDF, RDFS, Graph, Literal
from rdflib.term import Node

from engine.errors import InputError
from engine.policy._affected import Affected, Reach
from engine.policy._compiled import CompiledShape
from engine.policy._lint import SH
from engine.policy._model import PolicyReport, PolicyResult
from engine.policy._overlay import (
    VALIDATED_GRAPHS,
    WorldView,
    as_rdflib_graph,
    new_namespaces,
    prepared_query,
)
from engine.policy._reach import target_classes
from engine.policy._results import to_results
from engine.policy._shapes import ShapeSet
from engine.store import CommitRef, Delta, GraphStore
from engine.terms import curie
from engine.vocab import OPS, PROV
from engine.world import ill_typed, ill_typed_statement

__all__ = ["PolicyGate", "stamp_plans"]

World = GraphStore | Graph


class PolicyGate:
    """Judges worlds and plan deltas against one :class:`ShapeSet`.

    Build it once per shape set: it compiles the shapes (pySHACL's shapes graph,
    their constraint components with their SPARQL queries parsed, and the read
    automaton used to find what a delta can affect).
    """

    def __init__(self, shapes: ShapeSet) -> None:
        from pyshacl.pytypes import SHACLExecutor
        from pyshacl.shapes_graph import ShapesGraph

        self.shapes = shapes
        self._g = shapes.graph
        self._sg = ShapesGraph(shapes.graph)
        self._roots = [s for s in self._sg.shapes if _has_targets(s)]
        self._reach = Reach(self._g, [s.node for s in self._roots])
        self._opaque = (None, RDF.type, SH.ConstraintComponent) in self._g
        self._executor = SHACLExecutor()
        self._target_of = {s.node: _TargetSpec(self._g, s.node) for s in self._roots}
        self._compiled = {s.node: CompiledShape(s) for s in self._roots}
        for c in self._compiled.values():  # SPARQL constraints parsed at start-up, like rules
            c.prepare(prepared_query)  # (not by the first what-if: 0.3 s inside a storm)
        self._ns = new_namespaces()  # pySHACL names nodes in result texts with it

    def validate(self, world: World, *, at: int | None = None,
                 leave_out: Collection[Node] = ()) -> PolicyReport:
        """Validate the whole world (a store now or ``at`` a commit, or an rdflib graph),
        judging every focus node but those in ``leave_out``."""
        view = _view(world, None, at)
        data = as_rdflib_graph(view, self._ns)
        results: list[PolicyResult] = []
        checked = 0
        skipped: set[Node] = set()
        for shape in self._roots:
            every = list(shape.focus_nodes(data))
            focus = [n for n in every if n not in leave_out] if leave_out else every
            checked += len(focus)
            skipped.update(n for n in every if n in leave_out)
            results += self._judge(shape, data, focus)
        report = self._report(results, "full", at, checked)
        return report.model_copy(update={"left_out": len(skipped)})

    def what_if(self, world: World, delta: Delta, *, at: int | None = None,
                now: datetime | None = None) -> PolicyReport:
        """Validate the world as it would be after ``delta``, judging only what it can affect.

        Nothing is copied and nothing is written. The report equals a full
        validation of the post-delta world restricted to the affected focus
        nodes (see :meth:`affected`); every other focus node keeps the verdict
        it had before the delta.

        "Now" is data: a plan in the delta without ``prov:generatedAtTime`` is
        judged at ``now``, by default the time of the commit judged against
        (``at``, or the store's head); the wall clock is never read. The report's
        ``judged_at`` is the time the plan was judged at: its own time when it has one.
        """
        when = now if now is not None else _commit_time(world, at)
        delta = stamp_plans(_view(world, delta, at), delta, when)
        view = _view(world, delta, at, memo=True)
        when = _plan_time(view, delta) or when
        data = as_rdflib_graph(view, self._ns)
        aff = self._affected(view, delta)
        types: dict[Node, set[Node]] = {}
        results: list[PolicyResult] = []
        checked = 0
        for shape in self._roots:
            if shape.node in aff.everything:
                focus = list(shape.focus_nodes(data))
            else:
                spec = self._target_of[shape.node]
                focus = [n for n in aff.nodes.get(shape.node, ()) if spec.has(n, view, types)]
            checked += len(focus)
            results += self._judge(shape, data, focus)
        return self._report(results, "delta", at, checked).model_copy(update={"judged_at": when})

    def affected(self, world: World, delta: Delta, *, at: int | None = None) -> Affected:
        """Candidate focus nodes per shape with targets that ``delta`` can affect."""
        return self._affected(_view(world, delta, at), delta)

    def _affected(self, view: WorldView, delta: Delta) -> Affected:
        changed = [(s, p, o) for s, p, o, g in (*delta.adds, *delta.removes)
                   if g in VALIDATED_GRAPHS]
        aff = self._reach.affected(changed, view.union_triples)
        if self._opaque and changed:
            aff.everything |= {s.node for s in self._roots}
        return aff

    def _judge(self, shape: Any, data: Any, focus: list[Node]) -> list[PolicyResult]:
        if not focus:
            return []
        try:
            _ok, raw = self._compiled[shape.node].validate(self._executor, data, focus)
        except TypeError as exc:  # pySHACL compared two values that do not compare
            raise InputError(_uncomparable(shape.node, data, focus, exc)) from None
        return to_results(raw, self._g)

    def _report(self, results: list[PolicyResult], scope: Literal_["full", "delta"],
                at: int | None, checked: int) -> PolicyReport:
        uniq = sorted(set(results), key=PolicyResult.key)
        return PolicyReport(
            conforms=not uniq, results=tuple(uniq), shape_version=self.shapes.version,
            scope=scope, at=at, focus_checked=checked,
        )


def _uncomparable(shape: Node, data: Graph, focus: list[Node], exc: TypeError) -> str:
    """Why a shape could not judge: most likely an ill-typed literal ("two"^^xsd:integer)
    in a store written before ``tier1 load`` refused them."""
    for s in focus:
        for t in data.triples((s, None, None)):
            if ill_typed(t[2]):
                return (f"{ill_typed_statement(t)}, so shape {curie(shape)} cannot judge it; "
                        "fix the value (tier1 load refuses such values now)")
    return f"shape {curie(shape)} could not compare the values of its focus nodes ({exc})"


def stamp_plans(view: WorldView, delta: Delta, now: datetime | None) -> Delta:
    """``delta`` plus ``prov:generatedAtTime now`` for each plan it touches that has no time."""
    if now is None:
        return delta
    plans = {s for s, p, o, _g in delta.adds
             if (p == RDF.type and o == OPS.Plan) or p == OPS.hasStep or p == OPS.hasApproval}
    stamp = [(p, PROV.generatedAtTime, Literal(now.astimezone(UTC)))
             for p in sorted(plans, key=str)
             if not any(True for _ in view.triples((p, PROV.generatedAtTime, None)))]
    return delta | Delta.of(adds=stamp) if stamp else delta


def _plan_time(view: WorldView, delta: Delta) -> datetime | None:
    """The ``prov:generatedAtTime`` the shapes read for the first plan ``delta`` touches
    (by IRI, the plan ``validate --record`` names), or None."""
    plans = sorted({s for s, p, o, _g in delta.adds
                    if (p == RDF.type and o == OPS.Plan) or p in (OPS.hasStep, OPS.hasApproval)},
                   key=str)
    for plan in plans:
        times = [t.toPython() for _, _, t in view.triples((plan, PROV.generatedAtTime, None))
                 if isinstance(t, Literal)]
        stamps = sorted(t if t.tzinfo else t.replace(tzinfo=UTC)
                        for t in times if isinstance(t, datetime))
        if stamps:
            return stamps[-1]
    return None


def _commit_time(world: World, at: int | None) -> datetime | None:
    if isinstance(world, Graph):
        return None
    if at is None:
        head = world.head()
        return head.timestamp if head else None
    return world.find_commit(CommitRef(seq=at)).timestamp


def _has_targets(shape: Any) -> bool:
    nodes, classes, implicit, objs, subs = shape.target()
    return any(True for it in (nodes, classes, implicit, objs, subs) for _ in it)


class _TargetSpec:
    """The targets of one shape (SHACL 2.1.3), read from the shapes graph once."""

    def __init__(self, g: Graph, shape: Node) -> None:
        self.nodes = set(g.objects(shape, SH.targetNode))
        self.subjects_of = list(g.objects(shape, SH.targetSubjectsOf))
        self.objects_of = list(g.objects(shape, SH.targetObjectsOf))
        self.classes = target_classes(g, shape)

    def has(self, n: Node, view: WorldView, types: dict[Node, set[Node]]) -> bool:
        """Whether ``n`` is a target in ``view``; ``types`` caches supertypes per node."""
        if n in self.nodes:
            return True
        if any(True for p in self.subjects_of for _ in view.triples((n, p, None))):
            return True
        if any(True for p in self.objects_of for _ in view.triples((None, p, n))):
            return True
        if not self.classes:
            return False
        if n not in types:
            types[n] = _supertypes(n, view)
        return bool(types[n] & self.classes)


def _supertypes(n: Node, view: WorldView) -> set[Node]:
    todo = [t for _, _, t in view.triples((n, RDF.type, None))]
    seen: set[Node] = set()
    while todo:
        c = todo.pop()
        if c not in seen:
            seen.add(c)
            todo.extend(o for _, _, o in view.triples((c, RDFS.subClassOf, None)))
    return seen


def _view(world: World, delta: Delta | None, at: int | None, *, memo: bool = False
          ) -> WorldView:
    if isinstance(world, Graph):
        return WorldView.of_graph(world, delta, memo=memo)
    return WorldView.of_store(world, delta, at=at, memo=memo)
