"""Token cursor, terms and filter expressions: the shared half of the rule parser."""

from __future__ import annotations

from datetime import timedelta

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from engine.errors import ParseError
from engine.inference._lexer import Token
from engine.inference._model import BinOp, Call, Const, Expr, Now, Var
from engine.inference._vocab_check import ops_term_error
from engine.terms import iri_fault
from engine.vocab import PREFIXES

__all__ = ["FUNCTIONS", "ExprParser", "duration_literal", "shown"]

_UNITS = ("ms", "min", "s", "h", "d")


def shown(tok: Token) -> str:
    """How a token is named in an error: its text, or where the statement ended."""
    if tok.kind == "NL":
        return "the end of the line"
    if tok.kind == "EOF":
        return "the end of the file"
    return repr(tok.text)

FUNCTIONS: dict[str, int] = {
    "regex": 2, "contains": 2, "strstarts": 2, "strends": 2, "str": 1, "lcase": 1,
    "ucase": 1, "strlen": 1, "sameterm": 2, "isiri": 1, "isliteral": 1, "abs": 1,
}
"""Built-in filter functions and their arity."""

_CMP = ("<", "<=", ">", ">=", "=", "!=")


class ExprParser:
    """A cursor over tokens that reads terms, literals and expressions."""

    def __init__(self, tokens: list[Token], source: str) -> None:
        self.tokens = tokens
        self.pos = 0
        self.source = source
        self.prefixes: dict[str, str] = dict(PREFIXES)
        self.rule_id: str | None = None
        self.lines: list[str] = []
        self.rule_line = 0
        self.check_ops = True

    # --- cursor
    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]

    def next(self) -> Token:
        tok = self.peek()
        self.pos = min(self.pos + 1, len(self.tokens) - 1)
        return tok

    def at(self, kind: str) -> bool:
        return self.peek().kind == kind

    def expect(self, kind: str, what: str) -> Token:
        tok = self.next()
        if kind == "IRI" and tok.text == "<":
            raise self.bad_iri(tok)
        if tok.kind != kind:
            raise self.error(f"expected {what}, found {shown(tok)}", tok)
        return tok

    def expect_op(self, op: str) -> Token:
        tok = self.next()
        if tok.text != op:
            self.unit_check(self.tokens[self.pos - 2], tok)
            raise self.error(f"expected '{op}', found {shown(tok)}", tok)
        return tok

    def unit_check(self, prev: Token, tok: Token) -> None:
        """A word right after a number (``5 minutes``) is a misspelt duration: say how."""
        if tok.kind != "NAME" or prev.kind != "NUMBER":
            return
        if tok.text in _UNITS:
            raise self.error(f"write the duration without a space: {prev.text}{tok.text}", tok)
        raise self.error(f"unknown duration unit {tok.text!r}; write 30s, 5min, 2h or 1d", tok)

    def bad_iri(self, tok: Token) -> ParseError:
        """``<`` where an IRI belongs: the IRI has a space or a character IRIs cannot hold."""
        line = self.lines[tok.line - 1] if 0 < tok.line <= len(self.lines) else ""
        rest = line[tok.col - 1:]
        end = rest.find(">")
        if end < 0:
            return self.error("'<' opens an IRI that is never closed; write <https://...>", tok)
        iri = rest[:end + 1]
        bad = next((c for c in iri[1:-1] if c.isspace() or c in '<"{}|^`\\'), "")
        what = "a space" if bad.isspace() else repr(bad)
        return self.error(f"IRI {iri!r} contains {what}; an IRI cannot hold it "
                          "(remove it, or percent-encode it: a space is %20)", tok)

    def error(self, msg: str, tok: Token) -> ParseError:
        where = f"rule {self.rule_id}: " if self.rule_id else ""
        return ParseError(where + msg, source=self.source, line=tok.line, col=tok.col)

    def starts_rule(self, tok: Token) -> bool:
        return tok.text == "rule" and self.peek(1).kind in ("NAME", "PNAME") and (
            self.pos == 0 or self.tokens[self.pos - 1].kind == "NL")

    def missing_end(self, tok: Token, word: str) -> Exception:
        before = "at the end of the file" if tok.kind == "EOF" else f"before line {tok.line}"
        return self.error(
            f"missing '{word}' for rule {self.rule_id} (opened at line {self.rule_line}); "
            f"add it {before}" + ("" if word == "end" else " and close the rule with 'end'"),
            tok)

    # --- terms
    def var(self) -> Var:
        tok = self.expect("VAR", "a variable like ?x")
        return Var(name=tok.text[1:])

    def iri(self) -> URIRef:
        tok = self.next()
        if tok.kind == "IRI":
            return self.checked(URIRef(tok.text[1:-1]), tok)
        if tok.text == "<":
            raise self.bad_iri(tok)
        if tok.kind != "PNAME":
            raise self.error(f"expected an IRI, found {tok.text!r}", tok)
        pfx, _, local = tok.text.partition(":")
        if pfx not in self.prefixes:
            known = ", ".join(sorted(self.prefixes))
            raise self.error(
                f"unknown prefix {pfx + ':'!r}; declare it with 'prefix {pfx}: <...>' "
                f"or use one of: {known}", tok)
        return self.checked(URIRef(self.prefixes[pfx] + local), tok)

    def checked(self, iri: URIRef, tok: Token) -> URIRef:
        """``iri``, unless no RDF file can hold it (a rule would write it to the store) or it is
        in the closed ops namespace without being an ontology term."""
        why = iri_fault(iri) or (ops_term_error(iri) if self.check_ops else None)
        if why:
            raise self.error(why, tok)
        return iri

    def literal(self) -> Literal | None:
        tok = self.peek()
        neg = tok.text == "-" and self.peek(1).kind in ("NUMBER", "DURATION")
        if neg:
            self.next()
            tok = self.peek()
        if tok.kind == "NUMBER":
            self.next()
            text = ("-" if neg else "") + tok.text
            if "e" in text.lower():
                return Literal(text, datatype=XSD.double)
            return Literal(text, datatype=XSD.decimal if "." in text else XSD.integer)
        if tok.kind == "DURATION":
            self.next()
            lit = duration_literal(tok.text)
            return Literal(f"-{lit}", datatype=XSD.duration) if neg else lit
        if tok.kind == "STRING":
            return self.string()
        if tok.kind == "NAME" and tok.text in ("true", "false"):
            self.next()
            return Literal(tok.text, datatype=XSD.boolean)
        return None

    def string(self) -> Literal:
        tok = self.next()
        lex = _unescape(tok.text[1:-1])
        if self.peek().kind == "LANG":
            return Literal(lex, lang=self.next().text[1:])
        if self.peek().text == "^^":
            self.next()
            return Literal(lex, datatype=self.iri())
        return Literal(lex)

    # --- expressions
    def expr(self) -> Expr:
        left = self.conj()
        while self.peek().text == "||":
            self.next()
            left = BinOp(op="||", left=left, right=self.conj())
        return left

    def conj(self) -> Expr:
        left = self.compare()
        while self.peek().text == "&&":
            self.next()
            left = BinOp(op="&&", left=left, right=self.compare())
        return left

    def compare(self) -> Expr:
        left = self.additive()
        if self.peek().text in _CMP:
            op = self.next().text
            return BinOp(op=op, left=left, right=self.additive())
        return left

    def additive(self) -> Expr:
        left = self.term_expr()
        while self.peek().text in ("+", "-"):
            op = self.next().text
            left = BinOp(op=op, left=left, right=self.term_expr())
        return left

    def term_expr(self) -> Expr:
        left = self.unary()
        while self.peek().text in ("*", "/"):
            op = self.next().text
            left = BinOp(op=op, left=left, right=self.unary())
        return left

    def unary(self) -> Expr:
        tok = self.peek()
        if tok.text == "!":
            self.next()
            return Call(fn="not", args=(self.unary(),))
        if tok.text == "-" and self.peek(1).kind not in ("NUMBER", "DURATION"):
            self.next()
            return BinOp(op="-", left=Const(value=Literal(0)), right=self.unary())
        return self.primary()

    def primary(self) -> Expr:
        tok = self.peek()
        if tok.kind == "VAR":
            return self.var()
        if tok.text == "(":
            self.next()
            e = self.expr()
            self.expect_op(")")
            return e
        if tok.text == "now":
            self.next()
            return Now()
        if tok.kind == "NAME" and self.peek(1).text == "(":
            return self.call()
        if tok.kind in ("IRI", "PNAME"):
            return Const(value=self.iri())
        lit = self.literal()
        if lit is None:
            raise self.error(f"expected an expression, found {tok.text.strip() or 'end of line'!r}", tok)
        return Const(value=lit)

    def call(self) -> Call:
        tok = self.next()
        name = tok.text.lower()
        if name not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            raise self.error(f"unknown function {tok.text!r}; built-ins are: {known}", tok)
        self.expect_op("(")
        args: list[Expr] = []
        while self.peek().text != ")":
            args.append(self.expr())
            if self.peek().text == ",":
                self.next()
            elif self.peek().text != ")":
                raise self.error("separate function arguments with ','", self.peek())
        self.next()
        if len(args) != FUNCTIONS[name]:
            raise self.error(f"{name}() takes {FUNCTIONS[name]} argument(s), got {len(args)}", tok)
        return Call(fn=name, args=tuple(args))


def _unescape(s: str) -> str:
    return s.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


def duration_literal(text: str) -> Literal:
    """``5min`` → ``"PT5M"^^xsd:duration`` (units: ms, s, min, h, d)."""
    for unit, kw in (("ms", "milliseconds"), ("min", "minutes"), ("s", "seconds"),
                     ("h", "hours"), ("d", "days")):
        if text.endswith(unit):
            return Literal(timedelta(**{kw: int(text[: -len(unit)])}), datatype=XSD.duration)
    raise ValueError(text)

