"""A circuit breaker per agent: stop calling an agent that keeps failing.

``closed`` → (N consecutive failures) → ``open`` → (cool-down on the injected
clock) → ``half_open``: one trial call; success closes it, failure opens it again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["BreakerConfig", "BreakerState", "CircuitBreaker"]

BreakerState = Literal["closed", "open", "half_open"]


class BreakerConfig(BaseModel):
    """When a breaker opens (``failures`` in a row) and how long it stays open."""

    model_config = ConfigDict(frozen=True)

    failures: int = Field(default=3, ge=1)
    cooldown_s: float = Field(default=60.0, ge=0)


class CircuitBreaker:
    """The breaker of one agent."""

    def __init__(self, config: BreakerConfig) -> None:
        self.config = config
        self.consecutive_failures = 0
        self.opened_at: datetime | None = None
        self._trial = False

    def state(self, now: datetime) -> BreakerState:
        if self.opened_at is None:
            return "closed"
        if (now - self.opened_at).total_seconds() >= self.config.cooldown_s:
            return "half_open"
        return "open"

    def allow(self, now: datetime) -> bool:
        """May the agent be called now? In ``half_open`` only one trial is let through."""
        state = self.state(now)
        if state == "closed":
            return True
        if state == "half_open" and not self._trial:
            self._trial = True
            return True
        return False

    def record(self, ok: bool, now: datetime) -> None:
        """Count the result of a call."""
        self._trial = False
        if ok:
            self.consecutive_failures = 0
            self.opened_at = None
            return
        self.consecutive_failures += 1
        if self.opened_at is not None or self.consecutive_failures >= self.config.failures:
            self.opened_at = now

    def retry_at(self) -> datetime | None:
        """When the breaker next lets a trial through (``None`` if closed)."""
        from datetime import timedelta

        if self.opened_at is None:
            return None
        return self.opened_at + timedelta(seconds=self.config.cooldown_s)
