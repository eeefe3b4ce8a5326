"""Duplicate alerts: a new alert that repeats one already firing is kept as its record.

Monitoring fires one problem under new alert ids: every evaluation of a flapping check, every
re-sent webhook, every replica of a scraper. Alertmanager's fingerprint and PagerDuty's
``dedup_key`` collapse them into the alert that fires. Here a *new* alert (not in the world
yet) whose fingerprint, subject (``ops:about``) and severity are those of an alert that fires,
in the world or earlier in the same batch, and that fired within the loop's recurrence grace
of it (5 minutes, ``LoopConfig.recurrence_grace_s``), is written as an ``ops:DuplicateAlert``:
``ops:duplicateOf`` that alert, ``ops:repeatedAt`` its own time, and its label. The rules see
one alert per key and window, however many notifications; ``ops.alert-storm-of-duplicates``
counts the repeats.

- An alert already in the world fires again as itself (see
  :func:`~engine.planning._runner.event_change`), never as a duplicate.
- A duplicate whose alert no longer fires (the goal was met, a person resolved it) becomes an
  alert of its own when it fires again.
- Later than the grace, a new alert is an alert of its own, which starts the window again:
  an alert left firing (its page sent, say) is a recurrence when monitoring fires it again
  an hour later, as it was before alerts were merged. A storm that goes on for an hour is
  twelve alerts and their duplicates.
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
from engine.vocab import OPS

__all__ = ["Firing", "Key"]

Key = tuple[Literal, URIRef, Literal]
"""What makes two alerts the same: fingerprint, subject (``ops:about``) and severity."""

_FIRING = Literal("firing")


class Firing:
    """The alerts that fire, by :data:`Key`, for one feed of events into ``store``.

    Call :meth:`next_batch` before each batch's events (the loop may have resolved alerts
    since), :meth:`repeats` for each alert an event fires, :meth:`fired` for each that fires
    as an alert of its own, and :meth:`observed` for each observed status."""

    def __init__(self, store: GraphStore, window: timedelta,
                 firing_with: Callable[[Literal], Iterable[URIRef]], *,
                 exists: Callable[[URIRef], bool] | None = None) -> None:
        self.store, self.window, self.exists = store, window, exists
        self.firing_with = firing_with
        """The world's firing alerts of a fingerprint (the loop keeps them in memory)."""
        self._alerts: dict[URIRef, bool] = {}  # whether typed ops:Alert (fires again as itself)
        self._batch: dict[Key, URIRef] = {}  # the last alert of a key fired in this batch
        self._state: dict[URIRef, tuple[Key | None, Literal | None, bool]] = {}  # per batch
        self.duplicates = 0
        """How many alerts :meth:`repeats` found repeating another."""

    def next_batch(self) -> None:
        """Forget what the last batch learnt of the alerts' state: it may have changed."""
        self._batch.clear()
        self._state.clear()

    def repeats(self, alert: URIRef, key: Key, when: Literal) -> URIRef | None:
        """The firing alert that ``alert``, firing at ``when``, repeats, or None when it is an
        alert of its own: it is in the world as an alert, or no alert of ``key`` fires, or
        none fired within :attr:`window` of ``when``."""
        if self._is_alert(alert):
            return None
        hit = self._batch.get(key)
        if hit is not None and self._near(self._state[hit][1], when):
            self.duplicates += 1
            return hit
        live = [(_utc(at), str(c), c) for c in self.firing_with(key[0]) if c != alert
                for k, at, fires in (self._read(c),) if fires and k == key and self._near(at, when)]
        if not live:
            return None
        self._batch[key] = hit = max(live)[2]  # the next one of the batch looks no further
        self.duplicates += 1
        return hit

    def fired(self, alert: URIRef, key: Key, when: Literal) -> None:
        """``alert`` fires as an alert of its own in this batch: later ones of ``key`` repeat it."""
        self._alerts[alert] = True
        self._batch[key] = alert
        self._state[alert] = (key, when, True)

    def observed(self, alert: URIRef, status: object) -> None:
        """An event set ``alert``'s status: it fires only if set to ``"firing"``."""
        if alert in self._state or self._is_alert(alert):
            key, when, _ = self._read(alert)
            fires = str(status) == "firing"
            self._state[alert] = (key, when, fires)
            if not fires and key is not None and self._batch.get(key) == alert:
                del self._batch[key]

    def _near(self, at: Literal | None, when: Literal) -> bool:
        """Whether an alert that fired ``at`` is within the window of ``when``."""
        a, b = _utc(at), _utc(when)
        return a is not None and b is not None and abs(b - a) <= self.window

    def _is_alert(self, alert: URIRef) -> bool:
        """Whether ``alert`` is in the world as an ``ops:Alert`` (not new, not a duplicate)."""
        known = self._alerts.get(alert)
        if known is None:
            known = self._alerts[alert] = (self.exists is None or self.exists(alert)) and any(
                True for _ in triples(self.store, (alert, RDF.type, OPS.Alert)))
        return known

    def _read(self, alert: URIRef) -> tuple[Key | None, Literal | None, bool]:
        """(key, fired at, fires) of an alert in the world, read once per batch."""
        if alert not in self._state:
            props: dict[URIRef, Literal | URIRef] = {}
            for _, p, o in triples(self.store, (alert, None, None)):
                if isinstance(p, URIRef) and isinstance(o, Literal | URIRef):
                    props.setdefault(p, o)
            fp, about, sev = (props.get(OPS.fingerprint), props.get(OPS.about),
                              props.get(OPS.severity))
            key = ((fp, about, sev) if isinstance(fp, Literal) and isinstance(about, URIRef)
                   and isinstance(sev, Literal) else None)
            when = props.get(OPS.firedAt)
            self._state[alert] = (key, when if isinstance(when, Literal) else None,
                                  props.get(OPS.status) == _FIRING)
        return self._state[alert]


def _utc(at: Literal | None) -> datetime | None:
    """``at`` as an aware datetime (a time without a zone is read as UTC), or None."""
    v = at.value if at is not None else None
    if not isinstance(v, datetime):
        return None
    return v if v.tzinfo is not None else v.replace(tzinfo=UTC)
