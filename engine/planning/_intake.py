"""Monitoring events from outside the loop, fed to it in micro-batches (``tier1 ingest``).

The events come checked (:mod:`._events`). They are queued (:meth:`Loop.offer`) and drained
in micro-batches (:func:`~engine.planning._drive.pump`): one commit with one inference update
per batch, plans settled once per batch, so a storm of alerts about one entity is one plan.

An alert that is already in the world fires again (see
:func:`~engine.planning._runner.event_change`). A batch never changes one thing twice: it is
cut before an alert it holds fires again, or before a property of an entity it observes is
observed again, so a later event wins, each in its own commit.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict
from rdflib import Literal, URIRef

from engine.planning._drive import pump
from engine.planning._duplicates import Firing
from engine.planning._events import Incoming
from engine.planning._loop import Loop
from engine.planning._model import Plan
from engine.planning._runner import alert_iris, event_change, fired_literal
from engine.terms import expand

__all__ = ["Feeder", "IngestReport", "ingest"]


class IngestReport(BaseModel):
    """What one ``ingest`` did: events and alerts in (``duplicates``: alerts recorded as
    duplicates of a firing one), batches, time, and the plans whose state changed (each with
    ``was``: its state before, or ``new``)."""

    model_config = ConfigDict(frozen=True)

    events: int
    alerts: int
    batches: int
    seconds: float
    plans: tuple[dict[str, str], ...] = ()
    duplicates: int = 0

    @classmethod
    def empty(cls) -> IngestReport:
        return cls(events=0, alerts=0, batches=0, seconds=0.0)

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0

    @property
    def alerts_per_s(self) -> float:
        return self.alerts / self.seconds if self.seconds > 0 else 0.0


Progress = Callable[[int, int], None]
"""Told (events done, events in all) after each batch."""


class Feeder:
    """Feeds checked events to ``loop`` in arrival order, in micro-batches of up to ``batch``
    (default ``LoopConfig.max_batch``) alerts (see :func:`_chunks`); after each batch the
    plans are settled (the allowed ones run on the twin unless ``execute`` is false). Counts
    what it fed. With ``clock`` (the wall clock, for a live feed), the loop's clock moves to
    it before each batch, so an event without a time fires when it was read, however long
    the feed has run."""

    def __init__(self, loop: Loop, *, batch: int | None = None, execute: bool = True,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.loop, self.execute, self.clock = loop, execute, clock
        self.limit = batch or loop.config.max_batch
        self.events = self.alerts = self.batches = 0
        self._before = {p.iri: p.state.value for p in loop.plans.values()}
        self._known = _Known(loop.known_alerts())
        self._firing = Firing(loop.store, timedelta(seconds=loop.config.recurrence_grace_s),
                              loop.firing_with, exists=self._known.__contains__)
        self._t0 = time.perf_counter()

    def feed(self, events: Sequence[Incoming], progress: Progress | None = None) -> None:
        for run in _chunks(events, self.limit, self.loop.config.recurrence_grace_s):
            if self.clock is not None:  # a live feed: the loop's clock follows the wall's
                self.loop.advance_to(self.clock())
            _offer(self.loop, run.events, self._known, self._firing)
            self._pump(run)
            if progress is not None:
                progress(self.events, len(events))

    def _pump(self, run: _Run) -> None:
        """Commit ``run`` and settle the plans, and count it. Stopped (Ctrl-C, SIGTERM) while
        its plans settle, the run is committed all the same: it counts (the report said 0
        events while the store held the batch)."""
        before = self.loop.store.head()
        try:
            self.batches += pump(self.loop, execute=self.execute, limit=self.limit)
        except KeyboardInterrupt:
            if self.loop.store.head() != before:  # the batch's commit comes first
                self._count(run, 1)
            raise
        self._count(run, 0)

    def _count(self, run: _Run, batches: int) -> None:
        self.batches += batches
        self.events += run.received
        self.alerts += run.alerts

    def report(self) -> IngestReport:
        return IngestReport(events=self.events, alerts=self.alerts, batches=self.batches,
                            duplicates=self._firing.duplicates,
                            seconds=time.perf_counter() - self._t0,
                            plans=_changed(self.loop.plans.values(), self._before))


def ingest(loop: Loop, events: Sequence[Incoming], *, batch: int | None = None,
           execute: bool = True, progress: Progress | None = None) -> IngestReport:
    """Feed ``events`` to ``loop`` (see :class:`Feeder`) and report it."""
    feeder = Feeder(loop, batch=batch, execute=execute)
    feeder.feed(events, progress)
    return feeder.report()


class _Known:
    """The ids that may be in the world as alerts: only these can fire again (a store read
    each). The loop's set of alerts and duplicates (kept current by its commits), and the
    subjects this feed wrote, which it may not know as alerts yet (an observed one too: a
    resolve that arrived before its alert's fire is replaced by it, QA pass 9 N4)."""

    def __init__(self, alerts: set[URIRef]) -> None:
        self.alerts = alerts  # the loop's: read, never written
        self.written: set[URIRef] = set()

    def __contains__(self, iri: object) -> bool:
        return iri in self.alerts or iri in self.written

    def update(self, iris: Iterable[URIRef]) -> None:
        self.written.update(iris)


class _Run:
    """One batch's events, and how many events and alerts arrived for it: a repeated
    notification replaced its alert's earlier one (see :func:`_chunks`)."""

    def __init__(self) -> None:
        self.events: list[Incoming] = []
        self.received = self.alerts = self.weight = 0
        self.fired: set[URIRef] = set()
        self.observed: set[tuple[URIRef, URIRef]] = set()
        self.notice: dict[URIRef, int] = {}  # an alert of a plain notification -> its place
        self.since: dict[URIRef, datetime | None] = {}  # -> the time of its first notification

    def repeats(self, ev: Incoming, alert: URIRef | None, within: float) -> bool:
        """Whether ``ev`` is a plain notification of an alert this run holds as one, at most
        ``within`` seconds after the first of them (a later one is a recurrence: its own
        commit; measured from the first, so a chain of them cannot stretch the window)."""
        if alert is None or alert not in self.notice:
            return False
        was = self.since[alert]
        if was is None or ev.time is None:
            return was is ev.time
        return timedelta(0) <= ev.time - was <= timedelta(seconds=within)

    def take(self, ev: Incoming, mine: set[URIRef], says: set[tuple[URIRef, URIRef]],
             again: bool) -> None:
        self.received += 1
        self.alerts += len(mine)
        alert = _plain(ev, mine)
        if again and alert is not None:  # the same alert again: the last one stands
            self.events[self.notice[alert]] = ev
            return
        if alert is not None:
            self.notice[alert] = len(self.events)
            self.since[alert] = ev.time
        self.events.append(ev)
        self.fired |= mine
        self.observed |= says
        self.weight += max(1, len(mine))


def _plain(ev: Incoming, mine: set[URIRef]) -> URIRef | None:
    """The alert of ``ev`` if it is a plain notification: one alert, nothing observed."""
    return next(iter(mine)) if len(mine) == 1 and not ev.observe else None


def _chunks(events: Sequence[Incoming], limit: int, within: float) -> Iterable[_Run]:
    """Runs of at most ``limit`` alerts (an event of ``count`` copies counts ``count``; one
    larger than ``limit`` is a run of its own), each cut before an event that would change
    what the run already changes: an alert it holds fires again or is observed (resolved), a
    property of an entity it observes is observed again, or an alert it observes fires. A
    later event then wins, each in its own commit.

    Deduplication: a plain notification (one alert, nothing observed) of an alert the run
    holds as a plain notification, at most ``within`` seconds later (the loop's recurrence
    grace: a re-fire that close to a fix is a late alert of it, resolved with it), replaces
    it in the run instead: the last one stands, as in separate commits. A storm re-sends
    firing alerts; 10,000 notifications of 100 alerts are one batch of 100."""
    run = _Run()
    for ev in events:
        mine = set(alert_iris(ev)) if ev.alert is not None else set()
        says = {(expand(ev.about), expand(p)) for p in ev.observe}
        again = run.repeats(ev, _plain(ev, mine), within)
        if run.events and not again and (
                run.weight + max(1, len(mine)) > limit or not run.fired.isdisjoint(mine)
                or not run.observed.isdisjoint(says) or _touches(run.fired, run.observed, mine, says)):
            yield run
            run = _Run()
        run.take(ev, mine, says, again)
    if run.events:
        yield run


def _touches(alerts: set[URIRef], observed: set[tuple[URIRef, URIRef]], mine: set[URIRef],
             says: set[tuple[URIRef, URIRef]]) -> bool:
    """Whether an event observes an alert the run fires, or fires an alert the run observes:
    in one commit the alert would hold both its status values (firing and resolved)."""
    return any(s in alerts for s, _ in says) or any(s in mine for s, _ in observed)


def _offer(loop: Loop, chunk: list[Incoming], known: _Known, firing: Firing) -> None:
    """Queue ``chunk`` at the latest time it names (the clock never goes back); a new alert
    that repeats a firing one is queued as its duplicate (:mod:`._duplicates`)."""
    stamps = [e.time for e in chunk if e.time is not None]
    if stamps:
        loop.advance_to(max(stamps))
    fired_at: dict[datetime | None, Literal] = {}  # one literal per time, not per event
    firing.next_batch()
    for inc in chunk:
        ev = inc.event()
        fired = fired_at.get(inc.time)
        if fired is None:
            fired = fired_at[inc.time] = fired_literal(inc.time or loop.now)
        adds, removes, text = event_change(loop.store, ev, fired, exists=known.__contains__,
                                          firing=firing)
        loop.offer(adds, removes, text)
        known.update(s for s, _, _ in adds if isinstance(s, URIRef))


def _changed(plans: Iterable[Plan], before: dict[URIRef, str]) -> tuple[dict[str, str], ...]:
    return tuple({"plan": str(p.iri), "was": before.get(p.iri, "new"), "state": p.state.value,
                  "reason": p.reason} for p in plans if before.get(p.iri) != p.state.value)
