"""Duplicate alerts: a new alert that repeats one already firing is kept as its record.

Monitoring fires one problem under new alert ids: every evaluation of a flapping check, every
re-sent webhook, every replica of a scraper. Alertmanager's fingerprint and PagerDuty's
``dedup_key`` collapse them into the alert that fires. Here a *new* alert (not in the world
yet) whose fingerprint, subject (``ops:about``) and severity are those of an alert that fires,
in the world or earlier in the same batch, and that fired within the loop's recurrence grace
of it (5 minutes, ``LoopConfig.recurrence_grace_s``), is written as an ``ops:DuplicateAlert``:
``ops:duplicateOf`` that alert, ``ops:repeatedAt`` its own time, ``ops:status "firing"`` and
its label. The incident rules see one alert per key and window, however many notifications;
the storm rules count the duplicates with the alerts.

- An alert already in the world fires again as itself (see
  :func:`~engine.planning._runner.event_change`), never as a duplicate.
- A duplicate whose alert no longer fires (the goal was met, a person resolved it) becomes an
  alert of its own when it fires again.
- Later than the grace, a new alert is an alert of its own, which starts the window again:
  an alert left firing (its page sent, say) is a recurrence when monitoring fires it again
  an hour later, as it was before alerts were merged.
- A duplicate fires until resolved: by monitoring, or by the loop with its alert
  (:func:`with_repeats`). Monitoring resolving the alert while repeats still fire hands the
  alert to the last of them (:meth:`Firing.resolved`), so the problem stays in sight until
  every id monitoring sent is resolved.
- Of several firing alerts of one key within the window, the last fired is the one repeated.

:class:`Firing` answers "which alert does this one repeat" for one feed of events. The
loop keeps the firing alerts of each fingerprint in memory (:class:`~._triggers.TriggerIndex`),
so a new fingerprint costs no store read; a candidate's state is read once per batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from rdflib import RDF, Literal, URIRef

from engine.store import GraphStore, triples
from engine.terms import Triple
from engine.vocab import OPS

__all__ = ["Firing", "Key", "with_repeats"]

Key = tuple[str, URIRef, str]
"""What makes two alerts the same: fingerprint, subject (``ops:about``) and severity, the
literals by their text (``"S"`` and ``"S"^^xsd:string`` are one fingerprint)."""

_FIRING = Literal("firing")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Firing:
    """The alerts that fire, by :data:`Key`, for one feed of events into ``store``.

    Call :meth:`next_batch` before each batch's events (the loop may have resolved alerts
    since), :meth:`repeats` for each alert an event fires, :meth:`fired` for each that fires
    as an alert of its own, and :meth:`resolved` for each observed status of an alert."""

    def __init__(self, store: GraphStore, window: timedelta,
                 firing_with: Callable[[str], Iterable[URIRef]], *,
                 exists: Callable[[URIRef], bool] | None = None) -> None:
        self.store, self.window, self.exists = store, window, exists
        self.firing_with = firing_with
        """The world's firing alerts of a fingerprint (the loop keeps them in memory)."""
        self._alerts: dict[URIRef, bool] = {}  # ids in the world or fired by this feed: typed
        # ops:Alert (they fire again as themselves)? New ids are not kept (``exists`` answers)
        self._batch: dict[Key, list[URIRef]] = {}  # the alerts of a key fired in this batch
        self._state: dict[URIRef, tuple[Key | None, datetime | None, bool]] = {}  # per batch
        self._when: tuple[Literal | None, datetime | None] = (None, None)  # the last time read
        self._pending: dict[URIRef, dict[URIRef, Literal]] = {}  # alert -> this batch's repeats
        self._set: dict[URIRef, bool] = {}  # duplicates this batch set a status on: firing?
        self.duplicates = 0
        """How many new alert ids were recorded as duplicates as they arrived."""

    def next_batch(self) -> None:
        """Forget what the last batch learnt of the alerts' state: it may have changed."""
        self._batch.clear()
        self._state.clear()
        self._pending.clear()
        self._set.clear()

    def repeats(self, alert: URIRef, key: Key, when: Literal) -> URIRef | None:
        """The firing alert that ``alert``, firing at ``when``, repeats, or None when it is an
        alert of its own: it is in the world as an alert, or no alert of ``key`` fires, or
        none fired within :attr:`window` of ``when``."""
        if self._is_alert(alert):
            return None
        now = self._time(when)
        if now is None:
            return None
        window, candidates = self.window, (*self._batch.get(key, ()), *self.firing_with(key[0]))
        live: list[tuple[datetime, str, URIRef]] = [
            (at, str(c), c) for c in candidates if c != alert
            for k, at, fires in (self._read(c),)
            if fires and k == key and at is not None and abs(now - at) <= window]
        if not live:
            return None
        hit = max(live)[2]  # the last fired (then by IRI)
        if self.exists is None or not self.exists(alert):  # not a duplicate re-sent
            self.duplicates += 1
        self._pending.setdefault(hit, {})[alert] = when
        return hit

    def fired(self, alert: URIRef, key: Key, when: Literal) -> None:
        """``alert`` fires as an alert of its own in this batch: later ones of ``key`` repeat it."""
        self._alerts[alert] = True
        self._batch.setdefault(key, []).append(alert)
        self._state[alert] = (key, self._time(when), True)

    def resolved(self, alert: URIRef, status: object) -> tuple[list[Triple], list[Triple]]:
        """An event set ``alert``'s status to ``status``: (adds, removes) that keep its
        problem in sight. Monitoring resolved an alert that fired while duplicates of it still
        fire (they were never resolved): the last of them becomes the alert, the others
        repeat it, so the incident stays open until every id monitoring sent is resolved."""
        fires = str(status) == "firing"
        if alert not in self._state and not self._is_alert(alert):
            self._set[alert] = fires  # a duplicate: it no longer counts as live (QA pass 14 #2)
            return [], []
        key, when, fired = self._read(alert)
        self._state[alert] = (key, when, fires)
        if key is not None and alert in self._batch.get(key, ()):
            self._batch[key].remove(alert)
        if fires or not fired or key is None:
            return [], []
        live = self._live(alert)
        if not live:
            return [], []
        heir = max(live, key=lambda d: (_utc(live[d]) or _EPOCH, str(d)))
        return self._promote(alert, key, heir, live)

    def _promote(self, alert: URIRef, key: Key, heir: URIRef, live: dict[URIRef, Literal]
                 ) -> tuple[list[Triple], list[Triple]]:
        when = live.pop(heir)
        adds: list[Triple] = [  # from the key: the alert may be this batch's own heir, whose
            (heir, RDF.type, OPS.Alert), (heir, OPS.about, key[1]),  # record is not stored yet
            (heir, OPS.firedAt, when), (heir, OPS.fingerprint, Literal(key[0])),
            (heir, OPS.severity, Literal(key[2]))]  # (QA pass 14 #1)
        removes: list[Triple] = [(heir, RDF.type, OPS.DuplicateAlert),
                                 (heir, OPS.duplicateOf, alert), (heir, OPS.repeatedAt, when)]
        adds += [(d, OPS.duplicateOf, heir) for d in live]
        removes += [(d, OPS.duplicateOf, alert) for d in live]
        self.fired(heir, key, when)
        self._pending[heir] = {**self._pending.pop(alert, {}), **live}
        self._pending[heir].pop(heir, None)
        return adds, removes

    def _live(self, alert: URIRef) -> dict[URIRef, Literal]:
        """The duplicates of ``alert`` that fire: this batch's, and the world's not resolved."""
        out: dict[URIRef, Literal] = {}
        for d, _, _ in triples(self.store, (None, OPS.duplicateOf, alert)):
            if isinstance(d, URIRef) and self._set.get(d, True) and any(True for _ in triples(
                    self.store, (d, OPS.status, _FIRING))):
                at = next((o for _, _, o in triples(self.store, (d, OPS.repeatedAt, None))), None)
                if isinstance(at, Literal):
                    out[d] = at
        out.update(self._pending.get(alert, {}))
        return out

    def _time(self, when: Literal) -> datetime | None:
        """``when`` as an aware datetime; the events of a batch share a few time literals."""
        if self._when[0] is not when:
            self._when = (when, _utc(when))
        return self._when[1]

    def _is_alert(self, alert: URIRef) -> bool:
        """Whether ``alert`` is in the world as an ``ops:Alert`` (not new, not a duplicate)."""
        known = self._alerts.get(alert)
        if known is None:
            if self.exists is not None and not self.exists(alert):
                return False  # new to the world: nothing to remember (a storm's 10,000 ids)
            known = self._alerts[alert] = any(
                True for _ in triples(self.store, (alert, RDF.type, OPS.Alert)))
        return known

    def _read(self, alert: URIRef) -> tuple[Key | None, datetime | None, bool]:
        """(key, fired at, fires) of an alert in the world, read once per batch."""
        if alert not in self._state:
            props: dict[URIRef, Literal | URIRef] = {}
            for _, p, o in triples(self.store, (alert, None, None)):
                if isinstance(p, URIRef) and isinstance(o, Literal | URIRef):
                    props.setdefault(p, o)
            fp, about, sev = (props.get(OPS.fingerprint), props.get(OPS.about),
                              props.get(OPS.severity))
            key = ((str(fp), about, str(sev)) if isinstance(fp, Literal)
                   and isinstance(about, URIRef) and isinstance(sev, Literal) else None)
            when = props.get(OPS.firedAt)
            self._state[alert] = (key, _utc(when) if isinstance(when, Literal) else None,
                                  props.get(OPS.status) == _FIRING)
        return self._state[alert]


def _utc(at: Literal | None) -> datetime | None:
    """``at`` as an aware datetime (a time without a zone is read as UTC), or None."""
    v = at.value if at is not None else None
    if not isinstance(v, datetime):
        return None
    return v if v.tzinfo is not None else v.replace(tzinfo=UTC)


def with_repeats(store: GraphStore, alerts: Iterable[URIRef]) -> list[URIRef]:
    """``alerts`` and their duplicates: what the loop resolves when it resolves them (a
    duplicate fires until its alert's problem is fixed, or monitoring resolves it)."""
    alerts = list(alerts)
    return alerts + [d for a in alerts for d, _, _ in triples(store, (None, OPS.duplicateOf, a))
                     if isinstance(d, URIRef)]
