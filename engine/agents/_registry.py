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
from rdflib.namespace import RDF

from engine.agents._base import (
    Agent,
    ClearDiskAgent,
    NotifyAgent,
    RestartAgent,
    RollbackAgent,
    ScaleOutAgent,
)
from engine.agents._model import AgentScope
from engine.errors import ConfigError, ScopeError
from engine.store import GraphStore, triples
from engine.terms import curie
from engine.vocab import OPS, GraphName

__all__ = [
    "BUILTIN_AGENTS", "ENTRY_POINT_GROUP", "AgentFactory", "AgentRegistry", "store_scope",
    "world_agent",
]

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

    def create(
        self, action: URIRef, store: GraphStore | None = None, *,
        services: frozenset[URIRef] = frozenset(), world_agents: bool = False,
    ) -> Agent:
        """A new agent for ``action``.

        Args:
            action: the action type to run.
            store: the world; its ``ops:scopeService`` on the agent's IRI narrows the scope.
            services: the services of the target, to choose among world agents.
            world_agents: act as a software agent the world declares for ``action``
                (``ops:canPerform``), with its IRI and its declared scope.
        """
        agent = self.factory_for(action)()
        if store is None:
            return agent
        declared = world_agent(store, action, services) if world_agents else None
        if declared is not None:
            agent.iri, agent.scope = declared
            return agent
        agent.scope = agent.scope.narrowed(store_scope(store, agent.iri))
        return agent


def world_agent(
    store: GraphStore, action: URIRef, services: frozenset[URIRef],
) -> tuple[URIRef, AgentScope] | None:
    """The ``ops:SoftwareAgent`` the world declares for ``action``, preferring one whose
    scope covers ``services``, and its scope (``None`` if the world declares none)."""
    graphs = (GraphName.ASSERTED, GraphName.INFERRED)
    candidates = sorted(
        s for s, _, _, _ in store.quads((None, OPS.canPerform, action), graphs=graphs)
        if isinstance(s, URIRef) and next(iter(store.quads(
            (s, RDF.type, OPS.SoftwareAgent), graphs=graphs)), None) is not None
    )
    scoped = [(iri, _declared_scope(store, iri)) for iri in dict.fromkeys(candidates)]
    for iri, scope in scoped:
        if scope.allows_target(action, services):
            return iri, scope
    return scoped[0] if scoped else None


def _declared_scope(store: GraphStore, agent: URIRef) -> AgentScope:
    graphs = (GraphName.ASSERTED, GraphName.INFERRED)
    actions = frozenset(
        o for _, _, o, _ in store.quads((agent, OPS.canPerform, None), graphs=graphs)
        if isinstance(o, URIRef)
    )
    return AgentScope(actions=actions, services=store_scope(store, agent))


def store_scope(store: GraphStore, agent: URIRef) -> frozenset[URIRef] | None:
    """Services the world limits ``agent`` to (``ops:scopeService``), or ``None`` if unlimited."""
    found = frozenset(
        o for _, _, o in triples(store, (agent, OPS.scopeService, None)) if isinstance(o, URIRef)
    )
    return found or None
