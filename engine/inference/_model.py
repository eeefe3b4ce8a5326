"""The rule language as frozen data: what the parser produces and the engine compiles.

A :class:`Rule` is a body (triple patterns, filters, ``not`` blocks, counts)
and one or more heads (triples to assert, actions to propose). Every element
keeps its source line so later checks can still say ``file:line``.
"""

from __future__ import annotations

import hashlib
from typing import Literal as TLiteral

from pydantic import BaseModel, ConfigDict
from rdflib import BNode, Literal, URIRef

__all__ = [
    "Atom", "BinOp", "Call", "Const", "Count", "Expr", "Filter", "Mint", "Not", "Now",
    "Propose", "Rule", "RuleSet", "Term", "TripleHead", "Var",
]

_FROZEN = ConfigDict(frozen=True, arbitrary_types_allowed=True)


class Var(BaseModel):
    """A rule variable, written ``?name``."""

    model_config = _FROZEN
    name: str

    def __str__(self) -> str:
        return f"?{self.name}"


Term = Var | URIRef | Literal | BNode


class Const(BaseModel):
    """A constant inside an expression (an IRI or a literal)."""

    model_config = _FROZEN
    value: URIRef | Literal


class Now(BaseModel):
    """The evaluation clock, ``now`` (a parameter of every run, never the wall clock)."""

    model_config = _FROZEN
    kind: TLiteral["now"] = "now"


class BinOp(BaseModel):
    """``left op right``: comparison (``< <= > >= = !=``), arithmetic or ``&&``/``||``."""

    model_config = _FROZEN
    op: str
    left: Expr
    right: Expr


class Call(BaseModel):
    """A built-in function call such as ``regex(?x, "^db-")``."""

    model_config = _FROZEN
    fn: str
    args: tuple[Expr, ...]


Expr = Var | Const | Now | BinOp | Call


class Atom(BaseModel):
    """A triple pattern ``s p o``; any position may be a variable."""

    model_config = _FROZEN
    s: Term
    p: Term
    o: Term
    line: int

    def terms(self) -> tuple[Term, Term, Term]:
        return (self.s, self.p, self.o)


class Filter(BaseModel):
    """``filter EXPR``: keep the bindings for which EXPR is true."""

    model_config = _FROZEN
    expr: Expr
    line: int


class Not(BaseModel):
    """``not { ... }``: negation as failure over a block of atoms and filters."""

    model_config = _FROZEN
    body: tuple[Atom | Filter, ...]
    line: int


class Count(BaseModel):
    """``count ?v... where { ... } as ?n``: distinct ``?v`` tuples per outer binding."""

    model_config = _FROZEN
    vars: tuple[Var, ...]
    body: tuple[Atom | Filter, ...]
    result: Var
    line: int


BodyItem = Atom | Filter | Not | Count


class TripleHead(BaseModel):
    """Assert ``s p o`` for every match of the body."""

    model_config = _FROZEN
    s: Term
    p: Term
    o: Term
    line: int

    def terms(self) -> tuple[Term, Term, Term]:
        return (self.s, self.p, self.o)


class Mint(BaseModel):
    """``new ?x [named N] from ?a ?b``: a deterministic IRI, hash of the name and the keys.

    The name defaults to the rule id; rules that mint under one name share the IRI for
    the same key values (two rules describing one incident).
    """

    model_config = _FROZEN
    var: Var
    keys: tuple[Var, ...]
    line: int
    name: str | None = None


class Propose(BaseModel):
    """``propose ACTION TARGET key=value ...``: an action proposal for the planner."""

    model_config = _FROZEN
    action: Term
    target: Term
    params: tuple[tuple[str, Term], ...]
    line: int


class Rule(BaseModel):
    """One rule: identity, body and heads, and where it was written."""

    model_config = _FROZEN
    id: str
    version: str
    description: str
    salience: int = 0
    body: tuple[BodyItem, ...]
    heads: tuple[TripleHead | Propose, ...]
    mints: tuple[Mint, ...] = ()
    source: str
    line: int
    text: str
    version_declared: bool = True
    """False when the rule has no ``version`` line and ``version`` is the default, 1."""

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"

    def uses_now(self) -> bool:
        return "now" in _expr_kinds(self.body)


def _expr_kinds(items: tuple[object, ...]) -> set[str]:
    found: set[str] = set()
    for it in items:
        if isinstance(it, Filter):
            found |= _kinds(it.expr)
        elif isinstance(it, Not | Count):
            found |= _expr_kinds(it.body)
    return found


def _kinds(e: Expr) -> set[str]:
    if isinstance(e, Now):
        return {"now"}
    if isinstance(e, BinOp):
        return _kinds(e.left) | _kinds(e.right)
    if isinstance(e, Call):
        out: set[str] = set()
        for a in e.args:
            out |= _kinds(a)
        return out
    return set()


class RuleSet(BaseModel):
    """An ordered, checked set of rules; ``version`` hashes their source text."""

    model_config = _FROZEN
    rules: tuple[Rule, ...]
    version: str

    @classmethod
    def of(cls, rules: tuple[Rule, ...]) -> RuleSet:
        h = hashlib.sha256()
        for r in sorted(rules, key=lambda r: r.id):
            h.update(f"{r.id}@{r.version}\n{r.text}\n".encode())
        return cls(rules=rules, version=h.hexdigest()[:16])

    def get(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        from engine.errors import RuleError

        known = ", ".join(r.id for r in self.rules[:8])
        raise RuleError(f"no rule {rule_id!r} in the rule set; known rules include: {known}")


BinOp.model_rebuild()
Call.model_rebuild()
