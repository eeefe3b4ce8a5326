"""Agents and provenance: cost of one executed step, of verifying the chain, of an audit.

Measured in one run on the embedded store, medians (and p99 for steps):
  - step:      ``Executor.execute`` of a Page on the digital twin: idempotency lookup,
               agent call, one sealed PROV record committed;
  - reference: ``SqliteStore.commit`` of a delta of the same size as one record
               (what a step would cost if provenance were a plain commit);
  - verify:    ``verify_chain`` over all records, against reading the provenance graph;
  - audit:     ``run_audit(why)`` for one step execution (SPARQL on the embedded store).

    python bench/provenance_chain.py            # 5,000 steps
    python bench/provenance_chain.py --quick    # 500 steps
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from rdflib import Literal
from rdflib.namespace import RDF

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.agents import ActionRequest, DigitalTwin, Executor, SimClock
from engine.provenance import Rationale, RuleRef, run_audit, verify_chain
from engine.store import CommitMeta, Delta, SqliteStore
from engine.vocab import EX, OPS, RUN, GraphName

META = CommitMeta(author="bench", message="bench")


def _world() -> list[tuple[object, object, object]]:
    return [(EX.svc, RDF.type, OPS.Service), (EX["svc-1"], OPS.instanceOf, EX.svc),
            (EX["svc-1"], OPS.health, Literal("healthy"))]


def _req(i: int) -> ActionRequest:
    return ActionRequest(step=RUN[f"step/{i}"], plan=RUN[f"plan/{i // 10}"], action=OPS.Page,
                         target=EX.svc, idempotency_key=f"bench-{i}", timeout_s=30)


def _steps(store: SqliteStore, n: int) -> list[float]:
    clock = SimClock(datetime(2026, 11, 28, tzinfo=UTC))
    ex = Executor(store, DigitalTwin(_world(), clock=clock), clock=clock)  # type: ignore[arg-type]
    why = Rationale(informed_by=(EX.alert,), rules=(RuleRef(id="page-on-call", version="1"),),
                    shape_set_version="bench")
    out = []
    for i in range(n):
        t = time.perf_counter()
        ex.execute(_req(i), why)
        out.append(time.perf_counter() - t)
        clock.advance(1)
    return out


def _reference(store: SqliteStore, n: int, size: int) -> list[float]:
    out = []
    for i in range(n):
        delta = Delta.of([(RUN[f"ref/{i}"], OPS.name, Literal(f"v{j}")) for j in range(size)],
                         graph=GraphName.PROVENANCE)
        t = time.perf_counter()
        store.commit(delta, META)
        out.append(time.perf_counter() - t)
    return out


def _timed(fn: object) -> float:
    t = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - t


def run(n: int, work: Path) -> dict[str, object]:
    store = SqliteStore(work / "steps.db", create=True)
    steps = _steps(store, n)
    per_record = store.count(graphs=(GraphName.PROVENANCE,)) // n
    ref = _reference(SqliteStore(work / "ref.db", create=True), n, per_record)
    verify = [_timed(lambda: verify_chain(store)) for _ in range(3)]
    read = [_timed(lambda: list(store.quads(graphs=(GraphName.PROVENANCE,)))) for _ in range(3)]
    audit = [_timed(lambda: run_audit(store, "why", {"subject": f"run:step/{n // 2}"}))
             for _ in range(5)]
    assert verify_chain(store).ok
    step_ms = statistics.median(steps) * 1000
    ref_ms = statistics.median(ref) * 1000
    return {
        "bench": "provenance_chain", "steps": n, "triples_per_record": per_record,
        "step_median_ms": round(step_ms, 3),
        "step_p99_ms": round(sorted(steps)[int(0.99 * (n - 1))] * 1000, 3),
        "reference_commit_median_ms": round(ref_ms, 3),
        "step_vs_commit_ratio": round(step_ms / ref_ms, 2),
        "verify_s": round(statistics.median(verify), 3),
        "verify_vs_read_ratio": round(statistics.median(verify) / statistics.median(read), 2),
        "audit_why_ms": round(statistics.median(audit) * 1000, 2),
        "machine": f"{platform.machine()} {platform.python_version()}",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="500 steps instead of 5,000")
    args = ap.parse_args()
    n = 500 if args.quick else 5000
    with tempfile.TemporaryDirectory() as d:
        result = run(n, Path(d))
    for k, v in result.items():
        print(f"{k:>28}: {v}", file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
