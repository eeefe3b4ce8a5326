"""OWL 2 RL materialization: tier1's rules/owl2rl vs owlrl and reasonable (issue 5).

Same inputs, same run. Each engine starts from the parsed triples in memory
(parsing is not timed) and ends with the closure as Python triples:

- owlrl: ``DeductiveClosure(OWLRL_Semantics).expand(graph)`` (pure Python, reference);
- reasonable: ``PyReasoner.from_graph(graph); reason()`` (Rust), where it imports;
- tier1: ``Reasoner(load_rules(["rules/owl2rl"])).run(triples)`` (rule loading and code
  generation included; Python's byte-compile of the generated code is cached per process,
  so repeats after the first skip ~60 ms, as a long-running tier1 process does).

Inputs: all of Brick 1.4 (shipped by ``brickschema``); ``--quick``: a 300-class
slice of it. PROV-O too when ``tests/data/prov-o.ttl`` exists. Medians of repeats.

    python bench/owl2rl.py [--quick] [--repeats N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.inference import Reasoner, load_rules  # noqa: E402


def brick_dir() -> Path:
    import brickschema

    return Path(os.path.dirname(brickschema.__file__)) / "ontologies" / "1.4"


def brick(slice_n: int | None) -> Graph:
    g = Graph().parse(brick_dir() / "Brick.ttl")
    if slice_n is None:
        return g
    keep = set(sorted({s for s in g.subjects() if not isinstance(s, BNode)})[:slice_n])
    out, todo = Graph(), list(keep)
    while todo:
        s = todo.pop()
        for p, o in g.predicate_objects(s):
            out.add((s, p, o))
            if isinstance(o, BNode) and o not in keep:
                keep.add(o)
                todo.append(o)
    return out


def copy(g: Graph) -> Graph:
    out = Graph()
    for t in g:
        out.add(t)
    return out


def run_owlrl(g: Graph) -> int:
    import owlrl

    h = copy(g)
    t = time.perf_counter()
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(h)
    _TIMES.append(time.perf_counter() - t)
    return len(h)


def run_reasonable(g: Graph) -> int:
    import reasonable

    t = time.perf_counter()
    r = reasonable.PyReasoner()
    r.from_graph(g)
    out = r.reason()
    _TIMES.append(time.perf_counter() - t)
    return len(out)


def run_tier1(g: Graph) -> int:
    triples = list(g)
    t = time.perf_counter()
    res = Reasoner(load_rules([ROOT / "rules" / "owl2rl"])).run(triples, now=datetime.now(UTC))
    _TIMES.append(time.perf_counter() - t)
    return len(triples) + len(res.inferred)


_TIMES: list[float] = []


def median_time(fn: Callable[[Graph], int], g: Graph, repeats: int) -> tuple[float, int]:
    _TIMES.clear()
    size = 0
    for _ in range(repeats):
        size = fn(g)
    return statistics.median(_TIMES), size


def bench(name: str, g: Graph, repeats: int, owlrl_repeats: int) -> dict[str, Any]:
    row: dict[str, Any] = {"input": name, "triples": len(g)}
    ours, size = median_time(run_tier1, g, repeats)
    row |= {"tier1_s": round(ours, 3), "tier1_closure": size}
    try:
        rs, rsize = median_time(run_reasonable, g, repeats)
        row |= {"reasonable_s": round(rs, 3), "reasonable_closure": rsize,
                "reasonable_over_tier1": round(rs / ours, 2)}
    except ImportError:
        row["reasonable_s"] = None
    ow, osize = median_time(run_owlrl, g, owlrl_repeats)
    row |= {"owlrl_s": round(ow, 3), "owlrl_closure": osize, "speedup_vs_owlrl": round(ow / ours, 1)}
    print(f"{name}: {len(g):,} triples; tier1 {ours:.2f}s, reasonable {row.get('reasonable_s')}s, "
          f"owlrl {ow:.2f}s -> {row['speedup_vs_owlrl']}x faster than owlrl", flush=True)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="a 300-class slice of Brick")
    ap.add_argument("--repeats", type=int, default=None)
    args = ap.parse_args()
    repeats = args.repeats or 3
    inputs = [("Brick-1.4-slice300" if args.quick else "Brick-1.4", brick(300 if args.quick else None))]
    prov = ROOT / "tests" / "data" / "prov-o.ttl"
    if prov.exists():
        inputs.append(("PROV-O", Graph().parse(prov)))
    rows = [bench(n, g, repeats, 3 if args.quick else 1) for n, g in inputs]
    speedups = [r["speedup_vs_owlrl"] for r in rows]
    print(json.dumps({
        "bench": "owl2rl", "quick": args.quick, "rows": rows,
        "min_speedup_vs_owlrl": min(speedups), "goal_speedup": 40, "met": min(speedups) >= 40,
        "python": platform.python_version(), "machine": platform.machine(),
    }))


if __name__ == "__main__":
    main()
