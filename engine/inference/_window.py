"""Time windows: when ``now`` moves, re-evaluate only what crosses a window edge.

A filter ``?t >= now - 5min`` (any of ``< <= > >=``, ``now`` plus or minus a constant
duration, on either side) over a pattern ``?x P ?t`` changes truth, between an old and a
new ``now``, only for facts of ``P`` whose value lies between the two thresholds. A rule
whose every use of ``now`` is such a window is maintained from those facts instead of being
re-evaluated whole.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from engine.inference._codegen import BlockSpec
from engine.inference._compile import CLOCK_P, Unit
from engine.inference._model import Atom, BinOp, Const, Expr, Now, Var
from engine.inference._values import NOW_VAR, to_value
from engine.inference._workset import Fact, WorkingSet

__all__ = ["Window", "flipping", "windows_of"]

_CMP = ("<", "<=", ">", ">=")


@dataclass(frozen=True)
class Window:
    """A window filter: its scope (``None`` = rule body, else a block key), the atom that
    binds the compared variable, that atom's predicate id, and the threshold offset."""

    block: str | None
    atom: int
    pred: int
    offset: timedelta


def _offset(e: Expr) -> timedelta | None:
    if isinstance(e, Now):
        return timedelta(0)
    if isinstance(e, BinOp) and e.op in ("+", "-") and isinstance(e.left, Now) \
            and isinstance(e.right, Const):
        v = to_value(e.right.value)
        if isinstance(v, timedelta):
            return v if e.op == "+" else -v
    return None


def _window_var(e: Expr) -> tuple[str, timedelta] | None:
    if not isinstance(e, BinOp) or e.op not in _CMP:
        return None
    for side, other in ((e.left, e.right), (e.right, e.left)):
        off = _offset(other)
        if isinstance(side, Var) and off is not None:
            return side.name, off
    return None


def windows_of(u: Unit, ws: WorkingSet) -> list[Window] | None:
    """The unit's windows, or ``None`` when it reads ``now`` in any other way."""
    if not any(a.p == CLOCK_P for a in u.atoms):
        return []
    owner = {k: bl for bl in u.blocks for k, _ in bl.filters}
    out: list[Window] = []
    for key, (flt, names, _) in u.filters.items():
        if NOW_VAR not in names:
            continue
        found = _window_var(flt.expr)
        if found is None or set(names) != {found[0], NOW_VAR}:
            return None
        bl: BlockSpec | None = owner.get(key)
        atoms: list[Atom] = bl.atoms if bl else [a for a in u.atoms if a.p != CLOCK_P]
        idx = next((i for i, a in enumerate(atoms) if a.o == Var(name=found[0])
                    and not isinstance(a.p, Var)), None)
        if idx is None:
            return None
        if bl is None:
            idx = u.atoms.index(atoms[idx])
        out.append(Window(bl.key if bl else None, idx, ws.terms.intern(atoms[idx].p),  # type: ignore[arg-type]
                          found[1]))
    return out


def flipping(ws: WorkingSet, w: Window, old: datetime, new: datetime) -> list[Fact]:
    """Facts of the window's predicate whose value lies between the two thresholds."""
    a, b = old + w.offset, new + w.offset
    lo, hi = min(a, b), max(a, b)
    lst = ws.watch.get(w.pred)
    if lst is not None and ws.watching:
        i, j = bisect_left(lst, (lo,)), bisect_right(lst, (hi, _TOP, _TOP))
        return [(s, w.pred, o) for _, s, o in lst[i:j]]
    val = ws.terms.value
    out: list[Fact] = []
    for s, objs in ws.so.get(w.pred, {}).items():
        for o in objs:
            v: Any = val(o)
            if type(v) is datetime and lo <= v <= hi:
                out.append((s, w.pred, o))
    return out


_TOP = 1 << 62
