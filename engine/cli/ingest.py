"""``tier1 ingest``: monitoring events (JSON lines) into the closed loop."""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import click

from engine.cli._app import Ctx, app, emit, format_option, pass_ctx
from engine.cli._render import table
from engine.cli._stream import decode_lines, line_batches
from engine.cli.loop import make_loop, printer
from engine.errors import ParseError
from engine.planning._events import Entities, Incoming, parse_events, parse_lines
from engine.planning._intake import Feeder, IngestReport
from engine.terms import shorten

_LINGER = 0.2


@app.command("ingest")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--batch", type=click.IntRange(1, 100_000), default=None, metavar="N",
              help="Alerts per micro-batch: one commit and one inference update each "
                   "(default 10,000).")
@click.option("--plan-only", is_flag=True,
              help="Make and gate plans, but run none (they stay approved or parked).")
@click.option("--follow", is_flag=True,
              help="Check and commit batch by batch as lines arrive (stdin, a pipe or files), "
                   "until the input ends. A bad line stops it; the batches before it stay.")
@click.option("--linger", type=click.FloatRange(0.001, 60), default=None, metavar="SECONDS",
              help=f"With --follow: a batch ends after this long without a new line "
                   f"(default {_LINGER}).")
@click.option("--allow-unknown", is_flag=True,
              help="Accept events about entities the world does not have (they are created).")
@format_option
@pass_ctx
def ingest_cmd(ctx: Ctx, files: tuple[str, ...], batch: int | None, plan_only: bool,
               follow: bool, linger: float | None, allow_unknown: bool) -> None:
    """Feed monitoring events to the closed loop: JSON lines from FILES (default: stdin).

    One event per line, with the fields of a scenario's [[events]] (docs/loop.md), and
    `time` (when it fired, ISO 8601 with a zone; default now) instead of `at`. An alert
    already in the world fires again. Every line is checked before anything is written: a
    bad line is named FILE:LINE with the fix, and nothing is committed. An event about an
    entity the world does not have is refused (a typo would drop the page) unless
    --allow-unknown.

    Events are committed in micro-batches, each with what the rules derive from it; after
    each batch the plans are settled as `resume` settles them: a storm about one service is
    one plan, gated by policy, and run on the twin if allowed (not with --plan-only). Plans
    left by earlier commands move too. It prints the plans whose state changed, and the rate.
    Repeated notifications of an alert within 5 minutes are deduplicated in their batch: the
    last one stands (monitoring re-sends firing alerts; see docs/loop.md, Feeding events). A
    new alert with the fingerprint, `about` and severity of one that fires, within 5 minutes
    of it, is recorded as its duplicate (ops:DuplicateAlert), not as an alert of its own.

    With --follow, each batch is checked and committed as it arrives (a batch ends at
    --batch alerts or after --linger seconds without a new line), so a pipe from your
    monitoring is acted on while it runs. Ctrl-C or SIGTERM stops it between commits and
    reports what was committed.

    \b
    Examples:
      echo '{"alert": "ex:a-1", "about": "ex:checkout-1"}' | tier1 ingest
      tier1 ingest alerts.jsonl --plan-only
      tier1 ingest storm.jsonl --batch 1000 --format json
      my-alert-bridge | tier1 ingest --follow
    \b
    Event fields: alert (IRI or CURIE), about (required), time (default: now), severity
    (critical, the default; warning, info), fingerprint, label, observe ({"ops:health":
    "crashed"}), count (copies). An alert alone opens an incident's goal; a plan needs a
    rule to propose a fix (a crash observed, a recent deploy, a full disk).
    """
    if linger is not None and not follow:
        raise click.UsageError("--linger applies only with --follow (it ends a batch of a stream)")
    names = files or ("-",)
    entities = None if allow_unknown else Entities(ctx.store())
    if follow:
        report = _follow(ctx, names, linger or _LINGER, entities, batch, plan_only)
    else:
        events = [ev for name in names for ev in parse_events(*_read(name), entities)]
        report = _feed(ctx, events, batch, plan_only) if events else IngestReport.empty()
    _show(ctx, report)


def _read(name: str) -> tuple[str, str]:
    """The text of ``name`` (``-``: stdin), strictly UTF-8, and how errors name it."""
    if name == "-":
        return decode_lines(sys.stdin.buffer.read(), "<stdin>"), "<stdin>"
    return decode_lines(Path(name).read_bytes(), name), name


def _feeder(ctx: Ctx, batch: int | None, plan_only: bool) -> Feeder:
    return Feeder(make_loop(ctx.store(), ctx.author, printer(ctx)), batch=batch,
                  execute=not plan_only, clock=lambda: datetime.now(UTC))


def _feed(ctx: Ctx, events: list[Incoming], batch: int | None, plan_only: bool) -> IngestReport:
    fed = _feeder(ctx, batch, plan_only)  # after every line was checked: none opens the loop
    fed.feed(events, None if ctx.fmt == "json" else _progress)
    return fed.report()


def _follow(ctx: Ctx, names: tuple[str, ...], linger: float, entities: Entities | None,
            batch: int | None, plan_only: bool) -> IngestReport:
    """Check and commit each batch of each input as it arrives. A bad line, Ctrl-C or
    SIGTERM stops it; the error says what was committed before it."""
    fed = _feeder(ctx, batch, plan_only)
    try:
        with _terminate_as_interrupt():
            for name in names:
                _follow_one(ctx, fed, name, linger, entities)
    except ParseError as exc:
        err = ParseError(f"{exc.detail} ({_committed(fed)} before this line; nothing of its "
                         "batch was written)", source=exc.source, line=exc.line, col=exc.col)
        err.details = {"committed": {"events": fed.events, "batches": fed.batches}}
        raise err from None
    except KeyboardInterrupt:
        click.echo(f"stopped: {_committed(fed)}", err=True)
        _show(ctx, fed.report())
        raise SystemExit(130) from None
    return fed.report()


def _follow_one(ctx: Ctx, fed: Feeder, name: str, linger: float,
                entities: Entities | None) -> None:
    source = "<stdin>" if name == "-" else name
    with contextlib.ExitStack() as stack:
        fd = sys.stdin.fileno() if name == "-" else stack.enter_context(open(name, "rb")).fileno()
        for lines in line_batches(fd, fed.limit, linger, source):
            fed.feed(parse_lines(lines, source, entities))
            if ctx.fmt != "json":
                click.echo(f"  ingested {fed.events:,} events", err=True)


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM stops a follow as Ctrl-C does: a commit under way rolls back whole."""

    def stop(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    before = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


def _committed(fed: Feeder) -> str:
    return f"{fed.events:,} event(s) in {fed.batches} batch(es) were committed"


def _show(ctx: Ctx, report: IngestReport) -> None:
    data: dict[str, Any] = {**report.model_dump(mode="json"),
                            "events_per_s": round(report.events_per_s, 1),
                            "alerts_per_s": round(report.alerts_per_s, 1)}
    if not report.events:
        emit(ctx, data, "no events: nothing ingested")
        return
    rows = [[shorten(p["plan"]), p["was"], p["state"], shorten(p["reason"])] for p in report.plans]
    dups = f" ({report.duplicates:,} recorded as duplicates)" if report.duplicates else ""
    head = (f"ingested {report.events:,} event(s), {report.alerts:,} alert(s){dups}, in "
            f"{report.batches} batch(es): {report.seconds:.2f} s "
            f"({report.alerts_per_s:,.0f} alerts/s)")
    emit(ctx, data, lambda: head + ("\n" + table(["plan", "was", "now", "reason"], rows)
                                    if rows else "\nno plan changed"))


def _progress(done: int, total: int) -> None:
    if total > done:
        click.echo(f"  ingested {done:,} of {total:,} events", err=True)
