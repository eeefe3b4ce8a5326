"""What a rule instance produces: minted IRIs (``new ?x from ...``) and head tuples.

The lines returned here are the end of every generated join (see ``_codegen``): mint the
rule's new IRIs once, then append one fact per head (a triple, or a proposal key
``(unit, action, target, params)``) to ``out``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from rdflib import URIRef

from engine.inference._checks import positive_vars
from engine.inference._model import Atom, Propose, Rule, TripleHead, Var
from engine.inference._patterns import v
from engine.inference._workset import WorkingSet
from engine.vocab import RUN

__all__ = ["Mint", "Mints", "emit_head", "head_guard", "mint_lines", "mints_of"]

class Mint:
    """Mints the IRI of ``label`` for a key tuple (term ids), once per key, and records it in
    the working set's ``minted`` (IRI id -> label and key), which lets DRed and explanations
    go back from a minted IRI to the key that made it."""

    def __init__(self, label: str, ws: WorkingSet) -> None:
        self.label = label
        self._ws = ws
        self._cache: dict[tuple[int, ...], int] = {}
        self._slug = "".join(c if c.isalnum() or c in "-_." else "-" for c in label)

    def __call__(self, key: tuple[int, ...]) -> int:
        got = self._cache.get(key)
        if got is None:
            ws = self._ws
            text = "\x1f".join([self.label, *(ws.terms.nodes[k].n3() for k in key)])
            digest = hashlib.sha256(text.encode()).hexdigest()[:20]
            got = self._cache[key] = ws.terms.intern(URIRef(f"{RUN}{self._slug}/{digest}"))
            ws.minted[got] = (self.label, key)
        return got


Mints = dict[str, tuple[tuple[str, ...], Mint]]
"""Minted variable -> (the variables it is keyed on, the minting function)."""


def mints_of(rule: Rule, ns: dict[str, Any], ws: WorkingSet) -> Mints:
    """The rule's mints, each also put in the generated code's namespace as ``M<i>``."""
    out: Mints = {}
    base = sorted(positive_vars(rule))
    for i, m in enumerate(rule.mints):
        keys = tuple(k.name for k in m.keys) or tuple(base)
        fn = Mint(m.name or rule.id, ws)
        ns[f"M{i}"] = fn
        out[m.var.name] = (keys, fn)
    return out


def mint_lines(mints: Mints) -> list[str]:
    return [f"{v(name)} = M{i}(({''.join(v(k) + ', ' for k in keys)}))"
            for i, (name, (keys, _)) in enumerate(mints.items())]


def head_guard(rule: Rule, head: TripleHead) -> str:
    """The test (on the generated code's ``NODES`` and ``IRI``/``LIT`` names) that keeps a
    head from emitting a non-RDF triple, or ``""`` when none is needed.

    Only a variable that could bind a literal or blank node is tested: a subject variable
    bound nowhere in a body pattern's subject or predicate position (an object, a count),
    and a predicate variable bound nowhere in a predicate position. Heads with a constant
    predicate and a subject taken from a subject position -- almost every rule -- get none.
    """
    subj: set[str] = {m.var.name for m in rule.mints}
    pred: set[str] = set(subj)
    for a in rule.body:
        if isinstance(a, Atom):
            pred |= {a.p.name} if isinstance(a.p, Var) else set()
            subj |= {t.name for t in (a.s, a.p) if isinstance(t, Var)}
    tests = []
    if isinstance(head.s, Var) and head.s.name not in subj:
        tests.append(f"not isinstance(NODES[{v(head.s.name)}], LIT)")
    if isinstance(head.p, Var) and head.p.name not in pred:
        tests.append(f"isinstance(NODES[{v(head.p.name)}], IRI)")
    return " and ".join(tests)


def emit_head(idx: int, head: TripleHead | Propose, ws: WorkingSet, rule: Rule) -> list[str]:
    """The line appending unit ``idx``'s ``head`` fact to ``out``."""
    def code(t: object) -> str:
        return v(t.name) if isinstance(t, Var) else str(ws.terms.intern(t))  # type: ignore[arg-type]

    if isinstance(head, TripleHead):
        line = f"out.append(({code(head.s)}, {code(head.p)}, {code(head.o)}))"
        guard = head_guard(rule, head)
        return [f"if {guard}: {line}" if guard else line]
    params = "".join(code(t) + ", " for _, t in head.params)
    return [f"out.append(({idx}, {code(head.action)}, {code(head.target)}, ({params})))"]
