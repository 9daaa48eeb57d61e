// Parallel coordinates of one experiment's runs: one vertical axis per hyperparameter that
// differs between them plus the chosen result, one line per run.  Brushing (d3-brush) an axis
// keeps the runs inside the range on every brushed axis; onBrush gets their IRIs (null when no
// axis is brushed).  Scales come from d3-scale: log for rates spanning decades, points for
// categories such as the optimizer.
import { scaleLinear, scaleLog, scalePoint } from 'd3-scale';
import { brushY } from 'd3-brush';
import { select as d3select } from 'd3-selection';
import { el, fmt, fmtParam } from '../util.js';
import { showTooltip, moveTooltip, hideTooltip } from '../charts.js';

const NS = 'http://www.w3.org/2000/svg';
const svg = (tag, attrs = {}, text) => {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
};

/**
 * runs: [{ run, runId, params: { name: value }, result }]; axes: names of the hyperparameters
 * that vary; resultLabel; lowerIsBetter.  Returns { element, clear }.
 */
export function parallelCoordinates(container, { runs, axes, resultLabel, lowerIsBetter, onBrush }) {
  const width = Math.max(520, container.clientWidth || 900);
  const height = 340;
  const margin = { top: 34, right: 70, bottom: 26, left: 70 };
  const dims = [...axes.map((name) => ({ name, label: name, get: (r) => r.params[name] })),
    { name: '__result', label: resultLabel, get: (r) => r.result, result: true }];
  const x = scalePoint().domain(dims.map((d) => d.name)).range([margin.left, width - margin.right]);
  for (const d of dims) {
    const vals = runs.map(d.get).filter((v) => v !== undefined && v !== null);
    d.numeric = vals.every((v) => typeof v === 'number');
    const distinct = [...new Set(vals)];
    // A hyperparameter with a few values (a grid) gets one evenly spaced tick per value, in order.
    d.grid = d.numeric && !d.result && distinct.length <= 8;
    if (d.grid) {
      d.scale = scalePoint().domain(distinct.sort((a, b) => a - b)).range([height - margin.bottom, margin.top]).padding(0.3);
    } else if (d.numeric) {
      const lo = Math.min(...vals); const hi = Math.max(...vals);
      d.log = !d.result && lo > 0 && hi / lo >= 50;
      d.scale = (d.log ? scaleLog() : scaleLinear()).domain(lo === hi ? [lo - (lo ? Math.abs(lo) * 0.1 : 1), hi + (hi ? Math.abs(hi) * 0.1 : 1)] : [lo, hi])
        .range([height - margin.bottom, margin.top]);
      if (!d.log) d.scale.nice();
    } else {
      d.scale = scalePoint().domain([...new Set(vals.map(String))].sort()).range([height - margin.bottom, margin.top]).padding(0.3);
    }
    d.pos = (v) => (v === undefined || v === null ? null : d.grid || d.numeric ? d.scale(v) : d.scale(String(v)));
  }
  const results = runs.map((r) => r.result).filter((v) => typeof v === 'number');
  const color = scaleLinear().domain([Math.min(...results), Math.max(...results)]).range(lowerIsBetter ? ['#1d4ed8', '#f59e0b'] : ['#f59e0b', '#1d4ed8']);

  const root = svg('svg', { class: 'parcoords-svg', width, height, viewBox: `0 0 ${width} ${height}`, 'data-testid': 'parcoords-svg' });
  const lineLayer = svg('g', { class: 'lines' });
  root.append(lineLayer);
  const lines = new Map(); // run -> path
  for (const r of runs) {
    const pts = dims.map((d) => [x(d.name), d.pos(d.get(r))]).filter(([, y]) => y !== null && Number.isFinite(y));
    if (pts.length < 2) continue;
    const d = `M${pts.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join('L')}`;
    const g = svg('g', { class: 'pc-line', 'data-run': r.run, 'data-run-id': r.runId });
    const path = svg('path', { d, stroke: color(r.result) ?? '#64748b', class: 'visible' });
    const hit = svg('path', { d, class: 'hit' });
    g.append(path, hit);
    const text = `run ${r.runId}\n${axes.map((a) => `${a} = ${fmtParam(r.params[a])}`).join('\n')}\n${resultLabel} = ${fmt(r.result)}`;
    g.addEventListener('mouseenter', (ev) => { g.classList.add('hover'); lineLayer.append(g); showTooltip(ev, text, color(r.result)); });
    g.addEventListener('mousemove', moveTooltip);
    g.addEventListener('mouseleave', () => { g.classList.remove('hover'); hideTooltip(); });
    g.addEventListener('click', () => { location.hash = `#run/${encodeURIComponent(r.runId)}`; hideTooltip(); });
    lineLayer.append(g);
    lines.set(r.run, g);
  }
  const brushed = new Map(); // dim name -> [y0, y1]
  const update = () => {
    if (!brushed.size) {
      for (const g of lines.values()) g.classList.remove('out');
      onBrush(null);
      return;
    }
    const keep = new Set();
    for (const r of runs) {
      const inside = [...brushed].every(([name, [y0, y1]]) => {
        const dim = dims.find((d) => d.name === name);
        const y = dim.pos(dim.get(r));
        return y !== null && y >= y0 && y <= y1;
      });
      if (inside) keep.add(r.run);
    }
    for (const [run, g] of lines) g.classList.toggle('out', !keep.has(run));
    onBrush(keep);
  };
  for (const d of dims) {
    const ax = svg('g', { class: `pc-axis${d.result ? ' result' : ''}`, transform: `translate(${x(d.name)},0)`, 'data-axis': d.name, 'data-testid': 'pc-axis' });
    ax.append(svg('line', { y1: margin.top, y2: height - margin.bottom, class: 'domain' }));
    let ticks = d.numeric && !d.grid ? d.scale.ticks(6) : d.scale.domain();
    // A log axis over many decades: powers of ten only.
    if (d.log && ticks.length > 8) ticks = ticks.filter((t) => Number.isInteger(Math.log10(t)) || Math.abs(Math.log10(t) - Math.round(Math.log10(t))) < 1e-9);
    for (const t of ticks) {
      const y = d.scale(t);
      ax.append(svg('line', { x1: -4, x2: 0, y1: y, y2: y, class: 'tick' }));
      ax.append(svg('text', { x: -7, y, 'text-anchor': 'end', 'dominant-baseline': 'middle', class: 'tick-label' }, d.numeric ? fmtParam(t) : t));
    }
    ax.append(svg('text', { y: margin.top - 14, 'text-anchor': 'middle', class: 'axis-title' }, d.label));
    root.append(ax);
    const brush = brushY().extent([[-12, margin.top - 4], [12, height - margin.bottom + 4]])
      .on('brush end', (ev) => {
        if (ev.selection) brushed.set(d.name, ev.selection); else brushed.delete(d.name);
        if (ev.type === 'end' || ev.sourceEvent) update();
      });
    const bg = svg('g', { class: 'brush', 'data-axis': d.name });
    ax.append(bg);
    d3select(bg).call(brush);
    d.clear = () => d3select(bg).call(brush.move, null);
  }
  container.replaceChildren(root);
  return {
    element: root,
    clear: () => { for (const d of dims) d.clear(); brushed.clear(); update(); },
    active: () => brushed.size > 0,
    count: lines.size,
  };
}

export function pcLegend(resultLabel, lowerIsBetter) {
  return el('span', { class: 'pc-legend muted small-text' },
    el('span', { class: 'grad', style: `background: linear-gradient(90deg, ${lowerIsBetter ? '#1d4ed8, #f59e0b' : '#f59e0b, #1d4ed8'})` }),
    ` colour: ${resultLabel} (blue is better)`);
}

