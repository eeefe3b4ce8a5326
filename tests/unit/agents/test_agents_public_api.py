"""The names the planner codes against are exported, and only real names are."""

from __future__ import annotations

import engine.agents
import engine.provenance

AGENTS = {"ActionRequest", "Outcome", "Agent", "AgentScope", "AgentRegistry", "Executor",
          "DigitalTwin", "FaultSpec", "TwinConfig", "SimClock", "BreakerConfig", "World"}
PROVENANCE = {"ProvenanceRecorder", "verify_chain", "ChainReport", "run_audit", "AUDITS",
              "Rationale", "RuleRef", "StepExecutionRecord", "PolicyDecisionRecord",
              "ApprovalRecord", "Violation", "export_provenance"}


def test_exports():
    for module, required in ((engine.agents, AGENTS), (engine.provenance, PROVENANCE)):
        assert required <= set(module.__all__)
        assert all(hasattr(module, name) for name in module.__all__)
        assert list(module.__all__) == sorted(module.__all__, key=lambda n: (not n.isupper(), n))
