PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dl: <https://w3id.org/torchprov/dl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX ex: <http://example.org/>
INSERT DATA {
  ex:note1 a prov:Entity ; rdfs:label "a note", "une note"@fr ; prov:value 3.5 .
  GRAPH ex:g1 { ex:a ex:p ex:b , ex:c . ex:b ex:p "x" . }
  GRAPH ex:g2 { ex:z ex:p 1 . }
} ;
DELETE { ?h prov:value ?v } INSERT { ?h prov:value ?v2 ; dl:note "doubled" }
WHERE { ?h a dl:HyperparameterSetting ; dl:name "batch_size" ; prov:value ?v . BIND(?v * 2 AS ?v2) } ;
DELETE WHERE { ?m a dl:MetricValue ; dl:split "test" ; ?p ?o } ;
INSERT { GRAPH ex:g1 { ?run ex:tag "copied" } } WHERE { ?run a dl:TrainingRun } ;
DROP GRAPH ex:g2 ;
WITH ex:g1 DELETE { ?s ex:p ?o } WHERE { ?s ex:p ?o FILTER(isLiteral(?o)) } ;
DELETE DATA { ex:note1 rdfs:label "une note"@fr } ;
# (COPY/ADD are not used: Jena 4.5's arq.update refuses them on its --data dataset)
INSERT { GRAPH ex:g3 { ?s ?p ?o } } WHERE { GRAPH ex:g1 { ?s ?p ?o } } ;
CLEAR SILENT GRAPH ex:nothing ;
DROP SILENT GRAPH ex:nothing
