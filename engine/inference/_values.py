"""Python values of RDF terms, and filter expressions compiled to closures.

Filters compare values, not spellings: ``"2"^^xsd:integer < 3``, datetimes
with durations (``?t >= now - 5min``), strings. A filter whose operands do
not fit (a string compared to a number) is simply false, as in SPARQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from engine.inference._model import BinOp, Call, Const, Expr, Now, Var

__all__ = ["NOW_VAR", "compile_expr", "to_value"]

NOW_VAR = "__now"
"""The hidden variable bound to the evaluation clock in rules that use ``now``."""

_NUMERIC = {str(XSD[t]) for t in (
    "integer", "decimal", "double", "float", "int", "long", "short", "byte",
    "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
    "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte",
)}


def to_value(node: object) -> object:
    """The comparable Python value of a term (IRIs and blank nodes stay terms)."""
    if not isinstance(node, Literal):
        return node
    dt = str(node.datatype) if node.datatype else ""
    try:
        if dt in _NUMERIC:
            if dt.endswith(("double", "float")):
                return float(node)
            if dt.endswith("decimal"):
                return Decimal(str(node))
            return int(str(node))
        if dt == str(XSD.dateTime) or dt == str(XSD.dateTimeStamp):
            d = datetime.fromisoformat(str(node).replace("Z", "+00:00"))
            return d if d.tzinfo else d.replace(tzinfo=UTC)
        if dt == str(XSD.date):
            return date.fromisoformat(str(node))
        if dt in (str(XSD.duration), str(XSD.dayTimeDuration)):
            return _duration(str(node))
        if dt == str(XSD.boolean):
            return str(node).strip() in ("true", "1")
    except (ValueError, ArithmeticError):
        return str(node)
    return str(node)


_DUR = re.compile(r"^(-)?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def _duration(text: str) -> timedelta | str:
    m = _DUR.match(text)
    if not m or text in ("P", "PT", "-P"):
        return text
    sign, d, h, mi, s = m.groups()
    td = timedelta(days=int(d or 0), hours=int(h or 0), minutes=int(mi or 0),
                   seconds=float(s or 0))
    return -td if sign else td


def _is_term(v: object) -> bool:
    return isinstance(v, URIRef | BNode)


def _eq(a: object, b: object) -> bool:
    if _is_term(a) or _is_term(b):
        return type(a) is type(b) and a == b
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    return a == b


def _cmp(op: str, a: Any, b: Any) -> bool:
    if op == "=":
        return _eq(a, b)
    if op == "!=":
        return not _eq(a, b)
    if _is_term(a) or _is_term(b):
        return False
    if op == "<":
        return bool(a < b)
    if op == "<=":
        return bool(a <= b)
    if op == ">":
        return bool(a > b)
    return bool(a >= b)


def _arith(op: str, a: Any, b: Any) -> Any:
    if _is_term(a) or _is_term(b) or isinstance(a, str) or isinstance(b, str):
        raise TypeError("arithmetic on a non-number")
    if isinstance(a, Decimal) and isinstance(b, float):
        a = float(a)
    if isinstance(b, Decimal) and isinstance(a, float):
        b = float(b)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    return a / b


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


_FUNCS: dict[str, Callable[..., Any]] = {
    "regex": lambda s, p: _regex(str(p)).search(str(s)) is not None,
    "contains": lambda s, p: str(p) in str(s),
    "strstarts": lambda s, p: str(s).startswith(str(p)),
    "strends": lambda s, p: str(s).endswith(str(p)),
    "str": lambda s: str(s),
    "lcase": lambda s: str(s).lower(),
    "ucase": lambda s: str(s).upper(),
    "strlen": lambda s: len(str(s)),
    "isiri": lambda s: isinstance(s, URIRef),
    "isliteral": lambda s: not _is_term(s),
    "abs": lambda x: abs(x),
    "sameterm": lambda a, b: type(a) is type(b) and a == b,
    "not": lambda x: not x,
}

Env = dict[str, object]


def compile_expr(e: Expr) -> Callable[[Env], Any]:
    """A closure evaluating ``e`` over variable values; raises on type errors."""
    if isinstance(e, Var):
        name = e.name
        return lambda env: env[name]
    if isinstance(e, Now):
        return lambda env: env[NOW_VAR]
    if isinstance(e, Const):
        v = to_value(e.value)
        return lambda env: v
    if isinstance(e, Call):
        fn = _FUNCS[e.fn]
        args = [compile_expr(a) for a in e.args]
        return lambda env: fn(*(a(env) for a in args))
    return _compile_binop(e)


def _compile_binop(e: BinOp) -> Callable[[Env], Any]:
    left, right, op = compile_expr(e.left), compile_expr(e.right), e.op
    if op == "&&":
        return lambda env: bool(left(env)) and bool(right(env))
    if op == "||":
        return lambda env: bool(left(env)) or bool(right(env))
    if op in ("<", "<=", ">", ">=", "=", "!="):
        return lambda env: _cmp(op, left(env), right(env))
    return lambda env: _arith(op, left(env), right(env))
