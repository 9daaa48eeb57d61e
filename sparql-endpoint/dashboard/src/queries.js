// The SPARQL behind each view.  Every view shows its query through "open in YASGUI".
// Only standard SPARQL 1.1: the same queries run against any SPARQL 1.1 store.
// Views over many runs never load every run: the runs table asks for one sorted, filtered
// page (runsPageQuery) and then for that page's details (runsQuery with VALUES inside every
// sub-select, so aggregates are computed for those runs only).
const PREFIXES = `PREFIX dl: <https://w3id.org/torchprov/dl#>
PREFIX prov: <http://www.w3.org/ns/prov#>
`;

export const iri = (s) => `<${String(s).replace(/[<>"{}|^`\\\s]/g, (c) => encodeURIComponent(c))}>`;
/** A SPARQL string literal. */
export const literal = (s) => `"${String(s).replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`;
const values = (runs, indent = '  ') => (runs && runs.length ? `${indent}VALUES ?run { ${runs.map(iri).join(' ')} }\n` : '');

/** Best (MAX or MIN) val value of a metric per run, for the given runs only (all runs when none given). */
const bestMetric = (name, agg, as, runs, indent = '  ') => `${indent}OPTIONAL {
${indent}  SELECT ?run (${agg}(?v) AS ?${as}) WHERE {
${values(runs, `${indent}    `)}${indent}    ?m a dl:MetricValue ; dl:name "${name}" ; dl:split "val" ; prov:value ?v ; prov:wasGeneratedBy ?a .
${indent}    ?a dl:partOfRun ?run .
${indent}  } GROUP BY ?run
${indent}}\n`;
const setting = (name, as) => `  OPTIONAL { ?run prov:used ?${as}S . ?${as}S a dl:HyperparameterSetting ; dl:name "${name}" ; prov:value ?${as} .
             OPTIONAL { ?${as}S dl:paramGroup ?${as}G } FILTER (!BOUND(?${as}G) || ?${as}G = 0) }\n`;
const optimizerPatterns = `  OPTIONAL { ?run prov:used ?o . ?o a dl:Optimizer ; dl:optimizerType ?optimizerType }
  OPTIONAL { ?run prov:used ?os . ?os a dl:HyperparameterSetting ; dl:name "optimizer" ; prov:value ?optimizerSetting }
  BIND (COALESCE(?optimizerType, ?optimizerSetting) AS ?optimizer)\n`;
const statusPatterns = `  OPTIONAL { ?run prov:endedAtTime ?ended }
  OPTIONAL { ?run dl:status ?status }
  BIND (COALESCE(?status, IF(BOUND(?ended), "finished", "running")) AS ?statusText)\n`;
// Experiments and persons are shared by many runs and described again in every run's bundle,
// so their names are looked up once, in a sub-select, and joined to the runs: a lookup per run
// would meet each name once per bundle.
const experimentPattern = `  OPTIONAL {
    ?run dl:partOfExperiment ?exp .
    { SELECT DISTINCT ?exp ?experiment WHERE { ?exp a dl:Experiment ; dl:name ?experiment } }
  }\n`;
const personPattern = `  OPTIONAL {
    ?run prov:wasAssociatedWith ?p .
    { SELECT DISTINCT ?p ?person WHERE { ?p a prov:Person ; dl:name ?person } }
  }\n`;
const epochsCount = (runs) => `  OPTIONAL {
    SELECT ?run (COUNT(DISTINCT ?e) AS ?epochs) WHERE {
${values(runs, '      ')}      ?e a dl:Epoch ; dl:partOfRun ?run ; prov:endedAtTime ?end .
    } GROUP BY ?run
  }\n`;

/** Runs table details: one row per given run with its status, progress, key settings and best metrics. */
export function runsQuery(runs) {
  return `${PREFIXES}
SELECT DISTINCT ?run ?runId ?experiment ?person ?status ?started ?ended ?epochsPlanned ?epochs
       ?learningRate ?batchSize ?optimizer ?bestValAccuracy ?bestValR2 ?minValLoss
WHERE {
${values(runs)}  ?run a dl:TrainingRun ; dl:runId ?runId .
  OPTIONAL { ?run prov:startedAtTime ?started }
  OPTIONAL { ?run prov:endedAtTime ?ended }
  OPTIONAL { ?run dl:status ?status }
  OPTIONAL { ?run dl:epochsPlanned ?epochsPlanned }
${experimentPattern}${personPattern}${setting('learning_rate', 'learningRate')}${setting('batch_size', 'batchSize')}${optimizerPatterns}${epochsCount(runs)}${bestMetric('accuracy', 'MAX', 'bestValAccuracy', runs)}${bestMetric('r2', 'MAX', 'bestValR2', runs)}${bestMetric('loss', 'MIN', 'minValLoss', runs)}}
ORDER BY DESC(?started)
`;
}

// Runs table columns the page query can sort by, with the patterns that bind the sort value.
const SORTS = {
  runId: { expr: '?runId', patterns: '' },
  experiment: { expr: '?experiment', patterns: experimentPattern },
  person: { expr: '?person', patterns: personPattern },
  statusText: { expr: '?statusText', patterns: statusPatterns },
  // The lexical form: torchprov writes UTC times of one format, which sort as their text does,
  // and comparing strings is much cheaper than comparing xsd:dateTime values.
  started: { expr: 'STR(?started)', patterns: '  OPTIONAL { ?run prov:startedAtTime ?started }\n' },
  // The count the table shows (runsQuery): an epoch with two end times is still one epoch,
  // and a run without a finished epoch shows (and sorts as) 0.
  epochs: { expr: 'COALESCE(?epochs, 0)', patterns: epochsCount() },
  learningRate: { expr: '?learningRate', patterns: setting('learning_rate', 'learningRate') },
  batchSize: { expr: '?batchSize', patterns: setting('batch_size', 'batchSize') },
  optimizer: { expr: '?optimizer', patterns: optimizerPatterns },
  bestValAccuracy: { expr: '?bestValAccuracy', patterns: bestMetric('accuracy', 'MAX', 'bestValAccuracy') },
  bestValR2: { expr: '?bestValR2', patterns: bestMetric('r2', 'MAX', 'bestValR2') },
  minValLoss: { expr: '?minValLoss', patterns: bestMetric('loss', 'MIN', 'minValLoss') },
};
export const SORTABLE = Object.keys(SORTS);

// The runs one typed word matches: it occurs (case-insensitively) in the run id, experiment,
// person, status or optimizer, as the table shows them.  A word has no space, so it occurs in
// one of them or in none: each is looked for on its own, and names shared by many runs
// (experiments, persons, optimizers) are matched once, before their runs are looked up, rather
// than once per run.
function wordMatch(word) {
  const w = literal(word);
  const branches = [
    `{ ?run a dl:TrainingRun ; dl:runId ?id FILTER (CONTAINS(LCASE(?id), ${w})) }`,
    `{ { SELECT DISTINCT ?exp WHERE { ?exp a dl:Experiment ; dl:name ?n FILTER (CONTAINS(LCASE(?n), ${w})) } } ?run dl:partOfExperiment ?exp }`,
    `{ { SELECT DISTINCT ?p WHERE { ?p a prov:Person ; dl:name ?n FILTER (CONTAINS(LCASE(?n), ${w})) } } ?run prov:wasAssociatedWith ?p }`,
    // The status shown: dl:status, else "finished" when the run ended, else "running".
    `{ ?run dl:status ?status FILTER (CONTAINS(LCASE(?status), ${w})) }`,
  ];
  if ('finished'.includes(word)) branches.push('{ ?run a dl:TrainingRun ; prov:endedAtTime ?ended FILTER NOT EXISTS { ?run dl:status ?anyStatus } }');
  if ('running'.includes(word)) {
    branches.push('{ ?run a dl:TrainingRun FILTER NOT EXISTS { ?run prov:endedAtTime ?anyEnd } FILTER NOT EXISTS { ?run dl:status ?anyStatus } }');
  }
  // The optimizer shown: its type, else the "optimizer" setting.
  branches.push(
    `{ { SELECT DISTINCT ?o WHERE { ?o a dl:Optimizer ; dl:optimizerType ?t FILTER (CONTAINS(LCASE(STR(?t)), ${w})) } } ?run prov:used ?o }`,
    `{ { SELECT DISTINCT ?os WHERE { ?os dl:name "optimizer" ; prov:value ?v FILTER (CONTAINS(LCASE(STR(?v)), ${w})) } }
      ?run prov:used ?os . ?os a dl:HyperparameterSetting
      FILTER NOT EXISTS { ?run prov:used ?anyOptimizer . ?anyOptimizer a dl:Optimizer ; dl:optimizerType ?anyType } }`);
  return `  { SELECT DISTINCT ?run WHERE {
    ${branches.join('\n    UNION ')}
  } }\n`;
}

// The patterns that keep the runs a runs-table filter matches: the words typed must each occur
// (case-insensitively) in the run id, experiment, person, status or optimizer; `only` restricts
// to a set of runs (the parallel coordinates' brush).
function filterPatterns({ text = '', only = null } = {}) {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  let out = '';
  if (only) out += values([...only]);
  out += words.map(wordMatch).join('');
  out += '  ?run a dl:TrainingRun ; dl:runId ?runId .\n';
  return { out };
}

/** One sorted, filtered page of run IRIs for the runs table. */
export function runsPageQuery({ text = '', only = null, sortKey = 'started', sortDir = -1, offset = 0, limit = 50 } = {}) {
  const sort = SORTS[sortKey] ?? SORTS.started;
  const f = filterPatterns({ text, only });
  const patterns = sort.patterns;
  // Runs without a value sort last either way; ties by run id keep pages stable.
  const sortVar = /^\?\w+$/.test(sort.expr) ? sort.expr : /^STR\((\?\w+)\)$/.exec(sort.expr)?.[1];
  const missingLast = sortVar ? `(!BOUND(${sortVar})) ` : '';
  const order = sortDir < 0 ? `DESC(${sort.expr})` : sort.expr;
  return `${PREFIXES}
SELECT ?run ?runId WHERE {
${f.out}${patterns}}
ORDER BY ${missingLast}${order} ?runId
LIMIT ${Math.max(1, Math.floor(limit))} OFFSET ${Math.max(0, Math.floor(offset))}
`;
}

/** How many runs the runs-table filter keeps. */
export function runsCountQuery({ text = '', only = null } = {}) {
  return `${PREFIXES}
SELECT (COUNT(?run) AS ?count) WHERE {
${filterPatterns({ text, only }).out}}
`;
}

/**
 * A small answer that changes whenever what the views show of runs changes while trainings
 * write: the number of runs and of ended runs (a run's status comes with its end), and for the runs still running the
 * activities that ended (epochs, evaluations, adaptations) and the metric values they
 * generated.  The page polls it and sends its views' queries again only when it changed.
 */
export function changeProbeQuery() {
  return `${PREFIXES}
SELECT ?runs ?ended ?activitiesEnded ?metrics WHERE {
  {
    SELECT (COUNT(?run) AS ?runs) (COUNT(?end) AS ?ended) WHERE {
      ?run a dl:TrainingRun .
      OPTIONAL { ?run prov:endedAtTime ?end }
    }
  }
  {
    SELECT (COUNT(?activityEnd) AS ?activitiesEnded) (COUNT(?m) AS ?metrics) WHERE {
      # The running runs first: few, so their activities are looked up from them.
      { SELECT ?run WHERE { ?run a dl:TrainingRun . FILTER NOT EXISTS { ?run prov:endedAtTime ?runEnd } } }
      ?a dl:partOfRun ?run .
      { ?a prov:endedAtTime ?activityEnd } UNION { ?m prov:wasGeneratedBy ?a }
    }
  }
}
`;
}

/** Runs without an end time (they may still be steered), newest first. */
export function runningRunsQuery(limit = 20) {
  return `${PREFIXES}
SELECT ?run WHERE {
  ?run a dl:TrainingRun .
  OPTIONAL { ?run prov:startedAtTime ?started }
  FILTER NOT EXISTS { ?run prov:endedAtTime ?ended }
}
ORDER BY DESC(?started)
LIMIT ${limit}
`;
}

/** The agent an ?adaptation is associated with: ?agentName and ?agentKind (person, steering rule, scheduler, trainer). */
const adaptationAgent = (indent) => ['OPTIONAL {',
  '  ?adaptation prov:wasAssociatedWith ?agent .',
  '  OPTIONAL { ?agent dl:name ?n }',
  '  OPTIONAL { ?agent dl:program ?prog }',
  '  OPTIONAL { ?agent a prov:Person . BIND ("person" AS ?kindP) }',
  '  OPTIONAL { ?agent a dl:SteeringRule . BIND ("steering rule" AS ?kindR) }',
  '  OPTIONAL { ?agent a dl:Scheduler . BIND ("scheduler" AS ?kindS) }',
  '  OPTIONAL { ?agent a dl:Trainer . BIND ("trainer" AS ?kindT) }',
  '  BIND (COALESCE(?n, ?prog, STR(?agent)) AS ?agentName)',
  '  BIND (COALESCE(?kindP, ?kindR, ?kindS, ?kindT, "agent") AS ?agentKind)',
  '}'].map((l) => `${indent}${l}\n`).join('');

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
${adaptationAgent('  ')}}
ORDER BY ?run ?epoch ?adaptation
`;
}

/** Experiments with their number of runs, most recent first. */
export function experimentsQuery() {
  return `${PREFIXES}
SELECT ?experiment ?name ?runs ?latest WHERE {
  {
    SELECT ?experiment (COUNT(?run) AS ?runs) (MAX(STR(?started)) AS ?latest) WHERE {
      ?run a dl:TrainingRun ; dl:partOfExperiment ?experiment .
      OPTIONAL { ?run prov:startedAtTime ?started }
    } GROUP BY ?experiment
  }
  ?experiment dl:name ?name .
}
ORDER BY DESC(?latest)
`;
}

/** The result a run is judged by: best (MAX / MIN) or final (last epoch) val value of a metric. */
function resultPatterns(target, scope) {
  const [mode, metric] = target.split(':');
  const lowerIsBetter = metric === 'loss' || metric === 'mse';
  return mode === 'best'
    ? `  {
    SELECT ?run (${lowerIsBetter ? 'MIN' : 'MAX'}(?v) AS ?result) WHERE {
${scope}      ?m a dl:MetricValue ; dl:name "${metric}" ; dl:split "val" ; prov:value ?v ; prov:wasGeneratedBy ?a .
      ?a a dl:Epoch ; dl:partOfRun ?run .
    } GROUP BY ?run
  }`
    : `  {
    SELECT ?run (MAX(?ep) AS ?lastEpoch) WHERE {
${scope}      ?m a dl:MetricValue ; dl:name "${metric}" ; dl:split "val" ; dl:epoch ?ep ; prov:wasGeneratedBy ?a .
      ?a a dl:Epoch ; dl:partOfRun ?run .
    } GROUP BY ?run
  }
  ?last a dl:MetricValue ; dl:name "${metric}" ; dl:split "val" ; dl:epoch ?lastEpoch ; prov:value ?result ;
        prov:wasGeneratedBy ?la . ?la a dl:Epoch ; dl:partOfRun ?run .`;
}

/**
 * Initial hyperparameter settings of every run of an experiment (all runs when none is given)
 * with one result per run: the hyperparameter scatter plots and the parallel coordinates.
 */
export function hparamsQuery(target, experiment = null) {
  const [mode, metric] = target.split(':');
  const lowerIsBetter = metric === 'loss' || metric === 'mse';
  const scope = experiment ? `      ?run dl:partOfExperiment ${iri(experiment)} .\n` : '';
  return `${PREFIXES}
# result = ${mode === 'best' ? (lowerIsBetter ? 'minimum' : 'maximum') : 'final (last epoch)'} val ${metric} of each run
SELECT DISTINCT ?run ?runId ?hyperparameter ?paramGroup ?value ?result
WHERE {
${resultPatterns(target, scope)}
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

// ---------------------------------------------------------------- run page

/** The run with a dl:runId: status, timing, progress, experiment, best checkpoint. */
export function runSummaryQuery(runId) {
  return `${PREFIXES}
SELECT ?run ?runId ?experiment ?status ?started ?ended ?epochsPlanned ?device ?droppedEvents ?bestCheckpoint
       (COUNT(DISTINCT ?e) AS ?epochs) (MAX(?end) AS ?lastEpochEnded)
WHERE {
  VALUES ?runId { ${literal(runId)} }
  ?run a dl:TrainingRun ; dl:runId ?runId .
  OPTIONAL { ?run dl:partOfExperiment ?exp . ?exp dl:name ?experiment }
  OPTIONAL { ?run dl:status ?status }
  OPTIONAL { ?run prov:startedAtTime ?started }
  OPTIONAL { ?run prov:endedAtTime ?ended }
  OPTIONAL { ?run dl:epochsPlanned ?epochsPlanned }
  OPTIONAL { ?run dl:device ?device }
  OPTIONAL { ?run dl:droppedEvents ?droppedEvents }
  OPTIONAL { ?run dl:bestCheckpoint ?bestCheckpoint }
  OPTIONAL { ?e a dl:Epoch ; dl:partOfRun ?run ; prov:endedAtTime ?end }
}
GROUP BY ?run ?runId ?experiment ?status ?started ?ended ?epochsPlanned ?device ?droppedEvents ?bestCheckpoint
`;
}

/**
 * The run's hyperparameter settings: the initial ones it used and every revision an adaptation
 * generated, with the adaptation's epoch, agent, reason and time.
 */
export function runSettingsQuery(run) {
  return `${PREFIXES}
SELECT ?setting ?hyperparameter ?paramGroup ?value ?valueType ?revisionOf ?adaptation ?epoch ?time ?reason
       ?agentName ?agentKind
WHERE {
  {
    ${iri(run)} prov:used ?setting .
    ?setting a dl:HyperparameterSetting .
  } UNION {
    ?adaptation a dl:Adaptation ; dl:partOfRun ${iri(run)} .
    ?setting prov:wasGeneratedBy ?adaptation ; a dl:HyperparameterSetting .
    OPTIONAL { ?setting prov:wasRevisionOf ?revisionOf }
    OPTIONAL { ?adaptation dl:epoch ?epoch }
    OPTIONAL { ?adaptation prov:startedAtTime ?time }
    OPTIONAL { ?adaptation dl:reason ?reason }
${adaptationAgent('    ')}  }
  ?setting dl:name ?hyperparameter ; prov:value ?value .
  OPTIONAL { ?setting dl:paramGroup ?paramGroup }
  OPTIONAL { ?setting dl:valueType ?valueType }
}
ORDER BY ?hyperparameter ?paramGroup ?epoch
`;
}

/** The model the run trained and its layers in order. */
export function runArchitectureQuery(run) {
  return `${PREFIXES}
SELECT ?model ?modelParameters ?modelTrainable ?layer ?order ?name ?layerType ?outputShape ?parameterShapes
       ?parameters ?trainable
WHERE {
  # The model is generated by the run when it ends; while it runs, it is in the run's bundle.
  ?bundle dl:describesRun ${iri(run)} .
  GRAPH ?bundle { ?model a dl:Model }
  OPTIONAL { ?model dl:numParameters ?modelParameters }
  OPTIONAL { ?model dl:trainableParameters ?modelTrainable }
  OPTIONAL {
    ?model prov:hadMember ?layer .
    ?layer a dl:Layer .
    OPTIONAL { ?layer dl:order ?order }
    OPTIONAL { ?layer dl:name ?name }
    OPTIONAL { ?layer dl:layerType ?layerType }
    OPTIONAL { ?layer dl:outputShape ?outputShape }
    OPTIONAL { ?layer dl:parameterShapes ?parameterShapes }
    OPTIONAL { ?layer dl:numParameters ?parameters }
    OPTIONAL { ?layer dl:trainableParameters ?trainable }
  }
}
ORDER BY ?order
`;
}

/** The datasets the run used, with their files (path, size, sha256). */
export function runDatasetsQuery(run) {
  return `${PREFIXES}
SELECT ?dataset ?name ?split ?examples ?generator ?file ?path ?bytes ?sha256
WHERE {
  ${iri(run)} prov:used ?dataset .
  ?dataset a dl:Dataset .
  OPTIONAL { ?dataset dl:name ?name }
  OPTIONAL { ?dataset dl:split ?split }
  OPTIONAL { ?dataset dl:numExamples ?examples }
  OPTIONAL { ?dataset dl:generatorParameters ?generator }
  OPTIONAL {
    { ?dataset prov:hadMember ?file . ?file a dl:DataFile ; dl:path ?path .
      OPTIONAL { ?file dl:bytes ?bytes } OPTIONAL { ?file dl:sha256 ?sha256 } }
    UNION
    { ?dataset dl:path ?path . FILTER NOT EXISTS { ?dataset prov:hadMember ?anyFile . ?anyFile a dl:DataFile } }
  }
}
ORDER BY ?split ?name ?path
`;
}

/** The run's checkpoints (the best one marked) and evaluations with what they used and measured. */
export function runCheckpointsQuery(run) {
  return `${PREFIXES}
SELECT ?checkpoint ?epoch ?path ?bytes ?sha256 ?time
WHERE {
  ?checkpoint a dl:Checkpoint ; prov:wasGeneratedBy ?e .
  ?e dl:partOfRun ${iri(run)} .
  OPTIONAL { ?checkpoint dl:epoch ?epoch }
  OPTIONAL { ?checkpoint dl:path ?path }
  OPTIONAL { ?checkpoint dl:bytes ?bytes }
  OPTIONAL { ?checkpoint dl:sha256 ?sha256 }
  OPTIONAL { ?checkpoint prov:generatedAtTime ?time }
}
ORDER BY ?epoch ?checkpoint
`;
}

export function runEvaluationsQuery(run) {
  return `${PREFIXES}
SELECT ?evaluation ?split ?epoch ?ended ?used ?usedType ?metric ?value
WHERE {
  ?evaluation a dl:Evaluation ; dl:partOfRun ${iri(run)} .
  OPTIONAL { ?evaluation dl:split ?split }
  OPTIONAL { ?evaluation dl:epoch ?epoch }
  OPTIONAL { ?evaluation prov:endedAtTime ?ended }
  OPTIONAL {
    ?evaluation prov:used ?used .
    OPTIONAL { ?used a dl:Checkpoint . BIND ("checkpoint" AS ?c) }
    OPTIONAL { ?used a dl:Dataset . BIND ("dataset" AS ?d) }
    OPTIONAL { ?used a dl:Model . BIND ("model" AS ?mo) }
    BIND (COALESCE(?c, ?d, ?mo, "entity") AS ?usedType)
  }
  OPTIONAL { ?m prov:wasGeneratedBy ?evaluation ; dl:name ?metric ; prov:value ?value }
}
ORDER BY ?epoch ?evaluation ?metric
`;
}

/** Agents of the run (scope "run") and of its adaptations (scope "adaptation"): persons, the trainer program, the machine, steering rules. */
export function runAgentsQuery(run) {
  return `${PREFIXES}
SELECT DISTINCT ?agent ?scope ?role ?name ?program ?version ?gitCommit ?libtorch ?hostname ?cpu ?cpus ?gpu ?memory ?onBehalfOf
WHERE {
  { ${iri(run)} prov:wasAssociatedWith ?agent . BIND ("run" AS ?scope) }
  UNION
  { ?adaptation dl:partOfRun ${iri(run)} ; a dl:Adaptation ; prov:wasAssociatedWith ?agent . BIND ("adaptation" AS ?scope) }
  OPTIONAL { ?agent a prov:Person . BIND ("person" AS ?rP) }
  OPTIONAL { ?agent a dl:Trainer . BIND ("program" AS ?rT) }
  OPTIONAL { ?agent a dl:Machine . BIND ("machine" AS ?rM) }
  OPTIONAL { ?agent a dl:SteeringRule . BIND ("steering rule" AS ?rR) }
  OPTIONAL { ?agent a dl:Scheduler . BIND ("scheduler" AS ?rS) }
  BIND (COALESCE(?rR, ?rS, ?rP, ?rT, ?rM, "agent") AS ?role)
  OPTIONAL { ?agent dl:name ?name }
  OPTIONAL { ?agent dl:program ?program }
  OPTIONAL { ?agent dl:version ?version }
  OPTIONAL { ?agent dl:gitCommit ?gitCommit }
  OPTIONAL { ?agent dl:libtorchVersion ?libtorch }
  OPTIONAL { ?agent dl:hostname ?hostname }
  OPTIONAL { ?agent dl:cpu ?cpu }
  OPTIONAL { ?agent dl:numCpus ?cpus }
  OPTIONAL { ?agent dl:gpu ?gpu }
  OPTIONAL { ?agent dl:memoryBytes ?memory }
  OPTIONAL { ?agent prov:actedOnBehalfOf ?o . ?o dl:name ?onBehalfOf }
}
ORDER BY ?role ?name
`;
}

/** Everything said about a resource (as subject and, limited, as object): a graph node's statements. */
export function statementsQuery(resource) {
  return `SELECT ?direction ?property ?value WHERE {
  { ${iri(resource)} ?property ?value . BIND ("out" AS ?direction) }
  UNION
  { SELECT ?property ?value ?direction WHERE { ?value ?property ${iri(resource)} . BIND ("in" AS ?direction) } LIMIT 200 }
}
ORDER BY ?direction ?property ?value
`;
}

export const describeQuery = (resource) => `DESCRIBE ${iri(resource)}\n`;

// ---------------------------------------------------------------- comparison

/** Initial settings of the given runs, side by side. */
export function compareSettingsQuery(runs) {
  return `${PREFIXES}
SELECT ?run ?runId ?hyperparameter ?paramGroup ?value WHERE {
${values(runs)}  ?run dl:runId ?runId ; prov:used ?setting .
  ?setting a dl:HyperparameterSetting ; dl:name ?hyperparameter ; prov:value ?value .
  OPTIONAL { ?setting dl:paramGroup ?paramGroup }
}
ORDER BY ?hyperparameter ?paramGroup
`;
}

/** Layers of the given runs' models, in order. */
export function compareArchitectureQuery(runs) {
  return `${PREFIXES}
SELECT ?run ?order ?name ?layerType ?outputShape ?parameters ?modelParameters WHERE {
${values(runs)}  ?model a dl:Model ; prov:wasGeneratedBy ?run .
  OPTIONAL { ?model dl:numParameters ?modelParameters }
  OPTIONAL {
    ?model prov:hadMember ?layer . ?layer a dl:Layer .
    OPTIONAL { ?layer dl:order ?order } OPTIONAL { ?layer dl:name ?name } OPTIONAL { ?layer dl:layerType ?layerType }
    OPTIONAL { ?layer dl:outputShape ?outputShape } OPTIONAL { ?layer dl:numParameters ?parameters }
  }
}
ORDER BY ?run ?order
`;
}

/** Datasets of the given runs, with their files' hashes. */
export function compareDatasetsQuery(runs) {
  return `${PREFIXES}
SELECT ?run ?split ?name ?examples ?path ?sha256 WHERE {
${values(runs)}  ?run prov:used ?dataset . ?dataset a dl:Dataset .
  OPTIONAL { ?dataset dl:split ?split }
  OPTIONAL { ?dataset dl:name ?name }
  OPTIONAL { ?dataset dl:numExamples ?examples }
  OPTIONAL {
    { ?dataset prov:hadMember ?file . ?file a dl:DataFile ; dl:path ?path . OPTIONAL { ?file dl:sha256 ?sha256 } }
    UNION
    { ?dataset dl:path ?path . FILTER NOT EXISTS { ?dataset prov:hadMember ?anyFile . ?anyFile a dl:DataFile } }
  }
}
ORDER BY ?run ?split ?name ?path
`;
}
