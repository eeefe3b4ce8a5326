"""Incremental inference latency: one new alert in a large world (issue 5).

Builds the world with ``bench/worldgen.py`` (1M triples; ``--quick``: 100k),
materializes ``rules/ops`` once, then times ``Reasoner.update`` for one new
critical alert at a time (6 triples), at a fixed ``now`` and, separately, with
the clock advancing one second per alert (window rules then also handle the facts
that cross a window edge).
Reference measured in the same run: a full recompute of the same world.

    python bench/incremental.py [--quick] [--updates N]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

from rdflib import Literal
from rdflib.namespace import RDF

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from worldgen import T0, generate  # noqa: E402

from engine.inference import Reasoner, load_rules  # noqa: E402
from engine.terms import Triple  # noqa: E402
from engine.vocab import EX, OPS  # noqa: E402


def alert(i: int, svc: int, when_s: int) -> list[Triple]:
    a = EX[f"bench-alert-{i}"]
    return [
        (a, RDF.type, OPS.Alert), (a, OPS.about, EX[f"svc-{svc}-0"]),
        (a, OPS.fingerprint, Literal(f"bench-fp-{svc}")), (a, OPS.severity, Literal("critical")),
        (a, OPS.status, Literal("firing")), (a, OPS.firedAt, Literal(T0 + timedelta(seconds=when_s))),
    ]


def timed_updates(r: Reasoner, n: int, n_services: int, tick: bool, offset: int) -> list[float]:
    out = []
    for k in range(n):
        i = offset + k
        now = T0 + timedelta(seconds=(i if tick else 0) + 60)
        adds = alert(i, (i * 7919) % n_services, i)
        t = time.perf_counter()
        r.update(adds, [], now=now)
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="100k triples, 20 updates")
    ap.add_argument("--updates", type=int, default=None)
    args = ap.parse_args()
    n = 100_000 if args.quick else 1_000_000
    updates = args.updates or (20 if args.quick else 50)
    world = list(generate(n))
    n_services = max(1, n // 40) // 2
    rules = load_rules([ROOT / "rules" / "ops"])
    r = Reasoner(rules)
    t = time.perf_counter()
    res = r.run(world, now=T0 + timedelta(seconds=60))
    full_s = time.perf_counter() - t
    fixed = timed_updates(r, updates, n_services, tick=False, offset=0)
    ticking = timed_updates(r, max(5, updates // 5), n_services, tick=True, offset=updates)
    med = statistics.median(fixed)
    result = {
        "bench": "incremental", "triples": len(world), "inferred": len(res.inferred),
        "updates": updates, "full_recompute_s": round(full_s, 3),
        "update_median_ms": round(med, 3),
        "update_p90_ms": round(sorted(fixed)[int(len(fixed) * 0.9) - 1], 3),
        "update_tick_median_ms": round(statistics.median(ticking), 3),
        "speedup_vs_full": round(full_s * 1000 / med, 1), "goal_ms": 10, "met": med <= 10,
        "python": platform.python_version(), "machine": platform.machine(),
    }
    print(f"world {len(world):,} triples, {len(res.inferred):,} inferred; full run {full_s:.2f}s")
    print(f"one new alert: median {med:.2f} ms (fixed now), {result['update_tick_median_ms']} ms "
          "(clock advancing)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
