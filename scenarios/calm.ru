# A calm estate: the sample estate with every open problem settled, so that each
# scenario starts from a quiet world and shows only its own story.
#   firing alerts -> resolved, open incidents -> resolved,
#   unhealthy instances -> healthy (restart counters back to 0),
#   disks above 80% -> 55%, every change made well before the scenarios (no "recent" change).

DELETE { ?a ops:status "firing" } INSERT { ?a ops:status "resolved" }
WHERE  { ?a a ops:Alert ; ops:status "firing" } ;

DELETE { ?i ops:status "open" } INSERT { ?i ops:status "resolved" }
WHERE  { ?i a ops:Incident ; ops:status "open" } ;

DELETE { ?x ops:health ?h } INSERT { ?x ops:health "healthy" }
WHERE  { ?x a ops:Instance ; ops:health ?h FILTER (?h != "healthy") } ;

DELETE { ?x ops:restartCount ?n } INSERT { ?x ops:restartCount 0 }
WHERE  { ?x ops:restartCount ?n FILTER (?n != 0) } ;

DELETE { ?h ops:diskUsedPercent ?d } INSERT { ?h ops:diskUsedPercent 55.0 }
WHERE  { ?h ops:diskUsedPercent ?d FILTER (?d > 80) } ;

DELETE { ?c ops:changedAt ?t } INSERT { ?c ops:changedAt "2026-11-20T10:00:00Z"^^xsd:dateTime }
WHERE  { ?c ops:changes ?svc ; ops:changedAt ?t }
