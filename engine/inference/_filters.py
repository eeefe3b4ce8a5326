"""Filters compiled to one Python function each (positional values in, bool out).

A filter such as ``?t >= now - 5min`` becomes ``def F(a0, a1): return _ge(a0, _sub(a1, C0))``:
one call per test instead of a tree of closures, with fast paths when both operands
have the same plain Python type. Type errors make the filter false, as in SPARQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from engine.inference._model import BinOp, Call, Const, Expr, Now, Var
from engine.inference._values import _FUNCS, NOW_VAR, _arith, _cmp, to_value

__all__ = ["make_filter"]

_ORDERED = frozenset({int, float, Decimal, datetime, date, timedelta, str, bool})
_NUM = frozenset({int, float})


def _mk_cmp(op: str) -> Callable[[Any, Any], bool]:
    table: dict[str, Callable[[Any, Any], Any]] = {
        "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b, "=": lambda a, b: a == b, "!=": lambda a, b: a != b,
    }
    fast = table[op]

    def cmp(a: Any, b: Any) -> bool:
        ta = type(a)
        if ta is type(b) and ta in _ORDERED:
            return bool(fast(a, b))
        return _cmp(op, a, b)

    return cmp


def _sub(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if (ta in _NUM and tb in _NUM) or (ta is datetime and tb is timedelta):
        return a - b
    return _arith("-", a, b)


def _add(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if (ta in _NUM and tb in _NUM) or (ta is datetime and tb is timedelta):
        return a + b
    return _arith("+", a, b)


_OPS = {"<": "_lt", "<=": "_le", ">": "_gt", ">=": "_ge", "=": "_eq", "!=": "_ne",
        "+": "_add", "-": "_sub"}
_ENV: dict[str, Any] = {
    "_lt": _mk_cmp("<"), "_le": _mk_cmp("<="), "_gt": _mk_cmp(">"), "_ge": _mk_cmp(">="),
    "_eq": _mk_cmp("="), "_ne": _mk_cmp("!="), "_add": _add, "_sub": _sub,
    "_mul": lambda a, b: _arith("*", a, b), "_div": lambda a, b: _arith("/", a, b),
    "_FN": _FUNCS,
}


def _source(e: Expr, names: list[str], consts: list[object]) -> str:
    if isinstance(e, Var):
        return f"a{names.index(e.name)}"
    if isinstance(e, Now):
        return f"a{names.index(NOW_VAR)}"
    if isinstance(e, Const):
        consts.append(to_value(e.value))
        return f"C{len(consts) - 1}"
    if isinstance(e, Call):
        args = ", ".join(_source(a, names, consts) for a in e.args)
        return f"_FN[{e.fn!r}]({args})"
    left, right = _source(e.left, names, consts), _source(e.right, names, consts)
    if e.op == "&&":
        return f"(bool({left}) and bool({right}))"
    if e.op == "||":
        return f"(bool({left}) or bool({right}))"
    fn = _OPS.get(e.op) or ("_mul" if e.op == "*" else "_div")
    return f"{fn}({left}, {right})"


def make_filter(e: Expr, names: Sequence[str]) -> Callable[..., bool]:
    """A predicate over positional values (in ``names`` order); errors count as false."""
    order = list(names)
    consts: list[object] = []
    body = _source(e, order, consts)
    params = ", ".join(f"a{i}" for i in range(len(order)))
    src = (f"def F({params}):\n    try:\n        return bool({body})\n"
           "    except (TypeError, ValueError, ArithmeticError, KeyError, re.error):\n"
           "        return False\n")
    ns: dict[str, Any] = dict(_ENV, re=re)
    ns.update({f"C{i}": c for i, c in enumerate(consts)})
    exec(compile(src, "<filter>", "exec"), ns)
    fn: Callable[..., bool] = ns["F"]
    return fn


_ = BinOp
