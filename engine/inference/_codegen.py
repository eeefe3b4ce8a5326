"""Compile rule bodies to Python join loops (one function per delta position).

The generated code walks the working set's ``so``/``os`` hash indexes in a
greedy join order (most bound positions first), applies filters, ``not``
and ``count`` as soon as their variables are bound, and appends head tuples
to ``out``. Generated source is kept on the unit for debugging.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from types import CodeType
from typing import Any

from rdflib import URIRef

from engine.inference._model import Atom, Filter, Var
from engine.terms import Node

__all__ = ["BlockSpec", "JoinSpec", "generate", "generate_keyed"]


class BlockSpec:
    """A ``not``/``count`` block compiled to ``X<k>(outer...)``."""

    def __init__(self, key: str, kind: str, atoms: list[Atom], filters: list[tuple[str, list[str]]],
                 outer: list[str], counted: list[str], result: str | None) -> None:
        self.key, self.kind, self.atoms, self.filters = key, kind, atoms, filters
        self.outer, self.counted, self.result = outer, counted, result


class JoinSpec:
    """What one generated function joins: atoms, filters (by key), blocks, and the emit code."""

    def __init__(self, atoms: list[Atom], filters: list[tuple[str, list[str]]],
                 blocks: list[BlockSpec], emit: list[str]) -> None:
        self.atoms, self.filters, self.blocks, self.emit = atoms, filters, blocks, emit


_EMIT_VAR = re.compile(r"\bv_(\w+)")


def v(name: str) -> str:
    return f"v_{name}"


class _Writer:
    def __init__(self, intern: Callable[[Node], int]) -> None:
        self.intern = intern
        self.lines: list[str] = []
        self.depth = 1
        self.tmp = 0
        self.preds: set[int] = set()
        self.memos: set[str] = set()
        self.seen: set[str] = set()
        self.fixed: set[str] = set()  # parameters: one value per call, never a source of repeats
        self.prefix = ""  # set (to the function's name) where existential checks may be split off
        self.extra: list[str] = []  # sources of the split-off existential checks

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


def _score(a: Atom, bound: set[str]) -> int:
    """Static selectivity: a bound join variable beats a constant object (``a ops:Service``,
    ``ops:status "firing"`` match many facts; ``?inc ops:affects ?svc`` with ``?svc``
    bound matches few)."""
    def b(t: object) -> bool:
        return not isinstance(t, Var) or t.name in bound
    o = 0 if not b(a.o) else (3 if isinstance(a.o, Var) else 1)
    return 4 * b(a.s) + o + 2 * b(a.p)


def _enables_filter(spec: JoinSpec, a: Atom, bound: set[str], done: set[str]) -> bool:
    """Would binding ``a`` let a pending time-window filter (one reading ``now``) run?"""
    after = bound | _vars(a)
    return any(key not in done and "__now" in names and not set(names) <= bound
               and set(names) <= after for key, names in spec.filters)


def _vars(a: Atom) -> set[str]:
    return {t.name for t in a.terms() if isinstance(t, Var)}


def _bind_free(w: _Writer, pos: list[tuple[object, str]], bound: set[str]) -> None:
    """Assign loop temporaries to free variables; repeated ones become equality checks."""
    for t, src in pos:
        if not isinstance(t, Var):
            w.open(f"if {src} == {w.intern(t)}:")  # type: ignore[arg-type]
        elif t.name in bound:
            w.open(f"if {src} == {v(t.name)}:")
        else:
            w.line(f"{v(t.name)} = {src}")
            bound.add(t.name)


def _delta_atom(w: _Writer, a: Atom, bound: set[str]) -> None:
    if isinstance(a.p, Var) and a.p.name not in bound:
        w.open(f"for {v(a.p.name)}, _l in D.items():")
        w.open(f"if {v(a.p.name)} != CLK:")
        bound.add(a.p.name)
        w.open("for _s, _o in _l:")
    else:
        _, pc = w.term(a.p, bound)
        w.open(f"for _s, _o in D.get({pc}, ()):")
    _bind_free(w, [(a.s, "_s"), (a.o, "_o")], bound)


def _index_atom(w: _Writer, a: Atom, bound: set[str]) -> None:
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
    _index_lookup(w, a, bound, (sb, sc), (ob, oc), (so, os_))


def _index_lookup(w: _Writer, a: Atom, bound: set[str], s: tuple[bool, str],
                  o: tuple[bool, str], idx: tuple[str, str]) -> None:
    (sb, sc), (ob, oc), (so, os_) = s, o, idx
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


def _flush(w: _Writer, spec: JoinSpec, bound: set[str], done: set[str]) -> None:
    progress = True
    while progress:
        progress = False
        for key, names in spec.filters:
            if key not in done and set(names) <= bound:
                if key.startswith("R"):  # term-identity test on interned ids
                    op = "==" if key.endswith("eq") else "!="
                    w.open(f"if {v(names[0])} {op} {v(names[1])}:")
                else:
                    args = ", ".join(f"VAL({v(n)})" for n in names)
                    w.open(f"if {key}({args}):")
                done.add(key)
                progress = True
        for b in spec.blocks:
            if b.key not in done and set(b.outer) <= bound:
                _block_call(w, b)
                if b.kind == "count":
                    bound.add(b.result or "")
                done.add(b.key)
                progress = True


def _block_call(w: _Writer, b: BlockSpec) -> None:
    """Call a not/count block, memoized per outer key for this call (blocks read only
    lower strata, which do not change while the function runs)."""
    args = ", ".join(v(n) for n in b.outer)
    w.memos.add(b.key)
    w.line(f"_k = ({args}{',' if b.outer else ''})")
    w.line(f"_r = _m{b.key}.get(_k)")
    w.open("if _r is None:")
    w.line(f"_r = _m{b.key}[_k] = {b.key}({args})")
    w.depth -= 1
    if b.kind == "not":
        w.open("if not _r:")
    else:
        w.line(f"{v(b.result or '')} = INT(_r)")


def _live(spec: JoinSpec, todo: list[int], done: set[str]) -> set[str]:
    """Variables the rest of the join still reads: later patterns, pending filters and
    blocks, and the emitted head (``v_name`` in the emit code)."""
    out = {n for i in todo for n in _vars(spec.atoms[i])}
    out |= {n for key, names in spec.filters if key not in done for n in names}
    out |= {n for b in spec.blocks if b.key not in done for n in b.outer}
    return out | {n for line in spec.emit for n in _EMIT_VAR.findall(line)}


def _distinct(w: _Writer, spec: JoinSpec, bound: set[str], todo: list[int], done: set[str],
              dead: set[str]) -> None:
    """Once a bound variable is no longer read (``?b`` in ``?b ops:about ?svc . ?b ops:status
    "firing"`` after its checks), the rest of the join depends only on the live bound
    variables: run it once per distinct tuple of them instead of once per ``?b``. This turns
    a storm's fan-out (every new alert times every alert of a dependent service) linear."""
    if not todo:
        return
    live = _live(spec, todo, done)
    now_dead = {n for n in bound if n not in live and n not in w.fixed}
    if not now_dead - dead:
        return
    dead |= now_dead
    keep = sorted(n for n in bound if n in live)
    w.tmp += 1
    seen = f"_u{w.tmp}"
    w.seen.add(seen)
    key = f"({''.join(v(n) + ', ' for n in keep)})"
    w.open(f"if {key} not in {seen}:")
    w.line(f"{seen}.add({key})")


def _join(w: _Writer, spec: JoinSpec, bound: set[str], delta: int | None) -> None:
    done: set[str] = set()
    dead: set[str] = set()
    todo = list(range(len(spec.atoms)))
    if delta is not None:
        todo.remove(delta)
        _delta_atom(w, spec.atoms[delta], bound)
    _flush(w, spec, bound, done)
    _distinct(w, spec, bound, todo, done, dead)
    while todo:
        if _exists(w, spec, bound, todo, done):
            return
        best = max(todo, key=lambda i: (_score(spec.atoms[i], bound)
                                        + 3 * _enables_filter(spec, spec.atoms[i], bound, done), -i))
        todo.remove(best)
        _index_atom(w, spec.atoms[best], bound)
        _flush(w, spec, bound, done)
        _distinct(w, spec, bound, todo, done, dead)
    for line in spec.emit:
        w.line(line)


def _exists(w: _Writer, spec: JoinSpec, bound: set[str], todo: list[int], done: set[str]) -> bool:
    """When the head is fully bound and only patterns and filters remain, the rest is an
    existence test (``?b ops:about ?svcB . ?b ops:status "firing"`` once ``?a`` and ``?svcB``
    are bound): compile it as its own function, memoized on the bound variables it reads, and
    emit the head once instead of once per match (a storm: every alert times every alert of a
    dependency)."""
    if not w.prefix or not todo or any(b.key not in done for b in spec.blocks):
        return False
    assigned = {line.split(" = ", 1)[0][2:] for line in spec.emit if " = " in line}
    reads = {n for line in spec.emit for n in _EMIT_VAR.findall(line)} - assigned
    if not reads <= bound:
        return False
    atoms = [spec.atoms[i] for i in todo]
    filters = [(k, nm) for k, nm in spec.filters if k not in done]
    used = {n for a in atoms for n in _vars(a)} | {n for _, nm in filters for n in nm}
    w.tmp += 1
    key = f"{w.prefix}_e{w.tmp}"
    b = BlockSpec(key=key, kind="not", atoms=atoms, filters=filters,
                  outer=sorted(used & bound), counted=[], result=None)
    w.extra.append(generate_block(b, w.intern))
    args = ", ".join(v(n) for n in b.outer)
    w.memos.add(key)
    w.line(f"_k = ({args}{',' if b.outer else ''})")
    w.line(f"_r = _m{key}.get(_k)")
    w.open("if _r is None:")
    w.line(f"_r = _m{key}[_k] = {key}({args})")
    w.depth -= 1
    w.open("if _r:")
    for line in spec.emit:
        w.line(line)
    return True


def _function(name: str, params: str, w: _Writer, body_start: int) -> str:
    prologue = [f"    so{p} = SO.get({p}, E2); os{p} = OS.get({p}, E2)" for p in sorted(w.preds)]
    prologue += [f"    _m{k} = {{}}" for k in sorted(w.memos)]
    prologue += [f"    {u} = set()" for u in sorted(w.seen)]
    main = "\n".join([f"def {name}({params}):", *prologue, *w.lines[body_start:]])
    return "\n\n".join([*w.extra, main])


def generate_block(b: BlockSpec, intern: Callable[[Node], int]) -> str:
    w = _Writer(intern)
    if b.kind == "count":
        w.line("_seen = set()")
        emit = [f"_seen.add(({''.join(v(n) + ', ' for n in b.counted)}))"]
    else:
        emit = ["return True"]
    spec = JoinSpec(b.atoms, b.filters, [], emit)
    w.fixed = set(b.outer)
    _join(w, spec, set(b.outer), None)
    w.depth = 1
    w.line("return len(_seen)" if b.kind == "count" else "return False")
    return _function(b.key, ", ".join(v(n) for n in b.outer), w, 0)


def generate(name: str, spec: JoinSpec, intern: Callable[[Node], int],
             delta: int | None) -> str:
    """Source of ``def name(D, out)`` joining ``spec`` (seeded by atom ``delta``, if any)."""
    w = _Writer(intern)
    w.prefix = name
    _join(w, spec, set(), delta)
    return _function(name, "D, out", w, 0)


def generate_keyed(name: str, spec: JoinSpec, intern: Callable[[Node], int],
                   names: list[str]) -> str:
    """Source of ``def name(K, out)``: the join of ``spec`` once per key tuple in ``K``, with
    ``names`` bound to the tuple (DRed re-evaluates a rule for the outer keys of a ``not`` or
    ``count`` block whose truth may have changed)."""
    w = _Writer(intern)
    w.prefix = name
    w.open("for _k in K:")
    for i, n in enumerate(names):
        w.line(f"{v(n)} = _k[{i}]")
    _join(w, spec, set(names), None)
    return _function(name, "K, out", w, 0)


@lru_cache(maxsize=4096)
def _code(src: str, name: str) -> CodeType:
    """Byte-compile generated source once per process (same rule set, same source)."""
    return compile(src, f"<rule {name}>", "exec")


def compile_source(src: str, ns: dict[str, Any], name: str) -> Callable[..., Any]:
    code = _code(src, name)
    exec(code, ns)
    fn: Callable[..., Any] = ns[name]
    return fn


_ = (Filter, URIRef)
