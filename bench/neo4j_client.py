"""The Neo4j store's client side alone: a bulk load's CPU in Python, without a server (issue 4).

``python bench/neo4j_load.py`` measures the client's CPU during a real load
(``load_client_cpu_tps``), but on these shared 2-core VMs that figure moves with the
server (ArcadeDB on the same cores) and with other work. This bench runs the store's
write path (``Delta.of`` and ``apply_commit``, commits of --chunk triples, as the load
does) against a transaction that packs every statement's parameters with the driver's
own packer (Rust, Bolt 5 hooks) and sends nothing. Reads are answered from what it was
sent, so the second and later commits take the same paths as against a server.

Reference, same run: packing the same parameters again (the driver's work alone, the
floor of any client); ratio = client CPU / packing CPU.
With ``--instructions`` it also counts instructions under valgrind's callgrind: runs
that stop after generating the triples, after ``Delta.of`` and after the commits; the
differences per triple do not depend on the machine's load.

    python bench/neo4j_client.py                  # 200k triples, commits of 50k, min of 5
    python bench/neo4j_client.py --quick          # 20k triples, min of 3
    python bench/neo4j_client.py --instructions   # plus callgrind counts (20k triples)
    python bench/neo4j_client.py --profile        # cProfile of one run's commits, to stderr
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import platform
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from neo4j._codec.hydration.bolt.v2 import HydrationHandler  # noqa: E402
from neo4j._codec.packstream import v1  # noqa: E402

from bench.callgrind import stage_totals  # noqa: E402
from bench.worldgen import generate  # noqa: E402
from engine.store import CommitMeta, Delta  # noqa: E402
from engine.store import _neo4j_cypher as cy  # noqa: E402
from engine.store._model import Commit  # noqa: E402
from engine.store._neo4j_mapping import Namespaces  # noqa: E402
from engine.store._neo4j_temporal import datetime_encoder  # noqa: E402
from engine.store._neo4j_write import apply_commit  # noqa: E402
from engine.terms import Triple  # noqa: E402

META = CommitMeta(author="bench", message="bench")
HOOKS = HydrationHandler().new_hydration_scope().dehydration_hooks
BOLT5 = datetime_encoder((5, 4))


def pack(params: dict[str, Any]) -> int:
    buf = v1.PackableBuffer()
    v1.Packer(buf).pack(params, dehydration_hooks=HOOKS)
    return len(buf.data)


class PackingTx:
    """A transaction that packs what it is sent and answers the commit's reads from it:
    nodes created, statements created and not removed. Literals are not read back (a
    bulk load's later commits add new subjects)."""

    def __init__(self, keep: bool = False) -> None:
        self.nodes: set[str] = set()
        self.live: set[str] = set()
        self.bytes = 0
        self.kept: list[dict[str, Any]] | None = [] if keep else None
        self._answer: list[Any] = []

    def run(self, query: str, params: dict[str, Any] | None = None, **kw: Any) -> PackingTx:
        p = {**(params or {}), **kw}
        self.bytes += pack(p)
        if self.kept is not None:
            self.kept.append(p)
        self._answer = self._reply(query, p)
        return self

    def _reply(self, query: str, p: dict[str, Any]) -> list[Any]:
        if query == cy.NODES_EXISTING:
            return [u for u in p["uris"] if u in self.nodes]
        if query == cy.STMT_LIVE:
            return [k for k in p["ks"] if k in self.live]
        if query == cy.STMT_REMOVE:
            gone = [k for k in p["ks"] if k in self.live]
            self.live.difference_update(gone)
            return gone
        if query == cy.STMT_CREATE:
            self.live.update([r[0] for r in p["rows"]])
        elif "CREATE (n:Resource" in query:
            self.nodes.update([r[0] for r in p["rows"]])
        return []

    def single(self, strict: bool = False) -> list[Any]:
        return [self._answer]

    def consume(self) -> None:
        return None


def commits(deltas: list[Delta], tx: PackingTx) -> None:
    ns = Namespaces()
    head: Commit | None = None
    for d in deltas:
        head = apply_commit(tx, d, META, ns, head, BOLT5)  # type: ignore[arg-type]
        ns.accept()


def chunked(triples: list[Triple], size: int) -> list[list[Triple]]:
    return [triples[i:i + size] for i in range(0, len(triples), size)]


def cpu(fn: Callable[[], object]) -> float:
    gc.collect()
    t = time.process_time()
    fn()
    return time.process_time() - t


def wall(triples: list[Triple], chunk: int, runs: int) -> dict[str, float]:
    parts = chunked(triples, chunk)
    delta_s, commit_s, pack_s = [], [], []
    for _ in range(runs):
        deltas: list[Delta] = []
        delta_s.append(cpu(lambda d=deltas: d.extend(Delta.of(c) for c in parts)))
        commit_s.append(cpu(lambda d=deltas: commits(d, PackingTx())))
        tx = PackingTx(keep=True)
        commits(deltas, tx)
        kept = tx.kept or []
        pack_s.append(cpu(lambda k=kept: [pack(p) for p in k]))
    n = len(triples)
    best = min(delta_s) + min(commit_s)
    return {"delta_of_s": round(min(delta_s), 3), "commit_s": round(min(commit_s), 3),
            "pack_only_s": round(min(pack_s), 3),
            "client_tps": round(n / best), "commit_tps": round(n / min(commit_s)),
            "ratio_client_to_pack": round(best / min(pack_s), 2)}


def instructions(n: int, chunk: int) -> dict[str, int] | None:
    """Callgrind totals of runs stopping after each stage; the differences per triple."""
    totals = stage_totals(__file__, (0, 1, 2), ["--triples", str(n), "--chunk", str(chunk)],
                          "stage")
    if totals is None:
        return None
    return {"delta_of_instr_per_triple": (totals[1] - totals[0]) // n,
            "commit_instr_per_triple": (totals[2] - totals[1]) // n,
            "client_instr_per_triple": (totals[2] - totals[0]) // n}


def child(stage: int, n: int, chunk: int) -> None:
    """Under callgrind: generate, then ``Delta.of`` (stage >= 1), then commit (stage 2)."""
    parts = chunked(list(dict.fromkeys(generate(n))), chunk)
    gc.collect()
    if stage >= 1:
        deltas = [Delta.of(c) for c in parts]
        if stage >= 2:
            commits(deltas, PackingTx())


def profile(triples: list[Triple], chunk: int) -> None:
    deltas = [Delta.of(c) for c in chunked(triples, chunk)]
    prof = cProfile.Profile()
    prof.enable()
    commits(deltas, PackingTx())
    prof.disable()
    pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(25)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="20k triples, min of 3")
    ap.add_argument("--triples", type=int, default=None)
    ap.add_argument("--chunk", type=int, default=None, help="triples per commit (default: a quarter)")
    ap.add_argument("--runs", type=int, default=None)
    ap.add_argument("--instructions", action="store_true", help="also count instructions (callgrind)")
    ap.add_argument("--instr-triples", type=int, default=20_000)
    ap.add_argument("--profile", action="store_true", help="cProfile one run's commits to stderr")
    ap.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    n = args.triples or (20_000 if args.quick else 200_000)
    if args.child is not None:
        child(args.child, n, args.chunk or max(1, n // 4))
        return
    triples = list(dict.fromkeys(generate(n)))  # the generator may repeat a triple
    chunk = args.chunk or max(1, len(triples) // 4 + 1)
    if args.profile:
        profile(triples, chunk)
    out: dict[str, object] = {"bench": "neo4j_client", "triples": len(triples), "chunk": chunk,
                              "machine": f"{platform.machine()} {os.cpu_count()} cores, "
                                         f"Python {platform.python_version()}"}
    out |= wall(triples, chunk, args.runs or (3 if args.quick else 5))
    print(f"client CPU {out['client_tps']:,} triples/s (commit alone {out['commit_tps']:,}); "
          f"packing alone {out['pack_only_s']} s", file=sys.stderr)
    if args.instructions:
        m = args.instr_triples
        counts = instructions(m, max(1, m // 4 + 1))
        if counts is not None:
            out |= {"instr_triples": m, **counts}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
