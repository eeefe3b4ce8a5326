"""Incremental maintenance: DRed (delete and rederive), stratum by stratum.

For each stratum, given the presence changes of everything below it
(``plus``/``minus``, asserted facts and the clock included):

1. find the outer keys of ``not``/``count`` blocks whose truth may have changed;
2. roll the lower strata back to the old state and *over-delete*: every head
   of a rule instance that used a removed fact or an affected key, closed
   under the stratum's own rules;
3. roll forward, drop the over-deleted facts, *rederive* those that still
   have a derivation, then *insert*: instances that use added facts or
   affected keys, plus the rederived facts, to a semi-naive fixpoint.

A change of ``now`` is the clock fact being replaced, so rules that read the
clock are re-evaluated by the same machinery.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from engine.inference._compile import CLOCK_P, Unit
from engine.inference._delta import NO_DELTA, Delta, add_fact, discard_fact, group
from engine.inference._model import Var
from engine.inference._results import InferenceDelta, Proposal
from engine.inference._window import flipping
from engine.inference._workset import Fact
from engine.terms import Triple

if TYPE_CHECKING:
    from engine.inference._engine import Reasoner

__all__ = ["apply_update"]

Keys = dict[tuple[int, str], set[tuple[int, ...]]]
Tick = tuple[datetime, datetime] | None


def apply_update(r: Reasoner, adds: Iterable[Triple], removes: Iterable[Triple],
                 now: datetime) -> InferenceDelta:
    ws = r.ws
    plus: set[Any] = set()
    minus: set[Any] = set()
    touched: dict[Any, bool] = {}
    rem = [f for f in (r.lookup(t) for t in removes) if f is not None]
    add = ws.terms.intern_all(adds)
    tick = (r.now, now) if r.uses_now and r.now is not None and now != r.now else None
    if r.uses_now and now != r.now and r._clock is not None:
        rem.append(r._clock)
        r._clock = r.set_clock_fact(now)
        add.append(r._clock)
    r.now = now
    base_removed = _apply_base(r, add, rem, plus, minus, touched)
    ch = _Changes(plus, minus)
    for units in r.strata:
        if plus or minus:
            _stratum(r, units, ch, base_removed, touched, tick)
    return _delta(r, touched)


class _Changes:
    """The presence changes so far (``plus``/``minus``) and the same grouped by predicate
    (``dp``/``dm``, as the generated joins read them), kept in step: grouping the whole
    batch again for every stratum cost as much as a rule's evaluation."""

    def __init__(self, plus: set[Any], minus: set[Any]) -> None:
        self.plus, self.minus = plus, minus
        self.dp, self.dm = group(plus), group(minus)

    def move(self, f: Any, to_minus: bool) -> None:
        """``f`` was added (or, ``to_minus``, removed) by a stratum: record it, or cancel the
        opposite change of a stratum below."""
        cancel, record = (self.plus, self.minus) if to_minus else (self.minus, self.plus)
        gcancel, grecord = (self.dp, self.dm) if to_minus else (self.dm, self.dp)
        if f in cancel:
            cancel.discard(f)
            discard_fact(gcancel, f)
        else:
            record.add(f)
            add_fact(grecord, f)


def _apply_base(r: Reasoner, add: list[Fact], rem: list[Fact], plus: set[Any], minus: set[Any],
                touched: dict[Any, bool]) -> set[Fact]:
    ws = r.ws
    removed: set[Fact] = set()
    for f in rem:
        if f in ws.base:
            ws.base.discard(f)
            if f not in ws.derived:
                ws.index_remove(f)
                minus.add(f)
                removed.add(f)
    new = set(add)  # set algebra, not a loop per fact: a storm brings ~60k
    new.difference_update(ws.base)
    ws.base.update(new)
    was = [f for f in new if f in ws.derived]  # now asserted: it stays, no longer derived
    for f in was:
        touched.setdefault(f, True)
        del ws.derived[f]
    new.difference_update(was)
    ws.index_add_all(new)
    back = new & minus  # removed and added again in this batch: no change
    if back:
        minus -= back
        removed -= back
        new -= back
    plus |= new
    return removed


def _stratum(r: Reasoner, units: list[Unit], ch: _Changes, base_removed: set[Fact],
             touched: dict[Any, bool], tick: Tick) -> None:
    ws = r.ws
    keys: Keys = {}
    shrink: Keys = {}  # the keys where a block's facts may have gone (see _keyed)
    minus = ch.minus
    dp, dm = ch.dp, ch.dm  # they stay as they are until the end
    _affected(r, units, dp, keys, tick, shrink)
    watching = ws.watching
    if tick is None:  # the old state reads no window index: leave it as it is (the two shifts
        ws.watching = False  # cancel out) instead of re-sorting every time fact twice
    _shift(r, set(), minus)  # the removed facts back: the index holds the old state + plus
    hidden = _hidden(r, units, dp, bool(minus or keys))
    ws.hidden.update(hidden)  # blocks skip the added facts: they see the old state exactly
    try:
        _affected(r, units, dm, keys, tick, shrink, gone=True)
        od = (_overdelete(r, units, dm, keys, tick, _union(dm, hidden))
              if minus or keys else set())
    finally:
        ws.hidden.clear()
    _shift(r, minus, set())  # and forward to the new state
    ws.watching = watching
    for f in od:
        touched.setdefault(f, f in ws.derived)
        ws.drop_derived(f)
    cands = od | {f for f in base_removed if not ws.present(f)}
    again = [f for f in cands if r.derivable(f, units)]
    out: list[Any] = []
    for u in units:
        _delta_eval(r, u, dp, out, tick)
    out += _keyed(r, units, keys, dp, shrink=shrink)
    inserted = r.saturate(units, [], out + again, touched)
    for f in od:
        if not ws.present(f):
            ch.move(f, True)
    for f in inserted:
        if f not in od:
            ch.move(f, False)


def _hidden(r: Reasoner, units: list[Unit], dp: Delta, needed: bool) -> Delta:
    """The added facts ``not``/``count`` blocks must skip for DRed to see the old state:
    those of the predicates the blocks read (the index keeps them; taking them out and
    putting them back cost two index updates per added fact and stratum).

    The rest of the old-state evaluation sees the old state *plus* the added facts, so it
    over-deletes a superset of what it must (the extra heads are rederived); a stratum
    without blocks needs nothing hidden, nor one with nothing to over-delete (not
    ``needed``: no removed fact and no affected block key).
    """
    if not needed:
        return {}
    preds: set[int] = set()
    for u in units:
        for a in (a for bl in u.blocks for a in bl.atoms):
            if isinstance(a.p, Var):
                return dp
            preds.add(r.ws.terms.intern(a.p))
    return {p: dp[p] for p in preds if p in dp}


def _union(a: Delta, b: Delta) -> Delta:
    out = dict(a)
    for p, pairs in b.items():
        out[p] = out[p] | pairs if p in out else pairs
    return out


def _shift(r: Reasoner, drop: set[Any], put: set[Any]) -> None:
    ws = r.ws
    for f in drop:
        if len(f) == 3:
            ws.index_remove(f)
    ws.index_add_all([f for f in put if len(f) == 3])


def _delta_eval(r: Reasoner, u: Unit, d: Delta, out: list[Any], tick: Tick) -> None:
    """Delta evaluation; on a clock change a window rule is seeded by the facts that cross
    a window edge instead of being re-evaluated whole through its clock pattern."""
    wins = r.windows[u.index] if tick else None
    if not wins:
        r.delta_eval(u, d, out)
        return
    assert tick is not None
    ids = r.ws.terms.ids
    for i, a in enumerate(u.atoms):
        if a.p != CLOCK_P and (isinstance(a.p, Var) or ids.get(a.p) in d):
            u.delta[i](d, out, d)
    for w in wins:  # seeded at one atom only: no semi-naive exclusion
        if w.block is None:
            facts = flipping(r.ws, w, *tick)
            if facts:
                u.delta[w.atom](group(facts), out, NO_DELTA)


def _affected(r: Reasoner, units: list[Unit], d: Delta, keys: Keys, tick: Tick, shrink: Keys,
              gone: bool = False) -> None:
    """Collect the outer keys of blocks that a changed fact (of ``d``, or crossing a window
    edge on a clock tick) takes part in, with each block's generated key finders. The keys
    of removed facts (``gone``) and of window crossings go to ``shrink`` too: only there can
    a block lose matches."""
    ws = r.ws
    for u in units:
        wins = r.windows[u.index] if tick else []
        if wins is None:
            continue  # the clock changed: this unit is re-evaluated whole anyway
        for bl in u.blocks:
            bk = u.keys[bl.key]
            dd = d
            flips = [f for w in wins if w.block == bl.key and tick is not None
                     for f in flipping(ws, w, *tick)]
            if flips:
                dd = dict(d)
                for q, pairs in group(flips).items():
                    dd[q] = d.get(q, set()) | pairs
            out: list[Any] = []
            for i, p in enumerate(bk.preds):
                if p is None or p in dd:
                    bk.find[i](dd, out, dd)
            if out:
                keys.setdefault((u.index, bl.key), set()).update(out)
                if gone or flips:
                    shrink.setdefault((u.index, bl.key), set()).update(out)


def _keyed(r: Reasoner, units: list[Unit], keys: Keys, d: Delta, changed: bool = False,
           shrink: Keys | None = None) -> list[Any]:
    """Heads of the rule instances at the affected keys (generated per-key re-evaluation)
    that use no fact of ``d`` (the delta joins over ``d`` found those); with ``changed``, only
    those whose blocks have another value in the new state (see :func:`_overdelete`).

    With ``shrink`` (inserting: the instances a block change lets through), a ``not`` block
    is re-run only at the keys where its facts may have gone: a block that only gained
    matches cannot let a new instance through, and at a key shared by thousands of firing
    alerts the re-run walked them all every batch. Keys the over-deletion found settled (a
    threshold count with the same effect: ``BlockKeys.settled``) are skipped, then forgotten.
    """
    out: list[Any] = []
    for u in units:
        for bl in u.blocks:
            bk = u.keys[bl.key]
            ks = keys.get((u.index, bl.key))
            if ks and shrink is not None and bl.kind == "not":
                ks = ks & shrink.get((u.index, bl.key), set())
            if ks:
                (bk.rerun_changed if changed else bk.rerun)(ks, out, d)
            if not changed:
                bk.settled.clear()
    return out


def _overdelete(r: Reasoner, units: list[Unit], d: Delta, keys: Keys, tick: Tick, x: Delta
                ) -> set[Any]:
    """Heads of the instances (in the old state) that use a removed fact (of ``d``) or sit at
    an affected key (those using no fact of ``x``: removed ones, found by the delta joins, and
    hidden added ones, not in the old state), closed under the stratum's own rules."""
    ws = r.ws
    out: list[Any] = []
    for u in units:
        _delta_eval(r, u, d, out, tick)
    # an instance at an affected key whose blocks keep their value keeps its derivation: only
    # the others are over-deleted (the rest of DRed's superset was churn: deleted, rederived)
    ws.gone.update(d)
    ws.newnow[0] = r._clock[2] if r._clock is not None else None
    was = d.get(ws.terms.intern(CLOCK_P))  # the clock fact this update replaced, if any
    ws.oldnow[0] = next(iter(was))[1] if was else ws.newnow[0]
    try:
        out += _keyed(r, units, keys, x, changed=True)
    finally:
        ws.gone.clear()
        ws.newnow[0] = ws.oldnow[0] = None
    od: set[Any] = set()
    frontier = {f for f in out if f in ws.derived}
    while frontier:
        od |= frontier
        out = []
        d = group(frontier)
        for u in units:
            r.delta_eval(u, d, out)
        frontier = {f for f in out if f in ws.derived and f not in od}
    return od


def _delta(r: Reasoner, touched: dict[Any, bool]) -> InferenceDelta:
    ws = r.ws
    nodes = ws.terms.nodes
    added: list[Triple] = []
    removed: list[Triple] = []
    pnew: list[Proposal] = []
    pgone: list[Proposal] = []
    for f, before in touched.items():
        after = f in ws.derived
        if before == after:
            continue
        if len(f) == 3:
            (added if after else removed).append((nodes[f[0]], nodes[f[1]], nodes[f[2]]))
        elif after:
            pnew.append(r.proposal(f))
        else:
            pgone.append(r.forget_proposal(f))
    key = lambda p: (-p.salience, p.id)  # noqa: E731
    return InferenceDelta(
        added=frozenset(added), removed=frozenset(removed),
        proposals_new=tuple(sorted(pnew, key=key)), proposals_withdrawn=tuple(sorted(pgone, key=key)),
        agenda_touched=any(len(f) == 4 for f in touched),
    )
