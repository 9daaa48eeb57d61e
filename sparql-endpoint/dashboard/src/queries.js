// The SPARQL behind each view.  Every view shows its query through "open in YASGUI".
const PREFIXES = `PREFIX dl: <https://w3id.org/torchprov/dl#>
PREFIX prov: <http://www.w3.org/ns/prov#>
`;

const iri = (s) => `<${String(s).replace(/[<>"{}|^`\\\s]/g, (c) => encodeURIComponent(c))}>`;
const values = (runs) => (runs.length ? `  VALUES ?run { ${runs.map(iri).join(' ')} }\n` : '');

/** Runs table: one row per run with its status, progress, key settings and best metrics. */
export function runsQuery() {
  const best = (name, agg, as) => `  OPTIONAL {
    SELECT ?run (${agg}(?v) AS ?${as}) WHERE {
      ?m a dl:MetricValue ; dl:name "${name}" ; dl:split "val" ; prov:value ?v ; prov:wasGeneratedBy ?a .
      ?a dl:partOfRun ?run .
    } GROUP BY ?run
  }\n`;
  const setting = (name, as) => `  OPTIONAL { ?run prov:used ?${as}S . ?${as}S a dl:HyperparameterSetting ; dl:name "${name}" ; prov:value ?${as} .
             OPTIONAL { ?${as}S dl:paramGroup ?${as}G } FILTER (!BOUND(?${as}G) || ?${as}G = 0) }\n`;
  return `${PREFIXES}
SELECT DISTINCT ?run ?runId ?experiment ?person ?status ?started ?ended ?epochsPlanned ?epochs
       ?learningRate ?batchSize ?optimizer ?bestValAccuracy ?bestValR2 ?minValLoss
WHERE {
  ?run a dl:TrainingRun ; dl:runId ?runId .
  OPTIONAL { ?run prov:startedAtTime ?started }
  OPTIONAL { ?run prov:endedAtTime ?ended }
  OPTIONAL { ?run dl:status ?status }
  OPTIONAL { ?run dl:epochsPlanned ?epochsPlanned }
  OPTIONAL { ?run dl:partOfExperiment ?exp . ?exp dl:name ?experiment }
  OPTIONAL { ?run prov:wasAssociatedWith ?p . ?p a prov:Person ; dl:name ?person }
${setting('learning_rate', 'learningRate')}${setting('batch_size', 'batchSize')}  OPTIONAL { ?run prov:used ?o . ?o a dl:Optimizer ; dl:optimizerType ?optimizerType }
  OPTIONAL { ?run prov:used ?os . ?os a dl:HyperparameterSetting ; dl:name "optimizer" ; prov:value ?optimizerSetting }
  BIND (COALESCE(?optimizerType, ?optimizerSetting) AS ?optimizer)
  OPTIONAL {
    SELECT ?run (COUNT(DISTINCT ?e) AS ?epochs) WHERE {
      ?e a dl:Epoch ; dl:partOfRun ?run ; prov:endedAtTime ?end .
    } GROUP BY ?run
  }
${best('accuracy', 'MAX', 'bestValAccuracy')}${best('r2', 'MAX', 'bestValR2')}${best('loss', 'MIN', 'minValLoss')}}
ORDER BY DESC(?started)
`;
}

/** Metric values per epoch (and evaluation) of the given runs. */
export function curvesQuery(runs) {
  return `${PREFIXES}
SELECT DISTINCT ?run ?metricValue ?epoch ?split ?metric ?value
WHERE {
${values(runs)}  ?activity dl:partOfRun ?run .
  ?metricValue prov:wasGeneratedBy ?activity ; a dl:MetricValue ;
     dl:name ?metric ; dl:split ?split ; dl:epoch ?epoch ; prov:value ?value .
}
ORDER BY ?run ?metric ?split ?epoch ?metricValue
`;
}

/** Adaptations of the given runs: when, what changed, who and why. */
export function adaptationsQuery(runs) {
  return `${PREFIXES}
SELECT DISTINCT ?run ?adaptation ?epoch ?action ?hyperparameter ?paramGroup ?oldValue ?newValue
       ?agent ?agentName ?agentKind ?reason ?time
WHERE {
${values(runs)}  ?adaptation a dl:Adaptation ; dl:partOfRun ?run .
  OPTIONAL { ?adaptation dl:epoch ?epoch }
  OPTIONAL { ?adaptation dl:action ?action }
  OPTIONAL { ?adaptation dl:reason ?reason }
  OPTIONAL { ?adaptation prov:startedAtTime ?time }
  OPTIONAL {
    ?new prov:wasGeneratedBy ?adaptation ; a dl:HyperparameterSetting ; dl:name ?hyperparameter ; prov:value ?newValue .
    OPTIONAL { ?new dl:paramGroup ?paramGroup }
    OPTIONAL { ?new prov:wasRevisionOf ?old . ?old prov:value ?oldValue }
  }
  OPTIONAL {
    ?adaptation prov:wasAssociatedWith ?agent .
    OPTIONAL { ?agent dl:name ?n }
    OPTIONAL { ?agent dl:program ?prog }
    OPTIONAL { ?agent a prov:Person . BIND ("person" AS ?kindP) }
    OPTIONAL { ?agent a dl:SteeringRule . BIND ("steering rule" AS ?kindR) }
    OPTIONAL { ?agent a dl:Trainer . BIND ("trainer" AS ?kindT) }
    BIND (COALESCE(?n, ?prog, STR(?agent)) AS ?agentName)
    BIND (COALESCE(?kindP, ?kindR, ?kindT, "agent") AS ?agentKind)
  }
}
ORDER BY ?run ?epoch ?adaptation
`;
}

/** Initial hyperparameter settings of every run with one result per run. */
export function hparamsQuery(target) {
  const [mode, metric] = target.split(':');
  const lowerIsBetter = metric === 'loss' || metric === 'mse';
  const result = mode === 'best'
    ? `  {
    SELECT ?run (${lowerIsBetter ? 'MIN' : 'MAX'}(?v) AS ?result) WHERE {
      ?m a dl:MetricValue ; dl:name "${metric}" ; dl:split "val" ; prov:value ?v ; prov:wasGeneratedBy ?a .
      ?a a dl:Epoch ; dl:partOfRun ?run .
    } GROUP BY ?run
  }`
    : `  {
    SELECT ?run (MAX(?ep) AS ?lastEpoch) WHERE {
      ?m a dl:MetricValue ; dl:name "${metric}" ; dl:split "val" ; dl:epoch ?ep ; prov:wasGeneratedBy ?a .
      ?a a dl:Epoch ; dl:partOfRun ?run .
    } GROUP BY ?run
  }
  ?last a dl:MetricValue ; dl:name "${metric}" ; dl:split "val" ; dl:epoch ?lastEpoch ; prov:value ?result ;
        prov:wasGeneratedBy ?la . ?la a dl:Epoch ; dl:partOfRun ?run .`;
  return `${PREFIXES}
# result = ${mode === 'best' ? (lowerIsBetter ? 'minimum' : 'maximum') : 'final (last epoch)'} val ${metric} of each run
SELECT DISTINCT ?run ?runId ?hyperparameter ?paramGroup ?value ?result
WHERE {
${result}
  ?run a dl:TrainingRun ; dl:runId ?runId ; prov:used ?setting .
  ?setting a dl:HyperparameterSetting ; dl:name ?hyperparameter ; prov:value ?value .
  OPTIONAL { ?setting dl:paramGroup ?paramGroup }
}
ORDER BY ?runId ?hyperparameter
`;
}

/** Current value of the steerable hyperparameters of a run (latest revision wins). */
export function currentSettingsQuery(run) {
  return `${PREFIXES}
SELECT DISTINCT ?setting ?hyperparameter ?paramGroup ?value ?epoch
WHERE {
  {
    ${iri(run)} prov:used ?setting .
  } UNION {
    ?a a dl:Adaptation ; dl:partOfRun ${iri(run)} .
    ?setting prov:wasGeneratedBy ?a .
    OPTIONAL { ?a dl:epoch ?epoch }
  }
  ?setting a dl:HyperparameterSetting ; dl:name ?hyperparameter ; prov:value ?value .
  OPTIONAL { ?setting dl:paramGroup ?paramGroup }
  FILTER (?hyperparameter IN ("learning_rate", "weight_decay", "momentum", "epochs"))
}
`;
}
