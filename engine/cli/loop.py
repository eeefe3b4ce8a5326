"""Closed-loop commands: goal add/list, plans, approve, reject, resume, run, demo (and the
loop the other command modules share: ``make_loop``, ``printer``)."""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from engine.cli._app import Ctx, app, emit, format_option, pass_ctx
from engine.cli._paths import repo_path
from engine.cli._render import table
from engine.errors import ScenarioError
from engine.planning import (
    Loop,
    LoopConfig,
    LoopEvent,
    Plan,
    PlanState,
    approve,
    find_plan,
    goal_triples,
    load_goals,
    load_plans,
    make_goal,
    reject,
    settle,
)
from engine.planning._runner import ScenarioResult, run_scenario, scenario_files
from engine.planning._scenario import Scenario, load_scenario
from engine.store import CommitMeta, Delta, GraphStore, SqliteStore
from engine.terms import expand, expand_valid, shorten

_COLOURS = {"events": "yellow", "derived": "cyan", "plan": "blue", "joined": "blue",
            "policy": "magenta", "approval": "green", "action": "white", "effect": "green",
            "retry": "yellow", "replan": "yellow", "escalate": "red", "goal_met": "green",
            "rejected": "red", "lock": "yellow", "goal": "blue", "resume": "yellow",
            "compensate": "yellow", "withdrawn": "green"}


if TYPE_CHECKING:
    from engine.planning._wiring import LoopSetup


def _setup(author: str | None = None) -> LoopSetup:
    """The bundled rules and shapes; the loop's commits recorded as ``author`` if given (else
    as the loop, ``tier1-loop``)."""
    from engine.planning._wiring import LoopSetup

    config = LoopConfig() if author is None else LoopConfig(author=author)
    return LoopSetup(rules=(repo_path("rules", "ops"),), shapes=(repo_path("shapes"),),
                     config=config)


def _now(store: GraphStore) -> datetime:
    head = store.head()
    wall = datetime.now(UTC)
    return max(head.timestamp, wall) if head else wall


def make_loop(store: GraphStore, author: str, observer: Any = None) -> Loop:
    """The loop over ``store``, its commits recorded as ``author`` (the person running the
    command: approving or rejecting is theirs, not the loop's)."""
    from engine.planning._wiring import real_ports

    now = _now(store)
    setup = _setup(author)
    return Loop(store, real_ports(store, None, setup, now), now=now, config=setup.config,
                observer=observer)


# -- goals and plans -------------------------------------------------------------
@app.group()
def goal() -> None:
    """Goals: desired states the loop plans toward ("ex:checkout back within its SLO")."""


@goal.command("add")
@click.argument("target")
@format_option
@pass_ctx
def goal_add(ctx: Ctx, target: str) -> None:
    """Ask for TARGET (a service, instance, host or incident) to be healthy or resolved.

    \b
    Examples:
      tier1 goal add ex:checkout                    back within its SLO
      tier1 goal add run:incident/586c0793b5589264a2a9   resolved
    """
    store = ctx.store()
    g = make_goal(store, expand_valid(target), source="cli")
    known = next((k for k in load_goals(store) if k.iri == g.iri), None)
    if known is not None:  # the same goal again: its status stands, nothing is written
        emit(ctx, known, f"goal {shorten(known.iri)}: {known.kind.value} for "
             f"{shorten(known.target)} exists already ({known.status}); nothing written")
        return
    store.commit(Delta.of(goal_triples(g)), CommitMeta(author=ctx.author, message=f"goal: {target}"))
    emit(ctx, g, f"goal {shorten(g.iri)}: {g.kind.value} for {shorten(g.target)}")


@goal.command("list")
@format_option
@pass_ctx
def goal_list(ctx: Ctx) -> None:
    """Every goal in the store, with its status and entity (what must be healthy: for an
    incident, the service it affected).

    \b
    Examples:
      tier1 goal list
      tier1 --format json goal list
    """
    goals = load_goals(ctx.store())
    rows = [[shorten(g.iri), g.kind.value, shorten(g.target), shorten(g.entity), g.source,
             g.status] for g in goals]
    emit(ctx, goals, lambda: table(["goal", "kind", "target", "entity", "source", "status"], rows)
         if rows else "no goals")


@app.command()
@click.option("--state", type=click.Choice([s.value for s in PlanState]), default=None,
              help="Only plans in this state (e.g. awaiting_approval).")
@format_option
@pass_ctx
def plans(ctx: Ctx, state: str | None) -> None:
    """Plans in the store: state, steps and why.

    \b
    Examples:
      tier1 plans
      tier1 plans --state awaiting_approval      what waits for a human
      tier1 --format json plans                  steps, rules, approvers for scripts
    """
    found = [p for p in load_plans(ctx.store()) if state is None or p.state.value == state]
    rows = [[shorten(p.iri), p.state.value, shorten(p.entity),
             ", ".join(f"{s.action.fragment} {shorten(s.target)}" for s in p.steps),
             shorten(p.reason)] for p in found]
    hint = ("\na plan is running: if no tier1 command is running it, an interrupted one left "
            "it; 'tier1 resume' carries it on, 'tier1 reject PLAN' stops it"
            if any(p.state is PlanState.RUNNING for p in found) else "")
    emit(ctx, found, lambda: table(["plan", "state", "entity", "steps", "reason"], rows) + hint
         if rows else "no plans")


@app.command("approve")
@click.argument("plan")
@click.option("--as", "who", required=True, metavar="PERSON",
              help="The approver, an ops:Person in the world (e.g. ex:chen).")
@click.option("--emergency", is_flag=True,
              help="An emergency approval: it also re-opens a plan the policy gate blocked "
                   "(e.g. during a change freeze), which is then gated again.")
@format_option
@pass_ctx
def approve_cmd(ctx: Ctx, plan: str, who: str, emergency: bool) -> None:
    """Approve a parked PLAN: it is gated again and, if allowed, runs on the digital twin.

    If the plan's goal is met already (the problem went away by itself, e.g. a crashed
    instance that is healthy again), the approval is recorded but nothing runs: the plan is
    withdrawn and its goal closed. That exits 0, as does approving a plan the loop withdrew
    earlier: state `withdrawn` in the output (and in --format json) says nothing ran.

    The policy decides whose approval counts: the gate judges the plan with it attached (the
    production database failover, and an emergency through a change freeze, take the owning
    team's or its on-call's). An approval it does not accept, or an emergency approval that
    lifts none of the blocks, is refused with who to ask, and nothing is recorded (exit 1).

    \b
    Examples:
      tier1 approve 5accc --as ex:chen                 a plan awaiting approval (an id prefix)
      tier1 approve fa7b6b2b --as ex:sofia --emergency  break glass: re-gate a blocked plan
    """
    store = ctx.store()
    loop = make_loop(store, ctx.author, printer(ctx))
    ref = expand(_plan_ref(plan))
    was = find_plan(loop, ref).state
    done = approve(loop, ref, expand(who), emergency=emergency)
    emit(ctx, done, _approved(done, was))


def _approved(done: Plan, was: PlanState) -> str:
    """What ``tier1 approve`` did: the plan's state now, and why nothing ran if it did not."""
    name = shorten(done.iri)
    if done.state is not PlanState.WITHDRAWN:
        return f"plan {name}: {done.state.value} ({shorten(done.reason)})"
    if was is PlanState.WITHDRAWN:
        return _withdrawn_earlier(done, "approve")
    return (f"plan {name}: approval recorded, but nothing ran: withdrawn because "
            f"{shorten(done.reason)}")


def _withdrawn_earlier(done: Plan, verb: str) -> str:
    """Why ``tier1 approve``/``reject`` found nothing to do: the loop withdrew the plan."""
    return (f"plan {shorten(done.iri)}: nothing to {verb}, nothing ran: the loop withdrew it "
            f"earlier because {shorten(done.reason)}")


@app.command("reject")
@click.argument("plan")
@click.option("--as", "who", required=True, metavar="PERSON", help="Who rejects (an ops:Person).")
@click.option("--reason", default="", help="Why, recorded with the rejection.")
@format_option
@pass_ctx
def reject_cmd(ctx: Ctx, plan: str, who: str, reason: str) -> None:
    """Reject a parked PLAN, or stop one left running: nothing more runs, its locks are released.

    A plan left `running` by an interrupted command (see `tier1 resume`) can be rejected
    too, e.g. when someone fixed the problem by hand. A plan the loop withdrew (its goal was
    met before it ran) has nothing left to reject: that exits 0 and says so, as `approve` does.

    \b
    Example:
      tier1 reject 5accc --as ex:chen --reason "wait for the DBA"
    """
    loop = make_loop(ctx.store(), ctx.author)
    done = reject(loop, expand(_plan_ref(plan)), expand(who), reason)
    emit(ctx, done, _withdrawn_earlier(done, "reject") if done.state is PlanState.WITHDRAWN
         else f"plan {shorten(done.iri)}: {done.state.value}")


@app.command("resume")
@click.option("--take-over", is_flag=True,
              help="Also carry on plans whose runner may still be running them: one on another "
                   "host, or a pid that lives again. Use it once you know that command is gone.")
@format_option
@pass_ctx
def resume_cmd(ctx: Ctx, take_over: bool) -> None:
    """Carry on with the plans an interrupted command left behind.

    A command stopped midway (killed, or stopped by a ConflictError because another command
    wrote first) can leave a plan `running` with steps not done, holding its locks. `resume`
    checks each such plan against policy again, at the time it would act (the world may have
    changed; an approval it carries still counts) and, if allowed, runs it from its first
    step: a step that already took effect is skipped, and one already recorded as succeeded
    is looked at, not acted again. It also finishes what an interrupted command left between
    two commits: a plan `completed` whose goal is still open (the goal is closed), `blocked`
    with nobody paged (the on-call is paged), `superseded` with no next attempt (re-planned),
    and runs plans left `approved`. A plan that has not started whose goal is met now (the
    problem went away: a flap) is withdrawn instead, and its goal closed. Like `approve`, it
    lets every other plan move as far as it can now. It prints the plans and goals whose state
    changed.

    A running plan names the process running it (host/pid). `resume` leaves a plan alone
    while that process lives on this host, and always when it ran on another host (it cannot
    look there): `--take-over` carries those on too, once you know the command is gone.

    \b
    Examples:
      tier1 plans --state running        a plan an interrupted command left
      tier1 goal list                    open goals whose plan already ended
      tier1 resume
      tier1 reject 5accc --as ex:chen    stop a running plan instead (fixed by hand)
      tier1 --format json resume         {"plans": [...], "goals": [...]}, each with "was"
      tier1 resume --take-over           the command that ran it died on another host
    """
    store = ctx.store()
    loop = make_loop(store, ctx.author, printer(ctx))
    if take_over:
        loop.config = loop.config.model_copy(update={"take_over": True})
    before = {p.iri: p.state.value for p in loop.plans.values()}
    goals_before = {g.iri: g.status for g in loop.goal_book.values()}
    settle(loop)
    plans = [p for p in loop.plans.values() if before.get(p.iri) != p.state.value]
    goals = [g for g in loop.goal_book.values() if goals_before.get(g.iri) != g.status]
    data = {"plans": [{**p.model_dump(mode="json"), "was": before.get(p.iri, "new")}
                      for p in plans],
            "goals": [{**g.model_dump(mode="json"), "was": goals_before.get(g.iri, "new")}
                      for g in goals]}
    rows = [[shorten(p.iri), before.get(p.iri, "new"), p.state.value, shorten(p.reason)]
            for p in plans]
    rows += [[shorten(g.iri), goals_before.get(g.iri, "new"), g.status,
              f"goal {g.kind.value} for {shorten(g.target)}"] for g in goals]
    emit(ctx, data, lambda: table(["plan or goal", "was", "now", "reason"], rows)
         if rows else "nothing to resume: no plan or goal could move")


def _plan_ref(text: str) -> str:
    return text if ":" in text else f"run:plan/{text}"


# -- scenarios ---------------------------------------------------------------------
def printer(ctx: Ctx) -> Any:
    if ctx.fmt == "json":
        return None
    start: list[datetime] = []

    def show(ev: LoopEvent) -> None:
        start[:] = start or [ev.at]
        secs = int((ev.at - start[0]).total_seconds())
        stamp = f"+{secs // 60:02d}:{secs % 60:02d}"
        kind = click.style(f"{ev.kind:<9}", fg=_COLOURS.get(ev.kind, "white"))
        click.echo(f"  {stamp} {kind} {shorten(ev.text)}")

    return show


def _scenario(name: str) -> Scenario:
    path = Path(name)
    is_path = bool(path.suffix) or "/" in name
    if not is_path:
        path = repo_path("scenarios") / f"{name}.toml"
    if is_path and not path.is_file():
        raise ScenarioError(f"no such file: {name}; give an existing scenario .toml path, "
                            "or a bundled name (list them with 'tier1 run --list')")
    if not path.exists():
        known = ", ".join(p.stem for p in scenario_files(repo_path("scenarios")))
        raise ScenarioError(f"no scenario {name!r}: use a .toml path or one of: {known}")
    return load_scenario(path)


def _play(store: GraphStore, sc: Scenario, ctx: Ctx) -> ScenarioResult:
    from engine.planning._wiring import real_ports

    setup = _setup(ctx.author if ctx.author_given else None)
    if ctx.fmt != "json":
        click.echo(click.style(f"\n▶ {sc.id}: {sc.title}", bold=True))
        if sc.summary:
            click.echo(f"  {sc.summary}")
    return run_scenario(store, sc, lambda st, s: real_ports(st, s, setup, s.start),
                        observer=printer(ctx), config=setup.config)


def audit_trail(store: GraphStore) -> str:
    """The provenance records of the run, in chain order, and whether the chain verifies."""
    from rdflib import RDF, RDFS

    from engine.provenance import verify_chain
    from engine.vocab import OPS, GraphName

    prov = (GraphName.PROVENANCE,)
    rows = []
    for r, _, seq, _ in store.quads((None, OPS.recordSeq, None), graphs=prov):
        if "head" in str(r):
            continue
        kinds = sorted(shorten(o) for _, _, o, _ in store.quads((r, RDF.type, None), graphs=prov)
                       if "prov#Activity" not in str(o))
        status = next((str(o) for _, _, o, _ in store.quads((r, OPS.status, None), graphs=prov)), "")
        note = next((str(o) for _, _, o, _ in store.quads((r, RDFS.comment, None), graphs=prov)), "")
        rows.append([int(str(seq)), ", ".join(kinds) or "prov:Activity", status, shorten(note)])
    rows.sort(key=lambda r: int(str(r[0])))
    report = verify_chain(store)
    head = f"  audit trail: {len(rows)} provenance record(s), hash chain " + (
        click.style("verified", fg="green") if report.ok else click.style("BROKEN", fg="red"))
    return head + "\n" + table(["#", "record", "status", "detail"], rows, max_width=70)


def _result_row(r: ScenarioResult) -> list[Any]:
    mark = click.style("PASS", fg="green") if r.passed else click.style("FAIL", fg="red")
    return [r.id, r.outcome, ", ".join(r.actions) or "-", r.plans,
            ", ".join(dict.fromkeys(r.approved_by + r.paged)) or "-", f"{r.wall_s:.2f}s", mark]


def _summary(results: list[ScenarioResult]) -> str:
    rows = [_result_row(r) for r in results]
    out = table(["scenario", "outcome", "actions", "plans", "people", "time", "result"], rows)
    for r in results:
        out += "".join(f"\n  {r.id}: {p}" for p in r.problems)
    return out


def _json(results: list[ScenarioResult]) -> list[dict[str, Any]]:
    return [r.model_dump(mode="json", exclude={"events"}) | {"events": len(r.events)}
            for r in results]


@app.command()
@click.argument("scenario", required=False)
@click.option("--list", "list_", is_flag=True, help="List the bundled scenarios.")
@format_option
@pass_ctx
def run(ctx: Ctx, scenario: str | None, list_: bool) -> None:
    """Run SCENARIO (a bundled name or a .toml path) against the digital twin on --store.

    \b
    Examples:
      tier1 run --list                              the bundled scenarios
      tier1 --store /tmp/w.db run primary-db-down   then audit its failover (on a fresh store):
        tier1 --store /tmp/w.db audit why --subject run:prov/00000004
      tier1 run my-scenario.toml                    see docs/loop.md for the file format
    """
    if list_ or not scenario:
        found = [load_scenario(p) for p in scenario_files(repo_path("scenarios"))]
        emit(ctx, [{"id": s.id, "title": s.title} for s in found],
             lambda: "\n".join(f"{s.id:<22} {s.title}" for s in found))
        return
    sc = _scenario(scenario)
    result = _play(ctx.store(create=True), sc, ctx)
    emit(ctx, _json([result])[0], lambda: "\n" + _summary([result]))
    if not result.passed:
        sys.exit(1)


@app.command()
@format_option
@click.pass_context
def demo(click_ctx: click.Context) -> None:
    """Run every bundled scenario, each on a fresh embedded store unless --store is given.

    Only a --store on the command line shares one store between the scenarios: TIER1_STORE
    (your everyday store) is left alone, so the demo never fills it with demo data.

    \b
    Examples:
      tier1 demo                             the five scenarios, live, then a summary
      tier1 --store /tmp/demo.db demo        kept in one store, to audit afterwards
      tier1 --format json demo               outcomes for scripts
    """
    ctx: Ctx = click_ctx.ensure_object(Ctx)
    source = click_ctx.find_root().get_parameter_source("store_spec")
    explicit = source is click.core.ParameterSource.COMMANDLINE
    results = []
    with tempfile.TemporaryDirectory(prefix="tier1-demo-") as tmp:
        for path in scenario_files(repo_path("scenarios")):
            sc = load_scenario(path)
            store = ctx.store(create=True) if explicit else SqliteStore(
                Path(tmp) / f"{sc.id}.db", create=True)
            try:
                results.append(_play(store, sc, ctx))
                trail = audit_trail(store)
            finally:
                if not explicit:
                    store.close()
            if ctx.fmt != "json":
                click.echo(trail)
    emit(ctx, {"passed": all(r.passed for r in results), "scenarios": _json(results)},
         lambda: "\n" + _summary(results))
    if not all(r.passed for r in results):
        sys.exit(1)
