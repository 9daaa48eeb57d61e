import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { $, el, fmt, fmtParam, fmtTime, shortId } from '../util.js';
import { select } from '../sparql.js';
import { curvesQuery, adaptationsQuery } from '../queries.js';
import { state, lookedAt } from '../state.js';

const METRIC_ORDER = ['loss', 'accuracy', 'mse', 'r2'];
const SPLITS = ['train', 'val', 'test'];
const DASH = { train: [6, 4], val: [], test: [] };
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
  window.addEventListener('resize', () => { if (state.view === 'curves') resize(); });
}

/** The run checklist mirrors the runs table selection. */
export function renderRunList() {
  const box = $('#curve-runs');
  const runs = [...state.runs].sort((a, b) => String(b.started ?? '').localeCompare(String(a.started ?? '')));
  box.replaceChildren(...runs.map((r) => {
    const input = el('input', { type: 'checkbox', value: r.run });
    input.checked = state.selected.has(r.run);
    input.addEventListener('change', () => {
      if (input.checked) state.selected.add(r.run); else state.selected.delete(r.run);
      refreshCurves(true).catch(showError);
    });
    return el('label', { title: r.run },
      input, el('span', { class: 'swatch', style: `background:${state.runColor.get(r.run)}` }),
      el('span', { class: 'mono' }, shortId(r.runId)), ' ',
      el('span', { class: 'muted' }, `${r.experiment ?? ''} · ${r.statusText}`));
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

function seriesData() {
  // metric -> split -> run -> Map(epoch -> value); the last value logged in an epoch wins.
  const byMetric = new Map();
  for (const m of data.metrics) {
    if (typeof m.value !== 'number' || typeof m.epoch !== 'number') continue;
    if (!byMetric.has(m.metric)) byMetric.set(m.metric, new Map());
    const bySplit = byMetric.get(m.metric);
    if (!bySplit.has(m.split)) bySplit.set(m.split, new Map());
    const byRun = bySplit.get(m.split);
    if (!byRun.has(m.run)) byRun.set(m.run, new Map());
    byRun.get(m.run).set(m.epoch, m.value);
  }
  return byMetric;
}

function draw() {
  for (const c of charts) c.destroy();
  charts = [];
  const container = $('#curves');
  container.replaceChildren();
  const byMetric = seriesData();
  const metrics = [...byMetric.keys()].sort((a, b) => (METRIC_ORDER.indexOf(a) + 99 * (METRIC_ORDER.indexOf(a) < 0)) - (METRIC_ORDER.indexOf(b) + 99 * (METRIC_ORDER.indexOf(b) < 0)) || a.localeCompare(b));
  const splits = SPLITS.filter((s) => [...byMetric.values()].some((m) => m.has(s)));
  renderToggles($('#curve-splits'), splits, hiddenSplits);
  renderToggles($('#curve-metrics'), metrics, hiddenMetrics);
  renderAdaptationTable();
  if (!state.selected.size) {
    container.append(el('p', { class: 'empty-note' }, 'Select one or more runs to plot their curves.'));
    return;
  }
  if (!metrics.length) {
    container.append(el('p', { class: 'empty-note' }, 'No metric values recorded for the selected runs yet.'));
    return;
  }
  container.append(legend(byMetric));
  for (const metric of metrics.filter((m) => !hiddenMetrics.has(m))) {
    const bySplit = byMetric.get(metric);
    const xs = new Set();
    const series = [];
    for (const split of splits) {
      if (hiddenSplits.has(split) || !bySplit.has(split)) continue;
      for (const [run, points] of bySplit.get(split)) {
        for (const x of points.keys()) xs.add(x);
        series.push({ run, split, points });
      }
    }
    if (!series.length) continue;
    const x = [...xs].sort((a, b) => a - b);
    const aligned = [x, ...series.map((s) => x.map((e) => (s.points.has(e) ? s.points.get(e) : null)))];
    const box = el('div', { class: 'chart', dataset: { metric } }, el('h4', {}, metric));
    container.append(box);
    const width = Math.max(320, box.clientWidth - 8);
    const opts = {
      width,
      height: 260,
      scales: { x: { time: false } },
      axes: [
        { label: 'epoch', stroke: '#475569', grid: { stroke: '#eef2f7' }, incrs: [1, 2, 5, 10, 20, 50, 100], values: (u, v) => v.map((t) => (Number.isInteger(t) ? t : '')) },
        { stroke: '#475569', grid: { stroke: '#eef2f7' }, size: 56, values: (u, v) => v.map((t) => fmt(t, 3)) },
      ],
      legend: { show: false },
      cursor: { drag: { x: true, y: false } },
      plugins: [readout(series)],
      series: [
        { label: 'epoch' },
        ...series.map((s) => {
          const run = state.runs.find((r) => r.run === s.run);
          const color = state.runColor.get(s.run) ?? '#333';
          return {
            label: `${shortId(run?.runId ?? s.run)} ${s.split}`,
            stroke: color,
            width: s.split === 'val' ? 2 : 1.5,
            dash: DASH[s.split],
            spanGaps: true,
            paths: s.split === 'test' ? () => null : undefined,
            points: { show: s.split === 'test' || x.length <= 25, size: s.split === 'test' ? 9 : 5, fill: color },
            value: (u, v) => (v === null || v === undefined ? '–' : fmt(v)),
          };
        }),
      ],
      hooks: { draw: [(u) => drawMarkers(u, box, new Set(series.map((x) => x.run)))] },
    };
    charts.push(new uPlot(opts, aligned, box));
  }
}

function legend(byMetric) {
  const plotted = new Set();
  for (const bySplit of byMetric.values()) for (const byRun of bySplit.values()) for (const run of byRun.keys()) plotted.add(run);
  const runs = state.runs.filter((r) => plotted.has(r.run));
  return el('div', { class: 'legend', 'data-testid': 'curves-legend' },
    ...runs.map((r) => el('span', { class: 'item', title: r.run },
      el('span', { class: 'swatch', style: `background:${state.runColor.get(r.run)}` }),
      el('span', { class: 'mono' }, shortId(r.runId)), el('span', { class: 'muted' }, r.statusText))),
    el('span', { class: 'item key' }, el('span', { class: 'line solid' }), 'val'),
    el('span', { class: 'item key' }, el('span', { class: 'line dashed' }), 'train'),
    el('span', { class: 'item key' }, el('span', { class: 'dot' }), 'test'),
    el('span', { class: 'item key' }, el('span', { class: 'line marker-key' }), 'adaptation'));
}

function adaptationsOfSelected() {
  return data.adaptations.filter((a) => state.selected.has(a.run) && typeof a.epoch === 'number');
}

function describe(a) {
  const what = a.action === 'stop' ? 'stop the run'
    : a.action === 'set_epochs' ? `epochs → ${fmtParam(a.newValue)}`
    : `${a.hyperparameter ?? 'setting'}${a.paramGroup ? `[${a.paramGroup}]` : ''} ${a.oldValue !== undefined ? fmtParam(a.oldValue) + ' → ' : '→ '}${fmtParam(a.newValue)}`;
  return what;
}

function drawMarkers(u, box, runsInChart) {
  // Vertical markers at each adaptation's epoch, drawn on the canvas, plus hover targets.
  for (const old of box.querySelectorAll('.marker')) old.remove();
  const { ctx } = u;
  const top = u.bbox.top;
  const height = u.bbox.height;
  const byEpoch = new Map();
  for (const a of adaptationsOfSelected().filter((x) => runsInChart.has(x.run))) {
    const k = `${a.run}|${a.epoch}`;
    byEpoch.set(k, [...(byEpoch.get(k) ?? []), a]);
  }
  let i = 0;
  for (const list of byEpoch.values()) {
    const a = list[0];
    const xPos = u.valToPos(a.epoch, 'x', true);
    if (!Number.isFinite(xPos) || xPos < u.bbox.left - 1 || xPos > u.bbox.left + u.bbox.width + 1) continue;
    const color = state.runColor.get(a.run) ?? '#333';
    ctx.save();
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5 * devicePixelRatio;
    ctx.setLineDash([3 * devicePixelRatio, 3 * devicePixelRatio]);
    ctx.beginPath();
    ctx.moveTo(xPos, top);
    ctx.lineTo(xPos, top + height);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = color;
    ctx.beginPath();
    ctx.arc(xPos, top + 6 * devicePixelRatio + (i % 3) * 9 * devicePixelRatio, 4 * devicePixelRatio, 0, 2 * Math.PI);
    ctx.fill();
    ctx.restore();
    i++;
    // Hover target in CSS pixels over the plotting area.
    const cssX = xPos / devicePixelRatio;
    const text = list.map((x) => `Epoch ${x.epoch}: ${describe(x)}\nby ${x.agentName ?? 'unknown'} (${x.agentKind ?? 'agent'})${x.reason ? `\nwhy: ${x.reason}` : ''}`).join('\n\n');
    const hit = el('div', { class: 'marker', 'data-testid': 'adaptation-marker', style: `left:${cssX - 5}px;top:${top / devicePixelRatio}px;height:${height / devicePixelRatio}px`, 'aria-label': text });
    hit.addEventListener('mouseenter', (ev) => showTooltip(ev, text, color));
    hit.addEventListener('mousemove', (ev) => moveTooltip(ev));
    hit.addEventListener('mouseleave', hideTooltip);
    u.root.querySelector('.u-wrap').append(hit);
  }
}

/** Values of every series at the hovered epoch, shown in the chart's corner. */
function readout(series) {
  let div;
  return {
    hooks: {
      init: (u) => { div = el('div', { class: 'readout' }); u.over.append(div); },
      setCursor: (u) => {
        const i = u.cursor.idx;
        if (i === null || i === undefined) { div.hidden = true; return; }
        const rows = series.map((s, k) => [s, u.data[k + 1][i]]).filter(([, v]) => v !== null && v !== undefined);
        if (!rows.length) { div.hidden = true; return; }
        div.hidden = false;
        div.replaceChildren(el('div', { class: 'strong' }, `epoch ${u.data[0][i]}`), ...rows.map(([s, v]) => {
          const run = state.runs.find((r) => r.run === s.run);
          return el('div', {}, el('span', { class: 'swatch', style: `background:${state.runColor.get(s.run)}` }),
            `${shortId(run?.runId ?? s.run)} ${s.split}: `, el('b', {}, fmt(v)));
        }));
      },
    },
  };
}

function showTooltip(ev, text, color) {
  const t = $('#tooltip');
  t.textContent = text;
  t.style.borderColor = color;
  t.hidden = false;
  moveTooltip(ev);
}
function moveTooltip(ev) {
  const t = $('#tooltip');
  const x = Math.min(ev.clientX + 14, window.innerWidth - t.offsetWidth - 8);
  t.style.left = `${x}px`;
  t.style.top = `${ev.clientY + 14}px`;
}
function hideTooltip() { $('#tooltip').hidden = true; }

function renderAdaptationTable() {
  const table = $('#adaptations-table');
  const list = data.adaptations.filter((a) => state.selected.has(a.run));
  table.tHead.replaceChildren(el('tr', {}, ...['Run', 'Epoch', 'Change', 'By', 'Reason', 'Time'].map((h) => el('th', {}, h))));
  table.tBodies[0].replaceChildren(...(list.length ? list.map((a) => {
    const run = state.runs.find((r) => r.run === a.run);
    return el('tr', {},
      el('td', { class: 'mono' }, el('span', { class: 'swatch', style: `background:${state.runColor.get(a.run)}` }), shortId(run?.runId ?? a.run)),
      el('td', { class: 'num' }, a.epoch ?? ''),
      el('td', {}, describe(a)),
      el('td', {}, `${a.agentName ?? ''}`, el('span', { class: 'muted' }, a.agentKind ? ` (${a.agentKind})` : '')),
      el('td', {}, a.reason ?? ''),
      el('td', { class: 'muted' }, fmtTime(a.time)));
  }) : [el('tr', { class: 'empty' }, el('td', { colspan: 6 }, 'No adaptations.'))]));
}

function resize() {
  for (const c of charts) {
    const box = c.root.parentElement;
    c.setSize({ width: Math.max(320, box.clientWidth - 8), height: 260 });
  }
}

export function onShowCurves() {
  renderRunList();
  lookedAt('curves', 'Metric curves', curvesQuery([...state.selected]));
  refreshCurves(true).catch(showError);
}
