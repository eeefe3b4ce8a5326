"""A small interpreter over the working set, for the cold paths.

The generated joins are fast but opaque. Explanations, ``why-not``, DRed's
rederivation need to start from arbitrary bindings and
see the premises, so they run this backtracking matcher instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engine.inference._compile import Unit
from engine.inference._model import Atom, Propose, TripleHead, Var
from engine.inference._workset import Fact, WorkingSet

__all__ = ["head_fact", "solve", "unify_head"]

Binding = dict[str, int]


def _score(a: Atom, b: Binding) -> int:
    def bd(t: object) -> bool:
        return not isinstance(t, Var) or t.name in b
    return 4 * bd(a.s) + 3 * bd(a.o) + 2 * bd(a.p)


def _estimate(ws: WorkingSet, s: int | None, p: int | None, o: int | None) -> int:
    """How many facts a lookup may return, from the index sizes (a cheap upper bound)."""
    if p is None:
        return 1 << 40
    so = ws.so.get(p)
    if not so:
        return 0
    if s is not None:
        return len(so.get(s, ())) if o is None else 0
    if o is not None:
        return len(ws.os[p].get(o, ()))
    return 4 * len(so)


def _val(t: object, b: Binding, ws: WorkingSet) -> int | None:
    if isinstance(t, Var):
        return b.get(t.name)
    return ws.terms.ids.get(t, -1)  # type: ignore[call-overload, no-any-return]


def unify_atom(a: Atom | TripleHead, f: Fact, b: Binding, ws: WorkingSet) -> Binding | None:
    out = dict(b)
    for t, x in zip(a.terms(), f, strict=True):
        if isinstance(t, Var):
            if out.setdefault(t.name, x) != x:
                return None
        elif ws.terms.ids.get(t) != x:
            return None
    return out


def solve(ws: WorkingSet, atoms: list[Atom], checks: list[tuple[str, Any]], b: Binding,
          before: int | None = None) -> Iterator[tuple[Binding, list[Fact]]]:
    """Bindings extending ``b`` that satisfy ``atoms`` and the checks, with premises.

    ``checks`` holds ``("filter", (names, fn))`` and ``("block", (spec, fn))`` entries;
    ``before`` keeps only premises inserted before that sequence number.
    """
    yield from _rec(ws, list(atoms), list(checks), dict(b), [], before, {})


def _rec(ws: WorkingSet, atoms: list[Atom], checks: list[tuple[str, Any]], b: Binding,
         prem: list[Fact], before: int | None, memo: dict[Any, Any]
         ) -> Iterator[tuple[Binding, list[Fact]]]:
    pending = _run_ready(ws, checks, b, memo)
    if pending is None:
        return
    if not atoms:
        if not pending:
            yield b, prem
        return
    vals = []
    for a in atoms:
        s, p, o = (_val(t, b, ws) for t in a.terms())
        if s is not None and p is not None and o is not None and not ws.has((s, p, o)):
            return  # a bound pattern that cannot match: done before looking at the rest
        vals.append((s, p, o))  # (DRed's failing rederivations end here)
    best = min(range(len(atoms)), key=lambda i: (_estimate(ws, *vals[i]), i))
    a = atoms[best]
    rest = atoms[:best] + atoms[best + 1:]
    s, p, o = vals[best]
    for f in list(ws.match(s, p, o)):
        if before is not None and ws.seq_of(f) >= before:
            continue
        nb = unify_atom(a, f, b, ws)
        if nb is not None:
            yield from _rec(ws, rest, pending, nb, [*prem, f], before, memo)


def _run_ready(ws: WorkingSet, checks: list[tuple[str, Any]], b: Binding,
               memo: dict[Any, Any]) -> list[tuple[str, Any]] | None:
    """Run the checks ``b`` binds enough for, until none is left ready: a ``count`` block
    binds its result, which readies a filter on it (QA pass 13: that filter waited for good
    when the block's outer variables were bound by the body's last atom). The checks still
    waiting, or None when one failed."""
    pending = checks
    while True:
        waiting = []
        for kind, item in pending:
            if not _ready(kind, item, b):
                waiting.append((kind, item))
            elif not _check(ws, kind, item, b, memo):
                return None
        if len(waiting) == len(pending):
            return waiting
        pending = waiting


def _ready(kind: str, item: Any, b: Binding) -> bool:
    names = item[0] if kind == "filter" else item[0].outer
    return all(n in b for n in names)


def _check(ws: WorkingSet, kind: str, item: Any, b: Binding, memo: dict[Any, Any]) -> bool:
    if kind == "filter":
        names, fn = item
        return bool(fn(*(ws.terms.value(b[n]) for n in names)))
    spec, fn = item
    args = tuple(b[n] for n in spec.outer)
    got = memo.get((spec.key, args))
    if got is None:
        got = memo[(spec.key, args)] = fn(*args)
    if spec.kind == "not":
        return not got
    b[spec.result] = ws.terms.integer(got)
    return True


def unit_checks(u: Unit) -> list[tuple[str, Any]]:
    inner = {k for bl in u.blocks for k, _ in bl.filters}
    out: list[tuple[str, Any]] = [
        ("filter", (names, fn)) for k, (_, names, fn) in u.filters.items() if k not in inner
    ]
    out += [("block", (bl, u.block_fns[bl.key])) for bl in u.blocks]
    return out


def head_fact(u: Unit, ws: WorkingSet, b: Binding) -> tuple[Any, ...]:
    b = dict(b)
    for name, (keys, fn) in u.mints.items():
        b[name] = fn(tuple(b[k] for k in keys))

    def val(t: object) -> int:
        return b[t.name] if isinstance(t, Var) else ws.terms.intern(t)  # type: ignore[arg-type]

    h = u.head
    if isinstance(h, TripleHead):
        return (val(h.s), val(h.p), val(h.o))
    return (u.index, val(h.action), val(h.target), tuple(val(t) for _, t in h.params))


def unify_head(u: Unit, f: tuple[Any, ...], ws: WorkingSet) -> Binding | None:
    """Bindings of the unit's body variables implied by head fact ``f`` (minted ones skipped)."""
    h = u.head
    if isinstance(h, TripleHead):
        if len(f) != 3:
            return None
        pairs = list(zip(h.terms(), f, strict=True))
    else:
        if len(f) != 4 or f[0] != u.index or len(f[3]) != len(h.params):
            return None
        pairs = [(h.action, f[1]), (h.target, f[2])]
        pairs += list(zip((t for _, t in h.params), f[3], strict=True))
    b: Binding = {}
    keyed: list[tuple[str, int]] = []
    for t, x in pairs:
        if isinstance(t, Var):
            if t.name in u.mints:
                keyed += _key_of(u, t.name, x, ws)  # a minted IRI binds the key it was made of
                continue
            if b.setdefault(t.name, x) != x:
                return None
        elif ws.terms.ids.get(t) != x:
            return None
    for name, x in keyed:
        if b.setdefault(name, x) != x:
            return None
    return b


def _key_of(u: Unit, name: str, x: int, ws: WorkingSet) -> list[tuple[str, int]]:
    """(key variable, value) pairs that minted ``x`` as ``name``, if this unit's mint made it:
    without them, rederiving an incident enumerated every alert until one minted it."""
    keys, mint = u.mints[name]
    got = ws.minted.get(x)
    if got is None or got[0] != mint.label:
        return []
    return list(zip(keys, got[1], strict=True))


_ = Propose
