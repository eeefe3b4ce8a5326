"""The one exception tree of tier1.

Every error the engine raises on purpose derives from :class:`EngineError`.
The CLI catches ``EngineError`` only, prints ``TypeName: message`` on one
line and exits non-zero; anything else is a bug and keeps its traceback.

Messages name the bad value (a file:line:col, an IRI, an option) and say
the fix. ::

    EngineError
    ├── ConfigError                 bad option, environment variable or store spec
    ├── InputError                  a user file or value that cannot be used
    │   ├── ParseError              RDF, rule, shape, plan or event syntax (file:line:col)
    │   ├── RuleError               a rule that parses but cannot run (unsafe, unstratifiable)
    │   ├── ShapeError              a SHACL shape that cannot be loaded
    │   └── ScenarioError           a scenario file that cannot be run
    ├── StoreError                  the world store failed or refused
    │   ├── StoreUnavailable        cannot reach or open the store (unreachable server, bad credentials)
    │   ├── CommitNotFound          an unknown commit id, sequence number or time
    │   ├── ConflictError           a concurrent writer or a constraint stopped the commit
    │   └── TransientStoreError     worth retrying (the adapter retries before raising)
    ├── ConsistencyError            the ontology plus world is logically inconsistent (HermiT)
    ├── PolicyViolation             the policy gate blocked a plan
    ├── PlanningError               goals or plans that cannot be built, locked or approved
    ├── AgentError                  an agent refused or failed an action
    │   ├── ScopeError              the action is outside the agent's declared scope
    │   └── CircuitOpen             the agent's circuit breaker is open
    └── AuditError                  the provenance chain is broken or an audit cannot run
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Self

__all__ = [
    "AgentError",
    "AuditError",
    "CircuitOpen",
    "CommitNotFound",
    "ConfigError",
    "ConflictError",
    "ConsistencyError",
    "EngineError",
    "InputError",
    "ParseError",
    "PlanningError",
    "PolicyViolation",
    "RuleError",
    "ScenarioError",
    "ScopeError",
    "ShapeError",
    "StoreError",
    "StoreUnavailable",
    "TransientStoreError",
]


class EngineError(Exception):
    """Root of every error tier1 raises on purpose."""

    details: Mapping[str, object] = MappingProxyType({})
    """Fields a ``--format json`` error adds beside its message (what a stopped command had
    committed, say); set on the instance."""


class ConfigError(EngineError):
    """A bad option, environment variable or store specification."""


class InputError(EngineError):
    """A user-supplied file or value that cannot be used.

    Args:
        message: what was wrong and how to fix it (naming ``file:line`` when known).
        source: the file it is about, if any: ``--format json`` reports it as ``file``.
        line: 1-based line in ``source``, if known.
        col: 1-based column, if known.
    """

    source: str | None = None
    line: int | None = None
    col: int | None = None

    def __init__(self, message: str, *, source: str | None = None,
                 line: int | None = None, col: int | None = None) -> None:
        super().__init__(message)
        if source is not None:
            self.source, self.line, self.col = source, line, col

    @classmethod
    def at(cls, source: str, line: int | None, message: str) -> Self:
        """The error about ``source`` (at ``line``, if known): ``message`` after ``source:line``,
        which ``--format json`` reports as fields."""
        return cls(f"{_location(source, line, None)}: {message}", source=source, line=line)


class ParseError(InputError):
    """A syntax error in an input file, located as ``file:line:col``.

    Args:
        message: what was wrong and how to fix it.
        source: the file name (or ``<string>``).
        line: 1-based line, if known.
        col: 1-based column, if known.
    """

    source: str

    def __init__(
        self, message: str, *, source: str = "<string>", line: int | None = None,
        col: int | None = None,
    ) -> None:
        self.detail = message
        super().__init__(f"{_location(source, line, col)}: {message}", source=source,
                         line=line, col=col)

    @staticmethod
    def locate(text: str, offset: int) -> tuple[int, int]:
        """The 1-based (line, column) of character ``offset`` of ``text``."""
        line_start = text.rfind("\n", 0, offset) + 1
        return text.count("\n", 0, line_start) + 1, offset - line_start + 1

    @property
    def location(self) -> str:
        return _location(self.source, self.line, self.col)


def _location(source: str, line: int | None, col: int | None) -> str:
    parts = [source]
    if line is not None:
        parts.append(str(line))
        if col is not None:
            parts.append(str(col))
    return ":".join(parts)


class RuleError(InputError):
    """A rule that parses but cannot run: unsafe variables, negation through recursion."""


class ShapeError(InputError):
    """A SHACL shape that cannot be loaded."""


class ScenarioError(InputError):
    """A scenario file that cannot be run."""


class StoreError(EngineError):
    """The world store failed or refused an operation."""


class StoreUnavailable(StoreError):
    """The store cannot be reached or opened."""


class CommitNotFound(StoreError):
    """An unknown commit id, sequence number or timestamp."""


class ConflictError(StoreError):
    """A concurrent writer or a constraint stopped the commit; nothing was written."""


class TransientStoreError(StoreError):
    """A failure worth retrying; adapters retry with backoff before raising it."""


class ConsistencyError(EngineError):
    """The ontology plus world is logically inconsistent."""


class PolicyViolation(EngineError):
    """The policy gate blocked a plan."""


class PlanningError(EngineError):
    """Goals or plans that cannot be built, locked or approved.

    Args:
        message: what was wrong and what to do.
        code: the case, for scripts: ``--format json`` errors carry it as ``"code"`` (the
            approval refusals' codes are listed in docs/loop.md).
    """

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        if code:
            self.details = {"code": code}


class AgentError(EngineError):
    """An agent refused or failed an action."""


class ScopeError(AgentError):
    """The action is outside the agent's declared scope."""


class CircuitOpen(AgentError):
    """The agent's circuit breaker is open after repeated failures."""


class AuditError(EngineError):
    """The provenance chain is broken, or an audit cannot run."""
