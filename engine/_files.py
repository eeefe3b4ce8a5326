"""Writing a user's output file: whole or not at all, with the mode any new file would get.

One helper for every command that writes a file (``export -o``, ``audit export -o``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from engine.errors import InputError

__all__ = ["write_atomically"]


def write_atomically(out: Path, chunks: Iterable[str]) -> None:
    """Write ``chunks`` to ``out`` so that a reader never sees half a file.

    The parent directory must exist (a typo in ``-o`` must not create directories). The
    file gets the mode the user's umask gives a new file (the temporary file it is renamed
    from is created 0600).
    """
    if out.parent.exists() and not out.parent.is_dir():
        raise InputError(f"{out.parent}: a file is in the way where a directory is needed; "
                         "choose another path")
    if not out.parent.is_dir():
        raise InputError(f"{out.parent}: no such directory; create it first, or write "
                         "somewhere else")
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for chunk in chunks:
                fh.write(chunk)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process's umask: read from /proc on Linux; elsewhere set and put straight back
    (the only portable way to read it)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
