"""Closed vocabularies: every IRI the engine names in code comes from here.

``OPS`` mirrors ``ontology/ops.ttl`` term for term (a unit test keeps the two
equal). An unknown term raises ``AttributeError`` instead of minting a typo.
"""

from __future__ import annotations

from difflib import get_close_matches
from enum import StrEnum

from rdflib import Namespace, URIRef
from rdflib.namespace import SH, DefinedNamespace

__all__ = ["ACTION_TYPES", "EX", "GRAPH", "OPS", "PREFIXES", "PROV", "RUN", "GraphName",
           "unknown_term"]

PROV = Namespace("http://www.w3.org/ns/prov#")
EX = Namespace("https://example.org/estate/")
"""Namespace of the bundled sample estate."""
RUN = Namespace("urn:tier1:run:")
"""Namespace for IRIs the engine mints: plans, steps, activities, derived nodes."""


class OPS(DefinedNamespace):
    """The tier1 IT-operations ontology, ``https://w3id.org/tier1/ops#``."""

    _NS = Namespace("https://w3id.org/tier1/ops#")
    _fail = True

    # --- classes: the estate
    Service: URIRef  # a deployable service with a tier and an SLO
    DatabaseService: URIRef  # a service that is a database
    Host: URIRef  # a machine or VM that runs instances
    Instance: URIRef  # one running copy of a service on a host
    Team: URIRef  # a group that owns services
    Person: URIRef  # a human (prov:Person)
    OnCallShift: URIRef  # who is on call for a team, from/to
    # --- classes: what happens
    Alert: URIRef  # a monitoring signal about an entity
    DuplicateAlert: URIRef  # a new alert repeating a firing one (kept as its record)
    Incident: URIRef  # an operational disruption being handled
    Change: URIRef  # a deployment or config change
    Deployment: URIRef  # a change that ships a new version
    ConfigChange: URIRef  # a change to configuration
    FreezeWindow: URIRef  # a time window in which services must not be changed
    # --- classes: how to respond
    Runbook: URIRef  # a documented procedure for an action type
    ActionType: URIRef  # a kind of remediation action
    Goal: URIRef  # a desired state, e.g. service back within SLO
    Plan: URIRef  # an ordered set of steps toward a goal (prov:Plan)
    PlanStep: URIRef  # one step of a plan
    StepExecution: URIRef  # the execution of a step (prov:Activity)
    Agent: URIRef  # something that acts (prov:Agent)
    SoftwareAgent: URIRef  # an automated agent (prov:SoftwareAgent)
    HumanAgent: URIRef  # a person acting (prov:Person)
    Approval: URIRef  # a human approval attached to a plan
    PolicyDecision: URIRef  # a verdict of the policy gate (prov:Activity)
    PlanWithdrawal: URIRef  # the loop withdrawing a plan whose goal was met before it ran
    # --- action type individuals
    Restart: URIRef
    ScaleOut: URIRef
    ScaleIn: URIRef
    Failover: URIRef
    Rollback: URIRef
    Page: URIRef
    OpenTicket: URIRef
    ClearDisk: URIRef
    # --- object properties
    dependsOn: URIRef  # service -> service it needs
    instanceOf: URIRef  # instance -> service
    runsOn: URIRef  # instance -> host
    ownedBy: URIRef  # service -> team
    memberOf: URIRef  # person -> team
    onCallFor: URIRef  # on-call shift -> team
    onCallPerson: URIRef  # on-call shift -> person
    about: URIRef  # alert -> entity it concerns
    duplicateOf: URIRef  # duplicate alert -> the firing alert it repeats
    affects: URIRef  # incident -> service
    triggeredBy: URIRef  # incident -> alert
    likelyCause: URIRef  # alert or incident -> service that is the likely root cause
    changes: URIRef  # change -> service changed
    freezes: URIRef  # freeze window -> service
    forActionType: URIRef  # runbook -> action type
    appliesTo: URIRef  # runbook -> service
    hasStep: URIRef  # plan -> step
    forGoal: URIRef  # plan -> goal
    goalTarget: URIRef  # goal -> entity
    goalEntity: URIRef  # goal -> what must be healthy (an incident target's service)
    compensatedBy: URIRef  # runbook or plan step -> the action that undoes it
    runBy: URIRef  # running plan -> "host/pid" of the process running it
    actionType: URIRef  # step -> action type
    target: URIRef  # step -> entity acted on
    usesRunbook: URIRef  # step -> runbook
    standsFor: URIRef  # runbook step -> entity whose proposed fix it stands for
    performedBy: URIRef  # step -> agent assigned
    canPerform: URIRef  # agent -> action type it may run (scope)
    scopeService: URIRef  # agent -> service it may act on (scope)
    approvedBy: URIRef  # plan or approval -> person
    enteredBy: URIRef  # approval activity -> the account that ran the command (a string)
    hasApproval: URIRef  # plan -> approval
    executes: URIRef  # step execution -> step
    # --- datatype properties
    name: URIRef  # short machine name
    tier: URIRef  # 1, 2 or 3
    environment: URIRef  # "production", "staging"
    sloAvailability: URIRef  # target availability, percent
    sloLatencyMs: URIRef  # target p99 latency, ms
    minHealthyInstances: URIRef  # fewest healthy instances that still meet the SLO
    maxInstances: URIRef  # capacity ceiling for scale-out
    health: URIRef  # "healthy", "degraded", "crashed", "unknown"
    diskUsedPercent: URIRef  # host disk usage
    fingerprint: URIRef  # alert dedup key
    severity: URIRef  # "critical", "warning", "info"
    status: URIRef  # lifecycle status of alert, incident, change, plan, step
    firedAt: URIRef  # alert time
    repeatedAt: URIRef  # duplicate alert time
    openedAt: URIRef  # incident time
    changedAt: URIRef  # change time
    version: URIRef  # deployed version
    previousVersion: URIRef  # version before the change
    startsAt: URIRef  # window or shift start
    endsAt: URIRef  # window or shift end
    email: URIRef  # contact
    stepOrder: URIRef  # position of a step in its plan
    emergency: URIRef  # approval is an emergency approval
    salience: URIRef  # priority of a proposal
    restartCount: URIRef  # restarts in the current hour (twin observation)
    # --- agents and provenance (issue 7)
    Notification: URIRef  # a page or ticket an agent sent
    notifies: URIRef  # notification -> entity it is about
    channel: URIRef  # notification channel: "page" or "ticket"
    sentAt: URIRef  # when a notification was sent
    executedAction: URIRef  # step execution -> action type it ran
    actedOn: URIRef  # step execution -> entity it acted on
    targetService: URIRef  # step execution -> service the acted-on entity belongs to
    idempotencyKey: URIRef  # step execution -> key; a succeeded key never acts again
    proposedBy: URIRef  # activity -> rule reference (ruleId, ruleVersion) that proposed it
    ruleId: URIRef  # rule reference -> rule id
    ruleVersion: URIRef  # rule reference -> rule version
    shapeSetVersion: URIRef  # activity -> version of the SHACL shape set that judged it
    blockedBy: URIRef  # policy decision -> shape that blocked the plan
    recordSeq: URIRef  # provenance record -> position in the hash chain (from 1)
    recordHash: URIRef  # provenance record -> SHA-256 of its canonical triples
    previousHash: URIRef  # provenance record -> recordHash of the record before it


class GraphName(StrEnum):
    """The three graphs every store keeps apart."""

    ASSERTED = "asserted"
    INFERRED = "inferred"
    PROVENANCE = "provenance"

    @property
    def iri(self) -> URIRef:
        return URIRef(f"urn:tier1:graph:{self.value}")


ACTION_TYPES: frozenset[URIRef] = frozenset({
    OPS.Restart, OPS.ScaleOut, OPS.ScaleIn, OPS.Failover, OPS.Rollback, OPS.Page, OPS.OpenTicket,
    OPS.ClearDisk,
})
"""The ``ops:ActionType`` individuals of ``ontology/ops.ttl`` (a unit test keeps them equal):
what a rule may ``propose`` and a scenario may name as an action."""

GRAPH = {g: g.iri for g in GraphName}

PREFIXES: dict[str, str] = {
    "ops": str(OPS._NS),
    "ex": str(EX),
    "run": str(RUN),
    "prov": str(PROV),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sh": "http://www.w3.org/ns/shacl#",
}
"""Prefixes used for CURIEs everywhere (CLI output, Neo4j labels, exports)."""


def _terms(ns: type[DefinedNamespace]) -> frozenset[str]:
    """A defined namespace's terms, those that are Python keywords (``sh:class``) included."""
    names = {n for n in ns.__annotations__ if not n.startswith("_")}
    return frozenset(names | set(getattr(ns, "_extras", ())))


_CLOSED: dict[str, tuple[str, frozenset[str], str]] = {
    "ops": (str(OPS._NS), _terms(OPS), "the ops ontology (ontology/ops.ttl)"),
    "sh": (str(SH._NS), _terms(SH), "SHACL (https://www.w3.org/TR/shacl/)"),
}


def unknown_term(iri: URIRef) -> str | None:
    """Why ``iri`` is refused: an ``ops:`` or ``sh:`` IRI that is no term of its closed
    vocabulary (a typo, which would silently match nothing), with "did you mean"; else ``None``."""
    text = str(iri)
    for prefix, (ns, names, where) in _CLOSED.items():
        if text.startswith(ns):
            local = text[len(ns):]
            if not local or local in names:
                return None
            near = get_close_matches(local, sorted(names), n=1, cutoff=0.6)
            hint = f"; did you mean {prefix}:{near[0]}?" if near else ""
            return f"{prefix}:{local} is not a term of {where}{hint}"
    return None
