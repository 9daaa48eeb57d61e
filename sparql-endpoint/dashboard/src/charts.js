// Metric curves drawn with uPlot: one chart per metric, runs overlaid (colour per run; val solid,
// train dashed, test dots), adaptations as vertical markers whose tooltip says what changed, who
// and why.  Used by the Curves view, the run page, the comparison and the parallel coordinates.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { $, el, fmt, fmtParam } from './util.js';

const METRIC_ORDER = ['loss', 'accuracy', 'mse', 'r2'];
export const SPLITS = ['train', 'val', 'test'];
const DASH = { train: [6, 4], val: [], test: [] };

/** metric -> split -> run -> Map(epoch -> value); the last value logged in an epoch wins. */
export function seriesData(metricRows) {
  const byMetric = new Map();
  for (const m of metricRows) {
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

export function sortedMetrics(byMetric) {
  const rank = (m) => (METRIC_ORDER.includes(m) ? METRIC_ORDER.indexOf(m) : 99);
  return [...byMetric.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** What an adaptation changed, in words. */
export function describeAdaptation(a) {
  if (a.action === 'stop') return 'stop the run';
  if (a.action === 'set_epochs') return `epochs → ${fmtParam(a.newValue)}`;
  return `${a.hyperparameter ?? 'setting'}${a.paramGroup ? `[${a.paramGroup}]` : ''} ${a.oldValue !== undefined ? `${fmtParam(a.oldValue)} → ` : '→ '}${fmtParam(a.newValue)}`;
}

export function adaptationText(list) {
  return list.map((x) => `Epoch ${x.epoch}: ${describeAdaptation(x)}\nby ${x.agentName ?? 'unknown'} (${x.agentKind ?? 'agent'})${x.reason ? `\nwhy: ${x.reason}` : ''}`).join('\n\n');
}

/** The metrics `drawCharts` would draw, each with its series and its epochs aligned for uPlot. */
function chartPlan(byMetric, options) {
  const { runs, hiddenSplits = new Set(), hiddenMetrics = new Set(), onlyMetrics = null } = options;
  const splits = SPLITS.filter((s) => [...byMetric.values()].some((m) => m.has(s)));
  const plan = [];
  for (const metric of sortedMetrics(byMetric).filter((m) => !hiddenMetrics.has(m) && (!onlyMetrics || onlyMetrics.includes(m)))) {
    const bySplit = byMetric.get(metric);
    const xs = new Set();
    const series = [];
    for (const split of splits) {
      if (hiddenSplits.has(split) || !bySplit.has(split)) continue;
      for (const [run, points] of bySplit.get(split)) {
        if (!runs.has(run)) continue;
        for (const x of points.keys()) xs.add(x);
        series.push({ run, split, points });
      }
    }
    if (!series.length) continue;
    const x = [...xs].sort((a, b) => a - b);
    const aligned = [x, ...series.map((s) => x.map((e) => (s.points.has(e) ? s.points.get(e) : null)))];
    // What fixes a chart's shape: its series (run, split, look) and whether points are drawn.
    const shape = JSON.stringify([metric, series.map((s) => [s.run, s.split, runs.get(s.run)?.label, runs.get(s.run)?.color]), x.length <= 25]);
    plan.push({ metric, series, aligned, shape });
  }
  return plan;
}

/**
 * Draws one chart per metric into `container` and returns the uPlot instances.
 * options: runs: Map run -> { label, color }; adaptations: rows of adaptationsQuery;
 * hiddenSplits / hiddenMetrics: Sets; height; onlyMetrics: array of metric names to draw.
 */
export function drawCharts(container, byMetric, options) {
  const { runs, height = 260 } = options;
  const charts = [];
  for (const { metric, series, aligned, shape } of chartPlan(byMetric, options)) {
    const x = aligned[0];
    const box = el('div', { class: 'chart', dataset: { metric } }, el('h4', {}, metric));
    container.append(box);
    // What the hooks read: `updateCharts` replaces it when new epochs arrive.
    const current = { shape, series, adaptations: chartAdaptations(options, series) };
    const opts = {
      width: Math.max(320, box.clientWidth - 8),
      height,
      scales: { x: { time: false } },
      axes: [
        { label: 'epoch', stroke: '#475569', grid: { stroke: '#eef2f7' }, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000], values: (u, v) => v.map((t) => (Number.isInteger(t) ? t : '')) },
        { stroke: '#475569', grid: { stroke: '#eef2f7' }, size: 56, values: (u, v) => v.map((t) => fmt(t, 3)) },
      ],
      legend: { show: false },
      cursor: { drag: { x: true, y: false } },
      plugins: [readout(current, runs)],
      series: [
        { label: 'epoch' },
        ...series.map((s) => {
          const color = runs.get(s.run)?.color ?? '#333';
          return {
            label: `${runs.get(s.run)?.label ?? s.run} ${s.split}`,
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
      hooks: { draw: [(u) => drawMarkers(u, box, current.adaptations, runs)] },
    };
    const chart = new uPlot(opts, aligned, box);
    chart.current = current;
    charts.push(chart);
  }
  return charts;
}

/**
 * Gives `charts` (from `drawCharts` with the same options) the new data in place, so that a
 * live training's epochs extend the curves without the charts being rebuilt under the pointer:
 * the zoom is reset, the hovered readout stays.  Returns false, changing nothing, when the new
 * data needs other charts (a metric, run or split came or went): then draw them anew.
 */
export function updateCharts(charts, byMetric, options) {
  const plan = chartPlan(byMetric, options);
  if (plan.length !== charts.length || plan.some((p, i) => p.shape !== charts[i].current?.shape)) return false;
  plan.forEach((p, i) => {
    const chart = charts[i];
    chart.current.series = p.series;
    chart.current.adaptations = chartAdaptations(options, p.series);
    chart.setData(p.aligned);
  });
  return true;
}

function chartAdaptations({ adaptations = [], runs }, series) {
  return adaptations.filter((a) => runs.has(a.run) && typeof a.epoch === 'number' && series.some((s) => s.run === a.run));
}

export function resizeCharts(charts, height = 260) {
  for (const c of charts) {
    const box = c.root.parentElement;
    c.setSize({ width: Math.max(320, box.clientWidth - 8), height });
  }
}

function drawMarkers(u, box, adaptations, runs) {
  // Vertical markers at each adaptation's epoch, drawn on the canvas, plus hover targets.
  for (const old of box.querySelectorAll('.marker')) old.remove();
  const { ctx } = u;
  const top = u.bbox.top;
  const height = u.bbox.height;
  const byEpoch = new Map();
  for (const a of adaptations) {
    const k = `${a.run}|${a.epoch}`;
    byEpoch.set(k, [...(byEpoch.get(k) ?? []), a]);
  }
  let i = 0;
  for (const list of byEpoch.values()) {
    const a = list[0];
    const xPos = u.valToPos(a.epoch, 'x', true);
    if (!Number.isFinite(xPos) || xPos < u.bbox.left - 1 || xPos > u.bbox.left + u.bbox.width + 1) continue;
    const color = runs.get(a.run)?.color ?? '#333';
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
    const text = adaptationText(list);
    const hit = el('div', { class: 'marker', 'data-testid': 'adaptation-marker', style: `left:${cssX - 5}px;top:${top / devicePixelRatio}px;height:${height / devicePixelRatio}px`, 'aria-label': text });
    hit.addEventListener('mouseenter', (ev) => showTooltip(ev, text, color));
    hit.addEventListener('mousemove', (ev) => moveTooltip(ev));
    hit.addEventListener('mouseleave', hideTooltip);
    u.root.querySelector('.u-wrap').append(hit);
  }
}

/** Values of every series at the hovered epoch, shown in the chart's corner. */
function readout(current, runs) {
  let div;
  return {
    hooks: {
      // Hidden until the pointer is over an epoch: an empty readout says nothing.
      init: (u) => { div = el('div', { class: 'readout', hidden: true }); u.over.append(div); },
      setCursor: (u) => {
        const { series } = current;
        const i = u.cursor.idx;
        if (i === null || i === undefined) { div.hidden = true; return; }
        const rows = series.map((s, k) => [s, u.data[k + 1][i]]).filter(([, v]) => v !== null && v !== undefined);
        if (!rows.length) { div.hidden = true; return; }
        div.hidden = false;
        div.replaceChildren(el('div', { class: 'strong' }, `epoch ${u.data[0][i]}`), ...rows.slice(0, 12).map(([s, v]) => el('div', {},
          el('span', { class: 'swatch', style: `background:${runs.get(s.run)?.color ?? '#333'}` }),
          `${runs.get(s.run)?.label ?? s.run} ${s.split}: `, el('b', {}, fmt(v)))));
      },
    },
  };
}

export function showTooltip(ev, text, color = '#475569') {
  const t = $('#tooltip');
  t.textContent = text;
  t.style.borderColor = color;
  t.hidden = false;
  moveTooltip(ev);
}
export function moveTooltip(ev) {
  const t = $('#tooltip');
  const x = Math.min(ev.clientX + 14, window.innerWidth - t.offsetWidth - 8);
  t.style.left = `${x}px`;
  t.style.top = `${ev.clientY + 14}px`;
}
export function hideTooltip() { $('#tooltip').hidden = true; }

/** The legend's line keys (val / train / test / adaptation). */
export function lineKeys() {
  return [
    el('span', { class: 'item key' }, el('span', { class: 'line solid' }), 'val'),
    el('span', { class: 'item key' }, el('span', { class: 'line dashed' }), 'train'),
    el('span', { class: 'item key' }, el('span', { class: 'dot' }), 'test'),
    el('span', { class: 'item key' }, el('span', { class: 'line marker-key' }), 'adaptation'),
  ];
}
