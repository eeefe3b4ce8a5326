"""Embedded store: load and as-of read of a generated world, against rdflib's in-memory parse.

Measured in one run, medians of --repeat runs:
  - reference: rdflib ``Graph().parse()`` of the N-Triples file (triples/s);
  - commit:    ``SqliteStore.commit()`` of the already-parsed triples into a new store;
  - load:      ``tier1 load`` end to end (our N-Triples parser + one commit);
  - as-of:     reading every triple back as of commit 1 after a second commit changed 1%;
  - current:   reading every triple of the current state.
Goal (issue 3): commit rate >= rdflib's parse rate (ratio >= 1).

    python bench/embedded_load.py            # 1M triples
    python bench/embedded_load.py --quick    # 100k triples
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import rdflib

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.worldgen import generate
from engine.store import CommitMeta, Delta, SqliteStore
from engine.world import LoadRequest, load_files, write_ntriples

META = CommitMeta(author="bench", message="bench")


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def median_rate(n: int, secs: list[float]) -> float:
    return n / statistics.median(secs)


def run(n: int, repeat: int, work: Path) -> dict[str, object]:
    nt = work / "world.nt"
    with nt.open("w", encoding="utf-8") as fh:
        fh.writelines(write_ntriples(generate(n)))
    triples = list(generate(n))
    delta = Delta.of(triples)
    size = len(delta.adds)
    ref, commit, load, asof, current = [], [], [], [], []
    for r in range(repeat):
        ref.append(timed(lambda: rdflib.Graph().parse(nt, format="nt")))
        store = SqliteStore(work / f"c{r}.db", create=True)
        commit.append(timed(lambda s=store: s.commit(delta, META)))  # type: ignore[misc]
        store2 = SqliteStore(work / f"l{r}.db", create=True)
        req = LoadRequest(paths=(nt,), author="bench")
        load.append(timed(lambda s=store2, q=req: load_files(s, q)))  # type: ignore[misc]
        change = Delta.of(triples[: n // 200], triples[n // 200 : n // 100])
        store.commit(change, META)
        asof.append(timed(lambda s=store: sum(1 for _ in s.quads(at=1))))  # type: ignore[misc]
        current.append(timed(lambda s=store: sum(1 for _ in s.quads())))  # type: ignore[misc]
        store.close()
        store2.close()
    return {
        "bench": "embedded_load", "triples": size, "repeat": repeat,
        "rdflib_parse_tps": round(median_rate(size, ref)),
        "commit_tps": round(median_rate(size, commit)),
        "load_end_to_end_tps": round(median_rate(size, load)),
        "asof_read_tps": round(median_rate(size, asof)),
        "current_read_tps": round(median_rate(size, current)),
        "commit_vs_rdflib_parse": round(statistics.median(ref) / statistics.median(commit), 2),
        "load_vs_rdflib_parse": round(statistics.median(ref) / statistics.median(load), 2),
        "machine": f"{platform.machine()} {platform.python_version()}",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="100k triples instead of 1M")
    ap.add_argument("--triples", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    n = args.triples or (100_000 if args.quick else 1_000_000)
    with tempfile.TemporaryDirectory(prefix="tier1-bench-") as tmp:
        result = run(n, args.repeat, Path(tmp))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
