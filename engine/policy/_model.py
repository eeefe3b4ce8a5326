"""Values the policy gate hands out: shape-set versions, results and reports."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["PolicyReport", "PolicyResult", "Severity", "ShapeVersion"]

Severity = Literal["Violation", "Warning", "Info"]
"""A Violation blocks a plan; a Warning needs a human approval; Info is advice."""

_FROZEN = ConfigDict(frozen=True)


class ShapeVersion(BaseModel):
    """Which shape set a decision was judged under.

    ``hash`` is the sha256 of the canonical N-Triples of the merged shapes
    graph (blank nodes canonicalised), so reformatting a file keeps it;
    ``version_info`` is the ``owl:versionInfo`` of the shapes ontology.
    """

    model_config = _FROZEN

    hash: str
    version_info: str

    @property
    def short(self) -> str:
        return self.hash[:12]


class PolicyResult(BaseModel):
    """One finding of the gate. Terms are in N3 form (``<iri>``, ``"v"^^<dt>``, ``_:b``).

    ``shape`` names the shape whose constraint failed: its IRI, or for a
    blank-node property shape ``<parent> / <path>``.
    """

    model_config = _FROZEN

    shape: str
    focus: str
    path: str | None
    value: str | None
    message: str
    severity: Severity
    component: str

    def key(self) -> tuple[str, ...]:
        """A total order and identity, used to sort and compare reports."""
        return (self.focus, self.shape, self.component, self.path or "", self.value or "",
                self.severity, self.message)


class PolicyReport(BaseModel):
    """The verdict on a world (full validation) or on a plan's delta (what-if).

    ``scope`` is ``"full"`` or ``"delta"``; a delta report covers exactly the
    focus nodes the delta can affect (``focus_checked`` of them), and equals a
    full validation of the post-plan world restricted to those nodes. ``left_out`` counts
    the nodes a full validation was asked not to judge (steps of settled plans).
    """

    model_config = _FROZEN

    conforms: bool
    results: tuple[PolicyResult, ...]
    shape_version: ShapeVersion
    scope: Literal["full", "delta"] = "full"
    at: int | None = None
    focus_checked: int = 0
    left_out: int = 0
    judged_at: datetime | None = None

    @property
    def blocking(self) -> bool:
        """Any Violation: the plan must not run."""
        return any(r.severity == "Violation" for r in self.results)

    @property
    def needs_approval(self) -> bool:
        """Warnings but no Violation: a human must approve before it runs."""
        return not self.blocking and any(r.severity == "Warning" for r in self.results)

    @property
    def verdict(self) -> str:
        """``blocked``, ``needs-approval`` or ``allowed``."""
        if self.blocking:
            return "blocked"
        return "needs-approval" if self.needs_approval else "allowed"
