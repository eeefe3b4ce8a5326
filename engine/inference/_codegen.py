"""Compile rule bodies to Python join loops (one function per delta position).

The generated code walks the working set's ``so``/``os`` hash indexes in a
greedy join order (most bound positions first), applies filters, ``not``
and ``count`` as soon as their variables are bound, and appends head tuples
to ``out``. Generated source is kept on the unit for debugging. The code for
one pattern is emitted by :mod:`engine.inference._patterns`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from functools import lru_cache
from types import CodeType
from typing import Any

from engine.inference._model import Atom, Var
from engine.inference._patterns import Writer, atom_vars, bind_delta, bind_index, exclude, score, v
from engine.terms import Node

__all__ = ["BlockSpec", "JoinSpec", "Settled", "compile_source", "generate", "generate_block",
           "generate_keyed", "v"]


class Settled(Exception):
    """Raised by a generated over-deletion rerun to leave a key whose block keeps its effect."""


class BlockSpec:
    """A ``not``/``count`` block compiled to ``X<k>(outer...)``."""

    def __init__(self, key: str, kind: str, atoms: list[Atom], filters: list[tuple[str, list[str]]],
                 outer: list[str], counted: list[str], result: str | None,
                 cap: int | None = None, settles: bool = False) -> None:
        self.key, self.kind, self.atoms, self.filters = key, kind, atoms, filters
        self.outer, self.counted, self.result = outer, counted, result
        self.cap = cap
        """A ``count`` may stop at this many (``_countcap.py``)."""
        self.settles = settles
        """A capped ``count`` whose outer variables are its key (and the clock): its effect
        is the same for every rule instance at a key (see :func:`generate_keyed`)."""


class JoinSpec:
    """What one generated function joins: atoms, filters (by key), blocks, and the emit code."""

    def __init__(self, atoms: list[Atom], filters: list[tuple[str, list[str]]],
                 blocks: list[BlockSpec], emit: list[str]) -> None:
        self.atoms, self.filters, self.blocks, self.emit = atoms, filters, blocks, emit


_EMIT_VAR = re.compile(r"\bv_(\w+)")


def _enables_filter(spec: JoinSpec, a: Atom, bound: set[str], done: set[str]) -> bool:
    """Would binding ``a`` let a pending time-window filter (one reading ``now``) run?"""
    after = bound | atom_vars(a)
    return any(key not in done and "__now" in names and not set(names) <= bound
               and set(names) <= after for key, names in spec.filters)


def _prunes(w: Writer, a: Atom, i: int, bound: set[str]) -> bool:
    """Is ``a`` an atom before a delta join's seed, probed by a bound subject? Its facts skip
    ``X``: where the seed's subject arrived with all its facts (a new alert), binding it first
    ends the search for a later seed at once, instead of after the other probes."""
    return i in w.old and isinstance(a.s, Var) and a.s.name in bound and not isinstance(a.p, Var)


def _probe(a: Atom, bound: set[str]) -> bool:
    """A pattern with a constant predicate and its subject or object known: an index probe."""
    if isinstance(a.p, Var):
        return False
    return any(not isinstance(t, Var) or t.name in bound for t in (a.s, a.o))


def _flush(w: Writer, spec: JoinSpec, bound: set[str], done: set[str], todo: list[int]) -> None:
    """Emit the filters, and the blocks, whose variables are bound. A block waits while a
    pattern that is a plain index probe remains: a probe is cheaper than a block call, and
    may fail first (``?inc ops:affects ?svc`` before there is an incident)."""
    probes = any(_probe(spec.atoms[i], bound) for i in todo)
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
            if b.key not in done and set(b.outer) <= bound and not probes:
                _memo_call(w, b.key, b.outer)
                if b is w.settle:
                    _settle_lines(w, b, spec)
                if b.kind == "not":
                    w.open("if not _r:")
                else:
                    w.line(f"{v(b.result or '')} = INT(_r)")
                    bound.add(b.result or "")
                done.add(b.key)
                progress = True


def _memo_call(w: Writer, key: str, outer: list[str], extra: str = "") -> None:
    """``_r = key(outer...)``, memoized per outer tuple for this call (blocks read only
    lower strata, which do not change while the function runs; ``extra`` is an argument
    fixed for the call, as the exclusion set ``X``)."""
    _memo(w, "_r", key, key, [v(n) for n in outer], extra)


def _memo(w: Writer, var: str, memo: str, fn: str, args: list[str], extra: str = "") -> None:
    """``var = fn(args..., extra)``, memoized per ``args`` tuple for this call in ``_m<memo>``."""
    w.memos.add(memo)
    w.line(f"_k = ({', '.join(args)}{',' if args else ''})")
    w.line(f"{var} = _m{memo}.get(_k)")
    w.open(f"if {var} is None:")
    w.line(f"{var} = _m{memo}[_k] = {fn}({', '.join([*args, *([extra] if extra else [])])})")
    w.depth -= 1


def _at(outer: list[str], now: str) -> list[str]:
    """A block's arguments with the clock read from ``now`` (the old or the new one)."""
    return [now if n == "__now" else v(n) for n in outer]


def _live(spec: JoinSpec, todo: list[int], done: set[str]) -> set[str]:
    """Variables the rest of the join still reads: later patterns, pending filters and
    blocks, and the emitted head (``v_name`` in the emit code)."""
    out = {n for i in todo for n in atom_vars(spec.atoms[i])}
    out |= {n for key, names in spec.filters if key not in done for n in names}
    out |= {n for b in spec.blocks if b.key not in done for n in b.outer}
    return out | {n for line in spec.emit for n in _EMIT_VAR.findall(line)}


def _distinct(w: Writer, spec: JoinSpec, bound: set[str], todo: list[int], done: set[str],
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


def _join(w: Writer, spec: JoinSpec, bound: set[str], delta: int | None) -> None:
    done: set[str] = set()
    dead: set[str] = set()
    todo = list(range(len(spec.atoms)))
    if delta is not None:
        todo.remove(delta)
        bind_delta(w, spec.atoms[delta], bound)
    _flush(w, spec, bound, done, todo)
    _distinct(w, spec, bound, todo, done, dead)
    while todo:
        if _exists(w, spec, bound, todo, done):
            return
        best = max(todo, key=lambda i: (score(spec.atoms[i], bound)
                                        + 3 * _enables_filter(spec, spec.atoms[i], bound, done)
                                        + 2 * _prunes(w, spec.atoms[i], i, bound), -i))
        todo.remove(best)
        bind_index(w, spec.atoms[best], bound)
        if best in w.old:
            exclude(w, spec.atoms[best], bound)
        _flush(w, spec, bound, done, todo)
        _distinct(w, spec, bound, todo, done, dead)
    for line in spec.emit:
        w.line(line)


def _exists(w: Writer, spec: JoinSpec, bound: set[str], todo: list[int], done: set[str]) -> bool:
    """When the head is fully bound and only patterns and filters remain, the rest is an
    existence test (``?b ops:about ?svcB . ?b ops:status "firing"`` once ``?a`` and ``?svcB``
    are bound): compile it as its own function, memoized on the bound variables it reads, and
    emit the head once instead of once per match (a storm: every alert times every alert of a
    dependency). Its patterns keep the enclosing join's semi-naive exclusion (the atoms before
    a delta join's seed skip facts of ``X``): without it a delta join re-found, and emitted,
    every instance an earlier seed had found (``incident-for-critical-alert`` minted its
    incident three times per new alert)."""
    if not w.prefix or not todo or any(b.key not in done for b in spec.blocks):
        return False
    assigned = {line.strip().split(" = ", 1)[0][2:] for line in spec.emit if " = " in line}
    reads = {n for line in spec.emit for n in _EMIT_VAR.findall(line)} - assigned
    if not reads <= bound:
        return False
    atoms = [spec.atoms[i] for i in todo]
    filters = [(k, nm) for k, nm in spec.filters if k not in done]
    used = {n for a in atoms for n in atom_vars(a)} | {n for _, nm in filters for n in nm}
    w.tmp += 1
    b = BlockSpec(key=f"{w.prefix}_e{w.tmp}", kind="not", atoms=atoms, filters=filters,
                  outer=sorted(used & bound), counted=[], result=None)
    old = [k for k, i in enumerate(todo) if i in w.old]
    w.extra.append(generate_block(b, w.intern, old))
    _memo_call(w, b.key, b.outer, "X")
    w.open("if _r:")
    for line in spec.emit:
        w.line(line)
    return True


def _function(name: str, params: str, w: Writer) -> str:
    prologue = [f"    {x}{p} = {x.upper()}.get({p}, E2)"  # only the indexes the code reads
                for p in sorted(w.preds) for x in ("so", "os") if f"{x}{p}" in w.used]
    prologue += [f"    x{p} = {w.xsrc}.get({p}, E)" for p in sorted(w.excluded)]
    prologue += [f"    _m{k} = {{}}" for k in sorted(w.memos)]
    prologue += [f"    {u} = set()" for u in sorted(w.seen)]
    main = "\n".join([f"def {name}({params}):", *prologue, *w.lines])
    return "\n\n".join([*w.extra, main])


def generate_block(b: BlockSpec, intern: Callable[[Node], int],
                   exists: Collection[int] | None = None, hidden: str = "HID") -> str:
    """Source of ``def key(outer...)``: whether the block matches (``not``) or how many
    distinct tuples it counts (``count``), skipping the facts in ``HID`` (the working set's
    ``hidden``: empty but while DRed evaluates the old state).

    With ``exists`` (the positions of atoms that skip facts of ``X``), the source of an
    existence test split off a join instead: ``def key(outer..., X)``, whose atoms see what
    the join's would (those at ``exists`` skip ``X``, none skips ``HID``)."""
    w = Writer(intern)
    w.xsrc = hidden if exists is None else "X"
    w.old = set(range(len(b.atoms))) if exists is None else set(exists)
    if b.kind == "count":
        w.line("_seen = set()")
        emit = [f"_seen.add(({''.join(v(n) + ', ' for n in b.counted)}))"]
        if b.cap is not None:
            emit.append(f"if len(_seen) >= {b.cap}: return {b.cap}")
    else:
        emit = ["return True"]
    spec = JoinSpec(b.atoms, b.filters, [], emit)
    w.fixed = set(b.outer)
    _join(w, spec, set(b.outer), None)
    w.depth = 1
    w.line("return len(_seen)" if b.kind == "count" else "return False")
    params = [v(n) for n in b.outer] + ([] if exists is None else ["X"])
    return _function(b.key, ", ".join(params), w)


def generate(name: str, spec: JoinSpec, intern: Callable[[Node], int],
             delta: int | None, old: Collection[int] = ()) -> str:
    """Source of ``def name(D, out, X)`` joining ``spec``, seeded by atom ``delta`` (if any)
    from ``D``; the atoms at positions ``old`` skip facts in ``X`` (semi-naive)."""
    w = Writer(intern)
    w.prefix = name
    w.old = set(old)
    _join(w, spec, set(), delta)
    return _function(name, "D, out, X", w)


def generate_keyed(name: str, spec: JoinSpec, intern: Callable[[Node], int],
                   names: list[str], old: Collection[int] = (), changed_only: bool = False,
                   block: BlockSpec | None = None) -> str:
    """Source of ``def name(K, out, X)``: the join of ``spec`` once per key tuple in ``K``, with
    ``names`` bound to the tuple (DRed re-evaluates a rule for the outer keys of a ``not`` or
    ``count`` block whose truth may have changed); atoms at positions ``old`` skip facts in
    ``X`` (instances using a delta fact are the delta joins' to find).

    With ``changed_only`` (DRed's over-deletion, in the old state) an instance is emitted only
    if one of its blocks has another value in the new state (``<key>n``, which skips the
    removed facts and reads the new clock): the others keep their derivation.

    ``block`` is the block whose keys ``K`` are. If it ``settles``, the over-deletion rerun
    leaves a key as soon as it finds the block's effect unchanged there, and records the key
    in ``S<k>``, which the other rerun skips."""
    w = Writer(intern)
    w.prefix = name
    w.old = set(old)
    if changed_only:
        spec = JoinSpec(spec.atoms, spec.filters, spec.blocks, _changed_guard(w, spec))
    settle = block is not None and block.settles
    w.open("for _kk in K:")
    if settle and not changed_only:
        w.line(f"if _kk in S{block.key}: continue")  # type: ignore[union-attr]
    for i, n in enumerate(names):
        w.line(f"{v(n)} = _kk[{i}]")
    if settle and changed_only:
        w.open("try:")
        w.settle = block
    _join(w, spec, set(names), None)
    if settle and changed_only:
        w.depth = 2
        w.open("except SETTLED:")
        w.line("pass")
    return _function(name, "K, out, X", w)


def _settle_lines(w: Writer, b: BlockSpec, spec: JoinSpec) -> None:
    """After the old value ``_r`` of the settling block: its new value, and if every filter
    on its result answers the same for both, the key is settled: no instance there changes,
    so the over-deletion leaves the key (and the insertion's rerun skips it). A storm of
    20,000 firing alerts on one fingerprint was walked alert by alert twice per batch."""
    old = "_r"
    if "__now" in b.outer:  # this instance's clock may be the new one (DRed's superset)
        old = "_o"
        _memo(w, old, b.key, b.key, _at(b.outer, "OLDNOW[0]"))  # the same memo: same fn
    _memo(w, "_n", f"{b.key}n", f"{b.key}n", _at(b.outer, "NEWNOW[0]"))
    same = [f"{k}(VAL(INT(_n))) == {k}(VAL(INT({old})))"
            for k, names in spec.filters if b.result in names]
    w.open(f"if _n == {old} or ({' and '.join(same) or 'True'}):")
    w.line(f"S{b.key}.add(_kk)")
    w.line("raise SETTLED")
    w.depth -= 1


def _changed_guard(w: Writer, spec: JoinSpec) -> list[str]:
    """``spec``'s emit lines under a test that the instance may not hold, or may derive
    another head, in the new state: a ``not`` block changes value, or a ``count`` whose new
    value fails a filter on it or appears in the head (a count of 2,000 firing alerts instead
    of 1,000 still passes ``?n >= 3``: that instance keeps its derivation)."""
    lines = ["_c = False"]
    for b in spec.blocks:
        old = ", ".join(v(n) for n in b.outer)
        new = ", ".join(_at(b.outer, "NEWNOW[0]"))
        comma = "," if b.outer else ""
        w.memos.add(f"{b.key}n")
        lines += [f"_r = _m{b.key}.get(({old}{comma}))",
                  f"_k = ({new}{comma})",
                  f"_n = _m{b.key}n.get(_k)",
                  "if _n is None:",
                  f"    _n = _m{b.key}n[_k] = {b.key}n({new})",
                  f"if {_differs(spec, b)}:",
                  "    _c = True"]
    return [*lines, "if _c:", *("    " + ln for ln in spec.emit)]


def _differs(spec: JoinSpec, b: BlockSpec) -> str:
    """The test, on ``_r`` (old value) and ``_n`` (new), that block ``b`` changes the instance."""
    res = b.result
    if b.kind == "not" or res is None or any(v(res) in ln for ln in spec.emit):
        return "_r is None or _n != _r"
    uses = [(k, names) for k, names in spec.filters if res in names]
    if any(k.startswith("R") for k, _ in uses):
        return "_r is None or _n != _r"
    def arg(n: str) -> str:
        return "VAL(INT(_n))" if n == res else "VAL(NEWNOW[0])" if n == "__now" else f"VAL({v(n)})"
    fails = " or ".join(f"not {k}({', '.join(arg(n) for n in names)})" for k, names in uses)
    return f"_r is None or (_n != _r and ({fails or 'False'}))"


@lru_cache(maxsize=4096)
def _code(src: str, name: str) -> CodeType:
    """Byte-compile generated source once per process (same rule set, same source)."""
    return compile(src, f"<rule {name}>", "exec")


def compile_source(src: str, ns: dict[str, Any], name: str) -> Callable[..., Any]:
    code = _code(src, name)
    exec(code, ns)
    fn: Callable[..., Any] = ns[name]
    return fn
