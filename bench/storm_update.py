"""The rule engine's update for an alert storm, in wall time and in instructions (issue 7).

The closed loop's storm (bench/loop_latency.py) spends about half of each batch in one call,
``Reasoner.update`` on the batch's alerts. This bench isolates that call: the calm world of
bench/loop_latency.py with ``rules/ops``, then two waves of storm alerts about 10 tier-1
instances (the first with the instances' crashes, the second into the incidents the first
opened), each wave one ``update``.

Wall time on these shared 2-core machines moves by 5-10% from run to run, more than most
changes to the engine. So the bench can also count instructions. With ``--instructions`` it
runs itself under valgrind's callgrind three times, with no wave, one and two, and reports
the difference per alert. That count is the same on a loaded machine.

Reference, same run: ``Reasoner.run`` over the world (full materialization), per triple.

    python bench/storm_update.py                   # world 100k, 10,000 alerts per wave, 5 runs
    python bench/storm_update.py --quick           # world 20k, 2,000 alerts, 3 runs
    python bench/storm_update.py --instructions    # plus callgrind counts (world 20k, 5,000 alerts)
    python bench/storm_update.py --fingerprints 10 # duplicates: 10 fingerprints, re-fired in wave 2
    python bench/storm_update.py --quick --growth 40  # 40 waves of 500 sharing one fingerprint
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rdflib import Literal  # noqa: E402

from bench.callgrind import stage_totals  # noqa: E402
from bench.loop_latency import HEALTHY, NOW, alert, calm_world, tier1_instances  # noqa: E402
from engine.inference import Reasoner, load_rules  # noqa: E402
from engine.terms import Triple  # noqa: E402
from engine.vocab import OPS  # noqa: E402


def prepare(n: int, k: int, fps: int = 0) -> tuple[Reasoner, list[list[Triple]], list[Triple],
                                                   float]:
    """A reasoner over the calm world, the two waves, the crashes it heals, and the time
    ``Reasoner.run`` took. With ``fps``, the alerts share that many fingerprints (a storm of
    duplicates, the second wave re-firing the first's), else each has its own."""
    world = calm_world(n)
    targets = tier1_instances(world, 10)
    r = Reasoner(load_rules([ROOT / "rules" / "ops"]))
    t = time.perf_counter()
    r.run(world, now=NOW)
    run_s = time.perf_counter() - t
    waves: list[list[Triple]] = [[], []]
    for i in range(k):
        for w, tag in enumerate(("s", "t")):
            a = alert(i, targets[i % 10], NOW + timedelta(seconds=w + 1), tag)
            if fps:
                a = [(s, p, Literal(f"dup-{i % fps}") if p == OPS.fingerprint else o)
                     for s, p, o in a]
            waves[w] += a
    waves[0] += [(t, OPS.health, Literal("crashed")) for t in targets]
    healthy = [(t, OPS.health, HEALTHY) for t in targets]
    return r, waves, healthy, run_s / len(world)


def run_waves(r: Reasoner, waves: list[list[Triple]], healthy: list[Triple], count: int
              ) -> list[float]:
    """Seconds of each of the first ``count`` waves' update."""
    out = []
    for w in range(count):
        t = time.perf_counter()
        r.update(waves[w], healthy if w == 0 else [], now=NOW + timedelta(seconds=w + 1))
        out.append(time.perf_counter() - t)
    return out


def wall(n: int, k: int, runs: int, fps: int = 0) -> dict[str, float]:
    first, cont, per_triple = [], [], []
    for _ in range(runs):
        r, waves, healthy, run_per_triple = prepare(n, k, fps)
        gc.collect()
        a, b = run_waves(r, waves, healthy, 2)
        first.append(a)
        cont.append(b)
        per_triple.append(run_per_triple)
    us = statistics.median(first) / k * 1e6
    ref = statistics.median(per_triple) * 1e6
    return {"first_s": round(statistics.median(first), 3),
            "continued_s": round(statistics.median(cont), 3),
            "first_us_per_alert": round(us, 1),
            "continued_us_per_alert": round(statistics.median(cont) / k * 1e6, 1),
            "run_us_per_triple": round(ref, 2),
            "ratio_alert_to_run_triple": round(us / ref, 1)}


def instructions(n: int, k: int, fps: int = 0) -> dict[str, int] | None:
    """Callgrind's instruction totals with 0, 1 and 2 waves; per alert, per wave."""
    totals = stage_totals(__file__, (0, 1, 2), ["--world", str(n), "--alerts", str(k),
                                                "--fingerprints", str(fps)], "waves")
    if totals is None:
        return None
    return {"first_instr_per_alert": (totals[1] - totals[0]) // k,
            "continued_instr_per_alert": (totals[2] - totals[1]) // k}


def child(waves: int, n: int, k: int, fps: int) -> None:
    """Under callgrind: build everything, then run ``waves`` updates (the count's delta)."""
    r, ws, healthy, _ = prepare(n, k, fps)
    gc.collect()
    run_waves(r, ws, healthy, waves)


def growth(n: int, waves: int, size: int = 500) -> dict[str, float]:
    """``waves`` updates of ``size`` alerts that share one fingerprint on one instance, none
    resolved (a storm while its plan awaits approval): seconds of the first and last wave.
    The rules re-check every firing alert of the fingerprint each wave, so the last costs
    more; the ratio says how much (docs/loop.md, "Feeding events", Limits)."""
    world = calm_world(n)
    inst = tier1_instances(world, 1)[0]
    r = Reasoner(load_rules([ROOT / "rules" / "ops"]))
    r.run(world, now=NOW)
    gc.collect()
    times = []
    for w in range(waves):
        batch = [(s, p, Literal("shared") if p == OPS.fingerprint else o)
                 for i in range(size) for s, p, o in alert(w * size + i, inst, NOW, "g")]
        t = time.perf_counter()
        r.update(batch, [], now=NOW + timedelta(seconds=1))
        times.append(time.perf_counter() - t)
    first, last = statistics.median(times[:3]), statistics.median(times[-3:])
    return {"growth_waves": waves, "growth_wave_alerts": size,
            "growth_first_s": round(first, 3), "growth_last_s": round(last, 3),
            "growth_last_to_first": round(last / first, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="world 20k, 2,000 alerts, 3 runs")
    ap.add_argument("--world", type=int, default=None, help="world size in triples")
    ap.add_argument("--alerts", type=int, default=None, help="alerts per wave")
    ap.add_argument("--runs", type=int, default=None, help="wall-clock runs (median)")
    ap.add_argument("--fingerprints", type=int, default=0, metavar="N",
                    help="alerts share N fingerprints (a storm of duplicates); default: one each")
    ap.add_argument("--instructions", action="store_true",
                    help="also count instructions with callgrind (world 20k, 5,000 alerts)")
    ap.add_argument("--growth", type=int, default=0, metavar="WAVES",
                    help="also WAVES waves of 500 alerts sharing one fingerprint, unresolved: "
                         "first and last wave's seconds (medians of 3)")
    ap.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        child(args.child, args.world, args.alerts, args.fingerprints)
        return
    n = args.world or (20_000 if args.quick else 100_000)
    k = args.alerts or (2_000 if args.quick else 10_000)
    out: dict[str, object] = {"bench": "storm_update", "quick": args.quick, "world": n,
                              "alerts": k, "fingerprints": args.fingerprints or k,
                              "machine": f"{platform.machine()} {os.cpu_count()} cpu",
                              "python": platform.python_version()}
    out |= wall(n, k, args.runs or (3 if args.quick else 5), args.fingerprints)
    print(f"update per wave of {k:,} alerts (world {n:,}): first {out['first_s']} s, continued "
          f"{out['continued_s']} s = {out['first_us_per_alert']} / {out['continued_us_per_alert']} "
          f"µs per alert (Reasoner.run: {out['run_us_per_triple']} µs per triple)", flush=True)
    if args.growth:
        out |= growth(n, args.growth)
        print(f"one shared fingerprint, {args.growth} waves of 500: first {out['growth_first_s']} s, "
              f"last {out['growth_last_s']} s ({out['growth_last_to_first']}x)", flush=True)
    if args.instructions:
        counts = instructions(args.world or 20_000, args.alerts or 5_000, args.fingerprints)
        if counts is not None:
            out |= counts
            print(f"instructions per alert: first {counts['first_instr_per_alert']:,}, "
                  f"continued {counts['continued_instr_per_alert']:,}")
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
