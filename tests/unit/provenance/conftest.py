"""Fixtures for the provenance tests."""

from __future__ import annotations

import pytest
from provlog import Log, build_log  # type: ignore[import-not-found]

from engine.store import MemoryStore


@pytest.fixture
def log() -> Log:
    return build_log(MemoryStore())
