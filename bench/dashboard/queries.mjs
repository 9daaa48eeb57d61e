#!/usr/bin/env node
// Every query the dashboard's views send, built by the dashboard's own query builders
// (sparql-endpoint/dashboard/src/queries.js) with the arguments the views use, sent alone to a
// live `torchprov serve` REPEAT times: the median per query and the slowest per view, against
// the 200 ms target.  No browser: bench.mjs times the same views in Chromium, with rendering.
// Figures only: never a test (a smoke run in the suite only checks that every query answers).
//
//   BASE_URL=http://127.0.0.1:PORT/ LONG_RUN=<runId> RUN=<runId> [REPEAT=5] [ONLY=regex] node queries.mjs
import * as q from '../../sparql-endpoint/dashboard/src/queries.js';

const BASE_URL = process.env.BASE_URL || 'http://127.0.0.1:7878/';
const SPARQL = new URL('sparql', BASE_URL).href;
const REPEAT = Number(process.env.REPEAT || 5);
const ONLY = process.env.ONLY ? new RegExp(process.env.ONLY) : null;
const TIMEOUT_MS = Number(process.env.QUERY_TIMEOUT_MS || 60000);
const TARGET_MS = 200;
const PAGE_SIZE = 50; // views/runs.js

async function post(query) {
  const res = await fetch(SPARQL, {
    method: 'POST',
    signal: AbortSignal.timeout(TIMEOUT_MS),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/sparql-results+json' },
    body: new URLSearchParams({ query }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text).results.bindings;
}
const select = async (query) => (await post(query)).map((b) => Object.fromEntries(Object.entries(b).map(([k, v]) => [k, v.value])));

async function get(path) {
  const res = await fetch(new URL(path, BASE_URL).href, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  const body = await res.arrayBuffer();
  if (!res.ok) throw new Error(`${path} answered ${res.status}`);
  return body.byteLength;
}

/** Median of REPEAT timings after one untimed run; rows (or bytes) of the answer. */
async function time(send) {
  let size = 0;
  try {
    size = await send();
  } catch (e) {
    return { error: String(e.message ?? e).split('\n')[0] };
  }
  const ms = [];
  for (let i = 0; i < REPEAT; i++) {
    const t = performance.now();
    await send();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { ms: ms[Math.floor(ms.length / 2)], size };
}

// The arguments the views use.  Run ids from the store itself.
const runIdOf = async (id) => (await select(`PREFIX dl: <https://w3id.org/torchprov/dl#> SELECT ?run WHERE { ?run dl:runId ${q.literal(id)} }`))[0]?.run;
const LONG_RUN = process.env.LONG_RUN;
const RUN = process.env.RUN;
const firstPage = (await select(q.runsPageQuery({}))).map((r) => r.run);
const running = (await select(q.runningRunsQuery())).map((r) => r.run);
const newest3 = firstPage.slice(0, 3);
const eight = firstPage.slice(0, 8);
const experiments = await select(q.experimentsQuery());
const experiment = experiments[0]?.experiment ?? null;
const runIri = RUN ? await runIdOf(RUN) : firstPage[0];
const longIri = LONG_RUN ? await runIdOf(LONG_RUN) : null;
const total = Number((await select(q.runsCountQuery({})))[0]?.count ?? 0);
const lastOffset = Math.max(0, Math.floor((total - 1) / PAGE_SIZE) * PAGE_SIZE);

const sparql = (name, text) => ({ name, send: async () => (await post(text)).length });
const views = [];
const view = (name, requests) => views.push({ name, requests });

view('runs table (newest first, page 1)', [
  sparql('page', q.runsPageQuery({})), sparql('count', q.runsCountQuery({})), sparql('running runs', q.runningRunsQuery()),
  sparql('details of the page', q.runsQuery([...new Set([...firstPage, ...running])])),
]);
for (const key of q.SORTABLE) {
  for (const dir of [-1, 1]) view(`runs table sorted by ${key} ${dir < 0 ? 'desc' : 'asc'}`, [sparql('page', q.runsPageQuery({ sortKey: key, sortDir: dir }))]);
}
view('runs table polled, nothing changed (change probe + /health)', [
  sparql('change probe', q.changeProbeQuery()), { name: '/health', send: () => get('health') },
]);
view('runs table, last page', [sparql('page', q.runsPageQuery({ offset: lastOffset }))]);
view('runs table filtered ("adamw")', [sparql('page', q.runsPageQuery({ text: 'adamw' })), sparql('count', q.runsCountQuery({ text: 'adamw' }))]);
view('runs table filtered ("adamw"), sorted by best val accuracy', [sparql('page', q.runsPageQuery({ text: 'adamw', sortKey: 'bestValAccuracy' }))]);
view('curves (3 newest runs)', [sparql('curves', q.curvesQuery(newest3)), sparql('adaptations', q.adaptationsQuery(newest3))]);
for (const [label, iri, id] of [['100 epochs', runIri, RUN], ['1000 epochs', longIri, LONG_RUN]]) {
  if (!iri) continue;
  view(`run page (${label})`, [
    sparql('summary', q.runSummaryQuery(id)), sparql('curves', q.curvesQuery([iri])), sparql('adaptations', q.adaptationsQuery([iri])),
    sparql('settings', q.runSettingsQuery(iri)), sparql('architecture', q.runArchitectureQuery(iri)), sparql('datasets', q.runDatasetsQuery(iri)),
    sparql('checkpoints', q.runCheckpointsQuery(iri)), sparql('evaluations', q.runEvaluationsQuery(iri)), sparql('agents', q.runAgentsQuery(iri)),
    { name: 'graph.json', send: () => get(`api/runs/${encodeURIComponent(id)}/graph.json`) },
    sparql('statements of the run node', q.statementsQuery(iri)),
  ]);
}
if (longIri) view('graph.svg of the 1000-epoch run (Graphviz)', [{ name: 'graph.svg', send: () => get(`api/runs/${encodeURIComponent(LONG_RUN)}/graph.svg`) }]);
view('compare 8 runs', [
  sparql('details', q.runsQuery(eight)), sparql('settings', q.compareSettingsQuery(eight)), sparql('architecture', q.compareArchitectureQuery(eight)),
  sparql('datasets', q.compareDatasetsQuery(eight)), sparql('curves', q.curvesQuery(eight)), sparql('adaptations', q.adaptationsQuery(eight)),
]);
const hp = [sparql('experiments', q.experimentsQuery())];
for (const target of ['best:accuracy', 'final:accuracy', 'best:loss', 'final:loss']) hp.push(sparql(`hyperparameters, ${target}`, q.hparamsQuery(target, experiment)));
view('hyperparameters + parallel coordinates (one experiment)', hp);
view('steering form', [sparql('running runs', q.runningRunsQuery()), sparql('current settings', q.currentSettingsQuery(runIri))]);

console.log(`${total} runs in the store; median of ${REPEAT} per query, each sent alone after one untimed run\n`);
console.log(`${'view'.padEnd(62)} ${'queries'.padStart(7)} ${'slowest'.padStart(10)}  target`);
console.log('-'.repeat(96));
const details = [];
let misses = 0;
for (const v of views) {
  if (ONLY && !ONLY.test(v.name)) continue;
  const timed = [];
  for (const r of v.requests) timed.push({ ...r, ...(await time(r.send)) });
  const failed = timed.filter((r) => r.error);
  const slowest = timed.reduce((a, b) => ((b.ms ?? Infinity) > (a.ms ?? Infinity) ? b : a));
  const ok = !failed.length && slowest.ms <= TARGET_MS;
  if (!ok) misses++;
  const fig = failed.length ? 'error' : `${slowest.ms.toFixed(1)} ms`;
  console.log(`${v.name.padEnd(62)} ${String(timed.length).padStart(7)} ${fig.padStart(10)}  <= ${TARGET_MS} ${ok ? 'PASS' : 'MISS'}  ${failed.length ? failed[0].name : slowest.name}`);
  for (const r of timed) details.push(`  ${v.name.slice(0, 44).padEnd(44)} ${r.name.padEnd(34)} ${r.error ? `error: ${r.error}` : `${r.ms.toFixed(1).padStart(8)} ms ${String(r.size).padStart(7)} ${/^(graph\.|\/)/.test(r.name) ? 'bytes' : 'rows'}`}`);
}
console.log(`\n${misses} view(s) over ${TARGET_MS} ms\n\nevery query (median ms, answer size):`);
console.log(details.join('\n'));
process.exit(details.some((d) => d.includes('error:')) ? 1 : 0);
