// Hyperparameters against results, per experiment: parallel coordinates (brushing filters the
// runs table and shows the brushed runs' curves) and one scatter plot per varying hyperparameter.
import uPlot from 'uplot';
import { $, el, fmt, fmtParam, shortId } from '../util.js';
import { select } from '../sparql.js';
import { hparamsQuery, experimentsQuery, curvesQuery, adaptationsQuery } from '../queries.js';
import { state, lookedAt, emit, on, colorOf, chartRuns } from '../state.js';
import { parallelCoordinates, pcLegend } from './parcoords.js';
import { seriesData, drawCharts, resizeCharts } from '../charts.js';

const MAX_BRUSHED_CURVES = 30;
let charts = [];
let pcCharts = [];
let lastKey = '';
let pc = null;
let curvesGeneration = 0;

const experiment = () => $('#hp-experiment').value || null;

export function currentQuery() {
  return hparamsQuery($('#hp-target').value, experiment());
}

export function initHparams() {
  $('#hp-target').addEventListener('change', () => { clearBrush(); onShowHparams(); });
  $('#hp-experiment').addEventListener('change', () => { clearBrush(); onShowHparams(); });
  window.addEventListener('resize', () => {
    if (state.view !== 'hparams') return;
    for (const c of charts) c.setSize({ width: chartWidth(c.root.parentElement), height: 220 });
    resizeCharts(pcCharts, 220);
  });
  // The runs table's "clear" also clears the brush drawn here.
  on('brush', () => { if (!state.brush && pc?.active()) pc.clear(); });
}

const chartWidth = (box) => Math.max(260, box.clientWidth - 8);

async function loadExperiments() {
  const sel = $('#hp-experiment');
  const list = await select(experimentsQuery());
  const keep = sel.value;
  sel.replaceChildren(...list.map((e) => el('option', { value: e.experiment }, `${e.name} (${e.runs} run${e.runs === 1 ? '' : 's'})`)));
  if (keep && list.some((e) => e.experiment === keep)) sel.value = keep;
}

export async function refreshHparams(force = false) {
  if (!$('#hp-experiment').options.length) await loadExperiments();
  const target = $('#hp-target').value;
  const rows = await select(hparamsQuery(target, experiment()));
  $('#hp-error').hidden = true;
  const key = JSON.stringify([target, experiment(), rows]);
  if (!force && key === lastKey) return;
  lastKey = key;
  draw(rows, $('#hp-target').selectedOptions[0].textContent, /loss|mse/.test(target));
}

function clearBrush() {
  pc = null;
  if (state.brush) { state.brush = null; emit('brush'); }
}

/** The brushed runs: a filter on the runs table and their curves below the parallel coordinates. */
async function brushed(runs, all, targetLabel) {
  const exp = $('#hp-experiment');
  state.brush = runs ? { experiment: experiment(), experimentName: exp.selectedOptions[0]?.textContent.replace(/ \(\d+ runs?\)$/, ''), runs } : null;
  emit('brush');
  $('#pc-summary').textContent = runs ? `${runs.size} of ${all} runs in the brushed ranges — the runs table shows only these.` : `${all} runs; brush an axis to select some.`;
  const mine = ++curvesGeneration;
  for (const c of pcCharts) c.destroy();
  pcCharts = [];
  const box = $('#pc-curves');
  if (!runs || !runs.size) { box.replaceChildren(); return; }
  if (runs.size > MAX_BRUSHED_CURVES) {
    box.replaceChildren(el('p', { class: 'empty-note' }, `Brush further to see the curves (at most ${MAX_BRUSHED_CURVES} runs; ${runs.size} selected).`));
    return;
  }
  const list = [...runs];
  const [metrics, adaptations] = await Promise.all([select(curvesQuery(list)), select(adaptationsQuery(list))]);
  if (mine !== curvesGeneration) return;
  box.replaceChildren();
  const metric = $('#hp-target').value.split(':')[1];
  pcCharts = drawCharts(box, seriesData(metrics), { runs: chartRuns(list), adaptations, hiddenSplits: new Set(['train', 'test']), height: 220, onlyMetrics: [metric] });
  if (!pcCharts.length) box.append(el('p', { class: 'empty-note' }, `No val ${metric} recorded for the brushed runs.`));
  else box.firstChild.querySelector('h4').textContent = `val ${metric} of the brushed runs (${targetLabel})`;
}

function draw(rows, targetLabel, lowerIsBetter) {
  for (const c of charts) c.destroy();
  charts = [];
  // run -> { runId, result, params: name -> value }
  const runs = new Map();
  const names = new Map(); // hyperparameter label -> [values]
  for (const r of rows) {
    const label = r.paramGroup ? `${r.hyperparameter}[${r.paramGroup}]` : r.hyperparameter;
    if (!runs.has(r.run)) runs.set(r.run, { run: r.run, runId: r.runId, result: r.result, params: {} });
    runs.get(r.run).params[label] = r.value;
    if (!names.has(label)) names.set(label, new Set());
    names.get(label).add(r.value);
  }
  const varying = [...names].filter(([, v]) => v.size > 1).map(([k]) => k).sort();
  const constant = [...names].filter(([, v]) => v.size === 1).map(([k, v]) => `${k} = ${fmtParam([...v][0])}`).sort();
  const container = $('#hp-charts');
  container.replaceChildren();
  if (!runs.size) {
    container.append(el('p', { class: 'empty-note' }, `No run has a ${targetLabel} yet.`));
  } else if (!varying.length) {
    container.append(el('p', { class: 'empty-note' }, 'All runs use the same hyperparameters; nothing to compare yet.'));
  }
  const runList = [...runs.values()];
  // Parallel coordinates; kept while a brush is active (a poll must not throw the brush away).
  if (!state.brush || !pc) {
    if (state.brush) { state.brush = null; emit('brush'); }
    const box = $('#pc-chart');
    if (runList.length && varying.length) {
      pc = parallelCoordinates(box, { runs: runList, axes: varying, resultLabel: targetLabel, lowerIsBetter, onBrush: (keep) => brushed(keep, runList.length, targetLabel).catch(showError) });
      box.append(pcLegend(targetLabel, lowerIsBetter));
      $('#pc-summary').textContent = `${runList.length} runs; brush an axis to select some.`;
    } else {
      pc = null;
      box.replaceChildren(el('p', { class: 'empty-note' }, runList.length ? 'The runs of this experiment share every hyperparameter.' : `No run of this experiment has a ${targetLabel} yet.`));
      $('#pc-summary').textContent = '';
    }
  }
  for (const name of varying) {
    const vals = [...names.get(name)];
    const numeric = vals.every((v) => typeof v === 'number');
    const categories = numeric ? null : vals.map(String).sort();
    const pos = (v) => (numeric ? v : categories.indexOf(String(v)));
    const withValue = runList.filter((r) => r.params[name] !== undefined);
    const xs = [...new Set(withValue.map((r) => pos(r.params[name])))].sort((a, b) => a - b);
    const log = numeric && xs.every((x) => x > 0) && xs[xs.length - 1] / xs[0] >= 50;
    const data = [xs, ...withValue.map((r) => xs.map((x) => (x === pos(r.params[name]) ? r.result : null)))];
    const box = el('div', { class: 'chart', dataset: { param: name } }, el('h4', {}, `${targetLabel} vs ${name}`));
    container.append(box);
    const pad = (lo, hi) => (log ? [lo / 2, hi * 2] : lo === hi ? [lo - 1, hi + 1] : [lo - (hi - lo) * 0.08, hi + (hi - lo) * 0.08]);
    charts.push(new uPlot({
      width: chartWidth(box),
      height: 220,
      scales: {
        x: numeric
          ? { time: false, distr: log ? 3 : 1, range: (u, lo, hi) => pad(lo, hi) }
          : { time: false, range: () => [-0.5, categories.length - 0.5] },
        y: { range: (u, lo, hi) => (lo === hi ? [lo - 0.05, hi + 0.05] : [lo - (hi - lo) * 0.1, hi + (hi - lo) * 0.1]) },
      },
      axes: [
        { label: name, stroke: '#475569', grid: { stroke: '#eef2f7' },
          ...(numeric ? { values: (u, v) => v.map((t) => fmtParam(t)), ...(log ? { splits: (u, i, lo, hi) => decades(lo, hi) } : {}) } : { splits: () => categories.map((_, i) => i), values: () => categories }) },
        { stroke: '#475569', grid: { stroke: '#eef2f7' }, size: 56, values: (u, v) => v.map((t) => fmt(t, 3)) },
      ],
      legend: { show: false },
      cursor: { points: { size: 12 } },
      series: [
        { label: name },
        ...withValue.map((r) => ({
          label: shortId(r.runId),
          stroke: colorOf(r.run),
          fill: colorOf(r.run),
          paths: () => null,
          points: { show: true, size: 11, fill: colorOf(r.run), stroke: '#fff', width: 1 },
        })),
      ],
    }, data, box));
  }
  $('#hp-constant').textContent = constant.length ? `Same in every run: ${constant.join(', ')}` : '';
  // Comparison table: one row per run, varying hyperparameters then the result.
  const table = $('#hp-table');
  table.tHead.replaceChildren(el('tr', {}, el('th', {}, 'Run'), ...varying.map((n) => el('th', { class: 'num' }, n)), el('th', { class: 'num' }, targetLabel)));
  table.tBodies[0].replaceChildren(...runList.sort((a, b) => (lowerIsBetter ? a.result - b.result : b.result - a.result)).map((r) => el('tr', {},
    el('td', { class: 'mono', title: r.run }, el('span', { class: 'swatch', style: `background:${colorOf(r.run)}` }), el('a', { href: `#run/${encodeURIComponent(r.runId)}` }, shortId(r.runId))),
    ...varying.map((n) => el('td', { class: 'num' }, fmtParam(r.params[n]))),
    el('td', { class: 'num strong' }, fmt(r.result)))));
}

function decades(lo, hi) {
  const out = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    const v = 10 ** e;
    if (v >= lo * 0.999 && v <= hi * 1.001) out.push(Number(v.toPrecision(1)));
  }
  return out;
}

function showError(e) {
  const p = $('#hp-error');
  p.hidden = false;
  p.textContent = String(e.message ?? e);
}

export function onShowHparams() {
  loadExperiments().then(() => {
    lookedAt('hparams', 'Hyperparameter comparison', currentQuery());
    return refreshHparams(true);
  }).catch(showError);
}
