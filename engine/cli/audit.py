"""``tier1 audit``: verify the provenance hash chain, run audits, export PROV."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rdflib import URIRef

from engine._files import write_atomically
from engine.cli._app import Ctx, at_seq, emit, format_option, pass_ctx, verdict_command
from engine.cli._app import app as root
from engine.cli._export import report_export, to_option
from engine.cli._render import table
from engine.provenance import (
    AUDITS,
    Audit,
    AuditResult,
    ChainReport,
    export_provenance,
    resolved_params,
    run_audit,
    verify_chain,
    what_is,
)
from engine.terms import curie
from engine.vocab import PREFIXES, RUN
from engine.world import export_format_for

__all__ = ["audit"]

PROV_FORMATS = ("turtle", "json-ld")


@root.group()
def audit() -> None:
    """Provenance: check the hash chain, answer audit questions, export PROV-O.

    \b
    Every decision and action tier1 takes is a PROV-O record in the provenance
    graph, hash-chained so that a changed or deleted record is detected.
    \b
      tier1 audit verify                      is the chain intact?
      tier1 audit why --subject run:prov/00000004
      tier1 audit service-history --service ex:checkout --from 2026-11-28
      tier1 audit blocked-plans               plans the policy gate stopped, and by which shape
      tier1 audit approved-by --person ex:chen     what Chen approved (after run primary-db-down)
      tier1 audit top-rules --limit 5
      tier1 audit why --show-query            the Cypher, to adapt by hand
      tier1 audit export -o prov.jsonld          PROV-O as JSON-LD
    """


@verdict_command(audit)
@click.option("--at", "at_ref", default=None, metavar="COMMIT",
              help="Check the chain as it was at this commit (HEAD~N, a number, an id or a time).")
@format_option
@pass_ctx
def verify(ctx: Ctx, at_ref: str | None) -> None:
    """Recompute every record's hash and link; exit 1 naming each modified or deleted record.

    Exit status: 0 intact, 1 broken, 3 no verdict (an error: unreachable store, bad --at).

    \b
    Examples:
      tier1 audit verify                 keep the head hash it prints somewhere else
      tier1 audit verify --at HEAD~10    the chain as it was ten commits ago
    """
    store = ctx.store()
    at = at_seq(store, at_ref)
    report = verify_chain(store, at=at)
    emit(ctx, report.model_dump(mode="json") | {"ok": report.ok}, lambda: _verify_text(report))
    if not report.ok:
        raise click.exceptions.Exit(1)


def _verify_text(report: ChainReport) -> str:
    if report.ok:
        noun = "record" if report.records == 1 else "records"
        return (f"provenance chain intact: {report.records} {noun}, head #{report.head_seq} "
                f"{report.head_hash[:16] or '-'} (keep this hash elsewhere to anchor the chain)")
    lines = [click.style(f"provenance chain BROKEN: {len(report.problems)} problem(s) in "
                         f"{report.records} records", fg="red")]
    lines += [f"  {f'#{p.seq}' if p.seq else '-':<6} {p.kind:<12} {_cell(str(p.record))}  {p.detail}"
              for p in report.problems]
    return "\n".join(lines)


def _prov_to_help(cmd: click.Command) -> click.Command:
    """``--to``'s help for ``audit export``: the shared text names the formats and suffixes
    of ``tier1 export`` (nt, trig, nq), which PROV export refuses."""
    for p in cmd.params:
        if isinstance(p, click.Option) and p.name == "rdf_format":
            p.help = ("RDF format to write: turtle (or ttl) or json-ld (or jsonld, json). "
                      "Default: the one -o's suffix names (.ttl, .jsonld, .json), else turtle; "
                      "a .nt, .trig or .nq file is refused (PROV export writes these two only).")
    return cmd


@_prov_to_help
@audit.command()
@to_option(PROV_FORMATS)
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="File to write (atomically). Default: standard output.")
@format_option
@pass_ctx
def export(ctx: Ctx, rdf_format: str | None, output: Path | None) -> None:
    """Export the provenance graph as PROV-O (Turtle or JSON-LD).

    With --format json the result is wrapped, as for `tier1 export`:
    {"rdf_format", "output"} or {"rdf_format", "content"}.

    \b
    Examples:
      tier1 audit export -o prov.ttl
      tier1 audit export -o prov.jsonld           JSON-LD, from the suffix
      tier1 audit export --to json-ld | jq '."@graph" | length'
    """
    fmt = export_format_for(output, rdf_format, PROV_FORMATS)
    text = export_provenance(ctx.store(), fmt)
    if output is not None:
        write_atomically(output, [text])
    report_export(ctx, fmt, output, None if output is not None else text)


_EXAMPLES: dict[str, tuple[str, ...]] = {
    "why": ("--subject run:prov/00000004          one execution record",
            "--subject run:step/65e50760d5a939a3  every attempt of a plan step",
            "--show-query                         the Cypher, with :param lines"),
    "service-history": ("--service ex:checkout --from 2026-11-28 --to 2026-11-29",
                        "--service ex:payments --from 2026-11-28T09:00:00Z   (a date alone "
                        "as --to: that whole day)"),
    "blocked-plans": ("", "--from 2026-11-28 --format json"),
    "approved-by": ("--person ex:chen",),
    "top-rules": ("--limit 5",),
}


def _audit_command(a: Audit) -> click.Command:
    @pass_ctx
    def run(ctx: Ctx, /, show_query: bool, **given: str | None) -> None:
        if show_query:
            _show_query(ctx, a, {p.name: given.get(_dest(p.name)) for p in a.params})
            return
        values = {p.name: given.get(_dest(p.name)) for p in a.params}
        store = ctx.store()
        result = run_audit(store, a.name, values)
        hint = what_is(store, URIRef(result.params["subject"])) \
            if not result.rows and "subject" in result.params else None
        emit(ctx, result, lambda: _result_text(result) + (f"\n{hint}" if hint else ""))

    params: list[click.Parameter] = [
        click.Option([f"--{p.name}", _dest(p.name)], default=None, metavar=p.kind.upper(),
                     help=p.help + (f" (default {p.default})" if p.default else " (required)"))
        for p in a.params
    ]
    params.append(click.Option(["--show-query"], is_flag=True,
                               help="Print the Cypher query (and its parameters) instead of running it."))
    text = a.question if a.question.endswith("?") else f"{a.question}."
    examples = _EXAMPLES.get(a.name, ())
    if examples:
        text += "\n\n\b\nExamples:\n" + "\n".join(f"  tier1 audit {a.name} {e}".rstrip()
                                                     for e in examples)
    cmd = click.Command(a.name, callback=run, params=params, help=text)
    format_option(cmd)  # appends --format to cmd.params
    return cmd


def _dest(name: str) -> str:
    return name.replace("-", "_") + ("_" if name in ("from",) else "")


def _show_query(ctx: Ctx, a: Audit, given: dict[str, str | None]) -> None:
    values = resolved_params(a, given)
    params = [{"name": p.name, "kind": p.kind, "help": p.help, "default": p.default}
              for p in a.params]
    data = {"audit": a.name, "question": a.question, "cypher": a.cypher, "sparql": a.sparql,
            "params": params, "values": values}
    lines = [f"// {a.question}", "// parameters:"]
    lines += [f"//   ${p.name} ({p.kind}{', default ' + p.default if p.default else ''}): {p.help}"
              for p in a.params]
    lines.append("// in Neo4j Browser, set the parameters first:")
    for p in a.params:
        v = values[p.name]
        lines.append(f"// ${p.name} is required: pass --{p.name}" if v is None
                     else f":param {p.name} => {cypher_literal(v)}")
    emit(ctx, data, "\n".join([*lines, a.cypher]))


def cypher_literal(v: Any) -> str:
    """``v`` as a Cypher literal: an integer as is, anything else as a quoted string."""
    if isinstance(v, bool) or not isinstance(v, int):
        text = str(v).replace("\\", "\\\\").replace("'", "\\'")
        return f"'{text}'"
    return str(v)


def _result_text(r: AuditResult) -> str:
    if not r.rows:
        return f"no answers for audit {r.audit} ({r.language}, parameters {json.dumps(r.params)})"
    foot = f"({len(r.rows)} row{'s' if len(r.rows) != 1 else ''}, via {r.language})"
    if len(r.columns) > 8:  # wide answers read better as one block per row
        width = max(len(c) for c in r.columns)
        blocks = ["\n".join(f"{c.ljust(width)}  {_cell(row[c], _EMPTY.get(c, '-'))}"
                            for c in r.columns)
                  for row in r.rows]
        return "\n\n".join([*blocks, foot])
    rows = [[_cell(row[c]) for c in r.columns] for row in r.rows]
    return table(list(r.columns), rows, max_width=48) + "\n" + foot


# What an empty list means, for the columns where "-" would leave the reader guessing.
_EMPTY = {"rules": "none (no rule proposed this step: a runbook, an escalation or a person did)"}


def _cell(v: Any, empty: str = "-") -> str:
    if v is None:
        return "-"
    if isinstance(v, list):
        return ", ".join(_cell(i) for i in v) or empty
    text = str(v)
    if text.startswith(str(RUN)):
        return "run:" + text[len(str(RUN)):]
    if "://" in text or text.startswith("urn:"):
        return curie(URIRef(text), _NAMES)
    return text


# Shapes print as pol:X, as `tier1 validate` and docs/policy.md name them.
_NAMES = {**PREFIXES, "pol": "https://w3id.org/tier1/shapes#"}


for _a in AUDITS.values():
    audit.add_command(_audit_command(_a))
