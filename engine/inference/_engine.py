"""The reasoner: semi-naive fixpoint per stratum over the working set.

``run`` materializes from scratch; ``update`` maintains the result under
adds and removes (DRed, see :mod:`engine.inference._dred`). Proposal heads
are facts of their own kind (``(unit, action, target, params)``) and live in
the same derived table, so refraction falls out: an activation exists once.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from rdflib import Literal
from rdflib.namespace import XSD

from engine._gc import paused_gc
from engine.inference._compile import CLOCK_P, CLOCK_S, Unit, compile_ruleset
from engine.inference._delta import NO_DELTA, Delta, group
from engine.inference._model import Propose, RuleSet, TripleHead, Var
from engine.inference._results import Derivation, InferenceDelta, InferenceResult, Proposal, WhyNot
from engine.inference._solve import head_fact, solve, unify_head, unit_checks
from engine.inference._workset import Fact, WorkingSet
from engine.terms import Node, Triple

__all__ = ["Reasoner"]

log = logging.getLogger("tier1.inference")


class Reasoner:
    """Forward chaining over one :class:`RuleSet`; keeps its working set between calls."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self.ws = WorkingSet()
        self.units: list[Unit] = compile_ruleset(ruleset, self.ws)
        self.strata: list[list[Unit]] = []
        for u in self.units:
            while len(self.strata) <= u.stratum:
                self.strata.append([])
            self.strata[u.stratum].append(u)
        self.uses_now = any(r.uses_now() for r in ruleset.rules)
        from engine.inference._window import windows_of

        self.windows = {u.index: windows_of(u, self.ws) for u in self.units}
        self.ws.watch = {w.pred: [] for ws_ in self.windows.values() for w in ws_ or ()}
        self.now: datetime | None = None
        self._clock: Fact | None = None
        self._proposals: dict[tuple[Any, ...], Proposal] = {}
        self._head_index: dict[int, tuple[list[Unit], dict[int, list[Unit]]]] = {}

    # --- public API
    def run(self, triples: Iterable[Triple], *, now: datetime) -> InferenceResult:
        """Materialize everything the rules derive from ``triples`` at time ``now``."""
        with paused_gc():
            self._run(triples, now)
            return self.result()

    def _run(self, triples: Iterable[Triple], now: datetime) -> None:
        ws = self.ws
        ws.so.clear()
        ws.os.clear()
        ws.base.clear()
        ws.derived.clear()
        ws.proposals.clear()
        ws.watching = False
        self._proposals.clear()
        ws.base.update(ws.terms.intern_all(triples))
        ws.index_add_all(ws.base)
        self._set_clock(now)
        for units in self.strata:
            self.saturate(units, None, [])
        ws.rebuild_watch()

    def update(self, adds: Iterable[Triple] = (), removes: Iterable[Triple] = (), *,
               now: datetime) -> InferenceDelta:
        """Apply asserted adds and removes; return what the inferred result gained and lost."""
        from engine.inference._dred import apply_update

        with paused_gc():
            return apply_update(self, adds, removes, now)

    def explain(self, target: Triple | Proposal | str,
                commit_of: Callable[[Triple], str | None] | None = None) -> Derivation:
        """Why ``target`` (a triple, a proposal or a proposal id) holds, down to asserted facts.

        ``commit_of`` names the commit that asserted a fact (see :func:`infer_store`'s helpers).
        """
        from engine.inference._explain import explain

        return explain(self, target, commit_of)

    def why_not(self, rule_id: str, bind: dict[str, Node]) -> WhyNot:
        """The first body statement of ``rule_id`` that no binding extending ``bind`` passes."""
        from engine.inference._explain import why_not

        return why_not(self, rule_id, bind)

    def result(self) -> InferenceResult:
        nodes = self.ws.terms.nodes
        inferred = frozenset(
            [(nodes[s], nodes[p], nodes[o]) for s, p, o in (f for f in self.ws.derived if len(f) == 3)]
        )
        return InferenceResult.model_construct(inferred=inferred, proposals=self.agenda())

    def agenda(self) -> tuple[Proposal, ...]:
        """Current proposals, by salience (highest first), then first activation."""
        keys = sorted(self.ws.proposals,
                      key=lambda k: (-self.units[k[0]].rule.salience, self.ws.derived[k]))
        return tuple(self.proposal(k) for k in keys)

    def lookup(self, t: Triple) -> Fact | None:
        ids = self.ws.terms.ids
        s, p, o = ids.get(t[0]), ids.get(t[1]), ids.get(t[2])
        if s is None or p is None or o is None:
            return None
        return (s, p, o)

    # --- evaluation
    def set_clock_fact(self, now: datetime) -> Fact:
        lit = Literal(now.astimezone(UTC).isoformat().replace("+00:00", "Z"), datatype=XSD.dateTime)
        t = self.ws.terms.intern
        return (t(CLOCK_S), t(CLOCK_P), t(lit))

    def _set_clock(self, now: datetime) -> None:
        self.now = now
        if self.uses_now:
            self._clock = self.set_clock_fact(now)
            self.ws.base.add(self._clock)
            self.ws.index_add(self._clock)

    def delta_eval(self, u: Unit, d: Delta, out: list[Any]) -> None:
        """Instances of ``u`` that use a fact of ``d`` (each found once: at its first atom
        matching a fact of ``d``)."""
        ids = self.ws.terms.ids
        for i, a in enumerate(u.atoms):
            if isinstance(a.p, Var) or ids.get(a.p) in d:
                u.delta[i](d, out, d)

    def saturate(self, units: list[Unit], seeds: list[Any] | None, extra: list[Any],
                 touched: dict[Any, bool] | None = None) -> list[Any]:
        """Semi-naive fixpoint of ``units``; returns the facts it inserted."""
        out: list[Any] = list(extra)
        if seeds is None:
            for u in units:
                u.full(None, out, NO_DELTA)
        elif seeds:
            d = group(seeds)
            for u in units:
                self.delta_eval(u, d, out)
        inserted: list[Any] = []
        rounds = 0
        while out:
            new = self._insert(out, touched)
            inserted += new
            rounds += 1
            out = []
            if any(len(f) == 3 for f in new):
                d = group(new)
                for u in units:
                    self.delta_eval(u, d, out)
        log.debug("stratum saturated in %d rounds, %d new facts", rounds, len(inserted))
        return inserted

    def _insert(self, out: list[Any], touched: dict[Any, bool] | None) -> list[Any]:
        ws = self.ws
        so, derived, proposals = ws.so, ws.derived, ws.proposals
        new = []
        seq = ws.seq
        for f in set(out):
            if touched is not None and f not in touched:
                touched[f] = f in derived
            if len(f) == 3:
                d = so.get(f[1])
                if d is not None:
                    objs = d.get(f[0])
                    if objs is not None and f[2] in objs:
                        continue
            elif f in derived:
                continue
            else:
                proposals.add(f)
            seq += 1
            derived[f] = seq
            new.append(f)
        ws.seq = seq
        ws.index_add_all([f for f in new if len(f) == 3])
        return new

    def derivable(self, f: tuple[Any, ...], units: list[Unit]) -> bool:
        for u in self._heads_of(units).get(-1 - f[0] if len(f) == 4 else f[1], units):
            b = unify_head(u, f, self.ws)
            if b is None:
                continue
            for nb, _ in solve(self.ws, u.atoms, unit_checks(u), b):
                if head_fact(u, self.ws, nb) == f:
                    return True
        return False

    def _heads_of(self, units: list[Unit]) -> dict[int, list[Unit]]:
        """``units`` by what their heads make: a triple predicate's id, or ``-1 - index`` for a
        proposal of unit ``index``. DRed asks of every over-deleted fact whether it is still
        derivable: only units whose head can make it need trying (a storm over-deletes
        thousands per batch)."""
        got = self._head_index.get(id(units))
        if got is None or got[0] is not units:
            got = self._head_index[id(units)] = (units, self._index_heads(units))
        return got[1]

    def _index_heads(self, units: list[Unit]) -> dict[int, list[Unit]]:
        by: dict[int, list[Unit]] = {}
        ids = self.ws.terms.ids
        for u in units:
            h = u.head
            if not isinstance(h, TripleHead):  # proposals: -1 - unit index (term ids >= 0)
                by.setdefault(-1 - u.index, []).append(u)
            elif isinstance(h.p, Var):
                return {}  # a variable predicate can make any fact: every unit is tried
            else:
                by.setdefault(ids[h.p], []).append(u)
        return by

    # --- proposals
    def proposal(self, key: tuple[Any, ...]) -> Proposal:
        got = self._proposals.get(key)
        if got is None:
            got = self._proposals[key] = self._make_proposal(key)
        return got

    def _make_proposal(self, key: tuple[Any, ...]) -> Proposal:
        u = self.units[key[0]]
        nodes = self.ws.terms.nodes
        head = u.head
        assert isinstance(head, Propose)
        params = tuple((name, str(nodes[i])) for (name, _), i in zip(head.params, key[3], strict=True))
        prem: list[Fact] = []
        bind: dict[str, int] = {}
        b0 = unify_head(u, key, self.ws) or {}
        for nb, pr in solve(self.ws, u.atoms, unit_checks(u), b0):
            if head_fact(u, self.ws, nb) == key:
                prem, bind = pr, nb
                break
        text = "\x1f".join([u.rule.id, nodes[key[1]].n3(), nodes[key[2]].n3(),
                            *(f"{k}={v}" for k, v in params)])
        return Proposal(
            id="p-" + hashlib.sha256(text.encode()).hexdigest()[:16], rule_id=u.rule.id,
            rule_version=u.rule.version, action=nodes[key[1]], target=nodes[key[2]],
            params=params, salience=u.rule.salience,
            premises=tuple(_triple(nodes, f) for f in prem if f[1] != self._clock_pred()),
            bindings=tuple(sorted((k, nodes[v]) for k, v in bind.items() if not k.startswith("__"))),
        )

    def _clock_pred(self) -> int:
        return self.ws.terms.intern(CLOCK_P)

    def forget_proposal(self, key: tuple[Any, ...]) -> Proposal:
        got = self._proposals.pop(key, None)
        return got if got is not None else self._make_proposal(key)


def _triple(nodes: list[Node], f: Fact) -> Triple:
    return (nodes[f[0]], nodes[f[1]], nodes[f[2]])
