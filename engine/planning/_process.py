"""Which tier1 process runs a plan, and whether it still lives.

A plan saved ``running`` names its runner (``ops:runBy "host/pid"``). Another command that
finds it running carries it on only if that process is gone: on this host, a pid that no
longer exists. A runner on another host cannot be checked from here, so it counts as alive
until a person says otherwise (``tier1 resume --take-over``). A dead command's pid reused by
an unrelated process also counts as alive: the safe mistake.
"""

from __future__ import annotations

import os
import socket

__all__ = ["alive_elsewhere", "this_process"]


def this_process() -> str:
    """``host/pid`` of this process."""
    return f"{socket.gethostname()}/{os.getpid()}"


def alive_elsewhere(runner: str) -> bool:
    """Whether ``runner`` (``host/pid``) may be another process still running its plan."""
    host, _, pid = runner.rpartition("/")
    if not runner or not pid.isdigit():
        return False  # no runner on record (a plan saved before runners were recorded)
    if host != socket.gethostname():
        return True
    if int(pid) == os.getpid():
        return False  # this process: an earlier call of it was interrupted
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True
