"""Turn a checked :class:`RuleSet` into executable units, one per rule head.

A unit knows its stratum, its positive atoms (plus the hidden clock atom when
the rule uses ``now``), its filters and blocks, and holds the generated join
functions: ``full(D, out, X)`` and one ``delta[i](D, out, X)`` per positive atom
(``X``: the facts atoms before ``i`` must not match, see ``_patterns.exclude``).
The heads of one rule in one stratum share their generated code: the first head's
functions emit every head's facts (one body evaluation, one mint), the others' do nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from rdflib import Literal, URIRef

from engine.inference._checks import (
    block_atom_vars,
    check_rule,
    expr_vars,
    head_pred,
    positive_vars,
    sources,
    stratify,
)
from engine.inference._codegen import (
    BlockSpec,
    JoinSpec,
    Settled,
    compile_source,
    generate,
    generate_block,
    generate_keyed,
    v,
)
from engine.inference._countcap import count_cap
from engine.inference._filters import make_filter
from engine.inference._heads import Mints, emit_head, mint_lines, mints_of
from engine.inference._model import (
    Atom,
    Call,
    Count,
    Filter,
    Not,
    Propose,
    Rule,
    RuleSet,
    TripleHead,
    Var,
)
from engine.inference._values import NOW_VAR
from engine.inference._workset import EMPTY, WorkingSet
from engine.vocab import RUN

__all__ = ["CLOCK_P", "CLOCK_S", "BlockKeys", "Unit", "compile_ruleset", "strata_of"]

CLOCK_S = RUN["clock"]
CLOCK_P = RUN["now"]


@dataclass
class BlockKeys:
    """Generated code for DRed around one ``not``/``count`` block.

    ``names`` are the block's outer variables that occur in its patterns;
    ``find[i](D, out, D)`` appends the ``names`` tuples of block matches that use a fact of
    ``D`` in pattern ``i`` (the keys whose truth may have changed); ``rerun(K, out, X)``
    evaluates the whole rule once per key tuple in ``K``, skipping instances that use a fact
    of ``X`` (the delta joins find those).
    """

    names: tuple[str, ...]
    preds: tuple[int | None, ...]
    find: list[Callable[[Any, list[Any], Any], None]]
    rerun: Callable[[Any, list[Any], Any], None]
    rerun_changed: Callable[[Any, list[Any], Any], None]
    """``rerun`` for DRed's over-deletion: only the instances whose blocks change value."""
    settled: set[tuple[int, ...]] = field(default_factory=set)
    """The keys where ``rerun_changed`` found that the block (a threshold count the key
    fixes: ``BlockSpec.settles``) has the same effect before and after: ``rerun`` skips
    them; DRed empties it after each stratum's ``rerun``."""


@dataclass
class Unit:
    """One rule head made executable."""

    index: int
    rule: Rule
    head: TripleHead | Propose
    stratum: int
    atoms: list[Atom]
    filters: dict[str, tuple[Filter, list[str], Callable[..., bool]]]
    blocks: list[BlockSpec]
    block_fns: dict[str, Callable[..., Any]]
    mints: Mints
    full: Callable[[Any, list[Any], Any], None] = field(repr=False)
    delta: list[Callable[[Any, list[Any], Any], None]] = field(repr=False)
    source: str = field(repr=False, default="")
    keys: dict[str, BlockKeys] = field(repr=False, default_factory=dict)

    @property
    def head_pred(self) -> str | None:
        return head_pred(self.head) if isinstance(self.head, TripleHead) else None


def strata_of(ruleset: RuleSet) -> dict[str, int]:
    for r in ruleset.rules:
        check_rule(r)
    return stratify(ruleset.rules)


def _unit_stratum(rule: Rule, head: TripleHead | Propose, levels: dict[str, int]) -> int:
    if isinstance(head, TripleHead):
        return levels[head_pred(head)]
    need = 0
    nodes = set(levels)
    for it in rule.body:
        if isinstance(it, Atom):
            need = max([need, *(levels[n] for n in sources(head_pred(it), nodes))])
        elif isinstance(it, Not | Count):
            for a in it.body:
                if isinstance(a, Atom):
                    need = max([need, *(levels[n] + 1 for n in sources(head_pred(a), nodes))])
    return need


def compile_ruleset(ruleset: RuleSet, ws: WorkingSet) -> list[Unit]:
    """One unit per rule head; the heads of a rule that share a stratum share one generated
    body evaluation (the first unit's code emits them all, the others' code does nothing)."""
    levels = strata_of(ruleset)
    units: list[Unit] = []
    for rule in ruleset.rules:
        groups: dict[int, list[TripleHead | Propose]] = {}
        for head in rule.heads:
            groups.setdefault(_unit_stratum(rule, head, levels), []).append(head)
        for stratum, heads in groups.items():
            units += _compile_group(len(units), rule, heads, stratum, ws)
    units.sort(key=lambda u: u.index)
    return units


def _compile_group(first: int, rule: Rule, heads: list[TripleHead | Propose], stratum: int,
                   ws: WorkingSet) -> list[Unit]:
    ns: dict[str, Any] = {
        "SO": ws.so, "OS": ws.os, "E": EMPTY, "E2": {}, "VAL": ws.terms.value,
        "INT": ws.terms.integer, "CLK": ws.terms.intern(CLOCK_P), "HID": ws.hidden,
        "NODES": ws.terms.nodes, "IRI": URIRef, "LIT": Literal,
        "NHID": ws.gone, "NEWNOW": ws.newnow, "OLDNOW": ws.oldnow, "SETTLED": Settled,
    }
    atoms = [it for it in rule.body if isinstance(it, Atom)]
    if rule.uses_now():
        atoms.append(Atom(s=CLOCK_S, p=CLOCK_P, o=Var(name=NOW_VAR), line=rule.line))
    filters: dict[str, tuple[Filter, list[str], Callable[..., bool]]] = {}
    fspecs: list[tuple[str, list[str]]] = []
    for it in rule.body:
        if isinstance(it, Filter):
            fspecs.append(_add_filter(it, filters, ns))
    blocks = _blocks(rule, filters, ns, ws)
    mints = mints_of(rule, ns, ws)
    emit = mint_lines(mints) + [ln for i, h in enumerate(heads) for ln in emit_head(first + i, h, ws, rule)]
    spec = JoinSpec(atoms, fspecs, blocks, emit)
    intern = ws.terms.intern
    srcs = [generate("full", spec, intern, None)]
    srcs += [generate(f"d{i}", spec, intern, i, range(i)) for i in range(len(atoms))]
    full = compile_source(srcs[0], ns, "full")
    delta = [compile_source(srcs[i + 1], ns, f"d{i}") for i in range(len(atoms))]
    keys = {b.key: _block_keys(b, spec, ns, ws, srcs) for b in blocks}
    name = f"{rule.id}#{first}" + (f"-{first + len(heads) - 1}" if len(heads) > 1 else "")
    shared = Unit(index=first, rule=rule, head=heads[0], stratum=stratum, atoms=atoms,
                  filters=filters, blocks=blocks, block_fns={b.key: ns[b.key] for b in blocks},
                  mints=mints, full=full, delta=delta, keys=keys,
                  source=f"# {name}\n" + "\n\n".join(srcs))
    return [shared, *(_sibling(shared, first + i, h) for i, h in enumerate(heads) if i)]


def _sibling(u: Unit, index: int, head: TripleHead | Propose) -> Unit:
    """Unit ``index`` for another ``head`` of ``u``'s rule: the same body, no code of its own
    (``u``'s generated code emits this head's facts too)."""
    return replace(u, index=index, head=head, full=_nothing, delta=[_nothing] * len(u.atoms),
                   keys={k: _idle(bk) for k, bk in u.keys.items()},
                   source=f"# emitted by unit {u.index}")


def _nothing(*_: Any) -> None:
    """The generated code of a head whose facts a sibling head's code emits."""


def _idle(bk: BlockKeys) -> BlockKeys:
    return BlockKeys(names=bk.names, preds=bk.preds, find=[_nothing] * len(bk.find),
                     rerun=_nothing, rerun_changed=_nothing)


def _block_keys(b: BlockSpec, spec: JoinSpec, ns: dict[str, Any], ws: WorkingSet,
                srcs: list[str]) -> BlockKeys:
    """Compile the key finders (one delta join of the block's patterns per pattern, emitting
    its outer key; filters that need variables bound outside the block are left out, so the
    keys are a superset) and the per-key re-evaluation of the rule."""
    in_atoms = {t.name for a in b.atoms for t in a.terms() if isinstance(t, Var)}
    names = [n for n in b.outer if n in in_atoms]
    emit = [f"out.append(({''.join(v(n) + ', ' for n in names)}))"]
    fl = [(k, nm) for k, nm in b.filters if set(nm) <= in_atoms]
    kspec = JoinSpec(b.atoms, fl, [], emit)
    find_src = [generate(f"{b.key}k{i}", kspec, ws.terms.intern, i, range(i))
                for i in range(len(b.atoms))]
    not_clock = [i for i, a in enumerate(spec.atoms) if a.p != CLOCK_P]
    rerun_src = generate_keyed(f"{b.key}rerun", spec, ws.terms.intern, names, not_clock,
                               block=b)
    changed_src = generate_keyed(f"{b.key}rerunc", spec, ws.terms.intern, names, not_clock,
                                 changed_only=True, block=b)
    srcs += [*find_src, rerun_src, changed_src]
    preds = tuple(None if isinstance(a.p, Var) else ws.terms.intern(a.p) for a in b.atoms)
    return BlockKeys(
        names=tuple(names), preds=preds,
        find=[compile_source(src, ns, f"{b.key}k{i}") for i, src in enumerate(find_src)],
        rerun=compile_source(rerun_src, ns, f"{b.key}rerun"),
        rerun_changed=compile_source(changed_src, ns, f"{b.key}rerunc"),
        settled=ns.setdefault(f"S{b.key}", set()),
    )


def _add_filter(f: Filter, filters: dict[str, tuple[Filter, list[str], Callable[..., bool]]],
                ns: dict[str, Any]) -> tuple[str, list[str]]:
    raw = _sameterm(f)
    if raw is not None:
        key = f"R{len(filters)}{'eq' if raw[0] else 'ne'}"
        names = list(raw[1:])
        same = raw[0]
        filters[key] = (f, names, lambda a, b: (a == b) == same)
        return key, names
    key = f"F{len(filters)}"
    names = sorted(expr_vars(f.expr) | ({NOW_VAR} if _uses_now(f) else set()))
    fn = make_filter(f.expr, names)
    filters[key] = (f, names, fn)
    ns[key] = fn
    return key, names


def _sameterm(f: Filter) -> tuple[bool, str, str] | None:
    """``(same, a, b)`` for ``sameterm(?a, ?b)`` or ``!sameterm(?a, ?b)``: compiled to id tests."""
    e, same = f.expr, True
    if isinstance(e, Call) and e.fn == "not" and isinstance(e.args[0], Call):
        e, same = e.args[0], False
    if isinstance(e, Call) and e.fn == "sameterm" and all(isinstance(a, Var) for a in e.args):
        a, b = e.args
        assert isinstance(a, Var) and isinstance(b, Var)
        return (same, a.name, b.name)
    return None


def _uses_now(f: Filter) -> bool:
    return "now" in str(f.expr.model_dump())


def _alone(rule: Rule, res: str | None) -> bool:
    """Whether every filter on the count ``res`` reads it alone: only then can a key settle
    on the count's old and new values (``?n + ?m >= 3`` needs the other count too)."""
    return all(expr_vars(f.expr) <= {res} for f in rule.body
               if isinstance(f, Filter) and res in expr_vars(f.expr))


def _blocks(rule: Rule, filters: dict[str, tuple[Filter, list[str], Callable[..., bool]]],
            ns: dict[str, Any], ws: WorkingSet) -> list[BlockSpec]:
    pos = positive_vars(rule) | ({NOW_VAR} if rule.uses_now() else set())
    out: list[BlockSpec] = []
    for it in rule.body:
        if not isinstance(it, Not | Count):
            continue
        local = block_atom_vars(it.body)
        fl = [_add_filter(f, filters, ns) for f in it.body if isinstance(f, Filter)]
        used = local | {n for _, names in fl for n in names}
        res = it.result.name if isinstance(it, Count) else None
        cap = count_cap(rule, it) if isinstance(it, Count) else None
        outer = sorted((used & pos) - {res} if res else used & pos)
        settles = cap is not None and set(outer) - {NOW_VAR} <= local and _alone(rule, res)
        spec = BlockSpec(
            key=f"X{len(out)}", kind="count" if isinstance(it, Count) else "not",
            atoms=[a for a in it.body if isinstance(a, Atom)], filters=fl, outer=outer,
            counted=[c.name for c in it.vars] if isinstance(it, Count) else [], result=res,
            cap=cap, settles=settles,
        )
        compile_source(generate_block(spec, ws.terms.intern), ns, spec.key)
        new = BlockSpec(key=f"{spec.key}n", kind=spec.kind, atoms=spec.atoms, filters=fl,
                        outer=outer, counted=spec.counted, result=res, cap=cap)
        compile_source(generate_block(new, ws.terms.intern, hidden="NHID"), ns, new.key)
        out.append(spec)
    return out


