"""Explanations: derivation trees for facts and proposals, and ``why-not``.

A derived fact is explained by a rule instance whose premises were all
inserted before it (see :mod:`engine.inference._workset`), so the tree is
finite and bottoms out in asserted facts (or the clock).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rdflib import URIRef

from engine.errors import InputError
from engine.inference._checks import block_atom_vars, expr_vars
from engine.inference._compile import CLOCK_P, Unit
from engine.inference._model import Atom, Count, Filter, Not, Rule, Var
from engine.inference._results import Derivation, Proposal, WhyNot
from engine.inference._solve import head_fact, solve, unify_head, unit_checks
from engine.inference._values import NOW_VAR
from engine.terms import Node, Triple, curie

if TYPE_CHECKING:
    from engine.inference._engine import Reasoner

__all__ = ["explain", "why_not"]

CommitOf = Callable[[Triple], str | None]


def explain(r: Reasoner, target: Triple | Proposal | str, commit_of: CommitOf | None = None
            ) -> Derivation:
    """The derivation tree of a triple, a :class:`Proposal`, or a proposal id."""
    key = _key(r, target)
    return _Explainer(r, commit_of).node(key)


def _key(r: Reasoner, target: Triple | Proposal | str) -> tuple[Any, ...]:
    if isinstance(target, Proposal | str):
        pid = target.id if isinstance(target, Proposal) else target
        for k in r.ws.derived:
            if len(k) == 4 and r.proposal(k).id == pid:
                return tuple(k)
        raise InputError(f"no current proposal has id {pid!r}; proposals depend on the time: "
                         "pass the --now you inferred with (list them with "
                         "'tier1 infer --dry-run --now TIME')")
    f = r.lookup(target)
    if f is None or not r.ws.present(f):
        shown = " ".join(curie(t) for t in target)
        raise InputError(f"{shown} is neither asserted nor inferred by these rules; "
                         "check the spelling, or ask 'tier1 why-not RULE' for a rule you expected")
    return f


class _Explainer:
    def __init__(self, r: Reasoner, commit_of: CommitOf | None) -> None:
        self.r, self.ws, self.commit_of = r, r.ws, commit_of
        self.memo: dict[Any, Derivation] = {}
        self.clock = self.ws.terms.ids.get(CLOCK_P)

    def text(self, f: tuple[Any, ...]) -> str:
        nodes = self.ws.terms.nodes
        if len(f) == 3:
            return " ".join(curie(nodes[i]) for i in f)
        p = self.r.proposal(f)
        args = "".join(f" {k}={v}" for k, v in p.params)
        return f"propose {curie(p.action)} {curie(p.target)}{args}   ({p.id})"

    def node(self, f: tuple[Any, ...]) -> Derivation:
        got = self.memo.get(f)
        if got is None:
            got = self.memo[f] = self._node(f)
        return got

    def _node(self, f: tuple[Any, ...]) -> Derivation:
        nodes = self.ws.terms.nodes
        if len(f) == 3 and f[1] == self.clock:
            return Derivation(kind="clock", fact=f"now = {nodes[f[2]]}")
        if len(f) == 3 and f in self.ws.base:
            t = (nodes[f[0]], nodes[f[1]], nodes[f[2]])
            return Derivation(kind="asserted", fact=self.text(f),
                              commit=self.commit_of(t) if self.commit_of else None)
        seq = self.ws.derived[f]
        for u in self.r.units:
            b = unify_head(u, f, self.ws)
            if b is None:
                continue
            for nb, prem in solve(self.ws, u.atoms, unit_checks(u), b, before=seq):
                if head_fact(u, self.ws, nb) == f:
                    return self._rule_node(f, u, nb, prem)
        raise AssertionError(f"no well-founded derivation for {self.text(f)}")

    def _rule_node(self, f: tuple[Any, ...], u: Unit, b: dict[str, int], prem: list[Any]
                   ) -> Derivation:
        nodes = self.ws.terms.nodes
        kids = [self.node(p) for p in prem]
        for spec in u.blocks:
            if spec.kind == "not":
                kids.append(Derivation(kind="absent", fact="no match for not { "
                                       + _block_text(spec.atoms, b, nodes) + " }"))
            elif spec.result in b:
                kids.append(Derivation(kind="count", fact=f"?{spec.result} = "
                                       f"{nodes[b[spec.result]]} (count of "
                                       + _block_text(spec.atoms, b, nodes) + ")"))
        return Derivation(
            kind="derived" if len(f) == 3 else "proposal", fact=self.text(f),
            rule_id=u.rule.id, rule_version=u.rule.version, rule_source=u.rule.where,
            bindings=tuple(sorted((k, curie(nodes[v])) for k, v in b.items()
                                  if not k.startswith("__"))),
            premises=tuple(kids),
        )


def _block_text(atoms: list[Atom], b: dict[str, int], nodes: list[Node]) -> str:
    def show(t: object) -> str:
        if isinstance(t, Var):
            return curie(nodes[b[t.name]]) if t.name in b else f"?{t.name}"
        return curie(t)
    return " . ".join(" ".join(show(t) for t in a.terms()) for a in atoms)


def why_not(r: Reasoner, rule_id: str, bind: dict[str, Node], limit: int = 20000) -> WhyNot:
    """Walk the rule body in written order; report the first statement no binding passes."""
    rule = r.ruleset.get(rule_id)
    u = next(x for x in r.units if x.rule.id == rule_id)
    ws = r.ws
    unknown = sorted(set(bind) - _all_vars(rule))
    if unknown:
        raise InputError(f"rule {rule_id} has no variable ?{unknown[0]}; its variables are: "
                         + ", ".join(f"?{v}" for v in sorted(_all_vars(rule))))
    start = {k: ws.terms.intern(v) for k, v in bind.items()}
    if r._clock is not None and rule.uses_now():
        start[NOW_VAR] = r._clock[2]
    shown = tuple(sorted((k, curie(v)) for k, v in bind.items()))
    sols: list[dict[str, int]] = [start]
    done: list[str] = []
    queue = _ordered(u)
    while queue:
        bound = set(sols[0])
        pick = next((q for q in queue if q[1] <= bound), None) or queue[0]
        queue.remove(pick)
        item, _, checks, atoms = pick
        nxt: list[dict[str, int]] = []
        for b in sols:
            for nb, _ in solve(ws, atoms, checks, b):
                nxt.append(nb)
                if len(nxt) >= limit:
                    break
        line_text = _line(rule, item.line)
        if not nxt:
            return WhyNot(rule_id=rule.id, rule_version=rule.version, bindings=shown,
                          matched=False, failed_line=item.line, failed=line_text,
                          reason=_reason(item), satisfied=tuple(done), source=rule.source,
                          tried=_tried(ws, sols, _item_vars(item)))
        done.append(line_text)
        sols = nxt
    return WhyNot(rule_id=rule.id, rule_version=rule.version, bindings=shown, matched=True,
                  reason=f"the body matches ({len(sols)} way(s)); the rule fires for these bindings",
                  satisfied=tuple(done))


Step = tuple[Any, set[str], list[tuple[str, Any]], list[Atom]]


def _ordered(u: Unit) -> list[Step]:
    """Body statements in written order, each with the variables it needs bound first."""
    inner = {k for bl in u.blocks for k, _ in bl.filters}
    out: list[Step] = []
    for k, (f, names, fn) in u.filters.items():
        if k not in inner:
            out.append((f, set(names), [("filter", (names, fn))], []))
    for bl, (item) in zip(u.blocks, [i for i in u.rule.body if isinstance(i, Not | Count)],
                          strict=True):
        out.append((item, set(bl.outer), [("block", (bl, u.block_fns[bl.key]))], []))
    for a in u.atoms:
        if a.p != CLOCK_P:
            out.append((a, set(), [], [a]))
    return sorted(out, key=lambda s: s[0].line)


def _reason(item: object) -> str:
    if isinstance(item, Atom):
        return "no fact matches this pattern with the bindings so far"
    if isinstance(item, Filter):
        return "the filter is false for every binding so far"
    if isinstance(item, Not):
        return "the 'not' block matches, so negation fails"
    return "the count block could not be evaluated"


def _tried(ws: Any, sols: list[dict[str, int]], names: set[str], most: int = 3
           ) -> tuple[tuple[tuple[str, str], ...], ...]:
    """The first ``most`` distinct bindings of ``names`` among ``sols``, as CURIEs."""
    out: list[tuple[tuple[str, str], ...]] = []
    for b in sols:
        row = tuple((k, curie(ws.terms.nodes[b[k]])) for k in sorted(names)
                    if k in b and not k.startswith("_"))
        if row and row not in out:
            out.append(row)
            if len(out) == most:
                break
    return tuple(out)


def _item_vars(item: object) -> set[str]:
    """The variables a body statement (pattern, filter, block) names."""
    if isinstance(item, Atom):
        return {t.name for t in item.terms() if isinstance(t, Var)}
    if isinstance(item, Filter):
        return expr_vars(item.expr)
    if isinstance(item, Not | Count):
        return block_atom_vars(item.body) | {
            n for f in item.body if isinstance(f, Filter) for n in expr_vars(f.expr)}
    return set()


def _line(rule: Rule, line: int) -> str:
    lines = rule.text.split("\n")
    i = line - rule.line
    return lines[i].strip() if 0 <= i < len(lines) else f"line {line}"


def _all_vars(rule: Rule) -> set[str]:
    out: set[str] = set()
    for it in rule.body:
        atoms = [it] if isinstance(it, Atom) else list(getattr(it, "body", ()))
        for a in atoms:
            if isinstance(a, Atom):
                out |= {t.name for t in a.terms() if isinstance(t, Var)}
        if isinstance(it, Count):
            out.add(it.result.name)
    return out


_ = URIRef
