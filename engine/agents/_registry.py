"""The action registry: action type → agent class, built-ins plus entry points.

Third parties ship agents as Python entry points in the group ``tier1.agents``;
each entry point names a class with ``ACTIONS`` (the action types it handles)
and a constructor taking an optional :class:`AgentScope`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from importlib.metadata import entry_points
from typing import Any

from rdflib import URIRef

from engine.agents._base import (
    Agent,
    ClearDiskAgent,
    NotifyAgent,
    RestartAgent,
    RollbackAgent,
    ScaleOutAgent,
)
from engine.errors import ConfigError, ScopeError
from engine.store import GraphStore, triples
from engine.terms import curie
from engine.vocab import OPS

__all__ = ["BUILTIN_AGENTS", "ENTRY_POINT_GROUP", "AgentFactory", "AgentRegistry", "store_scope"]

log = logging.getLogger("tier1.agents")

ENTRY_POINT_GROUP = "tier1.agents"

AgentFactory = Callable[..., Agent]
"""An agent class (or factory) called as ``factory(scope)`` or ``factory()``."""

BUILTIN_AGENTS: tuple[type[Any], ...] = (
    RestartAgent, RollbackAgent, ScaleOutAgent, ClearDiskAgent, NotifyAgent,
)


class AgentRegistry:
    """Maps each action type to the agent class that runs it.

    Args:
        builtins: register the built-in twin agents.
        plugins: also load agents declared under the ``tier1.agents`` entry points;
            a plugin for an action type replaces the built-in one.
    """

    def __init__(self, *, builtins: bool = True, plugins: bool = True) -> None:
        self._by_action: dict[URIRef, AgentFactory] = {}
        if builtins:
            for cls in BUILTIN_AGENTS:
                self.register(cls)
        if plugins:
            self.load_entry_points()

    def register(self, factory: AgentFactory, actions: Iterable[URIRef] | None = None) -> None:
        """Register ``factory`` for ``actions`` (default: its ``ACTIONS`` attribute)."""
        acts = frozenset(actions if actions is not None else getattr(factory, "ACTIONS", ()))
        if not acts:
            raise ConfigError(
                f"agent {factory!r} declares no action types: give it an ACTIONS class "
                "attribute or pass actions=..."
            )
        for a in acts:
            self._by_action[URIRef(a)] = factory

    def load_entry_points(self) -> int:
        """Register every agent in the ``tier1.agents`` entry-point group; return how many."""
        n = 0
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                factory = ep.load()
            except Exception as exc:  # a broken plugin must not stop the engine
                log.warning("skipping agent entry point %s: %s", ep.name, exc)
                continue
            if factory not in BUILTIN_AGENTS:
                self.register(factory)
            n += 1
        return n

    @property
    def actions(self) -> frozenset[URIRef]:
        return frozenset(self._by_action)

    def factory_for(self, action: URIRef) -> AgentFactory:
        """The agent class registered for ``action``; :class:`ScopeError` if none."""
        try:
            return self._by_action[action]
        except KeyError:
            known = ", ".join(sorted(curie(a) for a in self._by_action)) or "none"
            raise ScopeError(
                f"no agent is registered for {curie(action)} (registered: {known}); "
                f"install a plugin that declares it under the '{ENTRY_POINT_GROUP}' entry points"
            ) from None

    def create(self, action: URIRef, store: GraphStore | None = None) -> Agent:
        """A new agent for ``action``, its scope narrowed by the world's ``ops:scopeService``."""
        factory = self.factory_for(action)
        agent = factory()
        if store is not None:
            services = store_scope(store, agent.iri)
            agent.scope = agent.scope.narrowed(services)
        return agent


def store_scope(store: GraphStore, agent: URIRef) -> frozenset[URIRef] | None:
    """Services the world limits ``agent`` to (``ops:scopeService``), or ``None`` if unlimited."""
    found = frozenset(
        o for _, _, o in triples(store, (agent, OPS.scopeService, None)) if isinstance(o, URIRef)
    )
    return found or None
