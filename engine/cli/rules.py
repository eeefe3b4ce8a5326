"""Rule commands: ``rules check``, ``infer``, ``explain`` and ``why-not``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from engine.cli._app import Ctx, app, emit, format_option, pass_ctx
from engine.errors import ConfigError, InputError
from engine.inference import (
    InferOutcome,
    Reasoner,
    RuleSet,
    asserted_commit,
    default_rules_dir,
    infer_store,
    last_infer_ruleset,
    load_rules,
    parse_term,
    parse_triple,
    reasoner_for_store,
    rule_warnings,
)
from engine.store import GraphStore
from engine.terms import Node, curie
from engine.vocab import PREFIXES, GraphName

_RULES_HELP = ("Rule file or directory (repeatable). Default: the bundled operational pack, "
               "rules/ops.")
_NOW_HELP = ("Evaluation time, ISO-8601 (e.g. 2026-11-28T08:05:00Z; without a zone, UTC). "
             "Default: the later of the newest commit's time and the wall clock.")


_QUOTED = re.compile(r'("(?:[^"\\]|\\.)*")')
_SLASHED = re.compile(r"(?<![<\w])([A-Za-z][\w-]*):([\w.~-]*/[\w./~#-]*)")
_LONE_IRI = re.compile(r"<[^<>\s]*>|[A-Za-z][\w-]*:\S*")


def _bracket_curies(text: str) -> str:
    """``run:plan/1a2b`` (a CURIE the CLI prints, whose ``/`` the rule language's names do not
    allow) as ``<urn:tier1:run:plan/1a2b>``, outside quoted literals; unknown prefixes are left
    for the parser to report."""
    def one(m: re.Match[str]) -> str:
        ns = PREFIXES.get(m.group(1))
        return f"<{ns}{m.group(2)}>" if ns else m.group(0)

    parts = _QUOTED.split(text)
    return "".join(p if i % 2 else _SLASHED.sub(one, p) for i, p in enumerate(parts))


def _rules(paths: Sequence[Path]) -> RuleSet:
    return load_rules(list(paths) or [default_rules_dir() / "ops"])


def _now(store: GraphStore, text: str | None) -> datetime:
    if text:
        try:
            t = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ConfigError(f"--now {text!r} is not an ISO-8601 time; "
                              "write e.g. 2026-11-28T08:05:00Z") from None
        return t if t.tzinfo else t.replace(tzinfo=UTC)
    head = store.head()
    wall = datetime.now(UTC)
    return max(head.timestamp, wall) if head else wall


def _rules_option(f: click.decorators.FC) -> click.decorators.FC:
    return click.option("--rules", "rules", multiple=True, type=click.Path(path_type=Path),
                        help=_RULES_HELP)(f)


def _now_option(f: click.decorators.FC) -> click.decorators.FC:
    return click.option("--now", "now", default=None, metavar="TIME", help=_NOW_HELP)(f)


@app.group("rules")
def rules_group() -> None:
    """Lint rule files (see docs/rules.md for the language)."""


@rules_group.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@format_option
@pass_ctx
def rules_check(ctx: Ctx, paths: tuple[Path, ...]) -> None:
    """Parse, safety-check and stratify rules without running them.

    \b
    With no PATHS every bundled pack (rules/ops, rules/rdfs, rules/owl2rl) is checked
    as its own rule set; given PATHS are checked together as one set.

    \b
    Examples:
      tier1 rules check                              every bundled pack
      tier1 rules check rules/ops mine.rules         a new rule with the pack it joins
      tier1 --format json rules check mine.rules     errors and strata for scripts
    """
    sets = [[p] for p in paths] if len(paths) <= 1 else [list(paths)]
    if not paths:
        root = default_rules_dir()
        sets = [[d] for d in sorted(root.iterdir()) if d.is_dir()]
    report: list[dict[str, object]] = []
    for group in sets:
        rs = load_rules(group)
        r = Reasoner(rs)
        report.append({"paths": [str(p) for p in group], "rules": len(rs.rules),
                       "strata": len(r.strata), "version": rs.version,
                       "warnings": rule_warnings(rs.rules)})
    emit(ctx, report, lambda: "\n".join(_check_line(x) for x in report))


def _check_line(x: dict[str, Any]) -> str:
    strata = f"{x['strata']} {'stratum' if x['strata'] == 1 else 'strata'}"
    head = f"ok  {', '.join(x['paths'])}: {x['rules']} rules, {strata}, version {x['version']}"
    return "\n".join([head, *(f"warning: {w}" for w in x["warnings"])])


@app.command()
@_rules_option
@click.option("--dry-run", is_flag=True, help="Print what would change; commit nothing.")
@_now_option
@format_option
@pass_ctx
def infer(ctx: Ctx, rules: tuple[Path, ...], dry_run: bool, now: str | None) -> None:
    """Materialize the rules over the asserted graph; commit the inferred graph's delta.

    \b
    Example:
      tier1 infer --now 2026-11-28T08:05:00Z
      tier1 infer --rules rules/rdfs --dry-run
    """
    store = ctx.store()
    ruleset = _rules(rules)
    before = last_infer_ruleset(store)
    out = infer_store(store, ruleset, now=_now(store, now), author=ctx.author, dry_run=dry_run)
    if before is not None and before != ruleset.version and out.removed:
        verb = "would remove" if dry_run else "removed"
        click.echo(f"warning: rule set {ruleset.version} differs from {before}, which made the "
                   f"inferred graph; infer replaces that graph and {verb} {len(out.removed)} "
                   "inferred triple(s) it derived. To keep them, pass every rule pack you "
                   "want, e.g. --rules rules/ops --rules mine.rules, or --dry-run first",
                   err=True)
    emit(ctx, out, lambda: _infer_text(out))


def _infer_text(out: InferOutcome) -> str:
    verb = "would add" if out.dry_run else "added"
    lines = [f"{verb} {len(out.added)}, {'would remove' if out.dry_run else 'removed'} "
             f"{len(out.removed)} inferred triples ({out.inferred_total} inferred in all); "
             + (f"commit {out.commit.short}" if out.commit else "no commit")]
    if out.dry_run:
        lines += ["+ " + " ".join(curie(x) for x in t) for t in out.added]
        lines += ["- " + " ".join(curie(x) for x in t) for t in out.removed]
    for p in out.proposals:
        params = "".join(f" {k}={v}" for k, v in p.params)
        lines.append(f"proposal {p.id}  salience {p.salience}  {curie(p.action)} "
                     f"{curie(p.target)}{params}  [{p.rule_id} v{p.rule_version}]")
    return "\n".join(lines)


@app.command()
@click.argument("target")
@_rules_option
@_now_option
@format_option
@pass_ctx
def explain(ctx: Ctx, target: str, rules: tuple[Path, ...], now: str | None) -> None:
    """Why a triple or proposal holds: rule ids and versions down to asserted facts and commits.

    \b
    TARGET is a triple ('S P O' of CURIEs, <IRIs> and literals such as "firing" or 93.5)
    or a proposal id (p-...). A proposal exists at a time: give the --now it was inferred with.

    \b
    Examples (on the sample estate, after tier1 load ontology/ops.ttl ontology/examples/estate.ttl):
      tier1 explain 'ex:alert-checkout-2-down ops:likelyCause ex:checkout'
      tier1 explain p-a21cd576c05d64b7 --now 2026-11-28T08:05:00Z
    after tier1 run disk-full on a fresh store (a fact the loop asserted):
      tier1 explain 'run:step/65e50760d5a939a3 ops:actionType ops:ClearDisk'
    """
    store = ctx.store()
    r = reasoner_for_store(store, _rules(rules), now=_now(store, now))
    text = target.strip()
    if _LONE_IRI.fullmatch(text):
        raise ConfigError(f"{text} is one term: explain takes a triple ('S P O') or a proposal "
                          "id (p-...); for a plan see 'tier1 plans', for an action 'tier1 audit "
                          "why --subject ...'")
    goal = text if text.startswith("p-") else parse_triple(_bracket_curies(text))
    try:
        tree = r.explain(goal, commit_of=lambda t: asserted_commit(store, t))
    except InputError:
        if isinstance(goal, tuple):
            _not_derived_here(store, goal)
        raise
    emit(ctx, tree, tree.render)


def _not_derived_here(store: GraphStore, triple: tuple[Node, Node, Node]) -> None:
    """A fact in the store's inferred graph that the rules (at ``--now``) do not derive was
    derived by other rules or at another time: say so, and which, instead of "not inferred"."""
    if not any(True for _ in store.quads(triple, graphs=(GraphName.INFERRED,))):
        return
    made_by = last_infer_ruleset(store)
    by = f"rule set {made_by}" if made_by else "the closed loop's rules"
    raise InputError(
        f"{' '.join(curie(t) for t in triple)} is in the store's inferred graph (made by {by}), "
        "but these rules do not derive it at this --now; pass the --rules and --now it was "
        "inferred with ('tier1 log' shows each infer commit's rule set and evaluation time)"
    )


@app.command("why-not")
@click.argument("rule_id", metavar="RULE")
@click.option("--bind", "binds", multiple=True, metavar="VAR=VALUE",
              help="Fix a rule variable, e.g. --bind svc=ex:checkout (repeatable).")
@_rules_option
@_now_option
@format_option
@pass_ctx
def why_not(ctx: Ctx, rule_id: str, binds: tuple[str, ...], rules: tuple[Path, ...],
            now: str | None) -> None:
    """Show the first body statement of RULE that fails for the given bindings.

    VALUE in --bind is a CURIE (ex:checkout), an IRI (<...>) or a literal ('"healthy"', 3).

    \b
    Examples:
      tier1 why-not ops.restart-crashed-instance --bind i=ex:checkout-2
      tier1 why-not ops.alert-storm-incident --bind svc=ex:search --now 2026-11-28T09:05:00Z
    """
    bind = {}
    for b in binds:
        name, sep, value = b.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"--bind {b!r}: write VAR=VALUE, e.g. --bind svc=ex:checkout")
        bind[name.strip().lstrip("?")] = parse_term(_bracket_curies(value.strip()))
    store = ctx.store()
    r = reasoner_for_store(store, _rules(rules), now=_now(store, now))
    res = r.why_not(rule_id, bind)

    def text() -> str:
        head = f"rule {res.rule_id} v{res.rule_version}"
        if res.matched:
            return f"{head}: {res.reason}"
        where = f"{res.source}:{res.failed_line}" if res.source else f"line {res.failed_line}"
        tried = "".join("\n  tried: " + ", ".join(f"?{k} = {v}" for k, v in row)
                        for row in res.tried)
        return (f"{head}: fails at {where}: {res.failed}\n  {res.reason}{tried}"
                + "".join(f"\n  ok: {s}" for s in res.satisfied))

    emit(ctx, res, text)
