"""What ``export`` and ``audit export`` share: ``--to`` (else the file's suffix, else Turtle)
and one way to answer (the RDF on standard output, or where it was written)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from engine.cli._app import Ctx, emit

__all__ = ["report_export", "to_option"]


_ALIASES = {"ttl": "turtle", "jsonld": "json-ld", "json": "json-ld", "ntriples": "nt",
            "nq": "nquads"}
"""The suffix-style names ``--to`` also takes (``--to ttl``, as ``-o x.ttl`` would say)."""


def to_option(formats: Sequence[str]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--to FORMAT``; left out, the format comes from ``-o``'s suffix, else Turtle."""
    aliases = [a for a, f in _ALIASES.items() if f in formats]

    def canonical(_ctx: click.Context, _p: click.Parameter, value: str | None) -> str | None:
        return _ALIASES.get(value, value) if value is not None else None

    return click.option(
        "--to", "rdf_format", type=click.Choice([*formats, *aliases]), default=None,
        callback=canonical,
        help="RDF format to write (the suffix names, ttl, jsonld, nq, work too). Default: the "
             "one -o's suffix names (.ttl, .nt, .jsonld, .trig, .nq or .nquads), else turtle.")


def report_export(ctx: Ctx, rdf_format: str, output: Path | None, text: str | None) -> None:
    """The RDF ``text`` on standard output, or where it went; under ``--format json`` both
    are wrapped: ``{"rdf_format", "content"}`` or ``{"rdf_format", "output"}``."""
    if ctx.fmt == "json":
        key, value = ("content", text) if text is not None else ("output", str(output))
        emit(ctx, {"rdf_format": rdf_format, key: value}, "")
    elif text is not None:
        sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
    else:
        click.echo(f"wrote {output} ({rdf_format})", err=True)
