"""Generated code for one pattern of a join: loops over the working set's indexes.

:class:`Writer` accumulates the source of one generated function; the helpers here emit
the loop (or test) that matches one atom, given which of its variables are already bound,
and the semi-naive exclusion test that keeps a delta join from finding an instance twice.
Join order and the rule-level structure live in :mod:`engine.inference._codegen`.
"""

from __future__ import annotations

from collections.abc import Callable

from engine.inference._model import Atom, Var
from engine.terms import Node

__all__ = ["Writer", "atom_vars", "bind_delta", "bind_index", "exclude", "score", "v"]


def v(name: str) -> str:
    return f"v_{name}"


class Writer:
    """Source lines of one generated function, with what its prologue must set up."""

    def __init__(self, intern: Callable[[Node], int]) -> None:
        self.intern = intern
        self.lines: list[str] = []
        self.depth = 1
        self.tmp = 0
        self.preds: set[int] = set()
        self.used: set[str] = set()  # the index names (``so3``, ``os3``) the code reads
        self.excluded: set[int] = set()  # predicates with a semi-naive exclusion test
        self.memos: set[str] = set()
        self.seen: set[str] = set()
        self.fixed: set[str] = set()  # parameters: one value per call, never a source of repeats
        self.prefix = ""  # set (to the function's name) where existential checks may be split off
        self.extra: list[str] = []  # sources of the split-off existential checks
        self.old: set[int] = set()  # atom positions that must match facts outside X
        self.xsrc = "X"  # where the excluded facts come from (a parameter, or HID for blocks)
        self.settle: object = None  # the block a keyed over-deletion rerun may settle a key on

    def line(self, text: str) -> None:
        self.lines.append("    " * self.depth + text)

    def open(self, text: str) -> None:
        self.line(text)
        self.depth += 1

    def fresh(self) -> str:
        self.tmp += 1
        return f"_t{self.tmp}"

    def term(self, t: object, bound: set[str]) -> tuple[bool, str]:
        """(is_bound, code) for an atom position; free variables get bound by the caller."""
        if isinstance(t, Var):
            return (t.name in bound, v(t.name))
        return (True, str(self.intern(t)))  # type: ignore[arg-type]


def atom_vars(a: Atom) -> set[str]:
    return {t.name for t in a.terms() if isinstance(t, Var)}


def score(a: Atom, bound: set[str]) -> int:
    """Static selectivity: a bound join variable beats a constant object (``a ops:Service``,
    ``ops:status "firing"`` match many facts; ``?inc ops:affects ?svc`` with ``?svc``
    bound matches few)."""
    def b(t: object) -> bool:
        return not isinstance(t, Var) or t.name in bound
    o = 0 if not b(a.o) else (3 if isinstance(a.o, Var) else 1)
    return 4 * b(a.s) + o + 2 * b(a.p)


def _bind_free(w: Writer, pos: list[tuple[object, str]], bound: set[str]) -> None:
    """Assign loop temporaries to free variables; repeated ones become equality checks."""
    for t, src in pos:
        if not isinstance(t, Var):
            w.open(f"if {src} == {w.intern(t)}:")  # type: ignore[arg-type]
        elif t.name in bound:
            w.open(f"if {src} == {v(t.name)}:")
        else:
            w.line(f"{v(t.name)} = {src}")
            bound.add(t.name)


def bind_delta(w: Writer, a: Atom, bound: set[str]) -> None:
    """Loop over the delta ``D`` (predicate id -> set of (s, o)) for atom ``a``."""
    if isinstance(a.p, Var) and a.p.name not in bound:
        w.open(f"for {v(a.p.name)}, _l in D.items():")
        w.open(f"if {v(a.p.name)} != CLK:")
        bound.add(a.p.name)
        w.open("for _s, _o in _l:")
    else:
        _, pc = w.term(a.p, bound)
        w.open(f"for _s, _o in D.get({pc}, ()):")
    _bind_free(w, [(a.s, "_s"), (a.o, "_o")], bound)


def bind_index(w: Writer, a: Atom, bound: set[str]) -> None:
    """Loop over (or test) the ``SO``/``OS`` indexes for atom ``a``."""
    sb, sc = w.term(a.s, bound)
    ob, oc = w.term(a.o, bound)
    if isinstance(a.p, Var) and a.p.name not in bound:
        d = w.fresh()
        w.open(f"for {v(a.p.name)}, {d} in {'OS' if ob and not sb else 'SO'}.items():")
        w.open(f"if {v(a.p.name)} != CLK:")
        bound.add(a.p.name)
        so = os_ = d
    elif isinstance(a.p, Var):
        so, os_ = f"SO.get({v(a.p.name)}, E2)", f"OS.get({v(a.p.name)}, E2)"
    else:
        pid = w.intern(a.p)
        w.preds.add(pid)
        so, os_ = f"so{pid}", f"os{pid}"
    _lookup(w, a, bound, (sb, sc), (ob, oc), (so, os_))


def _lookup(w: Writer, a: Atom, bound: set[str], s: tuple[bool, str],
            o: tuple[bool, str], idx: tuple[str, str]) -> None:
    (sb, sc), (ob, oc), (so, os_) = s, o, idx
    w.used.add(os_ if ob and not sb else so)
    if sb and ob:
        w.open(f"if {oc} in {so}.get({sc}, E):")
    elif sb:
        t = w.fresh()
        w.open(f"for {t} in {so}.get({sc}, E):")
        _bind_free(w, [(a.o, t)], bound)
    elif ob:
        t = w.fresh()
        w.open(f"for {t} in {os_}.get({oc}, E):")
        _bind_free(w, [(a.s, t)], bound)
    else:
        t, u, objs = w.fresh(), w.fresh(), w.fresh()
        w.open(f"for {t}, {objs} in {so}.items():")
        _bind_free(w, [(a.s, t)], bound)
        w.open(f"for {u} in {objs}:")
        _bind_free(w, [(a.o, u)], bound)


def exclude(w: Writer, a: Atom, bound: set[str]) -> None:
    """Semi-naive: skip the fact just matched by ``a`` when it is in ``X`` (the delta).

    A delta join seeded at atom ``i`` excludes delta facts at atoms before ``i``, so an
    instance using several new facts is found once (at its first new atom), not once per
    new atom; a keyed re-evaluation excludes them everywhere (the delta joins found those
    instances). Only constant predicates are tested: leaving a test out only repeats work.
    """
    if isinstance(a.p, Var):
        return
    pid = w.intern(a.p)
    w.excluded.add(pid)
    _, sc = w.term(a.s, bound)
    _, oc = w.term(a.o, bound)
    w.open(f"if ({sc}, {oc}) not in x{pid}:")
