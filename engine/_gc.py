"""Cyclic garbage collection paused around bulk work (one helper for every package).

A commit's rows, a rule engine's fixpoint and a loop's micro-batch each allocate
hundreds of thousands to millions of small acyclic objects. CPython counts them
and sets off full collections that walk every live object of the process (the
world's terms and indexes: about 1 s at 100k triples, a quarter of a bulk load's
client time). None of that work makes reference cycles, so collection is paused
while it runs and turned back on as it was; what it left behind is collected later.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused_gc"]


@contextmanager
def paused_gc() -> Iterator[None]:
    """Run the ``with`` block with cyclic GC off; restore the previous setting after."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
