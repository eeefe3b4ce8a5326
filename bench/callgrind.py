"""Instruction counts of a bench's stages under valgrind's callgrind (shared by the benches).

Wall time on these shared 2-core machines moves 5-10% from run to run; callgrind's instruction
count of the same binary and inputs does not, whatever else the machine is doing. A bench that
offers ``--instructions`` re-runs itself as ``--child STAGE ...`` once per stage (doing the work
up to that stage) and reports the differences between the totals.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence

__all__ = ["stage_totals"]


def stage_totals(script: str, stages: Sequence[int], args: Sequence[str], label: str
                 ) -> list[int] | None:
    """Callgrind's total for ``script --child STAGE *args`` per stage (``None`` without
    valgrind); each is printed to stderr as ``label STAGE``. The hash seed is fixed, so the
    same inputs give the same count."""
    if shutil.which("valgrind") is None:
        print("valgrind not found: no instruction counts", file=sys.stderr)
        return None
    totals = []
    for stage in stages:
        env = dict(os.environ, PYTHONHASHSEED="0")
        cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
               os.path.realpath(sys.executable), script, "--child", str(stage), *args]
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stderr
        m = re.search(r"Collected : (\d+)", out)
        if m is None:
            raise RuntimeError(f"no callgrind total in: {out[-500:]}")
        totals.append(int(m.group(1)))
        print(f"  callgrind, {label} {stage}: {totals[-1]:,} instructions", file=sys.stderr,
              flush=True)
    return totals
