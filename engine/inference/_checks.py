"""Static checks a rule must pass before it runs: safety and stratification.

Safety: every variable a filter, head or proposal uses is bound by a positive
triple pattern, a count result or ``new``. A variable bound only inside a
``not`` block is *unsafe negation*. Stratification: negation and counting
may only read predicates that are complete before the rule runs; a cycle
through ``not``/``count`` is refused (negation through recursion).
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import BNode, Literal, URIRef

from engine.errors import RuleError
from engine.inference._model import (
    Atom,
    BinOp,
    Call,
    Count,
    Expr,
    Filter,
    Not,
    Propose,
    Rule,
    TripleHead,
    Var,
)
from engine.terms import curie

__all__ = ["ANY", "block_atom_vars", "check_rule", "expr_vars", "head_pred", "head_vars",
           "positive_vars", "stratify"]

ANY = "*"
"""The predicate node of a variable predicate (``?x ?p ?y``)."""


def expr_vars(e: Expr) -> set[str]:
    if isinstance(e, Var):
        return {e.name}
    if isinstance(e, BinOp):
        return expr_vars(e.left) | expr_vars(e.right)
    if isinstance(e, Call):
        return set().union(*(expr_vars(a) for a in e.args)) if e.args else set()
    return set()


def atom_vars(a: Atom | TripleHead) -> set[str]:
    return {t.name for t in a.terms() if isinstance(t, Var)}


def block_atom_vars(items: Iterable[Atom | Filter]) -> set[str]:
    out: set[str] = set()
    for it in items:
        if isinstance(it, Atom):
            out |= atom_vars(it)
    return out


def positive_vars(rule: Rule) -> set[str]:
    out: set[str] = set()
    for it in rule.body:
        if isinstance(it, Atom):
            out |= atom_vars(it)
        elif isinstance(it, Count):
            out.add(it.result.name)
    return out


def _fail(rule: Rule, line: int, msg: str) -> RuleError:
    return RuleError(f"{rule.source}:{line}: rule {rule.id}: {msg}", source=rule.source, line=line)


def check_rule(rule: Rule) -> None:
    """Raise :class:`RuleError` (naming file:line, the rule and the fix) if unsafe."""
    pos = positive_vars(rule)
    negated: set[str] = set()
    for it in rule.body:
        if isinstance(it, Not):
            negated |= block_atom_vars(it.body) - pos
    _check_body(rule, pos, negated)
    minted = _check_mints(rule, pos)
    bound = pos | minted
    for h in rule.heads:
        if isinstance(h, TripleHead):
            _check_head_terms(rule, h)
        used = head_vars(h)
        for name in sorted(used - bound):
            if name in negated:
                raise _fail(rule, h.line, f"unsafe negation: head uses ?{name}, which is bound "
                            "only inside 'not { }'; bind it with a positive pattern")
            raise _fail(rule, h.line, f"unbound head variable ?{name}; bind it in the body "
                        f"or mint it with 'new ?{name} from ...'")


def _check_head_terms(rule: Rule, h: TripleHead) -> None:
    """A head must make an RDF triple: no literal subject, an IRI (or variable) predicate."""
    if isinstance(h.s, Literal):
        raise _fail(rule, h.line, f"a literal cannot be a subject: {h.s.n3()}; put an IRI "
                    "or a variable first (a literal may only be the object)")
    if isinstance(h.p, Literal | BNode):
        kind = "a literal" if isinstance(h.p, Literal) else "a blank node"
        raise _fail(rule, h.line, f"{kind} cannot be a predicate: {h.p.n3()}; write an IRI "
                    "(ops:likelyCause or <https://...>) or a variable")


def _check_body(rule: Rule, pos: set[str], negated: set[str]) -> None:
    for it in rule.body:
        if isinstance(it, Filter):
            for name in sorted(expr_vars(it.expr) - pos):
                kind = "unsafe negation: filter uses" if name in negated else "filter uses unbound"
                raise _fail(rule, it.line, f"{kind} ?{name}; bind it with a triple pattern "
                            "before filtering on it")
        elif isinstance(it, Not | Count):
            local = block_atom_vars(it.body)
            for f in it.body:
                if isinstance(f, Filter):
                    for name in sorted(expr_vars(f.expr) - pos - local):
                        raise _fail(rule, f.line, f"unsafe negation: ?{name} in the block's filter "
                                    "is bound nowhere; match it with a pattern in the block")
            if isinstance(it, Count):
                _check_count(rule, it, pos, local)


def _check_count(rule: Rule, c: Count, pos: set[str], local: set[str]) -> None:
    for v in c.vars:
        if v.name not in local:
            raise _fail(rule, c.line, f"count ?{v.name} does not occur in its where {{ }} block; "
                        "count a variable the block matches")
    if c.result.name in local or sum(
        1 for it in rule.body if isinstance(it, Count) and it.result.name == c.result.name
    ) > 1 or any(isinstance(a, Atom) and c.result.name in atom_vars(a) for a in rule.body):
        raise _fail(rule, c.line, f"count result ?{c.result.name} is already used; "
                    "give the count a fresh variable")
    _ = pos


def _check_mints(rule: Rule, pos: set[str]) -> set[str]:
    minted: set[str] = set()
    for m in rule.mints:
        if m.var.name in pos or m.var.name in minted:
            raise _fail(rule, m.line, f"'new ?{m.var.name}' reuses a bound variable; "
                        "mint a fresh variable")
        for k in m.keys:
            if k.name not in pos:
                raise _fail(rule, m.line, f"mint key ?{k.name} is unbound; key on body variables")
        minted.add(m.var.name)
    return minted


def head_vars(h: TripleHead | Propose) -> set[str]:
    """The variables a head (a triple, or a proposal with its params) reads."""
    if isinstance(h, TripleHead):
        return atom_vars(h)
    terms = [h.action, h.target, *(v for _, v in h.params)]
    return {t.name for t in terms if isinstance(t, Var)}


def head_pred(h: TripleHead | Atom) -> str:
    """The dependency-graph node of a pattern: its predicate, refined by a constant object.

    ``?s ops:health "healthy"`` and ``?s ops:health "degraded"`` are different nodes, so a
    rule may count healthy instances and derive a degraded service without a cycle.
    """
    if isinstance(h.p, Var):
        return ANY
    if isinstance(h.o, Var):
        return str(h.p)
    return f"{h.p}\x00{h.o.n3()}"


def sources(key: str, nodes: set[str]) -> set[str]:
    """The nodes whose facts a read of ``key`` can see."""
    if key == ANY:
        return set(nodes)
    p = key.split("\x00", 1)[0]
    if p == key:
        return {n for n in nodes if n.split("\x00", 1)[0] == p}
    return {key, p} & nodes


def _reads(rule: Rule) -> tuple[set[str], list[tuple[str, int]]]:
    """Nodes the body reads positively, and through not/count (with their lines)."""
    pos: set[str] = set()
    neg: list[tuple[str, int]] = []
    for it in rule.body:
        if isinstance(it, Atom):
            pos.add(head_pred(it))
        elif isinstance(it, Not | Count):
            neg += [(head_pred(a), it.line) for a in it.body if isinstance(a, Atom)]
    return pos, neg


def stratify(rules: Iterable[Rule]) -> dict[str, int]:
    """Stratum of every node (``ANY`` included); raise on negation through recursion."""
    rules = list(rules)
    nodes = {ANY}
    for r in rules:
        rp, rn = _reads(r)
        nodes |= rp | {x for x, _ in rn}
        nodes |= {head_pred(h) for h in r.heads if isinstance(h, TripleHead)}
    nodes |= {n.split("\x00", 1)[0] for n in nodes}
    edges: dict[str, set[tuple[str, bool]]] = {n: set() for n in nodes}
    wild_head = False
    for r in rules:
        pos, neg = _reads(r)
        heads = {head_pred(h) for h in r.heads if isinstance(h, TripleHead)}
        wild_head |= ANY in heads
        for h in heads:
            for b in pos:
                for src in sources(b, nodes):
                    edges[src].add((h, False))
            for b, _ in neg:
                for src in sources(b, nodes):
                    edges[src].add((h, True))
    for n in nodes:  # a generic head (?s p ?o) can produce any refined p-node
        if "\x00" in n:
            edges[n.split("\x00", 1)[0]].add((n, False))
    if wild_head:
        for n in nodes:
            edges[n].add((ANY, False))
            edges[ANY].add((n, False))
    comp = _scc(edges)
    _refuse_negative_cycles(rules, comp)
    return _levels(edges, comp)


def _refuse_negative_cycles(rules: list[Rule], comp: dict[str, int]) -> None:
    for r in rules:
        _, neg = _reads(r)
        heads = {head_pred(h) for h in r.heads if isinstance(h, TripleHead)}
        for b, line in neg:
            for h in heads:
                srcs = sources(b, set(comp))
                if any(comp[s] == comp[h] for s in srcs):
                    cyc = sorted(p for p in comp if comp[p] == comp[h])
                    shown = ", ".join(_show(p) for p in cyc[:6]) + (" ..." if len(cyc) > 6 else "")
                    raise RuleError(
                        f"{r.source}:{line}: rule {r.id}: negation through recursion: "
                        f"'not'/'count' reads {_show(b)}, which depends on this rule's own head "
                        f"{_show(h)} (cycle through: {shown}); the rule set is not stratifiable. "
                        "Negate only predicates no rule in the cycle derives, or split the rule set"
                        + (" (a rule with a variable predicate in its head, like rdfs7 or eq-rep-p, "
                           "can derive any predicate: run such schema packs as their own rule set)"
                           if ANY in cyc else ""), source=r.source, line=line,
                    )


def _show(p: str) -> str:
    if p == ANY:
        return "?any-predicate"
    pred, _, obj = p.partition("\x00")
    if obj.startswith("<") and obj.endswith(">"):
        obj = curie(URIRef(obj[1:-1]))
    return curie(URIRef(pred)) + (f" {obj}" if obj else "")


def _scc(edges: dict[str, set[tuple[str, bool]]]) -> dict[str, int]:
    """Tarjan's strongly connected components, iterative."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on: set[str] = set()
    stack: list[str] = []
    comp: dict[str, int] = {}
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = [(root, sorted({d for d, _ in edges[root]}))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            node, todo = work[-1]
            if todo:
                nxt = todo.pop()
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, sorted({d for d, _ in edges[nxt]})))
                elif nxt in on:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                cid = len(set(comp.values()))
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp[w] = cid
                    if w == node:
                        break
    return comp


def _levels(edges: dict[str, set[tuple[str, bool]]], comp: dict[str, int]) -> dict[str, int]:
    """Longest path over the component DAG; a negative edge adds one level."""
    level = dict.fromkeys(set(comp.values()), 0)
    # Tarjan numbers components in reverse topological order: sources get the highest id.
    for cid in sorted(level, reverse=True):
        for p in [p for p in comp if comp[p] == cid]:
            for dst, negative in edges[p]:
                d = comp[dst]
                if d != cid:
                    level[d] = max(level[d], level[cid] + (1 if negative else 0))
    return {p: level[comp[p]] for p in comp}


def rule_warnings(rules: Iterable[Rule]) -> list[str]:
    """What runs but an author should fix, one line each, ``file:line: ...``.

    A rule that proposes actions without a ``version`` line runs as version 1. Audits count
    actions by rule version (``tier1 audit top-rules``) and provenance records it, so a rule
    whose meaning changed without a version bump would be counted as the old one.
    """
    return [
        f"{r.where}: rule {r.id} proposes actions but declares no version; provenance records "
        "it as version 1: add 'version 1' under its id, and bump it when its meaning changes"
        for r in rules
        if not r.version_declared and any(isinstance(h, Propose) for h in r.heads)
    ]
