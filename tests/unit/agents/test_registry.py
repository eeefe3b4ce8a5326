"""The registry: built-ins, entry-point plugins, scopes from the world model."""

from __future__ import annotations

import sys
import types
from importlib.metadata import EntryPoint
from typing import ClassVar

import pytest
from rdflib import URIRef

from engine.agents import (
    BUILTIN_AGENTS,
    ENTRY_POINT_GROUP,
    AgentRegistry,
    AgentScope,
    RestartAgent,
    TwinAgent,
)
from engine.agents import _registry as registry_module
from engine.errors import ConfigError, ScopeError
from engine.store import CommitMeta, Delta
from engine.vocab import ACTION_TYPES, EX, OPS, RUN


class _Plugin(TwinAgent):
    IRI = RUN["agent/plugin-restart"]
    ACTIONS: ClassVar[frozenset[URIRef]] = frozenset({OPS.Restart})


@pytest.fixture
def plugin_module(monkeypatch: pytest.MonkeyPatch) -> None:
    mod = types.ModuleType("tier1_test_plugin")
    mod.Agent = _Plugin  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tier1_test_plugin", mod)
    points = [EntryPoint("plugin", "tier1_test_plugin:Agent", ENTRY_POINT_GROUP),
              EntryPoint("broken", "tier1_no_such_module:Agent", ENTRY_POINT_GROUP)]
    monkeypatch.setattr(registry_module, "entry_points", lambda group: points)


def test_builtins_cover_every_action_type():
    reg = AgentRegistry(plugins=False)
    assert reg.actions == ACTION_TYPES
    assert isinstance(reg.create(OPS.Restart), RestartAgent)


def test_pyproject_declares_the_builtins_as_entry_points():
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    eps = tomllib.loads((root / "pyproject.toml").read_text())["project"]["entry-points"]
    declared = {v.split(":")[1] for v in eps[ENTRY_POINT_GROUP].values()}
    assert declared == {cls.__name__ for cls in BUILTIN_AGENTS}


def test_entry_point_plugin_replaces_builtin_and_broken_ones_are_skipped(plugin_module):
    reg = AgentRegistry()
    assert type(reg.create(OPS.Restart)) is _Plugin
    assert type(reg.create(OPS.Rollback)).__name__ == "RollbackAgent"


def test_unknown_action_type_is_a_scope_error():
    with pytest.raises(ScopeError, match="no agent is registered for ops:Restart"):
        AgentRegistry(builtins=False, plugins=False).create(OPS.Restart)


def test_agent_without_actions_is_refused():
    with pytest.raises(ConfigError, match="declares no action types"):
        AgentRegistry(plugins=False).register(TwinAgent)


def test_scope_allows():
    scope = AgentScope(actions=frozenset({OPS.Restart}), services=frozenset({EX.checkout}))
    assert scope.allows(OPS.Restart, EX.checkout)
    assert not scope.allows(OPS.Restart, EX.payments)
    assert scope.allows(OPS.Restart, None)  # a target of no service (a person) touches none
    assert not scope.allows(OPS.Rollback, EX.checkout)
    assert not scope.allows(OPS.Rollback, None)
    assert scope.allows_target(OPS.Restart, frozenset({EX.payments, EX.checkout}))  # a host
    assert not scope.allows_target(OPS.Restart, frozenset({EX.payments}))
    assert scope.allows_target(OPS.Restart, frozenset())
    assert AgentScope(actions=frozenset({OPS.Restart})).allows(OPS.Restart, EX.payments)


def test_world_model_narrows_scope(store):
    store.commit(Delta.of([(RestartAgent.IRI, OPS.scopeService, EX.payments)]),
                 CommitMeta(author="t", message="scope"))
    agent = AgentRegistry(plugins=False).create(OPS.Restart, store)
    assert agent.scope.services == frozenset({EX.payments})
    other = AgentRegistry(plugins=False).create(OPS.Rollback, store)
    assert other.scope.services is None
