"""The shipped audits: each question as SPARQL (embedded store) and Cypher (Neo4j).

Cypher follows the Neo4j store's n10s-style mapping (see ``docs/neo4j.md``):
one ``(:Resource {uri})`` node per IRI, ``rdf:type`` as labels
(``ops__StepExecution``), IRI-valued properties as relationships
(``ops__executes``) carrying the graph they belong to (``{graph: 'provenance'}``),
and literals as node properties, prefixed by their graph outside the asserted
one (``ops__status``). Both forms take the same named parameters
and return the same columns; list columns come back sorted.
"""

from __future__ import annotations

__all__ = ["CYPHER", "SPARQL"]

_SEP = "\\u001f"

SPARQL: dict[str, str] = {}
CYPHER: dict[str, str] = {}

# -- why: why was this action taken? ---------------------------------------------------
# A step need not come from a rule (a runbook's failover, a page to the on-call) nor cite
# anything: ``?rule`` and ``?influence`` may be unbound. rdflib's DISTINCT aggregates fail
# on an unbound value instead of skipping it, so both are COALESCEd to "" (dropped when the
# row is read); Cypher's OPTIONAL MATCH + collect() skips the nulls by itself.
SPARQL["why"] = f"""
SELECT ?activity ?step ?plan ?action ?target ?agent ?status ?started ?ended
       ?decision ?verdict ?shape_set_version ?approver
       (GROUP_CONCAT(DISTINCT COALESCE(?rule, ""); separator="{_SEP}") AS ?rules)
       (GROUP_CONCAT(DISTINCT COALESCE(STR(?influence), ""); separator="{_SEP}") AS ?informed_by)
WHERE {{
  {{ ?subject ops:executes ?any . BIND (?subject AS ?activity) }}
  UNION {{ ?activity ops:executes ?subject }}
  ?activity a ops:StepExecution ; ops:executes ?step ; ops:executedAction ?action ;
            ops:actedOn ?target ; prov:wasAssociatedWith ?agent ; ops:status ?status ;
            prov:startedAtTime ?started ; prov:endedAtTime ?ended ;
            prov:qualifiedAssociation/prov:hadPlan ?plan .
  OPTIONAL {{ ?activity ops:proposedBy ?r . ?r ops:ruleId ?rid ; ops:ruleVersion ?rv .
             BIND (CONCAT(STR(?rid), "@", STR(?rv)) AS ?rule) }}
  OPTIONAL {{ ?activity prov:wasInfluencedBy ?influence .
             FILTER NOT EXISTS {{ ?influence a ops:Approval }} }}
  OPTIONAL {{ ?activity prov:wasInformedBy ?decision . ?decision a ops:PolicyDecision ;
             ops:status ?verdict }}
  OPTIONAL {{ ?activity ops:shapeSetVersion ?shape_set_version }}
  OPTIONAL {{ ?activity prov:wasInfluencedBy ?ap . ?ap a ops:Approval ; ops:approvedBy ?approver }}
}}
GROUP BY ?activity ?step ?plan ?action ?target ?agent ?status ?started ?ended
         ?decision ?verdict ?shape_set_version ?approver
ORDER BY ?started ?activity
"""

CYPHER["why"] = """
MATCH (a:ops__StepExecution)-[:ops__executes {graph: 'provenance'}]->(step)
WHERE a.uri = $subject OR step.uri = $subject
MATCH (a)-[:ops__executedAction {graph: 'provenance'}]->(action),
      (a)-[:ops__actedOn {graph: 'provenance'}]->(target),
      (a)-[:prov__wasAssociatedWith {graph: 'provenance'}]->(agent),
      (a)-[:prov__qualifiedAssociation {graph: 'provenance'}]->()
        -[:prov__hadPlan {graph: 'provenance'}]->(plan)
OPTIONAL MATCH (a)-[:ops__proposedBy {graph: 'provenance'}]->(r)
WITH a, step, action, target, agent, plan,
     collect(DISTINCT r.ops__ruleId + '@' + r.ops__ruleVersion) AS rules
OPTIONAL MATCH (a)-[:prov__wasInfluencedBy {graph: 'provenance'}]->(inf)
WHERE NOT inf:ops__Approval
WITH a, step, action, target, agent, plan, rules, collect(DISTINCT inf.uri) AS informed_by
OPTIONAL MATCH (a)-[:prov__wasInformedBy {graph: 'provenance'}]->(d:ops__PolicyDecision)
OPTIONAL MATCH (a)-[:prov__wasInfluencedBy {graph: 'provenance'}]->(:ops__Approval)
               -[:ops__approvedBy {graph: 'provenance'}]->(p)
RETURN a.uri AS activity, step.uri AS step, plan.uri AS plan, action.uri AS action,
       target.uri AS target, agent.uri AS agent, a.ops__status AS status,
       a.prov__startedAtTime AS started, a.prov__endedAtTime AS ended,
       d.uri AS decision, d.ops__status AS verdict,
       a.ops__shapeSetVersion AS shape_set_version, p.uri AS approver,
       rules, informed_by
ORDER BY started, activity
"""

# -- service-history: everything done to service X between two dates --------------------------
SPARQL["service-history"] = """
SELECT ?activity ?started ?action ?target ?status ?agent ?plan
WHERE {
  ?activity a ops:StepExecution ; ops:targetService ?service ; prov:startedAtTime ?started ;
            ops:executedAction ?action ; ops:actedOn ?target ; ops:status ?status ;
            prov:wasAssociatedWith ?agent ; prov:qualifiedAssociation/prov:hadPlan ?plan .
  FILTER (?started >= ?from && ?started <= ?to)
}
ORDER BY ?started ?activity
"""

# A record without ops:targetService (a page: its target is a person) belongs to the history
# of the services its plan's steps touch (asserted graph: a step's target, that target's
# service, or the services of instances on a target host), as the executor counts them.
# Asserted edges carry no graph property on Neo4j (docs/neo4j.md), hence ``r.graph IS NULL``.
SPARQL["service-history-by-plan"] = """
SELECT ?activity ?started ?action ?target ?status ?agent ?plan
WHERE {
  ?activity a ops:StepExecution ; prov:startedAtTime ?started ;
            ops:executedAction ?action ; ops:actedOn ?target ; ops:status ?status ;
            prov:wasAssociatedWith ?agent ; prov:qualifiedAssociation/prov:hadPlan ?plan .
  FILTER NOT EXISTS { ?activity ops:targetService ?any }
  FILTER (?started >= ?from && ?started <= ?to)
}
"""

_HISTORY_COLUMNS = """
MATCH (a)-[:ops__executedAction {graph: 'provenance'}]->(action),
      (a)-[:ops__actedOn {graph: 'provenance'}]->(target),
      (a)-[:prov__wasAssociatedWith {graph: 'provenance'}]->(agent),
      (a)-[:prov__qualifiedAssociation {graph: 'provenance'}]->()
        -[:prov__hadPlan {graph: 'provenance'}]->(plan)
RETURN a.uri AS activity, a.prov__startedAtTime AS started, action.uri AS action,
       target.uri AS target, a.ops__status AS status, agent.uri AS agent,
       plan.uri AS plan
"""

CYPHER["service-history"] = f"""
MATCH (a:ops__StepExecution)-[:ops__targetService {{graph: 'provenance'}}]->(:Resource {{uri: $service}})
WHERE a.prov__startedAtTime >= datetime($from)
  AND a.prov__startedAtTime <= datetime($to)
{_HISTORY_COLUMNS.strip()}
UNION
MATCH (svc:Resource {{uri: $service}})
MATCH (p)-[h:ops__hasStep]->()-[g:ops__target]->(t)
WHERE h.graph IS NULL AND g.graph IS NULL
  AND (t = svc
   OR EXISTS {{ MATCH (t)-[r:ops__instanceOf|ops__changes]->(svc) WHERE r.graph IS NULL }}
   OR EXISTS {{ MATCH (i)-[r1:ops__runsOn]->(t), (i)-[r2:ops__instanceOf]->(svc)
               WHERE r1.graph IS NULL AND r2.graph IS NULL }})
WITH DISTINCT p
MATCH (a:ops__StepExecution)-[:prov__qualifiedAssociation {{graph: 'provenance'}}]->()
        -[:prov__hadPlan {{graph: 'provenance'}}]->(p)
WHERE a.prov__startedAtTime >= datetime($from)
  AND a.prov__startedAtTime <= datetime($to)
  AND NOT EXISTS {{ MATCH (a)-[:ops__targetService {{graph: 'provenance'}}]->() }}
{_HISTORY_COLUMNS.strip()}
"""

# -- blocked-plans: plans blocked by policy, and by which shape ------------------------------
SPARQL["blocked-plans"] = """
SELECT ?decision ?plan ?started ?shape ?shape_set_version
WHERE {
  ?decision a ops:PolicyDecision ; ops:status "blocked" ; prov:startedAtTime ?started ;
            prov:qualifiedAssociation/prov:hadPlan ?plan ; ops:shapeSetVersion ?shape_set_version .
  OPTIONAL { ?decision ops:blockedBy ?shape }
  FILTER (?started >= ?from && ?started <= ?to)
}
ORDER BY ?started ?decision ?shape
"""

CYPHER["blocked-plans"] = """
MATCH (d:ops__PolicyDecision {ops__status: 'blocked'})
      -[:prov__qualifiedAssociation {graph: 'provenance'}]->()
      -[:prov__hadPlan {graph: 'provenance'}]->(plan)
WHERE d.prov__startedAtTime >= datetime($from)
  AND d.prov__startedAtTime <= datetime($to)
OPTIONAL MATCH (d)-[:ops__blockedBy {graph: 'provenance'}]->(shape)
RETURN d.uri AS decision, plan.uri AS plan, d.prov__startedAtTime AS started,
       shape.uri AS shape, d.ops__shapeSetVersion AS shape_set_version
ORDER BY started, decision, shape
"""

# -- approved-by: actions approved by person P ----------------------------------------------
SPARQL["approved-by"] = """
SELECT ?activity ?started ?action ?target ?status ?plan
WHERE {
  ?activity a ops:StepExecution ; prov:wasInfluencedBy ?ap ; prov:startedAtTime ?started ;
            ops:executedAction ?action ; ops:actedOn ?target ; ops:status ?status ;
            prov:qualifiedAssociation/prov:hadPlan ?plan .
  ?ap a ops:Approval ; ops:approvedBy ?person .
}
ORDER BY ?started ?activity
"""

CYPHER["approved-by"] = """
MATCH (a:ops__StepExecution)-[:prov__wasInfluencedBy {graph: 'provenance'}]->(:ops__Approval)
      -[:ops__approvedBy {graph: 'provenance'}]->(:Resource {uri: $person})
MATCH (a)-[:ops__executedAction {graph: 'provenance'}]->(action),
      (a)-[:ops__actedOn {graph: 'provenance'}]->(target),
      (a)-[:prov__qualifiedAssociation {graph: 'provenance'}]->()
        -[:prov__hadPlan {graph: 'provenance'}]->(plan)
RETURN a.uri AS activity, a.prov__startedAtTime AS started, action.uri AS action,
       target.uri AS target, a.ops__status AS status, plan.uri AS plan
ORDER BY started, activity
"""

# -- top-rules: which rule version caused the most actions ------------------------------------
SPARQL["top-rules"] = """
SELECT ?rule_id ?rule_version (COUNT(DISTINCT ?activity) AS ?actions)
WHERE {
  ?activity a ops:StepExecution ; ops:status ?status ; ops:proposedBy ?r .
  ?r ops:ruleId ?rule_id ; ops:ruleVersion ?rule_version .
  FILTER (?status IN ("succeeded", "failed", "timed_out"))
}
GROUP BY ?rule_id ?rule_version
ORDER BY DESC(?actions) ?rule_id ?rule_version
"""

CYPHER["top-rules"] = """
MATCH (a:ops__StepExecution)-[:ops__proposedBy {graph: 'provenance'}]->(r)
WHERE a.ops__status IN ['succeeded', 'failed', 'timed_out']
RETURN r.ops__ruleId AS rule_id, r.ops__ruleVersion AS rule_version,
       count(DISTINCT a) AS actions
ORDER BY actions DESC, rule_id, rule_version
LIMIT $limit
"""
