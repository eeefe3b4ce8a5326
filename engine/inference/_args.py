"""Constant terms and ground triples typed on the command line, read like rule terms."""

from __future__ import annotations

from engine.errors import ParseError
from engine.inference._lexer import tokenize
from engine.inference._model import Var
from engine.inference._parser import _Parser
from engine.terms import Node

__all__ = ["parse_term", "parse_triple"]


def parse_term(text: str) -> Node:
    """One constant term as written in rules: ``ex:a``, ``<iri>``, ``"x"``, ``3``, ``5min``."""
    p = _Parser(tokenize(text, "<argument>"), "<argument>", text)
    t = p.term()
    if isinstance(t, Var) or p.peek().kind not in ("NL", "EOF"):
        raise ParseError(f"cannot read {text!r} as one IRI or literal; write ex:name, <iri> "
                         'or "text"', source="<argument>")
    return t


def parse_triple(text: str) -> tuple[Node, Node, Node]:
    """A ground triple ``s p o`` as written in rules (CURIEs, IRIs, literals)."""
    p = _Parser(tokenize(text, "<argument>"), "<argument>", text)
    s, pr, o = p.term(), p.term(predicate=True), p.term()
    if p.peek().text == ".":
        p.next()
    if any(isinstance(t, Var) for t in (s, pr, o)) or p.peek().kind not in ("NL", "EOF"):
        raise ParseError(f"cannot read {text!r} as a triple; write 'ex:s ops:p ex:o' or a "
                         "proposal id like p-1a2b3c...", source="<argument>")
    return (s, pr, o)  # type: ignore[return-value]
