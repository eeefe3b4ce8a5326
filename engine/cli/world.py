"""World commands: init, load, export, query, show, log, diff, summary, ontology check."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from engine.cli._app import Ctx, app, at_seq, emit, format_option, pass_ctx, verdict_command
from engine.cli._export import report_export, to_option
from engine.cli._paths import repo_path
from engine.cli._render import commit_line, table
from engine.errors import InputError
from engine.store import resolve_ref
from engine.terms import curie, expand
from engine.vocab import GraphName
from engine.world import (
    EXPORT_FORMATS,
    LoadRequest,
    entity_view,
    export_format_for,
    export_graphs,
    load_files,
    rows_of,
    run_sparql,
    summarize,
)

_GRAPH_CHOICE = click.Choice([g.value for g in GraphName] + ["all"])


def _graphs(name: str) -> tuple[GraphName, ...]:
    return tuple(GraphName) if name == "all" else (GraphName(name),)


@app.command()
@format_option
@pass_ctx
def init(ctx: Ctx) -> None:
    """Create the world store (embedded by default; Neo4j gets its constraints and indexes).

    Safe to run again: an existing store is opened and left as it is.

    \b
    Examples:
      tier1 init                                     ~/.local/share/tier1/world.db
      tier1 --store /tmp/w.db init
      tier1 --store neo4j://localhost:7687 init      credentials: TIER1_NEO4J_USER/PASSWORD
    """
    store = ctx.store(create=True)
    head = store.head()
    data = {"store": store.location, "commits": head.seq if head else 0}
    emit(ctx, data, f"world store ready at {store.location} ({data['commits']} commits)")


@app.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--graph", type=click.Choice([g.value for g in GraphName]), default="asserted",
              show_default=True, help="Which graph receives the triples.")
@click.option("--input-format", "input_format", type=click.Choice(["turtle", "nt", "json-ld"]),
              default=None, help="Override the format guessed from each file's suffix.")
@click.option("-m", "--message", default=None, help="Commit message (default: 'load FILES').")
@format_option
@pass_ctx
def load(
    ctx: Ctx, files: tuple[Path, ...], graph: str, input_format: str | None, message: str | None,
) -> None:
    """Load Turtle (.ttl), N-Triples (.nt) or JSON-LD (.jsonld) files as ONE commit.

    Every file is parsed before anything is written: if any file is malformed,
    the error names file:line:col and the store is left exactly as it was.

    \b
    Example:
      tier1 load ontology/ops.ttl ontology/examples/estate.ttl -m "initial estate"
    """
    if graph == GraphName.PROVENANCE.value:
        raise InputError(
            "the provenance graph is append-only and written only by tier1 (the loop, "
            "`tier1 approve`, `tier1 validate --record`), so a loaded triple would be an "
            "unchained, forgeable record; load into --graph asserted, or keep provenance "
            "from elsewhere in a separate store")
    store = ctx.store(create=True)
    started = time.perf_counter()

    chatty = ctx.fmt == "text" and (sys.stderr.isatty() or _total_size(files) > 20_000_000)

    def progress(name: str, n: int) -> None:
        if chatty:
            click.echo(f"  parsed {n:>9,} triples  {name}  ({time.perf_counter() - started:.1f}s)", err=True)

    req = LoadRequest(paths=files, graph=GraphName(graph), fmt=input_format, author=ctx.author,
                      message=message)
    commit = load_files(store, req, progress)
    if chatty:
        click.echo("  committed", err=True)
    secs = time.perf_counter() - started
    emit(ctx, commit, f"{commit_line(commit)}\n  +{commit.added:,} triples in {secs:.2f}s")


def _total_size(files: tuple[Path, ...]) -> int:
    return sum(f.stat().st_size for f in files if f.is_file())


@app.command()
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="File to write (atomically). Default: standard output.")
@to_option(EXPORT_FORMATS)
@click.option("--graph", type=_GRAPH_CHOICE, default="asserted", show_default=True,
              help="Which graph; 'all' needs --to trig or nquads.")
@click.option("--at", "ref", default=None, metavar="COMMIT|TIME",
              help="Export the world as of this commit (HEAD~1, 12, an id, an ISO time).")
@format_option
@pass_ctx
def export(ctx: Ctx, output: Path | None, rdf_format: str | None, graph: str, ref: str | None) -> None:
    """Export the world (now or --at a commit) as Turtle, N-Triples, JSON-LD, TriG or N-Quads.

    With --format json the result is wrapped: {"rdf_format", "output"} or {"rdf_format", "content"}.

    \b
    Examples:
      tier1 export -o world.ttl
      tier1 export -o all.nq --graph all          N-Quads, from the suffix
      tier1 export --to json-ld --at HEAD~1
    """
    store = ctx.store()
    fmt = export_format_for(output, rdf_format)
    text = export_graphs(store, output, fmt, _graphs(graph), at_seq(store, ref))
    report_export(ctx, fmt, output, text)


@app.command()
@click.argument("sparql")
@click.option("--at", "ref", default=None, metavar="COMMIT|TIME",
              help="Query the world as of a commit or time instead of now.")
@click.option("--graph", type=_GRAPH_CHOICE, default="all", show_default=True,
              help="Which graph(s) the query sees (as one union graph).")
@format_option
@pass_ctx
def query(ctx: Ctx, sparql: str, ref: str | None, graph: str) -> None:
    """Run a SPARQL query. Prefixes ops:, ex:, run:, prov:, rdf:, rdfs:, owl:, xsd:, sh: are
    predeclared.

    SPARQL may also be read from a file with @FILE.

    A name tier1 prints with a '/' after the prefix (run:prov/00000004, run:plan/...) is not
    a SPARQL prefixed name: write it as a full IRI, <urn:tier1:run:prov/00000004>.

    \b
    Examples:
      tier1 query 'SELECT ?s ?tier WHERE { ?s a ops:Service ; ops:tier ?tier }'
      tier1 query --at HEAD~1 'ASK { ex:checkout ops:dependsOn ex:payments }'
      tier1 query --graph provenance 'SELECT ?p ?o WHERE { <urn:tier1:run:prov/00000004> ?p ?o }'
    """
    if sparql.startswith("@"):
        sparql = Path(sparql[1:]).read_text(encoding="utf-8")
    store = ctx.store()
    names, rows = rows_of(run_sparql(store, sparql, _graphs(graph), at_seq(store, ref)))
    if ctx.fmt == "json":
        emit(ctx, {"vars": names, "rows": [[_json_term(v) for v in r] for r in rows]}, "")
        return
    click.echo(table(names, [[curie(v) if v is not None else "" for v in r] for r in rows]))
    click.echo(f"({len(rows)} row{'' if len(rows) == 1 else 's'})", err=True)


def _json_term(v: Any) -> Any:
    if isinstance(v, bool) or v is None:
        return v
    return curie(v)


@app.command()
@click.argument("iri")
@click.option("--at", "ref", default=None, metavar="COMMIT|TIME", help="Show it as of a commit.")
@format_option
@pass_ctx
def show(ctx: Ctx, iri: str, ref: str | None) -> None:
    """Show one entity (a CURIE like ex:checkout, or a full IRI) with its neighbours.

    \b
    Examples:
      tier1 show ex:checkout
      tier1 show ex:checkout --at HEAD~3
    """
    store = ctx.store()
    view = entity_view(store, expand(iri), at_seq(store, ref))
    if not view.types and not view.outgoing and not view.incoming:
        raise InputError(f"{iri} is not in the world; list entities with tier1 query")
    emit(ctx, view, lambda: _show_text(view))


def _show_text(view: Any) -> str:
    head = f"{view.curie}" + (f"  ({view.label})" if view.label else "")
    lines = [head, f"  a {', '.join(view.types) or '(untyped)'}"]
    for link in view.outgoing:
        mark = "" if link.graph == "asserted" else f"   [{link.graph}]"
        lines.append(f"  {link.predicate:<28} {link.node}{mark}")
    if view.incoming:
        lines.append("  pointed at by:")
        for link in view.incoming:
            lines.append(f"    {link.node:<30} {link.predicate}")
    return "\n".join(lines)


@app.command()
@click.option("-n", "--limit", type=click.IntRange(min=1), default=20, show_default=True,
              help="How many commits, newest first.")
@format_option
@pass_ctx
def log(ctx: Ctx, limit: int) -> None:
    """List commits, newest first: sequence number, id, time, author, message, +added/-removed.

    \b
    Examples:
      tier1 log -n 5
      tier1 --format json log
    """
    commits = ctx.store().log(limit=limit)
    emit(ctx, commits, lambda: "\n".join(commit_line(c) for c in commits) or "(no commits yet)")


@app.command()
@click.argument("a")
@click.argument("b", default="HEAD")
@format_option
@pass_ctx
def diff(ctx: Ctx, a: str, b: str) -> None:
    """What changed from commit A to commit B (default HEAD): + added, - removed, per graph.

    A or B may be 0, the empty world before the first commit: `tier1 diff 0` is everything.

    \b
    Examples:
      tier1 diff HEAD~1                    what the last commit changed
      tier1 diff 3 7
    """
    store = ctx.store()
    sa, sb = (0 if ref == "0" else resolve_ref(store, ref).seq for ref in (a, b))
    d = store.diff(sa, sb)
    data = {
        "from": sa, "to": sb,
        "added": [[curie(x) for x in q[:3]] + [q[3].value] for q in d.added],
        "removed": [[curie(x) for x in q[:3]] + [q[3].value] for q in d.removed],
    }
    lines = [f"diff {sa}..{sb}: +{len(d.added)} -{len(d.removed)}"]
    lines += [f"+ {q[3].value:<10} {curie(q[0])} {curie(q[1])} {curie(q[2])}" for q in d.added]
    lines += [f"- {q[3].value:<10} {curie(q[0])} {curie(q[1])} {curie(q[2])}" for q in d.removed]
    emit(ctx, data, "\n".join(lines))


@app.command()
@click.option("--at", "ref", default=None, metavar="COMMIT|TIME", help="Summarize a past state.")
@format_option
@pass_ctx
def summary(ctx: Ctx, ref: str | None) -> None:
    """What to look at first: counts by class, tier-1 services and their dependencies, open incidents.

    \b
    Examples:
      tier1 summary
      tier1 summary --at HEAD~1
    """
    store = ctx.store()
    s = summarize(store, at_seq(store, ref))
    emit(ctx, s, lambda: _summary_text(s))


def _summary_text(s: Any) -> str:
    out = [f"world at commit {s.commit}: " + ", ".join(f"{n:,} {g}" for g, n in s.triples.items())]
    out += ["", "Entities by class:", table(["class", "count"], [[c, n] for c, n in s.classes.items()])]
    rows = [[x.service, f"{x.healthy}/{x.instances}", ", ".join(x.depends_on) or "-"] for x in s.tier1]
    out += ["", "Tier-1 services:", table(["service", "healthy", "depends on"], rows)]
    inc = [[i["incident"], i["affects"], i["opened_at"], i["label"]] for i in s.open_incidents]
    out += ["", "Open incidents:", table(["incident", "affects", "opened", "summary"], inc)
            if inc else "  none"]
    return "\n".join(out)


@app.group()
def ontology() -> None:
    """Check the OWL ontology, and files you name such as an exported world, for consistency."""


@verdict_command(ontology, "check")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@format_option
@pass_ctx
def ontology_check(ctx: Ctx, files: tuple[Path, ...]) -> None:
    """Run the HermiT reasoner on the ontology (and FILES, e.g. a world) and report consistency.

    With no FILES, checks the bundled ontology/ops.ttl only, not the store. To check the
    world too, export it first.

    Exit status: 0 consistent, 1 inconsistent, 3 no verdict (an error: a missing or broken file).

    \b
      tier1 ontology check
      tier1 export --to nt -o world.nt && tier1 ontology check world.nt
    """
    from engine.world import check_consistency

    paths = list(files) or [repo_path("ontology", "ops.ttl")]
    report = check_consistency(paths)
    emit(ctx, report, lambda: _consistency_text(report, paths))
    if not report.consistent:
        sys.exit(1)


def _consistency_text(report: Any, paths: list[Path]) -> str:
    verdict = "consistent" if report.consistent else "INCONSISTENT"
    names = ", ".join(str(p) for p in paths)
    head = f"{names}: {verdict} ({report.reasoner}, {report.seconds:.2f}s)"
    return head if report.message == "consistent" else f"{head}\n  {report.message}"
