"""Neo4j store over Bolt: initial load, incremental commits and as-of reads, against SQLite.

Loads the generated world (bench/worldgen.py) through the official driver
into the Neo4j store, and the same triples into the embedded SqliteStore in
the same run (the reference; ratio = Neo4j rate / SQLite rate):
  - load:        the world in commits of --chunk triples (each one transaction);
  - commit_K:    commits of K = 1, 10, 100, 1000 new triples (median of --repeat);
  - asof_full:   every triple as of the end of the load, after the small commits;
  - asof_subject: one subject's triples as of the end of the load (median latency);
  - load_client_cpu_tps: triples per second of this process's CPU during the load,
    i.e. the rate the Python side could feed a server that answered instantly (for
    SQLite, which runs in-process, it includes the database's own work).
The server is the one the tests use (tests/support/bolt.py): TIER1_TEST_NEO4J_URI
if set, else testcontainers' Neo4j where Docker works, else ArcadeDB from the wheel.
--profile prints where the load's time goes (cProfile) to stderr.

    python bench/neo4j_load.py            # 1M triples
    python bench/neo4j_load.py --quick    # 100k triples
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from rdflib import RDF, Literal

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.worldgen import generate
from engine.store import CommitMeta, Delta, GraphStore, SqliteStore
from engine.store._neo4j import Neo4jStore
from engine.terms import Triple
from engine.vocab import EX, OPS
from tests.support.bolt import bolt_server, wipe

META = CommitMeta(author="bench", message="bench")
SIZES = (1, 10, 100, 1000)


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def chunks(triples: list[Triple], size: int) -> Iterator[list[Triple]]:
    for i in range(0, len(triples), size):
        yield triples[i:i + size]


def new_triples(tag: str, k: int) -> list[Triple]:
    """``k`` triples about new alerts (literals of several types and a relationship)."""
    out: list[Triple] = []
    j = 0
    while len(out) < k:
        a = EX[f"bench-{tag}-{j}"]
        out += [(a, RDF.type, OPS.Alert), (a, OPS.about, EX["svc-1-0"]),
                (a, OPS.severity, Literal("critical")), (a, OPS.restartCount, Literal(j))]
        j += 1
    return out[:k]


def load(store: GraphStore, triples: list[Triple], chunk: int) -> tuple[float, float]:
    """Wall seconds and this process's CPU seconds to commit ``triples`` in chunks."""
    cpu = time.process_time()
    wall = timed(lambda: [store.commit(Delta.of(c), META) for c in chunks(triples, chunk)])
    return wall, time.process_time() - cpu


def small_commits(store: GraphStore, repeat: int) -> dict[int, float]:
    """Median seconds per commit of K triples."""
    return {k: statistics.median(
        timed(lambda k=k, r=r: store.commit(Delta.of(new_triples(f"{k}-{r}", k)), META))
        for r in range(repeat)) for k in SIZES}


def asof(store: GraphStore, seq: int, repeat: int) -> tuple[float, int, float]:
    """Seconds for a full as-of read, its size, median seconds of a subject as-of read."""
    n = 0

    def full() -> None:
        nonlocal n
        n = sum(1 for _ in store.quads(at=seq))

    full_s = timed(full)
    subj = statistics.median(
        timed(lambda i=i: list(store.quads((EX[f"svc-{i}"], None, None), at=seq)))
        for i in range(repeat * 10))
    return full_s, n, subj


def measure(store: GraphStore, triples: list[Triple], args: argparse.Namespace) -> dict[str, float]:
    n = len(triples)
    load_s, cpu_s = load(store, triples, args.chunk)
    seq = store.head().seq  # type: ignore[union-attr]
    small = small_commits(store, args.repeat)
    full_s, size, subj_s = asof(store, seq, args.repeat)
    assert size == n, f"as-of read gave {size} triples, loaded {n}"
    out = {"load_tps": n / load_s, "load_client_cpu_tps": n / cpu_s,
           "asof_full_tps": n / full_s, "asof_subject_per_s": 1 / subj_s}
    for k, secs in small.items():
        out[f"commit_{k}_tps"] = k / secs
    return out


def profile_load(store: Neo4jStore, triples: list[Triple], chunk: int) -> str:
    prof = cProfile.Profile()
    prof.enable()
    load(store, triples, chunk)
    prof.disable()
    stats = pstats.Stats(prof)
    total = sum(v[2] for v in stats.stats.values())  # type: ignore[attr-defined]
    wait = sum(v[2] for k, v in stats.stats.items()  # type: ignore[attr-defined]
               if k[2] in ("<method 'recv_into' of '_socket.socket' objects>",))
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(12)
    return f"waiting on the server: {wait:.1f}s of {total:.1f}s profiled\n{buf.getvalue()}"


def run(args: argparse.Namespace) -> dict[str, object]:
    triples = list(dict.fromkeys(generate(args.triples)))  # the generator may repeat a triple
    with tempfile.TemporaryDirectory(prefix="tier1-bench-") as tmp:
        ref = SqliteStore(Path(tmp) / "ref.db", create=True)
        sqlite = measure(ref, triples, args)
        ref.close()
    print(f"sqlite: {sqlite}", file=sys.stderr)
    with bolt_server(heap=args.heap) as server:
        os.environ["TIER1_NEO4J_USER"], os.environ["TIER1_NEO4J_PASSWORD"] = (
            server.user, server.password)
        wipe(server)
        store = Neo4jStore.connect(server.uri, create=True)
        neo = measure(store, triples, args)
        store.close()
        kind = server.kind
    print(f"neo4j: {neo}", file=sys.stderr)
    if args.profile:  # a fresh server: emptying 1M nodes takes longer than loading them
        with bolt_server(heap=args.heap) as server:
            wipe(server)
            store = Neo4jStore.connect(server.uri, create=True)
            print(profile_load(store, triples[: args.profile_triples], args.chunk), file=sys.stderr)
            store.close()
    result: dict[str, object] = {"bench": "neo4j_load", "triples": len(triples), "server": kind,
                                 "chunk": args.chunk, "repeat": args.repeat}
    for key, value in neo.items():
        result[f"neo4j_{key}"] = round(value, 1)
        result[f"sqlite_{key}"] = round(sqlite[key], 1)
        result[f"ratio_{key}"] = round(value / sqlite[key], 3)
    result["machine"] = f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="100k triples instead of 1M")
    ap.add_argument("--triples", type=int, default=None)
    ap.add_argument("--chunk", type=int, default=250_000, help="triples per load commit")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--heap", default="6g", help="Java heap of an ArcadeDB server started here")
    ap.add_argument("--profile", action="store_true", help="cProfile a load, report to stderr")
    ap.add_argument("--profile-triples", type=int, default=50_000)
    args = ap.parse_args()
    args.triples = args.triples or (100_000 if args.quick else 1_000_000)
    print(json.dumps(run(args)))


if __name__ == "__main__":
    main()
