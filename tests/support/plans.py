"""A plan file both the policy and the provenance tests judge: a rollback of the payments
service, which the sample estate's change freeze blocks."""

FREEZE_PLAN = """@prefix ops: <https://w3id.org/tier1/ops#> .
@prefix ex: <https://example.org/estate/> .
@prefix run: <urn:tier1:run:> .
run:p a ops:Plan ; ops:status "proposed" ; ops:hasStep run:s .
run:s a ops:PlanStep ; ops:actionType ops:Rollback ; ops:target ex:payments ;
  ops:usesRunbook ex:rb-rollback ; ops:performedBy ex:agent-deployer .
"""
