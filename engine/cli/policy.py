"""``tier1 validate`` and ``tier1 shapes``: the policy gate from the command line."""

from __future__ import annotations

import re
from pathlib import Path

import click
from rdflib import RDF, URIRef

from engine.cli._app import Ctx, app, at_seq, emit, format_option, pass_ctx, verdict_command
from engine.planning import settled_steps
from engine.policy import (
    ImpactReport,
    PolicyGate,
    PolicyReport,
    SuiteReport,
    default_shapes_dir,
    impact_on_history,
    load_shapes,
    read_plan_file,
    record_decision,
    run_suite,
)
from engine.provenance import ProvenanceRecorder, claims
from engine.store import CommitMeta, Delta, resolve_ref
from engine.terms import curie
from engine.vocab import OPS, PREFIXES

_SHAPES_HELP = "Shape file or directory (repeatable). Default: the repository's shapes/."


def _shapes(paths: tuple[Path, ...]) -> list[Path]:
    return list(paths) or [default_shapes_dir()]


@verdict_command(app)
@click.option("--shapes", "shape_paths", multiple=True, type=click.Path(path_type=Path),
              metavar="PATH", help=_SHAPES_HELP)
@click.option("--at", "at_ref", default=None, metavar="COMMIT",
              help="Judge the world as of this commit (HEAD~N, a number, an id or a time).")
@click.option("--plan", "plan_file", default=None, type=click.Path(path_type=Path),
              metavar="FILE", help="A what-if: a plan delta (.ttl = adds; .trig with graphs "
              "<urn:tier1:run:adds> and <urn:tier1:run:removes>). The store is not changed.")
@click.option("--record", is_flag=True,
              help="Record the decision in the provenance graph (one commit).")
@click.option("--settled", is_flag=True,
              help="Also judge the steps of settled plans (completed, blocked, rejected, "
                   "escalated, ...), which a check of the whole world leaves out: they record "
                   "what was done or stopped, not what is about to happen.")
@format_option
@pass_ctx
def validate(ctx: Ctx, shape_paths: tuple[Path, ...], at_ref: str | None,
             plan_file: Path | None, record: bool, settled: bool) -> None:
    """Check the world (or the world after a plan) against the policy shapes.

    Policy judges intentions: a check of the whole world leaves out the steps of plans
    that are settled (a blocked plan's step stays in the world as a record, and would
    otherwise be reported as a violation forever). --settled judges them too.

    \b
    Exit status: 0 allowed, 1 blocked (a Violation), 2 needs approval (Warnings only),
    3 no verdict: an error (bad shapes or plan file, unreachable store, wrong usage).
    \b
      tier1 validate                       the whole world, now
      tier1 validate --at HEAD~3           as it was three commits ago
      tier1 validate --plan plan.ttl       what-if: would this plan be allowed?
      tier1 validate --plan p.trig --format json
    """
    store = ctx.store()
    gate = PolicyGate(load_shapes(_shapes(shape_paths)))
    at = at_seq(store, at_ref)
    delta = read_plan_file(plan_file) if plan_file is not None else None
    if delta is not None:
        report = gate.what_if(store, delta, at=at)
    else:
        report = gate.validate(store, at=at, leave_out=() if settled else settled_steps(store, at))
    if record:
        _record(ctx, report, delta, at)
    emit(ctx, report.model_dump(mode="json") | {"verdict": report.verdict},
         lambda: _report_text(report))
    if report.blocking or report.needs_approval:
        raise click.exceptions.Exit(1 if report.blocking else 2)


def _record(ctx: Ctx, report: PolicyReport, delta: Delta | None, at: int | None) -> None:
    """Record the decision as a hash-chained provenance record, like the loop's gate does."""
    store = ctx.store()
    commit = store.head() if at is None else resolve_ref(store, str(at))
    adds = delta.adds if delta is not None else frozenset()
    plans = sorted({s for s, p, o, _g in adds if p == RDF.type and o == OPS.Plan}, key=str)
    rec = record_decision(ProvenanceRecorder(store), report,
                          plan=URIRef(plans[0]) if plans else None, delta=delta, commit=commit)
    store.commit(rec.delta, CommitMeta(author=ctx.author, message=f"policy decision: {report.verdict}",
                                       expect_absent=claims(rec.delta)))


def _report_text(report: PolicyReport) -> str:
    v = report.shape_version
    left = f"; {report.left_out} step(s) of settled plans left out" if report.left_out else ""
    head = (f"{report.verdict.upper()}: {len(report.results)} finding(s), "
            f"{report.focus_checked} focus node(s) checked ({report.scope}{left}), "
            f"shapes {v.version_info} {v.short}")
    lines = [click.style(head, fg={"blocked": "red", "needs-approval": "yellow"}
                         .get(report.verdict, "green"))]
    for r in report.results:
        where = f" path {_short(r.path)}" if r.path else ""
        value = f" value {_short(r.value)}" if r.value else ""
        lines.append(f"  {r.severity:<9} {_short(r.focus)}  [{_short(r.shape)}]{where}{value}")
        lines.append(f"            {r.message}")
    return "\n".join(lines)


_NAMES = {**PREFIXES, "pol": "https://w3id.org/tier1/shapes#"}


_IRI = re.compile(r"<([^<>\s\"]+)>")


def _short(n3: str) -> str:
    """Every ``<IRI>`` in ``n3`` (a node, a path, a typed literal's datatype) as a CURIE."""
    return _IRI.sub(lambda m: curie(URIRef(m.group(1)), _NAMES), n3)


@app.group("shapes")
def shapes_group() -> None:
    """Tools for policy authors: unit-test shapes, and replay history under new shapes."""


@verdict_command(shapes_group, "test")
@click.argument("folder", required=False, type=click.Path(path_type=Path), metavar="[DIR]")
@format_option
@pass_ctx
def shapes_test(ctx: Ctx, folder: Path | None) -> None:
    """Run the fixture worlds in DIR/tests against the shapes in DIR (default: shapes/).

    Each fixture says whether it must conform or which shapes must fail; each runs as
    a full validation and as a what-if.

    Exit status: 0 every fixture passes, 1 one fails, 3 no verdict (an error: broken shapes
    or fixture files).

    \b
    Examples:
      tier1 shapes test                  the shipped shapes and shapes/tests/*.ttl
      tier1 shapes test my-shapes/       a copy being edited (its tests/ folder)
    """
    root = folder or default_shapes_dir()
    report = run_suite(PolicyGate(load_shapes([root])), root / "tests")
    emit(ctx, report, lambda: _suite_text(report))
    if not report.passed:
        raise click.exceptions.Exit(1)


def _suite_text(report: SuiteReport) -> str:
    lines = []
    for o in report.outcomes:
        mark = click.style("ok  ", fg="green") if o.passed else click.style("FAIL", fg="red")
        lines.append(f"{mark} {o.fixture}")
        if not o.passed:
            lines += [f"       expected: {', '.join(o.expected) or 'conforms'}",
                      f"       full:     {', '.join(o.full) or 'conforms'}",
                      f"       what-if:  {', '.join(o.what_if) or 'conforms'}"]
    n_ok = sum(o.passed for o in report.outcomes)
    lines.append(f"{n_ok}/{len(report.outcomes)} fixtures pass")
    return "\n".join(lines)


@shapes_group.command("diff")
@click.argument("old", type=click.Path(exists=True, path_type=Path))
@click.argument("new", type=click.Path(exists=True, path_type=Path))
@click.option("--against-history", is_flag=True, required=True,
              help="Replay every policy decision recorded in the store under OLD and NEW.")
@format_option
@pass_ctx
def shapes_diff(ctx: Ctx, old: Path, new: Path, against_history: bool) -> None:
    """Which past decisions would have gone differently under the NEW shape set than OLD.

    Replays every policy decision recorded with the delta it judged (`validate --record`
    decisions); the closed loop's are counted as not replayed.

    \b
    Example:
      tier1 shapes diff shapes/ my-shapes/ --against-history
    """
    report = impact_on_history(ctx.store(), load_shapes([old]), load_shapes([new]))
    emit(ctx, report, lambda: _impact_text(report))


def _impact_text(report: ImpactReport) -> str:
    o, n = report.old_version, report.new_version
    lines = [f"{report.replayed} decision(s) replayed: shapes {o.version_info} {o.short} -> "
             f"{n.version_info} {n.short}; {len(report.changed)} would differ"]
    if o.version_info == n.version_info and o.short != n.short:
        lines.append(f"note: both shape sets say version {o.version_info} but differ: bump "
                     "owl:versionInfo in the new one, or decisions will not say which they met")
    if report.skipped:
        lines.append(f"{report.skipped} decision(s) not replayed: recorded without the delta "
                     "they judged (the closed loop's, and whole-world 'validate --record'; only "
                     "'validate --plan F --record' keeps it)")
    for r in report.changed:
        plan = curie(r.plan) if r.plan is not None else "(whole world)"
        lines.append(f"  {curie(r.decision)}  {plan}  at #{r.commit_seq}: {r.old} -> {r.new}")
        for s in sorted(set(r.new_shapes) - set(r.old_shapes)):
            lines.append(f"      + {s}")
        for s in sorted(set(r.old_shapes) - set(r.new_shapes)):
            lines.append(f"      - {s}")
    return "\n".join(lines)
