"""What-if policy validation of a one-step plan vs pySHACL on the whole post-plan world (issue 6).

For worlds of 10k, 100k and 1M triples (``bench/worldgen.py``, in the embedded
SQLite store), times ``PolicyGate.what_if`` for a one-step restart plan (median
of N runs, store untouched) and, in the same run, plain ``pyshacl.validate`` of
the materialised post-plan world with the same shapes. Plain pySHACL re-parses each
SPARQL constraint for every focus node, so it takes minutes already at 10k: by default
it is measured at 10k only (``--full-up-to N`` measures larger worlds too) and
extrapolated linearly (its cost is per focus node). A second reference, our own full
validation (``PolicyGate.validate``, SPARQL parsed once), is measured up to 100k.

    python bench/policy_whatif.py [--quick] [--runs N] [--full-up-to N]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rdflib import RDF, Graph, Literal

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from worldgen import generate, service_iri  # noqa: E402

from engine.policy import PolicyGate, WorldView, default_shapes_dir, load_shapes  # noqa: E402
from engine.store import CommitMeta, Delta, SqliteStore  # noqa: E402
from engine.terms import Triple  # noqa: E402
from engine.vocab import EX, OPS, RUN  # noqa: E402


def scaffolding() -> list[Triple]:
    """The runbook and agent a restart plan needs (the generated world has neither)."""
    rb, agent = EX["rb-restart"], EX["agent-restarter"]
    return [(rb, RDF.type, OPS.Runbook), (rb, OPS.forActionType, OPS.Restart),
            (agent, RDF.type, OPS.SoftwareAgent), (agent, OPS.canPerform, OPS.Restart),
            (agent, OPS.scopeService, service_iri(0))]


def plan_delta() -> Delta:
    """Restart instance 0 of tier-1 service 0 (one plan, one step)."""
    plan, step = RUN["bench-plan"], RUN["bench-step"]
    return Delta.of(adds=[
        (plan, RDF.type, OPS.Plan), (plan, OPS.status, Literal("proposed")),
        (plan, OPS.hasStep, step), (step, RDF.type, OPS.PlanStep),
        (step, OPS.actionType, OPS.Restart), (step, OPS.target, EX["svc-0-0"]),
        (step, OPS.usesRunbook, EX["rb-restart"]), (step, OPS.performedBy, EX["agent-restarter"]),
    ])


def build(n: int, folder: Path) -> SqliteStore:
    store = SqliteStore(folder / f"world-{n}.db", create=True)
    t0 = time.perf_counter()
    store.commit(Delta.of(adds=[*generate(n), *scaffolding()]), CommitMeta(author="bench", message="world"))
    print(f"  {n:>9,} triples loaded in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    return store


def time_what_if(gate: PolicyGate, store: SqliteStore, delta: Delta, runs: int) -> tuple[float, dict]:
    t0 = time.perf_counter()
    report = gate.what_if(store, delta)
    cold = (time.perf_counter() - t0) * 1000
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        gate.what_if(store, delta)
        samples.append((time.perf_counter() - t0) * 1000)
    aff = gate.affected(store, delta)
    info = {"cold_ms": round(cold, 2), "verdict": report.verdict, "focus_checked": report.focus_checked,
            "whole_shapes": len(aff.everything), "findings": len(report.results)}
    return statistics.median(samples), info


def time_full(gate: PolicyGate, store: SqliteStore, delta: Delta) -> float:
    """pySHACL validating the whole post-plan world, materialised as an rdflib graph."""
    import pyshacl

    stamped = gate.what_if(store, delta)  # same 'now' stamping as the what-if
    world = Graph()
    view = WorldView.of_store(store, delta)
    for t in view.triples((None, None, None)):
        world.add(t)
    if stamped.judged_at is not None:
        from rdflib.namespace import PROV
        world.add((RUN["bench-plan"], PROV.generatedAtTime, Literal(stamped.judged_at)))
    t0 = time.perf_counter()
    pyshacl.validate(world, shacl_graph=gate.shapes.graph)
    return (time.perf_counter() - t0) * 1000


def time_gate_full(gate: PolicyGate, store: SqliteStore, delta: Delta) -> float:
    """Our own full validation of the post-plan world (same overlay, every focus node)."""
    world = Graph()
    for t in WorldView.of_store(store, delta).triples((None, None, None)):
        world.add(t)
    t0 = time.perf_counter()
    gate.validate(world)
    return (time.perf_counter() - t0) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="10k and 100k only")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--full-up-to", type=int, default=10_000,
                    help="measure plain pySHACL on worlds up to this size (slow)")
    args = ap.parse_args()
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    gate = PolicyGate(load_shapes([default_shapes_dir()]))
    delta = plan_delta()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            store = build(n, Path(tmp))
            med, info = time_what_if(gate, store, delta, args.runs)
            measure_full = n <= args.full_up_to
            full = time_full(gate, store, delta) if measure_full else None
            ours = time_gate_full(gate, store, delta) if n <= 100_000 else None
            rows.append({"triples": n, "what_if_median_ms": round(med, 2), **info,
                         "full_ms": round(full, 1) if full is not None else None,
                         "full_measured": measure_full,
                         "gate_full_ms": round(ours, 1) if ours is not None else None})
            shown = f"{full:.0f} ms" if full is not None else "extrapolated"
            print(f"  {n:>9,}: what-if {med:.2f} ms (median of {args.runs}), full {shown}",
                  file=sys.stderr)
            store.close()
    _extrapolate(rows)
    for r in rows:
        r["speedup_vs_pyshacl"] = round(r["full_ms"] / r["what_if_median_ms"], 1)
        if r["gate_full_ms"] is not None:
            r["speedup_vs_gate_full"] = round(r["gate_full_ms"] / r["what_if_median_ms"], 1)
    print(json.dumps({"bench": "policy_whatif", "machine": platform.machine(),
                      "python": platform.python_version(), "runs": args.runs, "rows": rows}))


def _extrapolate(rows: list[dict]) -> None:
    """Fill an unmeasured full-validation time linearly from the largest measured size."""
    measured = [r for r in rows if r["full_ms"] is not None]
    for r in rows:
        if r["full_ms"] is None and measured:
            ref = measured[-1]
            r["full_ms"] = round(ref["full_ms"] * r["triples"] / ref["triples"], 1)


if __name__ == "__main__":
    main()
