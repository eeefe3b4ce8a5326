"""Tokens of the rule language, each with its line and column."""

from __future__ import annotations

import re
from dataclasses import dataclass

from engine.errors import ParseError

__all__ = ["Token", "tokenize"]


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # NL IRI STRING LANG VAR DURATION NUMBER PNAME NAME OP EOF
    text: str
    line: int
    col: int


_SPEC = [
    ("WS", r"[ \t\r]+"),
    ("COMMENT", r"#[^\n]*"),
    ("NL", r"\n"),
    ("IRI", r"<[^<>\"{}|^`\\\s]+>"),
    ("STRING", r'"(?:[^"\\\n]|\\.)*"'),
    ("LANG", r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*"),
    ("VAR", r"\?[A-Za-z_][A-Za-z0-9_]*"),
    ("DURATION", r"\d+(?:ms|min|s|h|d)\b"),
    ("NUMBER", r"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"),
    ("PNAME", r"(?:[A-Za-z][\w-]*)?:(?:[\w-]|\.(?=[\w-]))*"),
    ("NAME", r"[A-Za-z_](?:[\w/-]|\.(?=\w))*"),
    ("OP", r"<=|>=|!=|&&|\|\||\^\^|[{}()\[\].,;=<>+\-*/!]"),
]
_MASTER = re.compile("|".join(f"(?P<{k}>{p})" for k, p in _SPEC))


def tokenize(text: str, source: str) -> list[Token]:
    """Split ``text`` into tokens; an unknown character is a :class:`ParseError`."""
    out: list[Token] = []
    line, line_start, pos = 1, 0, 0
    while pos < len(text):
        m = _MASTER.match(text, pos)
        if m is None:
            raise ParseError(
                _rule_of(out) + _bad_char(text, pos),
                source=source, line=line, col=pos - line_start + 1,
            )
        kind = m.lastgroup or ""
        if kind == "NL":
            out.append(Token("NL", "\n", line, pos - line_start + 1))
            line, line_start = line + 1, m.end()
        elif kind not in ("WS", "COMMENT"):
            out.append(Token(kind, m.group(), line, pos - line_start + 1))
        pos = m.end()
    out.append(Token("NL", "\n", line, pos - line_start + 1))
    out.append(Token("EOF", "", line, pos - line_start + 1))
    return out


def _bad_char(text: str, pos: int) -> str:
    if text[pos] == '"':
        return ("unterminated string: close it with '\"' on the same line (a string cannot "
                "span lines; write \\n for a line break)")
    return f"unexpected character {text[pos]!r}; check quoting and brackets"


def _rule_of(tokens: list[Token]) -> str:
    """``rule ID: `` for the rule the tokens so far are inside, for error messages."""
    for i in range(len(tokens) - 2, -1, -1):
        if tokens[i].text == "rule" and (i == 0 or tokens[i - 1].kind == "NL"):
            return f"rule {tokens[i + 1].text}: "
    return ""
