"""How far a ``count`` block must count: a threshold count stops early.

``count ?d where { ... } as ?n`` followed only by comparisons of ``?n`` with integer
constants (``filter ?n >= 3``) needs no exact ``?n``: every such comparison gives the same
answer for the true count and for ``min(count, c + 1)``, ``c`` the largest constant. So the
generated block stops at ``c + 1`` matches instead of walking all of them. A storm of 20,000
firing alerts sharing one fingerprint was counted in full, several times per batch, by
``ops.alert-storm-incident`` (bench/storm_update.py ``--growth``).

The cap applies only where the exact count cannot show: ``?n`` in a head, a mint key, another
block, or any other expression keeps the full count.
"""

from __future__ import annotations

from engine.inference._checks import block_atom_vars, expr_vars, head_vars
from engine.inference._model import BinOp, Const, Count, Expr, Filter, Not, Rule, Var

__all__ = ["count_cap"]

_CMP = frozenset({"<", "<=", ">", ">=", "=", "!="})


def count_cap(rule: Rule, block: Count) -> int | None:
    """The count at which ``block`` may stop (``None``: it must count everything)."""
    name = block.result.name
    if any(name in head_vars(h) for h in rule.heads) or any(
            m.var.name == name or any(k.name == name for k in m.keys) for m in rule.mints):
        return None
    limits: list[int] = []
    for it in rule.body:
        if isinstance(it, Not | Count) and it is not block and name in _block_vars(it):
            return None
        if isinstance(it, Filter) and name in expr_vars(it.expr):
            c = _threshold(it.expr, name, _counts(rule))
            if c is None:
                return None
            limits.append(c)
    return max(limits) + 1 if limits else None


def _counts(rule: Rule) -> set[str]:
    return {it.result.name for it in rule.body if isinstance(it, Count)}


def _threshold(e: Expr, name: str, counts: set[str]) -> int | None:
    """``c`` for ``?name OP c`` or ``c OP ?name`` with an integer constant, where ``?name``
    may also be a sum of counts (``?n + ?m >= 3``: when one count passes ``c``, so does the
    sum of the capped counts, and every comparison with ``c`` gives the same answer); else
    ``None``."""
    if not isinstance(e, BinOp) or e.op not in _CMP:
        return None
    sides = (e.left, e.right)
    var = [s for s in sides if (isinstance(s, Var) and s.name == name)
           or (_sum_of(s, counts) and name in expr_vars(s))]
    const = [s for s in sides if isinstance(s, Const)]
    if len(var) != 1 or len(const) != 1:
        return None
    value = const[0].value.toPython()
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _block_vars(block: Not | Count) -> set[str]:
    """Every variable a block reads: its patterns' and its filters'."""
    filters = (expr_vars(f.expr) for f in block.body if isinstance(f, Filter))
    return block_atom_vars(block.body).union(*filters)


def _sum_of(e: Expr, counts: set[str]) -> bool:
    """Whether ``e`` is a sum of count results (never negative, so capping each is safe)."""
    if isinstance(e, Var):
        return e.name in counts
    return isinstance(e, BinOp) and e.op == "+" and _sum_of(e.left, counts) \
        and _sum_of(e.right, counts)
