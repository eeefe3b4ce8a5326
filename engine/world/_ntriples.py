"""A fast, strict N-Triples reader and writer.

rdflib's N-Triples parser reports "Invalid line" without a line number and
reads about 40k triples/s here; this one names ``file:line:col`` and is a
few times faster because each line is one regular-expression match.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TypeGuard

from rdflib import XSD, BNode, Literal, URIRef

from engine.errors import ParseError
from engine.terms import Node, Triple, curie, iri_fault

__all__ = [
    "ill_typed",
    "ill_typed_error",
    "ill_typed_statement",
    "parse_ntriples",
    "quiet_literal_warnings",
    "quiet_term_log",
    "serialize_term",
    "write_ntriples",
]

_IRI_CHARS = r"[^<>\"{}|^`\\\x00-\x20]*"
_IRI = rf"<({_IRI_CHARS}(?:(?:\\u[0-9A-Fa-f]{{4}}|\\U[0-9A-Fa-f]{{8}}){_IRI_CHARS})*)>"  # with UCHARs
_BNODE = r"_:([A-Za-z0-9_][A-Za-z0-9_.\-]*)"
_LIT = r"\"((?:[^\"\\\n\r]|\\.)*)\"(?:@([a-zA-Z]+(?:-[a-zA-Z0-9]+)*)|\^\^" + _IRI + r")?"
_LINE = re.compile(
    rf"[ \t]*(?:{_IRI}|{_BNODE})[ \t]+{_IRI}[ \t]+(?:{_IRI}|{_BNODE}|{_LIT})[ \t]*\.[ \t]*(?:#.*)?$"
)
_BLANK = re.compile(r"[ \t]*(?:#.*)?$")
_ESC = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")
_XSD = str(XSD)
_SIMPLE = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescape_match(m: re.Match[str]) -> str:
    if m.group(1) or m.group(2):
        code = int(m.group(1) or m.group(2), 16)
        if code > 0x10FFFF:
            raise ValueError(f"escape {m.group()} names no character (the last is U+10FFFF)")
        if 0xD800 <= code <= 0xDFFF:  # half of a UTF-16 pair: no store can hold it alone
            raise ValueError(f"escape {m.group()} is a lone surrogate, not a character; write "
                             "the character itself, or its \\UXXXXXXXX escape")
        return chr(code)
    ch = m.group(3)
    if ch not in _SIMPLE:
        raise ValueError(f"unknown escape \\{ch}")
    return _SIMPLE[ch]


def _unescape(text: str) -> str:
    return _ESC.sub(_unescape_match, text) if "\\" in text else text


class _BadIRI(ValueError):
    """An IRI :func:`iri_fault` refuses (the syntax above lets C1 controls, U+2028/9 and
    non-characters through); the reader adds the line and column."""

    def __init__(self, written: str, why: str) -> None:
        super().__init__(why)
        self.written = written


@lru_cache(maxsize=500_000)
def _iri(text: str) -> URIRef:
    """The IRI written ``<text>``: tested once per distinct text (cached), so the check costs
    a dictionary lookup per term."""
    iri = _unescape(text)
    why = iri_fault(iri)
    if why is not None:
        raise _BadIRI(text, why)
    return URIRef(iri)


def _object(m: re.Match[str]) -> Node:
    g = m.groups()
    if g[3] is not None:
        return _iri(g[3])
    if g[4] is not None:
        return BNode(g[4])
    lex = _unescape(g[5])
    if g[6]:
        return Literal(lex, lang=g[6])
    return Literal(lex, datatype=_iri(g[7])) if g[7] else Literal(lex)


def ill_typed(node: object) -> TypeGuard[Literal]:
    """Whether ``node`` is a literal of an XSD datatype whose lexical form rdflib rejects."""
    return (isinstance(node, Literal) and node.ill_typed is True
            and node.datatype is not None and node.datatype.startswith(_XSD))


def ill_typed_error(lit: Literal, source: str, line: int | None = None, col: int | None = None,
                    *, written: str | None = None, more: int = 0) -> ParseError:
    """The error for an ill-typed literal: its value (as ``written``, since rdflib may keep a
    normalised form), its datatype and the fix, on one line."""
    lex = str(lit) if written is None else written
    shown = json.dumps(lex if len(lex) <= 60 else lex[:57] + "...", ensure_ascii=False)
    dt = str(lit.datatype)
    extra = f" (and {more} more)" if more else ""
    return ParseError(
        f"{shown} is not a valid xsd:{dt[len(_XSD):]}{extra}; fix the value or its datatype",
        source=source, line=line, col=col,
    )


def ill_typed_statement(t: tuple[object, object, object]) -> str:
    """``ex:s ops:p "two"^^xsd:integer: not a valid xsd:integer``, for a statement whose object
    is ill-typed (found after parsing: in a scenario's built world, or in an older store)."""
    s, p, o = t
    dt = curie(o.datatype) if isinstance(o, Literal) and o.datatype else "datatype"
    return f'{curie(s)} {curie(p)} "{o}"^^{dt}: not a valid {dt}'


class _DropTermWarnings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        msg = str(record.msg)
        return not (msg.startswith("Failed to convert Literal lexical form")
                    or "does not look like a valid URI" in msg)


@contextmanager
def quiet_term_log() -> Iterator[None]:
    """Silence what rdflib logs about an ill-typed literal (a traceback) or an IRI it finds
    odd (a space...): the caller reports the term as one error instead."""
    logger, drop = logging.getLogger("rdflib.term"), _DropTermWarnings()
    logger.addFilter(drop)
    try:
        yield
    finally:
        logger.removeFilter(drop)


@contextmanager
def quiet_literal_warnings() -> Iterator[None]:
    """:func:`quiet_term_log`, and rdflib's warning for a boolean: the parser reports an
    ill-typed literal or a bad IRI as one :class:`ParseError` instead."""
    with quiet_term_log(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Parsing weird boolean", category=UserWarning)
        yield


def parse_ntriples(lines: Iterable[str], source: str = "<string>") -> Iterator[Triple]:
    """Yield the triples of an N-Triples document.

    Raises:
        ParseError: at the first bad line, with ``source:line:col``; also for a literal
            whose lexical form does not fit its XSD datatype (``"x"^^xsd:integer``).
    """
    with quiet_literal_warnings():
        yield from _parse_lines(lines, source)


def _parse_lines(lines: Iterable[str], source: str) -> Iterator[Triple]:
    match = _LINE.match
    for n, line in enumerate(lines, 1):
        m = match(line.rstrip("\r\n"))
        if m is None:
            if _BLANK.match(line):
                continue
            raise _line_error(line.rstrip("\r\n"), source, n)
        g = m.groups()
        try:
            subj: Node = _iri(g[0]) if g[0] is not None else BNode(g[1])
            pred, obj = _iri(g[2]), _object(m)
        except _BadIRI as exc:
            col = next((m.start(i + 1) for i in (0, 2, 3, 7) if g[i] == exc.written), None)
            raise ParseError(str(exc), source=source, line=n, col=col) from None
        except ValueError as exc:
            raise ParseError(f"{exc} (N-Triples allows \\t \\b \\n \\r \\f \\\" \\' \\\\ \\uXXXX "
                             "\\UXXXXXXXX)", source=source, line=n) from None
        if g[7] is not None and ill_typed(obj):
            raise ill_typed_error(obj, source, n, m.start(6), written=_unescape(g[5]))
        yield (subj, pred, obj)


_LOOSE_IRI = re.compile(r"<([^<>\n]*)>")


def _line_error(line: str, source: str, n: int) -> ParseError:
    col = _first_bad_col(line)
    iri = _LOOSE_IRI.match(line, col)
    why = iri_fault(_unescape_loose(iri.group(1))) if iri else None
    if why is not None:  # an IRI holding a character no IRI may: name it and the fix
        return ParseError(why, source=source, line=n, col=col + 1)
    rest = line[col:].rstrip("\r\n")
    snippet = rest if len(rest) <= 40 else rest[:37] + "..."  # from the token that breaks it
    return ParseError(
        f"not a valid N-Triples statement at {snippet!r}: expected "
        "'<subject> <predicate> <object> .' with IRIs in <>, blank nodes as _:x, "
        'literals in "quotes", and a final dot',
        source=source, line=n, col=col + 1,
    )


def _unescape_loose(text: str) -> str:
    """``text`` with its ``\\uXXXX`` escapes decoded, other backslashes kept (for a message)."""
    try:
        return _unescape(text)
    except ValueError:
        return text


def _first_bad_col(line: str) -> int:
    """Best-effort column of the first token that breaks the statement."""
    pos = len(line) - len(line.lstrip(" \t"))
    for pat in (rf"(?:{_IRI}|{_BNODE})", _IRI, rf"(?:{_IRI}|{_BNODE}|{_LIT})", r"\."):
        m = re.compile(pat).match(line, pos)
        if m is None:
            return pos
        pos = m.end()
        pos += len(line[pos:]) - len(line[pos:].lstrip(" \t"))
    return pos


def serialize_term(node: Node) -> str:
    """One term in N-Triples syntax."""
    if isinstance(node, Literal):
        lex = (
            str(node).replace("\\", "\\\\").replace('"', '\\"')
            .replace("\n", "\\n").replace("\r", "\\r")
        )
        if node.language:
            return f'"{lex}"@{node.language}'
        if node.datatype is not None:
            return f'"{lex}"^^<{node.datatype}>'
        return f'"{lex}"'
    if isinstance(node, BNode):
        return f"_:{node}"
    return f"<{node}>"


def write_ntriples(triples: Iterable[Triple]) -> Iterator[str]:
    """Lines of an N-Triples document (each ends with a newline)."""
    for s, p, o in triples:
        yield f"{serialize_term(s)} {serialize_term(p)} {serialize_term(o)} .\n"
