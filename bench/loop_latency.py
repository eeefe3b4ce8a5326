"""Closed loop: alert arrival → validated plan latency, and alert-storm throughput.

On a calm generated estate (bench/worldgen.py, every instance healthy, every
alert resolved) in the embedded store, with the real rule engine (rules/ops),
the real SHACL what-if gate (shapes/) and provenance:

  - latency: one critical alert about a tier-1 instance arrives (with the
    instance's crash); the clock stops when its plan has a policy verdict.
    Twice: alerts 5 sim-seconds apart (the rules' clock moves with every alert,
    so time-window rules are re-evaluated) and as a burst at one instant.
    The loop commits the event with its inferred consequences, discovers the
    goal, builds and persists the plan, takes its locks and runs the what-if
    gate. Median and p99 over --alerts alerts.
  - reference: a bare ``store.commit`` of the same alert triples on the same
    world (the floor any loop has to pay), median; reported as a ratio.
  - storm: 10,000 alerts about 10 instances, each its own event, arrive at once
    (queued); the loop drains them in micro-batches (one commit and one inference
    update per batch, plans settled once per batch); alerts/s until every plan is
    validated, and how many plans they collapsed into (dedup).
    Then the storm goes on: as many alerts again (new fingerprints, one sim-second later)
    into the incidents and plans the first wave opened ("continued": the steady state,
    where every alert joins an open incident and an existing plan).
    Reference: a bare commit of the first 10,000 alerts. ``pump`` pauses the cyclic GC
    during a batch; the collection it leaves behind is inside the clock (a sustained loop
    pays it every batch) and also reported on its own (``gc_after_s``). As a long-running
    host of the loop should (docs/loop.md), the storm freezes what start-up built
    (``gc.freeze()``), so that collection walks only what the storm allocated.
    The world's load is collected before any clock.

  - with ``--ingest``: the storm as JSON lines through ``tier1 ingest``'s code, then as
    many again one second later (continued); with ``--storm-fingerprints N`` its alert ids
    share N fingerprints, and ingest records every id but one per fingerprint as a duplicate
    (docs/loop.md, "Duplicate alerts"); with ``--notifications N`` also as repeated
    notifications of N alerts (monitoring re-sending firing alerts), which ingest
    deduplicates within a batch.

Goals (issue 7): p99 <= 100 ms at 1M triples; >= 10,000 alerts/s on 2 cores.

    python bench/loop_latency.py            # worlds of 100k and 1M triples
    python bench/loop_latency.py --quick    # 100k only, fewer alerts
    python bench/loop_latency.py --worlds 100000 --alerts 5 --storm-worlds 100000 1000000
    python bench/loop_latency.py --worlds 100000 --alerts 5 --storm-fingerprints 10  # duplicates
    python bench/loop_latency.py --worlds 100000 --alerts 5 --ingest  # + via 'tier1 ingest'
    python bench/loop_latency.py --worlds 100000 --alerts 5 --storm-fingerprints 10 --ingest
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rdflib import Literal, URIRef

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.worldgen import generate
from engine.planning import Loop, PlanState, pump, settle
from engine.planning._wiring import LoopSetup, real_ports
from engine.store import CommitMeta, Delta, SqliteStore
from engine.terms import Triple
from engine.vocab import EX, OPS

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
HEALTHY, RESOLVED = Literal("healthy"), Literal("resolved")


def calm_world(n: int) -> list[Triple]:
    """The generated world with every instance healthy and every alert resolved, plus a
    restart runbook and one restart bot per 20 services (policy wants both on a step)."""
    from rdflib import RDF

    out: list[Triple] = []
    book = EX["bench-rb-restart"]
    services = 0
    for s, p, o in generate(n):
        if p == OPS.health:
            o = HEALTHY
        elif p == OPS.status:
            o = RESOLVED
        elif p == RDF.type and o == OPS.Service:
            bot = EX[f"bench-restarter-{services // 20}"]
            if services % 20 == 0:
                out += [(bot, RDF.type, OPS.SoftwareAgent), (bot, OPS.canPerform, OPS.Restart)]
            out.append((bot, OPS.scopeService, s))
            services += 1
        out.append((s, p, o))
    out += [(book, RDF.type, OPS.Runbook), (book, OPS.forActionType, OPS.Restart)]
    return out


def alert(i: int, about: URIRef, at: datetime, tag: str = "b", fp: str | None = None) -> list[Triple]:
    """One critical alert, with its own fingerprint unless ``fp`` names a shared one (the
    storm's worst case is one each: every alert is a new incident trigger)."""
    from rdflib import RDF, XSD

    a = EX[f"bench-{tag}-alert-{i}"]
    return [(a, RDF.type, OPS.Alert), (a, OPS.about, about), (a, OPS.severity, Literal("critical")),
            (a, OPS.status, Literal("firing")), (a, OPS.fingerprint, Literal(fp or f"{tag}-{i}")),
            (a, OPS.firedAt, Literal(at.isoformat(), datatype=XSD.dateTime))]


def tier1_instances(world: list[Triple], k: int) -> list[URIRef]:
    """One instance of each of ``k`` tier-1 services (distinct services: distinct plans)."""
    tier1 = {s for s, p, o in world if p == OPS.tier and int(o) == 1}
    first: dict[object, URIRef] = {}
    for s, p, o in sorted(world, key=lambda t: str(t[0])):
        if p == OPS.instanceOf and o in tier1 and o not in first:
            first[o] = URIRef(s)
    return sorted(first.values(), key=str)[:k]


def dup(i: int, fps: int) -> str | None:
    """The shared fingerprint of the ``i``-th alert of a duplicate storm (``fps`` > 0): the
    same one always about the same instance, as a real re-firing alert is."""
    return f"dup-{i % fps}" if fps else None


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


SHAPES = [ROOT / "shapes"]


def setup_loop(world: list[Triple], work: Path, name: str) -> tuple[Loop, SqliteStore, float]:
    store = SqliteStore(work / f"{name}.db", create=True)
    store.commit(Delta.of(world), CommitMeta(author="bench", message="world", timestamp=NOW))
    t = time.perf_counter()
    setup = LoopSetup(rules=(ROOT / "rules" / "ops",), shapes=tuple(SHAPES))
    loop = Loop(store, real_ports(store, None, setup, NOW), now=NOW)
    startup = time.perf_counter() - t
    gc.collect()  # the world's load is garbage the timed part should not collect
    return loop, store, startup


def arrive(loop: Loop, event: list[Triple], removes: list[Triple], text: str) -> None:
    loop.ingest(event, removes, text)
    settle(loop, execute=False)


def latency(n: int, alerts: int, work: Path, step_s: float) -> dict[str, float]:
    """Alerts ``step_s`` sim-seconds apart (0: a burst at one instant) on a world of ``n``."""
    world = calm_world(n)
    targets = tier1_instances(world, alerts + 5)
    loop, store, startup = setup_loop(world, work, f"lat{n}-{step_s}")
    lat, ref = [], []
    for i, inst in enumerate(targets):
        loop.advance(step_s)
        crash = [(inst, OPS.health, Literal("crashed"))]
        t = time.perf_counter()
        arrive(loop, [*alert(i, inst, loop.now), *crash], [(inst, OPS.health, HEALTHY)], str(inst))
        dt = time.perf_counter() - t
        judged = [p for p in loop.plans.values() if p.entity and p.state is not PlanState.PROPOSED]
        if i >= 5:  # the first few warm caches
            lat.append(dt)
        assert judged, "no plan reached a policy verdict"
        t = time.perf_counter()
        store.commit(Delta.of(alert(i, inst, loop.now, "ref")), CommitMeta(
            author="bench", message="reference", timestamp=loop.now))
        ref.append(time.perf_counter() - t)
    store.close()
    return {"triples": n, "alerts": len(lat), "startup_s": round(startup, 2), "step_s": step_s,
            "p50_ms": round(statistics.median(lat) * 1000, 2),
            "p99_ms": round(pct(lat, 0.99) * 1000, 2),
            "ref_commit_ms": round(statistics.median(ref) * 1000, 2),
            "ratio_p50_to_commit": round(statistics.median(lat) / statistics.median(ref), 1),
            "plans": len(loop.plans)}


def storm(n: int, count: int, work: Path, batch: int | None = None, fps: int = 0) -> dict[str, float]:
    """``count`` alerts, each its own event, queued at once; the loop drains them in
    micro-batches (``Loop.drain``: one commit and one inference update per batch) and settles
    the plans once per batch. Clock: first event queued -> every plan validated. With ``fps``,
    the alerts share that many fingerprints (duplicates), and the second wave re-fires them."""
    world = calm_world(n)
    targets = tier1_instances(world, 10)
    loop, store, _ = setup_loop(world, work, f"storm{n}")
    gc.freeze()  # start-up's world, rules and indexes live as long as the loop (docs/loop.md)
    events: list[tuple[list[Triple], list[Triple]]] = []
    for i in range(count):
        inst = targets[i % len(targets)]
        ev = alert(i, inst, NOW + timedelta(seconds=1), "s", dup(i, fps))
        first = i < len(targets)  # the first alert about an instance comes with its crash
        events.append(([*ev, (inst, OPS.health, Literal("crashed"))] if first else ev,
                       [(inst, OPS.health, HEALTHY)] if first else []))
    t = time.perf_counter()
    for ev, rem in events:
        loop.offer(ev, rem, "alert")
    batches = pump(loop, execute=False, limit=batch)
    t_gc = time.perf_counter()
    gc.collect()  # what the batch left for the cyclic GC (pump pauses it during a batch)
    gc_after = time.perf_counter() - t_gc
    dt = time.perf_counter() - t
    judged = [p for p in loop.plans.values() if p.state is not PlanState.PROPOSED]
    assert len(judged) == len(loop.plans) == len(targets), "not every plan was validated"
    at2 = NOW + timedelta(seconds=2)
    more: list[tuple[list[Triple], list[Triple]]] = [
        (alert(i, targets[i % len(targets)], at2, "t", dup(i, fps)), []) for i in range(count)]
    t = time.perf_counter()
    for ev, rem in more:
        loop.offer(ev, rem, "alert")
    pump(loop, execute=False, limit=batch)
    gc.collect()
    dt2 = time.perf_counter() - t
    gc.unfreeze()  # the next world's start-up may collect this one
    assert len(loop.plans) == len(targets), "the storm's second wave opened new plans"
    ref_store = SqliteStore(work / f"ref{n}.db", create=True)
    ref_store.commit(Delta.of(world), CommitMeta(author="bench", message="world", timestamp=NOW))
    flat = [t for ev, _ in events for t in ev]
    t = time.perf_counter()
    ref_store.commit(Delta.of(flat), CommitMeta(author="bench", message="ref", timestamp=NOW))
    ref = time.perf_counter() - t
    plans = len(loop.plans)
    store.close()
    ref_store.close()
    return {"triples": n, "alerts": count, "fingerprints": fps or 2 * count,
            "seconds": round(dt, 3), "batches": batches,
            "alerts_per_s": round(count / dt), "plans": plans, "gc_after_s": round(gc_after, 3),
            "continued_seconds": round(dt2, 3), "continued_alerts_per_s": round(count / dt2),
            "ref_commit_alerts_per_s": round(count / ref),
            "ratio_to_commit": round(dt / ref, 1)}


def storm_ingest(n: int, count: int, work: Path, batch: int | None = None,
                 distinct: int = 0, fps: int = 0) -> dict[str, float]:
    """The storm as a user feeds it: ``count`` JSON lines (plus each instance's crash) parsed
    and checked by ``tier1 ingest``'s code, then queued and drained (plans gated, not run).
    With ``distinct``, the lines are repeated notifications of that many alerts (monitoring
    re-sending firing alerts), which ingest deduplicates. With ``fps``, the alerts are
    distinct but share that many fingerprints (a duplicate storm), so ingest records all but
    one alert per fingerprint as duplicates of it. Clock: the text in hand -> every plan
    validated, the collection after it included."""
    from engine.planning._events import parse_events
    from engine.planning._intake import ingest

    world = calm_world(n)
    targets = tier1_instances(world, 10)
    loop, store, _ = setup_loop(world, work, f"ingest{n}-{distinct}-{fps}")  # a fresh store each
    gc.freeze()
    k = distinct or count
    waves = []
    for wave in range(2):  # the storm, then as many alerts again one second later
        at = (NOW + timedelta(seconds=1 + wave)).isoformat()
        tag = f"{'jk'[wave]}-" if not distinct else "j-"  # notifications re-send the same alerts
        lines = [] if wave else [json.dumps({"about": str(t), "observe": {"ops:health": "crashed"}})
                                 for t in targets]
        lines += [json.dumps({"alert": str(EX[f"bench-{tag}alert-{i % k}"]),
                              "about": str(targets[i % 10]),
                              "fingerprint": f"{'j' if fps else tag}-{i % (fps or k)}", "time": at})
                  for i in range(count)]
        text = "\n".join(lines) + "\n"
        t = time.perf_counter()
        report = ingest(loop, parse_events(text, "storm.jsonl"), batch=batch, execute=False)
        gc.collect()
        waves.append((time.perf_counter() - t, report.batches))
        judged = [p for p in loop.plans.values() if p.state is not PlanState.PROPOSED]
        assert len(judged) == len(loop.plans) == len(targets), "not every plan was validated"
    gc.unfreeze()
    merged = sum(1 for _ in store.quads((None, OPS.duplicateOf, None)))
    store.close()
    (dt, batches), (dt2, _) = waves
    return {"triples": n, "alerts": count, "seconds": round(dt, 3), "batches": batches,
            "alerts_per_s": round(count / dt), "plans": len(loop.plans), "duplicates": merged,
            "continued_seconds": round(dt2, 3), "continued_alerts_per_s": round(count / dt2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="100k-triple world only, fewer alerts")
    ap.add_argument("--alerts", type=int, default=None, help="alerts timed per world")
    ap.add_argument("--shapes", type=Path, default=None, help="shape folder (default: shapes/)")
    ap.add_argument("--storm", type=int, default=10_000, help="alerts in the storm")
    ap.add_argument("--batch", type=int, default=None, help="micro-batch bound (default: LoopConfig)")
    ap.add_argument("--storm-worlds", type=int, nargs="*", default=None,
                    help="world sizes for the storm (default: --worlds)")
    ap.add_argument("--worlds", type=int, nargs="*", default=None, help="world sizes (triples)")
    ap.add_argument("--storm-fingerprints", type=int, default=0, metavar="N",
                    help="storm alerts share N fingerprints (duplicates; N a multiple of 10 keeps "
                         "each one about one instance); default: one each")
    ap.add_argument("--ingest", action="store_true",
                    help="also the storm through 'tier1 ingest' (JSON lines parsed and checked)")
    ap.add_argument("--notifications", type=int, default=0, metavar="N",
                    help="with --ingest, also the storm as repeated notifications of N alerts "
                         "(N a multiple of 10), which ingest deduplicates")
    args = ap.parse_args()
    if args.shapes:
        SHAPES[:] = [args.shapes]
    sizes = args.worlds or ([100_000] if args.quick else [100_000, 1_000_000])
    alerts = args.alerts or (30 if args.quick else 100)
    out: dict[str, object] = {"bench": "loop_latency", "quick": args.quick,
                              "machine": f"{platform.machine()} {os.cpu_count()} cpu",
                              "python": platform.python_version()}
    with tempfile.TemporaryDirectory(prefix="tier1-bench-") as tmp:
        work = Path(tmp)
        for n in sizes:
            for step, name in ((5.0, "clock"), (0.0, "burst")):
                r = latency(n, alerts, work, step)
                print(f"latency @ {n:>9,} triples, alerts {step:g} s apart: p50 {r['p50_ms']} ms, "
                      f"p99 {r['p99_ms']} ms (bare commit {r['ref_commit_ms']} ms; "
                      f"startup {r['startup_s']} s)", flush=True)
                out[f"latency_{name}_{n}"] = r
        for n in args.storm_worlds or sizes:
            s = storm(n, args.storm, work, args.batch, args.storm_fingerprints)
            print(f"storm @ {n:,} triples: {s['alerts']} alerts in {s['seconds']} s "
                  f"({s['batches']} batch(es)) = {s['alerts_per_s']} alerts/s -> {s['plans']} plans "
                  f"(bare commit {s['ref_commit_alerts_per_s']} alerts/s; of which the GC after it "
                  f"{s['gc_after_s']} s); {s['alerts']} more into the open incidents: "
                  f"{s['continued_seconds']} s = {s['continued_alerts_per_s']} alerts/s", flush=True)
            out[f"storm_{n}" + (f"_fp{args.storm_fingerprints}" if args.storm_fingerprints else "")] = s
            if args.ingest:
                i = storm_ingest(n, args.storm, work, args.batch, fps=args.storm_fingerprints)
                print(f"storm via ingest @ {n:,} triples: {i['alerts']} JSON lines in {i['seconds']} s "
                      f"= {i['alerts_per_s']} alerts/s -> {i['plans']} plans; {i['alerts']} more: "
                      f"{i['continued_seconds']} s = {i['continued_alerts_per_s']} alerts/s "
                      f"({i['duplicates']} recorded as duplicates in all)", flush=True)
                out[f"storm_ingest_{n}"] = i
                if args.notifications:
                    r = storm_ingest(n, args.storm, work, args.batch, args.notifications)
                    print(f"storm via ingest @ {n:,} triples, notifications of "
                          f"{args.notifications} alerts: {r['alerts']} JSON lines in "
                          f"{r['seconds']} s = {r['alerts_per_s']} alerts/s "
                          f"({r['batches']} batch(es)) -> {r['plans']} plans", flush=True)
                    out[f"storm_ingest_{n}_notifications_{args.notifications}"] = r
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
