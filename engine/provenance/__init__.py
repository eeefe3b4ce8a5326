"""Provenance: PROV-O records of every decision and action, hash-chained, with audits.

:class:`ProvenanceRecorder` turns what happened into records (deltas for the
PROVENANCE graph); :func:`verify_chain` checks nobody changed or deleted one;
:func:`run_audit` answers the questions auditors ask, in Cypher on Neo4j and
in SPARQL on the embedded store; :func:`export_provenance` writes PROV out.
"""

from engine.provenance._audits import (
    AUDITS,
    Audit,
    AuditParam,
    AuditResult,
    resolved_params,
    run_audit,
)
from engine.provenance._chain import (
    HEAD,
    claims,
    read_head,
    record_hash,
    record_iri,
    verify_chain,
)
from engine.provenance._export import PROV_FORMATS, export_provenance
from engine.provenance._model import (
    ApprovalRecord,
    ChainProblem,
    ChainReport,
    PolicyDecisionRecord,
    Rationale,
    Record,
    RuleRef,
    StepExecutionRecord,
    Violation,
    WithdrawalRecord,
)
from engine.provenance._recorder import PLANNER, POLICY_GATE, ProvenanceRecorder
from engine.provenance._subject import what_is

__all__ = [
    "AUDITS",
    "HEAD",
    "PLANNER",
    "POLICY_GATE",
    "PROV_FORMATS",
    "ApprovalRecord",
    "Audit",
    "AuditParam",
    "AuditResult",
    "ChainProblem",
    "ChainReport",
    "PolicyDecisionRecord",
    "ProvenanceRecorder",
    "Rationale",
    "Record",
    "RuleRef",
    "StepExecutionRecord",
    "Violation",
    "WithdrawalRecord",
    "claims",
    "export_provenance",
    "read_head",
    "record_hash",
    "record_iri",
    "resolved_params",
    "run_audit",
    "verify_chain",
    "what_is",
]
