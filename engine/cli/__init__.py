"""The ``tier1`` command line: a thin shell over the engine's rooms.

Importing this package registers every command module on :data:`app`.
"""

from engine.cli import audit as _audit  # noqa: F401  (registers commands)
from engine.cli import ingest as _ingest  # noqa: F401  (registers commands)
from engine.cli import loop as _loop  # noqa: F401  (registers commands)
from engine.cli import policy as _policy  # noqa: F401  (registers commands)
from engine.cli import rules as _rules  # noqa: F401  (registers commands)
from engine.cli import world as _world  # noqa: F401  (registers commands)
from engine.cli._app import Ctx, UserError, app, emit, format_option, main, pass_ctx

__all__ = ["Ctx", "UserError", "app", "emit", "format_option", "main", "pass_ctx"]
