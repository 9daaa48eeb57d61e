// The run page (#run/RUN_ID): everything about one run at a glance — status and timing, its
// curves, its provenance graph, hyperparameters with their revisions (who, when, why, from which
// epoch), the adaptation timeline, architecture, datasets, checkpoints and evaluations, agents.
// Each section is one SPARQL query (src/queries.js); the graph comes from api/runs/ID/graph.json.
import { $, el, fmt, fmtParam, fmtTime, runStatus, shortId } from '../util.js';
import { select } from '../sparql.js';
import {
  runSummaryQuery, runSettingsQuery, runArchitectureQuery, runDatasetsQuery, runCheckpointsQuery,
  runEvaluationsQuery, runAgentsQuery, curvesQuery, adaptationsQuery, statementsQuery, describeQuery,
} from '../queries.js';
import { state, lookedAt, colorOf, emit } from '../state.js';
import { seriesData, drawCharts, updateCharts, resizeCharts, describeAdaptation, lineKeys } from '../charts.js';
import { graphPanel } from './graph.js';
import { openInYasgui } from './yasgui.js';

let shown = null;  // { runId, run, summary, charts, graph, timer }
let generation = 0;

export function currentQuery() {
  return shown?.run ? runSettingsQuery(shown.run) : runSummaryQuery(shown?.runId ?? '');
}

const card = (title, testid, ...body) => el('div', { class: 'card', 'data-testid': testid },
  el('div', { class: 'card-head' }, el('h2', {}, title)), ...body);

function yasguiLink(label, name, query) {
  return el('a', { href: '#sparql', class: 'yasgui-link', onclick: (ev) => { ev.preventDefault(); location.hash = '#sparql'; openInYasgui(name, label, query); } }, 'open in YASGUI');
}

function duration(a, b) {
  const ms = Date.parse(b) - Date.parse(a);
  if (!Number.isFinite(ms) || ms < 0) return '';
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

const bytes = (n) => (typeof n !== 'number' ? '' : n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} kB` : `${n} B`);
const hash = (h) => (h ? el('code', { class: 'hash', title: h }, `${h.slice(0, 12)}…`) : el('span', { class: 'muted' }, '—'));

export async function showRun(runId) {
  const mine = ++generation;
  const root = $('#view-run');
  if (shown?.timer) clearInterval(shown.timer);
  for (const c of shown?.charts ?? []) c.destroy();
  shown = { runId, run: null, charts: [] };
  const t0 = performance.now();
  root.dataset.rendered = '';
  root.replaceChildren(el('div', { class: 'card' }, el('p', { class: 'muted' }, `Loading run ${runId}…`)));
  const summary = (await select(runSummaryQuery(runId)))[0];
  if (mine !== generation) return;
  if (!summary) {
    root.replaceChildren(el('div', { class: 'card' }, el('h2', {}, `Run ${runId}`), el('p', { class: 'error' }, `No training run with dl:runId "${runId}" in the store.`), el('a', { href: '#runs' }, '← all runs')));
    return;
  }
  const run = summary.run;
  shown.run = run;
  shown.summary = summary;
  lookedAt('run', `Run ${shortId(runId)}`, runSettingsQuery(run));
  const sections = {
    head: el('div'), curves: el('div'), graph: el('div'), settings: el('div'), timeline: el('div'),
    architecture: el('div'), datasets: el('div'), checkpoints: el('div'), agents: el('div'),
  };
  root.replaceChildren(
    sections.head,
    el('div', { class: 'run-grid' }, sections.curves, sections.timeline),
    sections.graph,
    el('div', { class: 'run-grid' }, sections.settings, sections.agents),
    el('div', { class: 'run-grid' }, sections.datasets, sections.checkpoints),
    sections.architecture);
  renderHead(sections.head, summary, []);
  const jobs = [
    Promise.all([select(curvesQuery([run])), select(adaptationsQuery([run]))]).then(([metrics, adaptations]) => {
      if (mine !== generation) return;
      renderCurves(sections.curves, run, metrics, adaptations);
      renderTimeline(sections.timeline, run, adaptations);
    }),
    select(runSettingsQuery(run)).then((rows) => mine === generation && renderSettings(sections.settings, run, rows)),
    select(runArchitectureQuery(run)).then((rows) => mine === generation && renderArchitecture(sections.architecture, run, rows)),
    select(runDatasetsQuery(run)).then((rows) => mine === generation && renderDatasets(sections.datasets, run, rows)),
    Promise.all([select(runCheckpointsQuery(run)), select(runEvaluationsQuery(run))]).then(([cks, evals]) => mine === generation && renderCheckpoints(sections.checkpoints, run, summary, cks, evals)),
    select(runAgentsQuery(run)).then((rows) => { if (mine === generation) { renderAgents(sections.agents, run, rows); renderHead(sections.head, summary, rows); } }),
    loadGraph(sections.graph, runId, mine),
  ];
  const results = await Promise.allSettled(jobs);
  if (mine !== generation) return;
  for (const r of results) if (r.status === 'rejected') root.append(el('p', { class: 'error' }, String(r.reason?.message ?? r.reason)));
  root.dataset.rendered = String(Math.round(performance.now() - t0));
  root.dispatchEvent(new CustomEvent('run-rendered', { bubbles: true, detail: { ms: performance.now() - t0 } }));
  if (runStatus(summary) === 'running') shown.timer = setInterval(() => { if (state.live && state.view === 'run') refreshLive(runId, mine, sections); }, 2500);
}

async function refreshLive(runId, mine, sections) {
  const summary = (await select(runSummaryQuery(runId)))[0];
  if (!summary || mine !== generation) return;
  const before = JSON.stringify(shown.summary);
  shown.summary = summary;
  if (JSON.stringify(summary) === before) return;
  const [metrics, adaptations] = await Promise.all([select(curvesQuery([summary.run])), select(adaptationsQuery([summary.run]))]);
  if (mine !== generation) return;
  renderHead(sections.head, summary, shown.agents ?? []);
  renderCurves(sections.curves, summary.run, metrics, adaptations);
  renderTimeline(sections.timeline, summary.run, adaptations);
  if (runStatus(summary) !== 'running') clearInterval(shown.timer);
}

function renderHead(box, s, agents) {
  shown.agents = agents;
  const status = runStatus(s);
  const person = [...new Set(agents.filter((a) => a.role === 'person' && a.scope === 'run').map((a) => a.name))];
  const program = agents.find((a) => a.role === 'program');
  const machine = agents.find((a) => a.role === 'machine');
  const fact = (label, ...value) => el('div', { class: 'fact' }, el('span', { class: 'label' }, label), el('span', { class: 'value' }, ...value));
  const plot = el('button', { type: 'button', class: 'secondary', onclick: () => { state.selected.clear(); state.selected.add(s.run); emit('selection'); location.hash = '#curves'; } }, 'Plot under Curves');
  const steer = status === 'running' ? el('a', { class: 'button secondary', href: '#steer', onclick: () => { state.steerRun = s.run; } }, 'Steer this run') : null;
  box.replaceChildren(el('div', { class: 'card run-head', 'data-testid': 'run-head' },
    el('div', { class: 'card-head' },
      el('a', { href: '#runs', class: 'back' }, '← runs'),
      el('h2', {}, 'Run ', el('span', { class: 'mono', 'data-testid': 'run-id' }, s.runId)),
      el('span', { class: `pill ${status}`, 'data-testid': 'run-status' }, status),
      el('span', { class: 'spacer' }), plot, steer,
      yasguiLink(`DESCRIBE run ${shortId(s.runId)}`, `describe:${s.run}`, describeQuery(s.run))),
    el('div', { class: 'facts' },
      fact('experiment', s.experiment ?? '—'),
      fact('person', person.join(', ') || '—'),
      fact('started', fmtTime(s.started) || '—'),
      fact(status === 'running' ? 'running for' : 'ended', status === 'running' ? duration(s.started, new Date().toISOString()) : `${fmtTime(s.ended)}`),
      fact('duration', status === 'running' ? '—' : duration(s.started, s.ended) || '—'),
      fact('epochs', `${s.epochs ?? 0}${s.epochsPlanned ? ` of ${s.epochsPlanned} planned` : ''}`),
      fact('program', program ? `${program.program ?? ''} ${program.version ?? ''}`.trim() : '—'),
      fact('machine', machine ? `${machine.hostname ?? ''}${s.device ? ` (${s.device})` : ''}` : (s.device ?? '—')),
      s.droppedEvents ? fact('dropped events', String(s.droppedEvents)) : null),
    el('p', { class: 'mono muted small-text' }, s.run)));
}

function renderCurves(box, run, metrics, adaptations) {
  const byMetric = seriesData(metrics);
  const options = { runs: new Map([[run, { label: shortId(shown.runId), color: colorOf(run) }]]), adaptations, hiddenSplits: new Set(), height: 220, onlyMetrics: null };
  // A running run's new epoch extends its charts in place (the readout under the pointer stays).
  if (shown.charts.length && box.isConnected && updateCharts(shown.charts, byMetric, options)) return;
  for (const c of shown.charts) c.destroy();
  const charts = el('div', { class: 'charts run-charts', 'data-testid': 'run-curves' });
  box.replaceChildren(card('Curves', 'run-curves-card',
    el('div', { class: 'legend' }, ...lineKeys()), charts,
    el('p', { class: 'hint' }, yasguiLink('Run curves', 'run-curves', curvesQuery([run])))));
  if (!byMetric.size) { charts.append(el('p', { class: 'empty-note' }, 'No metric values recorded yet.')); shown.charts = []; return; }
  shown.charts = drawCharts(charts, byMetric, options);
}

function renderTimeline(box, run, adaptations) {
  const list = [...adaptations].sort((a, b) => (a.epoch ?? 0) - (b.epoch ?? 0) || String(a.time).localeCompare(String(b.time)));
  box.replaceChildren(card('Adaptation timeline', 'run-timeline',
    list.length ? el('ol', { class: 'timeline', 'data-testid': 'timeline' }, ...list.map((a) => el('li', { class: `kind-${(a.agentKind ?? 'agent').replace(/\s/g, '-')}` },
      el('div', { class: 'when' }, el('strong', {}, `epoch ${a.epoch ?? '?'}`), ' ', el('span', { class: 'muted' }, fmtTime(a.time))),
      el('div', { class: 'what' }, describeAdaptation(a)),
      el('div', { class: 'who' }, 'by ', el('strong', {}, a.agentName ?? 'unknown'), el('span', { class: 'muted' }, ` (${a.agentKind ?? 'agent'})`)),
      a.reason ? el('div', { class: 'why' }, `“${a.reason}”`) : null)))
      : el('p', { class: 'muted' }, 'No adaptations: the run kept its initial settings.'),
    el('p', { class: 'hint' }, yasguiLink('Run adaptations', 'run-adaptations', adaptationsQuery([run])))));
}

function renderSettings(box, run, rows) {
  // name[group] -> { initial, revisions: [...] }
  const byName = new Map();
  for (const r of rows) {
    const key = r.paramGroup !== undefined ? `${r.hyperparameter}[${r.paramGroup}]` : r.hyperparameter;
    if (!byName.has(key)) byName.set(key, { name: r.hyperparameter, group: r.paramGroup, initial: undefined, revisions: [] });
    const entry = byName.get(key);
    if (r.adaptation) entry.revisions.push(r); else entry.initial = r.value;
  }
  const entries = [...byName.values()].sort((a, b) => (b.revisions.length - a.revisions.length) || a.name.localeCompare(b.name) || (a.group ?? 0) - (b.group ?? 0));
  const table = el('table', { class: 'grid compact', 'data-testid': 'run-settings' },
    el('thead', {}, el('tr', {}, ...['Hyperparameter', 'Group', 'Initial', 'Current', 'Revisions'].map((h) => el('th', {}, h)))),
    el('tbody', {}, ...entries.map((e) => {
      const revs = [...e.revisions].sort((a, b) => (a.epoch ?? 0) - (b.epoch ?? 0));
      const current = revs.length ? revs[revs.length - 1].value : e.initial;
      return el('tr', { class: revs.length ? 'revised' : '', dataset: { hyperparameter: e.name } },
        el('td', { class: 'mono' }, e.name),
        el('td', { class: 'num muted' }, e.group ?? ''),
        el('td', { class: 'num' }, fmtParam(e.initial)),
        el('td', { class: `num ${revs.length ? 'strong' : ''}` }, fmtParam(current)),
        el('td', { class: 'revisions' }, ...revs.map((r) => el('div', { class: 'revision' },
          el('strong', {}, `epoch ${r.epoch ?? '?'}`), `: → ${fmtParam(r.value)} by `, el('strong', {}, r.agentName ?? '?'),
          el('span', { class: 'muted' }, ` (${r.agentKind ?? 'agent'}, ${fmtTime(r.time)})`),
          r.reason ? el('div', { class: 'why' }, `why: ${r.reason}`) : null))));
    })));
  box.replaceChildren(card('Hyperparameters', 'run-settings-card', el('div', { class: 'table-wrap' }, table),
    el('p', { class: 'hint' }, 'Revised settings come first; a revision applies from the epoch shown. ', yasguiLink('Run hyperparameters', 'run-settings', runSettingsQuery(run)))));
}

function renderArchitecture(box, run, rows) {
  const layers = rows.filter((r) => r.layer);
  const model = rows[0];
  const total = model?.modelParameters ?? layers.reduce((s, l) => s + (l.parameters ?? 0), 0);
  box.replaceChildren(card('Architecture', 'run-architecture',
    layers.length ? el('div', { class: 'table-wrap' }, el('table', { class: 'grid compact' },
      el('thead', {}, el('tr', {}, ...['#', 'Layer', 'Type', 'Output shape', 'Parameter shapes', 'Parameters'].map((h, i) => el('th', { class: i === 0 || i === 5 ? 'num' : '' }, h)))),
      el('tbody', {}, ...layers.map((l) => el('tr', {},
        el('td', { class: 'num muted' }, l.order ?? ''), el('td', { class: 'mono' }, l.name ?? ''), el('td', {}, l.layerType ?? ''),
        el('td', { class: 'mono' }, l.outputShape ?? ''), el('td', { class: 'mono small-text' }, l.parameterShapes ?? ''),
        el('td', { class: 'num' }, (l.parameters ?? 0).toLocaleString('en'))))),
      el('tfoot', {}, el('tr', {}, el('td', { colspan: 5, class: 'strong' }, `${layers.length} layers; total parameters${model?.modelTrainable !== undefined ? ` (${model.modelTrainable.toLocaleString('en')} trainable)` : ''}`),
        el('td', { class: 'num strong', 'data-testid': 'total-parameters' }, (total ?? 0).toLocaleString('en'))))))
      : el('p', { class: 'muted' }, model ? `The model has ${(total ?? 0).toLocaleString('en')} parameters; no layers recorded.` : 'No model recorded.'),
    el('p', { class: 'hint' }, yasguiLink('Run architecture', 'run-architecture', runArchitectureQuery(run)))));
}

function renderDatasets(box, run, rows) {
  const byDataset = new Map();
  for (const r of rows) {
    if (!byDataset.has(r.dataset)) byDataset.set(r.dataset, { ...r, files: [] });
    if (r.path) byDataset.get(r.dataset).files.push(r);
  }
  box.replaceChildren(card('Datasets', 'run-datasets',
    byDataset.size ? el('div', { class: 'table-wrap' }, el('table', { class: 'grid compact' },
      el('thead', {}, el('tr', {}, ...['Dataset', 'Split', 'Examples', 'File', 'Size', 'sha256'].map((h) => el('th', {}, h)))),
      el('tbody', {}, ...[...byDataset.values()].flatMap((d) => {
        const files = d.files.length ? d.files : [{}];
        return files.map((f, i) => el('tr', {},
          i === 0 ? el('td', { rowspan: files.length, class: 'strong' }, d.name ?? '') : null,
          i === 0 ? el('td', { rowspan: files.length }, d.split ?? '') : null,
          i === 0 ? el('td', { rowspan: files.length, class: 'num' }, d.examples !== undefined ? d.examples.toLocaleString('en') : '') : null,
          el('td', { class: 'mono small-text path' }, f.path ?? (d.generator ? `generated: ${d.generator}` : '—')),
          el('td', { class: 'num' }, bytes(f.bytes)),
          el('td', {}, f.path ? hash(f.sha256) : '')));
      }))))
      : el('p', { class: 'muted' }, 'No datasets recorded.'),
    el('p', { class: 'hint' }, yasguiLink('Run datasets', 'run-datasets', runDatasetsQuery(run)))));
}

function renderCheckpoints(box, run, summary, checkpoints, evaluations) {
  const evals = new Map();
  for (const r of evaluations) {
    if (!evals.has(r.evaluation)) evals.set(r.evaluation, { ...r, used: new Map(), metrics: new Map() });
    const e = evals.get(r.evaluation);
    if (r.used) e.used.set(r.used, r.usedType);
    if (r.metric) e.metrics.set(r.metric, r.value);
  }
  const ckLabel = (iri) => {
    const c = checkpoints.find((x) => x.checkpoint === iri);
    return c ? `checkpoint of epoch ${c.epoch}${iri === summary.bestCheckpoint ? ' (best)' : ''}` : iri.split('/').slice(-2).join(' ');
  };
  box.replaceChildren(card('Checkpoints and evaluations', 'run-checkpoints',
    checkpoints.length ? el('div', { class: 'table-wrap' }, el('table', { class: 'grid compact', 'data-testid': 'checkpoints-table' },
      el('thead', {}, el('tr', {}, ...['', 'Epoch', 'File', 'Size', 'sha256', 'Saved'].map((h) => el('th', {}, h)))),
      el('tbody', {}, ...checkpoints.map((c) => el('tr', { class: c.checkpoint === summary.bestCheckpoint ? 'best' : '', dataset: { epoch: c.epoch } },
        el('td', {}, c.checkpoint === summary.bestCheckpoint ? el('span', { class: 'pill completed', title: 'the run\'s dl:bestCheckpoint' }, '★ best') : ''),
        el('td', { class: 'num' }, c.epoch ?? ''), el('td', { class: 'mono small-text', title: c.path ?? '' }, (c.path ?? '').split('/').pop()),
        el('td', { class: 'num' }, bytes(c.bytes)), el('td', {}, hash(c.sha256)), el('td', { class: 'muted' }, fmtTime(c.time)))))))
      : el('p', { class: 'muted' }, 'No checkpoints recorded.'),
    evals.size ? el('div', { class: 'table-wrap' }, el('table', { class: 'grid compact evaluations', 'data-testid': 'evaluations-table' },
      el('thead', {}, el('tr', {}, ...['Evaluation', 'After epoch', 'Used', 'Results'].map((h) => el('th', {}, h)))),
      el('tbody', {}, ...[...evals.values()].map((e) => el('tr', {},
        el('td', {}, `${e.split ?? ''} evaluation`), el('td', { class: 'num' }, e.epoch ?? ''),
        el('td', { class: 'small-text wrap' }, [...e.used].map(([iri, type]) => (type === 'checkpoint' ? ckLabel(iri) : `${type} ${iri.split('/').pop()}`)).join(', ')),
        el('td', { class: 'wrap' }, [...e.metrics].map(([k, v]) => `${k} ${fmt(v)}`).join(' · ')))))))
      : el('p', { class: 'muted' }, 'No evaluations recorded.'),
    el('p', { class: 'hint' }, yasguiLink('Run checkpoints', 'run-checkpoints', runCheckpointsQuery(run)), ' ', yasguiLink('Run evaluations', 'run-evaluations', runEvaluationsQuery(run)))));
}

function renderAgents(box, run, rows) {
  const byAgent = new Map();
  for (const r of rows) if (!byAgent.has(r.agent) || r.scope === 'run') byAgent.set(r.agent, r);
  const describe = (a) => {
    if (a.role === 'program') return [`${a.program ?? ''} ${a.version ?? ''}`.trim(), a.gitCommit ? `commit ${a.gitCommit}` : null, a.libtorch ? `libtorch ${a.libtorch}` : null, a.onBehalfOf ? `on behalf of ${a.onBehalfOf}` : null];
    if (a.role === 'machine') return [a.hostname, a.cpu ? `${a.cpu}${a.cpus ? ` × ${a.cpus} CPUs` : ''}` : null, a.gpu ? `GPU ${a.gpu}` : 'no GPU recorded', a.memory ? `${bytes(a.memory)} memory` : null];
    return [a.name ?? a.agent.split('/').pop()];
  };
  box.replaceChildren(card('Agents', 'run-agents',
    el('ul', { class: 'agents' }, ...[...byAgent.values()].map((a) => el('li', { class: `agent ${a.role.replace(/\s/g, '-')}`, title: a.scope === 'run' ? 'associated with the run' : 'associated with an adaptation of the run' },
      el('span', { class: 'role' }, a.scope === 'run' ? a.role : `${a.role}, adaptation`),
      el('div', {}, ...describe(a).filter(Boolean).map((line, i) => el('div', { class: i === 0 ? 'strong' : 'muted small-text' }, line)))))),
    el('p', { class: 'hint' }, yasguiLink('Run agents', 'run-agents', runAgentsQuery(run)))));
}

async function loadGraph(box, runId, mine) {
  const details = el('div', { class: 'graph-details', 'data-testid': 'graph-details' }, el('p', { class: 'muted' }, 'Click a node to see its statements; click a folded group to open it.'));
  const body = el('div', { class: 'graph-body' }, el('p', { class: 'muted' }, 'Loading the provenance graph…'));
  box.replaceChildren(el('div', { class: 'card', 'data-testid': 'run-graph' },
    el('div', { class: 'card-head' }, el('h2', {}, 'Provenance graph'), el('span', { class: 'muted small-text' }, 'W3C PROV: what the run used, generated and who was involved')),
    el('div', { class: 'graph-layout' }, body, details)));
  const res = await fetch(new URL(`api/runs/${encodeURIComponent(runId)}/graph.json`, document.baseURI), { headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(`the run graph (api/runs/${runId}/graph.json) answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  const model = await res.json();
  if (mine !== generation) return;
  const panel = graphPanel(model, { onSelect: (node, extra) => showNode(details, node, extra) });
  shown.graph = panel;
  body.replaceChildren(panel.element);
  panel.redraw();
  // The graph's queries, for YASGUI.
  const names = ['its nodes', 'evaluation results', 'its edges'];
  details.append(el('p', { class: 'hint' }, 'The server reads the graph with three SPARQL queries: ',
    ...model.queries.slice(1).map((q, i) => [el('a', { href: '#sparql', onclick: (ev) => { ev.preventDefault(); location.hash = '#sparql'; openInYasgui(`graph-${i}`, `Graph: ${names[i] ?? i}`, q); } }, names[i] ?? `query ${i + 1}`), i < model.queries.length - 2 ? ', ' : '.'])));
}

async function showNode(box, node, { foldBack }) {
  const title = el('h3', {}, node.label[0]);
  box.replaceChildren(title,
    el('p', { class: 'muted small-text' }, `${node.kind} · ${node.type}`),
    el('p', { class: 'mono small-text iri' }, node.id),
    el('div', { class: 'node-actions' },
      el('a', { href: '#sparql', class: 'yasgui-link', 'data-testid': 'node-describe', onclick: (ev) => { ev.preventDefault(); location.hash = '#sparql'; openInYasgui('describe', `DESCRIBE ${node.label[0]}`, describeQuery(node.id)); } }, 'open DESCRIBE in YASGUI'),
      foldBack ? el('button', { type: 'button', class: 'secondary small', onclick: foldBack }, 'fold this range again') : null),
    el('p', { class: 'muted' }, 'Loading statements…'));
  const rows = await select(statementsQuery(node.id));
  // Vocabulary IRIs with their prefixes, the run's own resources relative to the run.
  const runPrefix = `${shown?.run ?? ''}/`;
  const short = (v) => String(v).replace('http://www.w3.org/ns/prov#', 'prov:').replace('https://w3id.org/torchprov/dl#', 'dl:')
    .replace('http://www.w3.org/1999/02/22-rdf-syntax-ns#', 'rdf:').replace('http://www.w3.org/2000/01/rdf-schema#', 'rdfs:')
    .replace(runPrefix, 'run …/').replace('https://w3id.org/torchprov/', '…/');
  const table = el('table', { class: 'grid compact statements', 'data-testid': 'node-statements' },
    el('tbody', {}, ...rows.map((r) => el('tr', { class: r.direction },
      r.direction === 'in' ? el('td', { class: 'mono small-text', title: r.value }, short(r.value)) : el('td', { class: 'mono small-text' }, short(r.property)),
      r.direction === 'in' ? el('td', { class: 'mono small-text muted' }, `${short(r.property)} this`) : el('td', { class: 'small-text value', title: String(r.value) }, typeof r.value === 'number' ? fmt(r.value, 6) : short(r.value))))));
  box.lastChild.replaceWith(el('p', { class: 'muted small-text' }, `${rows.filter((r) => r.direction === 'out').length} statements about it, ${rows.filter((r) => r.direction === 'in').length} pointing to it`), table);
}

export function onShowRun(runId) {
  if (shown?.runId === runId && shown.run) {
    lookedAt('run', `Run ${shortId(runId)}`, runSettingsQuery(shown.run));
    resizeCharts(shown.charts, 220);
    return;
  }
  showRun(runId).catch((e) => $('#view-run').append(el('p', { class: 'error' }, String(e.message ?? e))));
}

export function initRun() {
  window.addEventListener('resize', () => { if (state.view === 'run' && shown) resizeCharts(shown.charts, 220); });
}
