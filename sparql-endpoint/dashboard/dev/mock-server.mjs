#!/usr/bin/env node
// Development stand-in for `torchprov serve`, with no dependencies beyond the `oxigraph`
// devDependency.  It serves dist/ at / and answers the parts of the API the dashboard uses:
//
//   GET|POST /sparql          SPARQL 1.1 query (Protocol), evaluated by oxigraph with the
//                             default graph as the merge of all graphs (as torchprov does)
//   GET /health               {"status":"ok"}
//   POST /api/adaptations     MOCK ONLY: validates the JSON, answers 202 with a fake request
//                             IRI and keeps the request in memory; nothing reaches a training
//   GET /api/adaptations?run= MOCK ONLY: the requests posted above
//   GET /api/runs/ID/graph.*  501: the run graph is built by the C++ server only
//
// Usage: node dev/mock-server.mjs [--port 7878] [--dist DIR] [--token T] [--simulate] FILE...
//   FILE: .ttl/.nt loaded into the default graph, .trig/.nq with their named graphs.
//   --token T: POST /api/adaptations requires "Authorization: Bearer T" (default: any token).
//   --simulate: adds a live run that gains one epoch every 2.5 s (for the live curves).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import oxigraph from 'oxigraph';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
let port = 7878;
let dist = path.resolve(here, '..', 'dist');
let token = null;
let simulate = false;
const files = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--port') port = Number(args[++i]);
  else if (a === '--dist') dist = path.resolve(args[++i]);
  else if (a === '--token') token = args[++i];
  else if (a === '--simulate') simulate = true;
  else if (a === '-h' || a === '--help') {
    console.log('usage: node dev/mock-server.mjs [--port N] [--dist DIR] [--token T] [--simulate] FILE...');
    process.exit(0);
  } else files.push(a);
}

const store = new oxigraph.Store();
const formats = { '.ttl': 'text/turtle', '.nt': 'application/n-triples', '.trig': 'application/trig', '.nq': 'application/n-quads' };
for (const f of files) {
  const format = formats[path.extname(f).toLowerCase()];
  if (!format) throw new Error(`unknown RDF file type: ${f}`);
  store.load(fs.readFileSync(f, 'utf8'), { format });
  mergeIntoDefaultGraph();
  console.log(`loaded ${f} (${store.size} quads in total)`);
}

// torchprov's default graph is the RDF merge (a set) of all graphs.  oxigraph's
// use_default_graph_as_union keeps duplicates (a triple in two bundles, such as an
// experiment's name, would match twice), so every triple is also copied into the
// default graph and queries run against that.
function mergeIntoDefaultGraph() {
  for (const q of store.match(null, null, null, null)) {
    if (q.graph.termType !== 'DefaultGraph') store.add(oxigraph.quad(q.subject, q.predicate, q.object, oxigraph.defaultGraph()));
  }
}

const mime = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.woff': 'font/woff', '.woff2': 'font/woff2', '.ttf': 'font/ttf',
  '.json': 'application/json', '.map': 'application/json', '.ico': 'image/x-icon' };

function send(res, status, body, type = 'text/plain; charset=utf-8', extra = {}) {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', ...extra });
  res.end(body);
}
const json = (res, status, obj) => send(res, status, JSON.stringify(obj), 'application/json');

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function runQuery(res, query, accept) {
  let result;
  try {
    const isGraph = /^\s*(?:(?:PREFIX|BASE)[^\n]*\n|#[^\n]*\n|\s)*(CONSTRUCT|DESCRIBE)/i.test(query);
    const format = isGraph ? (accept.includes('n-triples') ? 'application/n-triples' : 'text/turtle')
      : accept.includes('sparql-results+xml') ? 'application/sparql-results+xml'
      : accept.includes('text/csv') ? 'text/csv'
      : accept.includes('tab-separated') ? 'text/tab-separated-values'
      : 'application/sparql-results+json';
    result = store.query(query, { results_format: format });
    send(res, 200, result, format === 'application/sparql-results+json' ? 'application/sparql-results+json' : format);
  } catch (e) {
    send(res, 400, `query error: ${e.message ?? e}`);
  }
}

const requests = []; // MOCK adaptation requests
let nextRequest = 1;
const actions = new Set(['set', 'stop', 'set_epochs']);

async function handleAdaptation(req, res, url) {
  if (req.method === 'GET') {
    const run = url.searchParams.get('run');
    return json(res, 200, requests.filter((r) => !run || r.run === run));
  }
  if (req.method !== 'POST') return send(res, 405, 'method not allowed');
  const auth = req.headers.authorization ?? '';
  const m = /^Bearer\s+(.+)$/.exec(auth);
  if (!m) return json(res, 401, { error: 'missing bearer token' });
  if (token !== null && m[1] !== token) return json(res, 403, { error: 'invalid token' });
  let body;
  try { body = JSON.parse(await readBody(req)); } catch { return json(res, 400, { error: 'body is not JSON' }); }
  if (typeof body.run !== 'string' || !body.run) return json(res, 400, { error: '"run" (run IRI) is required' });
  if (!actions.has(body.action)) return json(res, 400, { error: '"action" must be set, stop or set_epochs' });
  if (body.action !== 'stop' && typeof body.value !== 'number') return json(res, 400, { error: '"value" must be a number' });
  if (body.action === 'set' && !body.hyperparameter) return json(res, 400, { error: '"hyperparameter" is required for set' });
  const iri = `https://w3id.org/torchprov/request/mock-${nextRequest++}`;
  const r = { request: iri, run: body.run, action: body.action, hyperparameter: body.hyperparameter ?? null,
    value: body.value ?? null, param_group: body.param_group ?? null, status: 'pending', reason: body.reason ?? '',
    person: body.person ?? '', created: new Date().toISOString(), informed_by_query: body.informed_by_query ?? null, mock: true };
  requests.push(r);
  console.log(`MOCK adaptation request ${iri}: ${JSON.stringify(body).slice(0, 200)}`);
  return json(res, 202, { request: iri, status: 'pending', mock: true });
}

function serveStatic(res, pathname) {
  let rel = decodeURIComponent(pathname);
  if (rel.endsWith('/')) rel += 'index.html';
  const file = path.resolve(dist, '.' + rel);
  if (!file.startsWith(dist + path.sep)) return send(res, 403, 'forbidden');
  fs.readFile(file, (err, data) => {
    if (err) return send(res, 404, `not found: ${pathname}${pathname === '/' ? ' (run npm run build first)' : ''}`);
    send(res, 200, data, mime[path.extname(file)] ?? 'application/octet-stream');
  });
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost');
  try {
    if (url.pathname === '/sparql') {
      const accept = req.headers.accept ?? '';
      if (req.method === 'GET') {
        const q = url.searchParams.get('query');
        return q ? runQuery(res, q, accept) : send(res, 400, 'missing query parameter');
      }
      if (req.method === 'POST') {
        const body = await readBody(req);
        const type = req.headers['content-type'] ?? '';
        if (type.startsWith('application/sparql-query')) return runQuery(res, body, accept);
        const q = new URLSearchParams(body).get('query');
        if (q) return runQuery(res, q, accept);
        if (new URLSearchParams(body).get('update')) return send(res, 403, 'updates are not allowed on this endpoint');
        return send(res, 400, 'missing query');
      }
      return send(res, 405, 'method not allowed');
    }
    if (url.pathname === '/health') return json(res, 200, { status: 'ok', mock: true, quads: store.size });
    if (url.pathname === '/api/adaptations') return await handleAdaptation(req, res, url);
    if (url.pathname.startsWith('/api/runs/')) return json(res, 501, { error: 'the run graph is built by `torchprov serve` (sparql-endpoint/src/run_graph.cpp); the mock server has none' });
    if (req.method === 'GET' || req.method === 'HEAD') return serveStatic(res, url.pathname);
    return send(res, 405, 'method not allowed');
  } catch (e) {
    send(res, 500, String(e?.stack ?? e));
  }
});

if (simulate) {
  // A live run: one epoch every 2.5 s, ending after 20 epochs.
  const id = 'f6a5b7c9-0006-4c1e-9a51-live00000006';
  const run = `https://w3id.org/torchprov/run/${id}`;
  const g = `<${run}/bundle>`;
  const P = 'PREFIX dl: <https://w3id.org/torchprov/dl#> PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>';
  const now = () => `"${new Date().toISOString()}"^^xsd:dateTime`;
  const lr = `<${run}/hp/learning_rate/0>`;
  store.update(`${P} INSERT DATA { GRAPH ${g} {
    <${run}> a prov:Activity, dl:TrainingRun ; dl:runId "${id}" ; prov:startedAtTime ${now()} ;
      dl:partOfExperiment <https://w3id.org/torchprov/experiment/alexnet-fmnist> ;
      prov:wasAssociatedWith <https://w3id.org/torchprov/person/alice> ; dl:epochsPlanned 20 ;
      prov:used ${lr}, <${run}/hp/batch_size>, <${run}/hp/optimizer> ;
      dl:hasHyperparameter ${lr}, <${run}/hp/batch_size>, <${run}/hp/optimizer> .
    <https://w3id.org/torchprov/experiment/alexnet-fmnist> a dl:Experiment ; dl:name "alexnet-fmnist" .
    <https://w3id.org/torchprov/person/alice> a prov:Person, prov:Agent ; dl:name "alice" .
    ${lr} a dl:HyperparameterSetting, prov:Entity ; dl:name "learning_rate" ; dl:paramGroup 0 ; prov:value "0.003"^^xsd:double .
    <${run}/hp/batch_size> a dl:HyperparameterSetting, prov:Entity ; dl:name "batch_size" ; prov:value 64 .
    <${run}/hp/optimizer> a dl:HyperparameterSetting, prov:Entity ; dl:name "optimizer" ; prov:value "Adam" .
  } }`);
  mergeIntoDefaultGraph();
  let epoch = 0;
  const timer = setInterval(() => {
    epoch++;
    const ep = `<${run}/epoch/${epoch}>`;
    const acc = 0.9 * (1 - Math.exp(-epoch / 4)) + 0.01 * Math.random();
    const loss = 2.2 * Math.exp(-epoch / 4) + 0.3 + 0.03 * Math.random();
    const metric = (split, name, v) => `<${run}/epoch/${epoch}/metric/${split}/${name}> a dl:MetricValue, prov:Entity ;
      dl:name "${name}" ; dl:split "${split}" ; dl:epoch ${epoch} ; prov:value "${v}"^^xsd:double ; prov:wasGeneratedBy ${ep} .`;
    store.update(`${P} INSERT DATA { GRAPH ${g} {
      ${ep} a dl:Epoch, prov:Activity ; dl:epochNumber ${epoch} ; dl:partOfRun <${run}> ; prov:wasInformedBy <${run}> ;
        prov:startedAtTime ${now()} ; prov:endedAtTime ${now()} .
      ${metric('train', 'loss', loss - 0.1)} ${metric('val', 'loss', loss)}
      ${metric('train', 'accuracy', Math.min(0.99, acc + 0.03))} ${metric('val', 'accuracy', acc)}
    } }`);
    mergeIntoDefaultGraph();
    if (epoch >= 20) {
      store.update(`${P} INSERT DATA { GRAPH ${g} { <${run}> prov:endedAtTime ${now()} ; dl:status "completed" . } }`);
      mergeIntoDefaultGraph();
      clearInterval(timer);
    }
  }, 2500);
}

server.listen(port, () => {
  console.log(`mock torchprov endpoint on http://localhost:${port}/ (dist: ${dist})`);
  console.log('NOTE: /api/adaptations is a MOCK here: requests are kept in memory and never applied.');
});
