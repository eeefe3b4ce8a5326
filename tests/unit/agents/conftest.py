"""Fixtures for the agent tests, over the tiny estate of ``twin_estate``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from rdflib import URIRef
from twin_estate import estate  # type: ignore[import-not-found]

from engine.agents import ActionRequest, DigitalTwin, SimClock
from engine.store import CommitMeta, Delta, GraphStore, MemoryStore
from engine.vocab import EX, OPS, RUN

START = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@pytest.fixture
def store() -> GraphStore:
    s = MemoryStore()
    s.commit(Delta.of(estate()), CommitMeta(author="test", message="estate"))
    return s


@pytest.fixture
def clock() -> SimClock:
    return SimClock(START)


@pytest.fixture
def twin(store: GraphStore, clock: SimClock) -> DigitalTwin:
    return DigitalTwin.from_store(store, clock=clock)


def _request(
    action: URIRef = OPS.Restart, target: URIRef = EX["checkout-2"], key: str = "k1",
    plan: str = "p1", **kw: Any,
) -> ActionRequest:
    return ActionRequest(step=RUN[f"step/{key}"], plan=RUN[f"plan/{plan}"], action=action,
                         target=target, idempotency_key=key, **kw)


@pytest.fixture
def make_req() -> Callable[..., ActionRequest]:
    """Build a request: make_req(OPS.Restart, EX["checkout-2"], key="k1", timeout_s=5)."""
    return _request
