"""Parse rule files into frozen :class:`Rule` models (no checks beyond syntax).

Grammar (one statement per line; ``#`` starts a comment)::

    prefix ops: <https://w3id.org/tier1/ops#>
    rule ID
      version 2            salience 50            description "..."
    when
      ?s ops:tier 1                     # triple pattern
      filter ?t >= now - 5min           # filter expression
      not { ?s ops:status "resolved" }  # negation as failure
      count ?a where { ?a ops:about ?s } as ?n
    then
      new ?inc from ?s                  # mint a deterministic IRI
      ?inc ops:affects ?s               # assert a triple
      propose ops:Restart ?s reason="crashed"
    end
"""

from __future__ import annotations

from difflib import get_close_matches

from rdflib import URIRef
from rdflib.namespace import RDF

from engine.inference._expr_parse import ExprParser, _unescape, shown
from engine.inference._lexer import Token, tokenize
from engine.inference._model import (
    Atom,
    Count,
    Filter,
    Mint,
    Not,
    Propose,
    Rule,
    Term,
    TripleHead,
    Var,
)
from engine.inference._vocab_check import action_error, prefix_error
from engine.terms import iri_fault

__all__ = ["parse_text"]

_HEADER_KEYS = ("version", "salience", "description")


def parse_text(text: str, source: str = "<string>") -> tuple[Rule, ...]:
    """All rules in ``text``; ``source`` names the file in error messages."""
    return _Parser(tokenize(text, source), source, text).parse()


class _Parser(ExprParser):
    def __init__(self, tokens: list[Token], source: str, text: str) -> None:
        super().__init__(tokens, source)
        self.lines = text.split("\n")

    def parse(self) -> tuple[Rule, ...]:
        rules: list[Rule] = []
        seen: dict[str, int] = {}
        while not self.at("EOF"):
            tok = self.peek()
            if tok.kind == "NL":
                self.next()
            elif tok.text in ("prefix", "@prefix"):
                self.prefix_decl()
            elif tok.text == "rule":
                rule = self.rule()
                if rule.id in seen:
                    raise self.error(
                        f"rule {rule.id!r} is already defined at line {seen[rule.id]}; "
                        "give each rule a unique id", tok)
                seen[rule.id] = rule.line
                rules.append(rule)
            else:
                raise self.error(f"expected 'prefix' or 'rule', found {tok.text!r}", tok)
        return tuple(rules)

    def prefix_decl(self) -> None:
        self.next()
        name = self.expect("PNAME", "a prefix name like 'ops:'")
        if not name.text.endswith(":"):
            raise self.error(f"a prefix name ends with ':', found {name.text!r}", name)
        iri = self.expect("IRI", "an IRI in <...>")
        why = iri_fault(iri.text[1:-1]) or prefix_error(name.text[:-1], iri.text[1:-1])
        if why:
            raise self.error(why, iri)
        if self.peek().text == ".":
            self.next()
        self.end_line()
        self.prefixes[name.text[:-1]] = iri.text[1:-1]

    def rule(self) -> Rule:
        start = self.next()
        id_tok = self.next()
        if id_tok.kind not in ("NAME", "PNAME"):
            raise self.error(f"expected a rule id after 'rule', found {id_tok.text!r}", id_tok)
        self.rule_id, self.rule_line = id_tok.text, start.line
        self.end_line()
        header = self.header()
        self.keyword("when")
        body = self.body()
        self.keyword("then")
        heads, mints = self.heads()
        end = self.keyword("end")
        text = "\n".join(self.lines[start.line - 1:end.line])
        rule = Rule(
            id=id_tok.text, version=header.get("version", "1"),
            description=header.get("description", ""), salience=int(header.get("salience", "0")),
            body=tuple(body), heads=tuple(heads), mints=tuple(mints), source=self.source,
            line=start.line, text=text, version_declared="version" in header,
        )
        self.rule_id = None
        return rule

    def header(self) -> dict[str, str]:
        out: dict[str, str] = {}
        while self.peek().text in _HEADER_KEYS:
            key = self.next()
            val = self.next()
            if key.text == "salience":
                neg = val.text == "-"
                val = self.next() if neg else val
                if val.kind != "NUMBER" or "." in val.text:
                    raise self.error(f"salience must be an integer, found {val.text!r}", val)
                out["salience"] = ("-" if neg else "") + val.text
            elif key.text == "description":
                if val.kind != "STRING":
                    raise self.error("description must be a quoted string", val)
                out["description"] = _unescape(val.text[1:-1])
            else:
                if val.kind != "NUMBER" or not val.text.isdigit():
                    raise self.error(f"version must be a whole number (bump it when the "
                                     f"rule's meaning changes), found {val.text!r}", val)
                out["version"] = val.text
            self.end_line()
        return out

    def keyword(self, word: str) -> Token:
        self.skip_nl()
        tok = self.next()
        if tok.text != word:
            if tok.kind == "EOF" or self.starts_rule(tok):
                raise self.missing_end(tok, word)
            hint = " (headers are version, salience, description)" if word == "when" else ""
            raise self.error(f"expected '{word}', found {shown(tok)}{hint}", tok)
        if word != "end":
            self.end_line()
        return tok

    def body(self) -> list[Atom | Filter | Not | Count]:
        items: list[Atom | Filter | Not | Count] = []
        while True:
            self.skip_nl()
            tok = self.peek()
            if tok.text == "then" or tok.kind == "EOF":
                break
            if self.starts_rule(tok):
                raise self.missing_end(tok, "then")
            if tok.text == "not":
                self.next()
                items.append(Not(body=self.block(), line=tok.line))
            elif tok.text == "count":
                items.append(self.count())
            else:
                items.append(self.atom_or_filter())
            self.end_stmt()
        if not items:
            raise self.error("a rule needs at least one body statement after 'when'", self.peek())
        return items

    def count(self) -> Count:
        tok = self.next()
        vars_: list[Var] = []
        while self.peek().kind == "VAR":
            vars_.append(self.var())
        if not vars_:
            raise self.error("write the counted variables: count ?a where { ... } as ?n", tok)
        w = self.next()
        if w.text != "where":
            raise self.error(f"expected 'where' after the counted variables, found {w.text!r}", w)
        body = self.block()
        a = self.next()
        if a.text != "as" or self.peek().kind != "VAR":
            raise self.error("end a count with 'as ?result'", a)
        return Count(vars=tuple(vars_), body=body, result=self.var(), line=tok.line)

    def block(self) -> tuple[Atom | Filter, ...]:
        opened = self.peek()
        self.expect_op("{")
        items: list[Atom | Filter] = []
        while True:
            while self.peek().kind == "NL" or self.peek().text == ".":
                self.next()
            if self.peek().text == "}":
                self.next()
                break
            if self.peek().text in ("then", "end", "rule") or self.peek().kind == "EOF":
                raise self.error(f"the '{{' opened at line {opened.line} is never closed; add "
                                 f"'}}' before {self.peek().text or 'the end'!r}", self.peek())
            if self.peek().text in ("not", "count"):
                raise self.error("blocks cannot nest 'not' or 'count'; split the rule", self.peek())
            items.append(self.atom_or_filter())
        if not items:
            raise self.error("an empty block matches nothing; write patterns inside { }", self.peek())
        return tuple(items)

    def atom_or_filter(self) -> Atom | Filter:
        tok = self.peek()
        if tok.text == "filter":
            self.next()
            return Filter(expr=self.expr(), line=tok.line)
        s, p, o = self.triple()
        return Atom(s=s, p=p, o=o, line=tok.line)

    def heads(self) -> tuple[list[TripleHead | Propose], list[Mint]]:
        heads: list[TripleHead | Propose] = []
        mints: list[Mint] = []
        while True:
            self.skip_nl()
            tok = self.peek()
            if tok.text == "end" or tok.kind == "EOF":
                break
            if self.starts_rule(tok):
                raise self.missing_end(tok, "end")
            if tok.text == "new":
                mints.append(self.mint())
            elif tok.text == "propose":
                heads.append(self.propose())
            else:
                s, p, o = self.triple()
                heads.append(TripleHead(s=s, p=p, o=o, line=tok.line))
            self.end_stmt()
        if not heads:
            raise self.error("a rule needs a head after 'then': a triple or 'propose'", self.peek())
        return heads, mints

    def mint(self) -> Mint:
        tok = self.next()
        var = self.var()
        name = None
        if self.peek().text == "named":
            self.next()
            tok_name = self.next()
            if tok_name.kind not in ("NAME", "PNAME"):
                raise self.error("'named' needs a name, e.g. new ?inc named incident from ?svc",
                                 tok_name)
            name = tok_name.text
        keys: list[Var] = []
        if self.peek().text == "from":
            self.next()
            while self.peek().kind == "VAR":
                keys.append(self.var())
            if not keys:
                raise self.error("'new ?x from' needs the key variables, e.g. from ?svc", tok)
        return Mint(var=var, keys=tuple(keys), line=tok.line, name=name)

    def propose(self) -> Propose:
        tok = self.next()
        act = self.peek()
        self.check_ops = False  # an unknown action is named against the action types
        action = self.term()
        self.check_ops = True
        why = action_error(action) if isinstance(action, URIRef) else None
        if why:
            raise self.error(why, act)
        target = self.term()
        params: list[tuple[str, Term]] = []
        while self.peek().kind == "NAME" and self.peek(1).text == "=":
            key = self.next().text
            self.next()
            params.append((key, self.term()))
        return Propose(action=action, target=target, params=tuple(params), line=tok.line)

    def triple(self) -> tuple[Term, Term, Term]:
        """Subject, predicate and object of a pattern or head; a short line says what's missing."""
        out: list[Term] = []
        for i in range(3):
            tok = self.peek()
            if tok.kind in ("NL", "EOF") or tok.text in (".", "}"):
                raise self.error(
                    f"a triple needs a subject, a predicate and an object, found {i} "
                    f"term(s) before {shown(tok)}; complete it, e.g. ?a ops:about ?b", tok)
            out.append(self.term(predicate=i == 1))
        return out[0], out[1], out[2]

    def term(self, *, predicate: bool = False) -> Term:
        tok = self.peek()
        if tok.text == "<":
            raise self.bad_iri(tok)
        if tok.kind == "VAR":
            return self.var()
        if predicate and tok.text == "a":
            self.next()
            return RDF.type
        if tok.kind in ("IRI", "PNAME"):
            return self.iri()
        lit = self.literal()
        if lit is None:
            near = get_close_matches(tok.text, ("filter", "not", "count"), n=1, cutoff=0.7)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise self.error(f"expected a variable, IRI or literal, found {shown(tok)}{hint}", tok)
        return lit

    def end_stmt(self) -> None:
        if self.peek().text == ".":
            self.next()
            return
        tok = self.peek()
        if tok.kind not in ("NL", "EOF"):
            self.unit_check(self.tokens[self.pos - 1], tok)
            raise self.error(f"unexpected {tok.text!r}; put one statement per line", tok)

    def end_line(self) -> None:
        tok = self.peek()
        if tok.kind not in ("NL", "EOF"):
            raise self.error(f"unexpected {tok.text!r} at the end of the line", tok)
        self.skip_nl()

    def skip_nl(self) -> None:
        while self.peek().kind == "NL":
            self.next()
