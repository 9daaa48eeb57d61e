import { $, el, fmtTime } from '../util.js';
import { select } from '../sparql.js';
import { curvesQuery, adaptationsQuery } from '../queries.js';
import { state, lookedAt, colorOf, runLabel, chartRuns } from '../state.js';
import { seriesData, sortedMetrics, drawCharts, updateCharts, resizeCharts, describeAdaptation, lineKeys, SPLITS } from '../charts.js';

const hiddenSplits = new Set(['test']);
const hiddenMetrics = new Set();
let charts = [];
let lastKey = '';
let data = { metrics: [], adaptations: [] };

export function currentQuery() {
  return curvesQuery([...state.selected]);
}
export function currentAdaptationsQuery() {
  return adaptationsQuery([...state.selected]);
}

export function initCurves() {
  window.addEventListener('resize', () => { if (state.view === 'curves') resizeCharts(charts); });
}

/** The run checklist: the selected runs, then the runs table's page (newest first). */
export function renderRunList() {
  const box = $('#curve-runs');
  const shown = new Set([...state.selected, ...state.runs.map((r) => r.run)]);
  const runs = [...shown].map((run) => state.known.get(run) ?? { run })
    .sort((a, b) => Number(state.selected.has(b.run)) - Number(state.selected.has(a.run)) || String(b.started ?? '').localeCompare(String(a.started ?? '')));
  box.replaceChildren(...runs.map((r) => {
    const input = el('input', { type: 'checkbox', value: r.run });
    input.checked = state.selected.has(r.run);
    input.addEventListener('change', () => {
      if (input.checked) state.selected.add(r.run); else state.selected.delete(r.run);
      refreshCurves(true).catch(showError);
    });
    return el('label', { title: r.run },
      input, el('span', { class: 'swatch', style: `background:${colorOf(r.run)}` }),
      el('span', { class: 'mono' }, runLabel(r.run)), ' ',
      el('span', { class: 'muted' }, `${r.experiment ?? ''} · ${r.statusText ?? ''}`));
  }));
}

function renderToggles(container, items, hidden) {
  container.replaceChildren(...items.map((name) => {
    const input = el('input', { type: 'checkbox', value: name });
    input.checked = !hidden.has(name);
    input.addEventListener('change', () => {
      if (input.checked) hidden.delete(name); else hidden.add(name);
      draw();
    });
    return el('label', {}, input, ' ', name);
  }));
}

function showError(e) {
  const p = $('#curves-error');
  p.hidden = false;
  p.textContent = String(e.message ?? e);
}

export async function refreshCurves(force = false) {
  const runs = [...state.selected];
  if (!runs.length) {
    data = { metrics: [], adaptations: [] };
    lastKey = '';
    draw();
    return;
  }
  const [metrics, adaptations] = await Promise.all([select(curvesQuery(runs)), select(adaptationsQuery(runs))]);
  $('#curves-error').hidden = true;
  $('#curves-updated').textContent = `updated ${fmtTime(new Date().toISOString()).slice(11)}`;
  const key = JSON.stringify([runs, metrics, adaptations]);
  if (!force && key === lastKey) return;
  lastKey = key;
  data = { metrics, adaptations };
  draw();
}

function draw() {
  const container = $('#curves');
  const byMetric = seriesData(data.metrics);
  const metrics = sortedMetrics(byMetric);
  const splits = SPLITS.filter((s) => [...byMetric.values()].some((m) => m.has(s)));
  renderToggles($('#curve-splits'), splits, hiddenSplits);
  renderToggles($('#curve-metrics'), metrics, hiddenMetrics);
  renderAdaptationTable();
  const options = { runs: chartRuns(state.selected), adaptations: data.adaptations, hiddenSplits, hiddenMetrics };
  // A live training's new epoch extends the charts in place: rebuilt, they would lose the
  // pointer's readout and zoom every few seconds.
  if (state.selected.size && metrics.length && charts.length && updateCharts(charts, byMetric, options)) {
    container.querySelector('[data-testid="curves-legend"]')?.replaceWith(legend(byMetric));
    return;
  }
  for (const c of charts) c.destroy();
  charts = [];
  container.replaceChildren();
  if (!state.selected.size) {
    container.append(el('p', { class: 'empty-note' }, 'Select one or more runs to plot their curves.'));
    return;
  }
  if (!metrics.length) {
    container.append(el('p', { class: 'empty-note' }, 'No metric values recorded for the selected runs yet.'));
    return;
  }
  container.append(legend(byMetric));
  charts = drawCharts(container, byMetric, options);
}

function legend(byMetric) {
  const plotted = new Set();
  for (const bySplit of byMetric.values()) for (const byRun of bySplit.values()) for (const run of byRun.keys()) plotted.add(run);
  const runs = [...plotted].filter((r) => state.selected.has(r));
  return el('div', { class: 'legend', 'data-testid': 'curves-legend' },
    ...runs.map((run) => el('span', { class: 'item', title: run },
      el('span', { class: 'swatch', style: `background:${colorOf(run)}` }),
      el('a', { class: 'mono', href: `#run/${encodeURIComponent(state.known.get(run)?.runId ?? run.split('/').pop())}` }, runLabel(run)),
      el('span', { class: 'muted' }, state.known.get(run)?.statusText ?? ''))),
    ...lineKeys());
}

function renderAdaptationTable() {
  const table = $('#adaptations-table');
  const list = data.adaptations.filter((a) => state.selected.has(a.run));
  table.tHead.replaceChildren(el('tr', {}, ...['Run', 'Epoch', 'Change', 'By', 'Reason', 'Time'].map((h) => el('th', {}, h))));
  table.tBodies[0].replaceChildren(...(list.length ? list.map((a) => el('tr', {},
    el('td', { class: 'mono' }, el('span', { class: 'swatch', style: `background:${colorOf(a.run)}` }), el('a', { href: `#run/${encodeURIComponent(state.known.get(a.run)?.runId ?? a.run.split('/').pop())}` }, runLabel(a.run))),
    el('td', { class: 'num' }, a.epoch ?? ''),
    el('td', {}, describeAdaptation(a)),
    el('td', {}, `${a.agentName ?? ''}`, el('span', { class: 'muted' }, a.agentKind ? ` (${a.agentKind})` : '')),
    el('td', {}, a.reason ?? ''),
    el('td', { class: 'muted' }, fmtTime(a.time)))) : [el('tr', { class: 'empty' }, el('td', { colspan: 6 }, 'No adaptations.'))]));
}

export function onShowCurves() {
  renderRunList();
  lookedAt('curves', 'Metric curves', curvesQuery([...state.selected]));
  refreshCurves(true).catch(showError);
}
