import uPlot from 'uplot';
import { $, el, fmt, fmtParam, shortId } from '../util.js';
import { select } from '../sparql.js';
import { hparamsQuery } from '../queries.js';
import { state, lookedAt } from '../state.js';

let charts = [];
let lastKey = '';

export function currentQuery() {
  return hparamsQuery($('#hp-target').value);
}

export function initHparams() {
  $('#hp-target').addEventListener('change', () => onShowHparams());
  window.addEventListener('resize', () => {
    if (state.view !== 'hparams') return;
    for (const c of charts) c.setSize({ width: chartWidth(c.root.parentElement), height: 220 });
  });
}

const chartWidth = (box) => Math.max(260, box.clientWidth - 8);

export async function refreshHparams(force = false) {
  const target = $('#hp-target').value;
  const rows = await select(hparamsQuery(target));
  $('#hp-error').hidden = true;
  const key = JSON.stringify([target, rows, [...state.runColor]]);
  if (!force && key === lastKey) return;
  lastKey = key;
  draw(rows, $('#hp-target').selectedOptions[0].textContent, /loss|mse/.test(target));
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
          stroke: state.runColor.get(r.run) ?? '#333',
          fill: state.runColor.get(r.run) ?? '#333',
          paths: () => null,
          points: { show: true, size: 11, fill: state.runColor.get(r.run) ?? '#333', stroke: '#fff', width: 1 },
        })),
      ],
    }, data, box));
  }
  $('#hp-constant').textContent = constant.length ? `Same in every run: ${constant.join(', ')}` : '';
  // Comparison table: one row per run, varying hyperparameters then the result.
  const table = $('#hp-table');
  table.tHead.replaceChildren(el('tr', {}, el('th', {}, 'Run'), ...varying.map((n) => el('th', { class: 'num' }, n)), el('th', { class: 'num' }, targetLabel)));
  table.tBodies[0].replaceChildren(...runList.sort((a, b) => (lowerIsBetter ? a.result - b.result : b.result - a.result)).map((r) => el('tr', {},
    el('td', { class: 'mono', title: r.run }, el('span', { class: 'swatch', style: `background:${state.runColor.get(r.run)}` }), shortId(r.runId)),
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

export function onShowHparams() {
  lookedAt('hparams', 'Hyperparameter comparison', hparamsQuery($('#hp-target').value));
  refreshHparams(true).catch((e) => { const p = $('#hp-error'); p.hidden = false; p.textContent = String(e.message ?? e); });
}
