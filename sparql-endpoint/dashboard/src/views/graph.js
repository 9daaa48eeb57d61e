// A run's provenance graph, laid out in layers by dagre (@dagrejs/dagre) and drawn as SVG in
// PROV's conventions: entities yellow ovals, activities blue rectangles, agents orange
// pentagons, the PROV relation's name on every edge, causes above what they caused.
// The graph comes from the server (GET api/runs/ID/graph.json, see sparql-endpoint/src/run_graph.h),
// which also draws it with Graphviz (graph.svg): the folding of long runs into epoch ranges is
// decided there, once; here a folded group opens on a click.
import dagre from '@dagrejs/dagre';
import { el } from '../util.js';

const NS = 'http://www.w3.org/2000/svg';
const FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", "Liberation Sans", sans-serif';
const FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", "Liberation Sans", sans-serif';
const LINE = 15;
const RANKDIR = 'BT'; // causes above what they caused: time runs down the page
// PROV's colours (the W3C PROV-O / PROV-DM figures).
export const STYLE = {
  entity: { fill: '#FFFC87', stroke: '#808080' },
  activity: { fill: '#9FB1FC', stroke: '#0000FF' },
  agent: { fill: '#FED37F', stroke: '#808080' },
};
// The stylesheet travels inside a saved SVG, so the file looks the same anywhere.
const SVG_CSS = `
.node text { font: ${FONT}; fill: #0f172a; }
.node text.title { font-weight: 600; }
.node { cursor: pointer; }
.node.selected .shape { stroke: #e11d48; stroke-width: 3; }
.node.best .shape { stroke: #15803d; stroke-width: 3.5; }
.node.group .shape { stroke-dasharray: 5 3; }
.edge path { fill: none; stroke: #64748b; stroke-width: 1.3; }
.edge text { font: 10.5px ${FONT_FAMILY}; fill: #334155; }
.edge rect { fill: #ffffff; opacity: 0.85; }
.edge.highlight path { stroke: #e11d48; stroke-width: 2; }
.edge.highlight text { fill: #9f1239; font-weight: 600; }
`;

let measureCtx = null;
function textWidth(text, bold = false) {
  if (!measureCtx) measureCtx = document.createElement('canvas').getContext('2d');
  measureCtx.font = bold ? `600 ${FONT}` : FONT;
  return measureCtx.measureText(text).width;
}

const svg = (tag, attrs = {}, ...children) => {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) e.setAttribute(k, v);
  for (const c of children) if (c) e.append(c);
  return e;
};

/** Nodes and edges shown with the groups in `expanded` open (as run_graph::shown on the server). */
export function shownGraph(model, expanded) {
  const byId = new Map(model.nodes.map((n) => [n.id, n]));
  const shownAs = (id) => {
    let shown = id;
    for (let n = byId.get(id); n && n.group; n = byId.get(n.group)) if (!expanded.has(n.group)) shown = n.group;
    return shown;
  };
  const visible = new Set(model.nodes.filter((n) => n.type !== 'Group').map((n) => shownAs(n.id)));
  const nodes = model.nodes.filter((n) => visible.has(n.id));
  const seen = new Set();
  const edges = [];
  for (const e of model.edges) {
    const from = shownAs(e.from); const to = shownAs(e.to);
    const key = `${from}\u0000${e.relation}\u0000${to}`;
    if (from === to || seen.has(key)) continue;
    seen.add(key);
    edges.push({ from, relation: e.relation, to });
  }
  return { nodes, edges, shownAs };
}

function nodeSize(n) {
  const widths = n.label.map((l, i) => textWidth(l, i === 0));
  const w = Math.max(60, ...widths);
  const h = n.label.length * LINE;
  if (n.kind === 'entity') return { width: Math.ceil(w * 1.22 + 26), height: Math.ceil(h * 1.25 + 18) };
  if (n.kind === 'agent') return { width: Math.ceil(w + 30), height: Math.ceil(h + 30) };
  return { width: Math.ceil(w + 26), height: Math.ceil(h + 16) };
}

/** Positions of nodes (boxes) and edges (points, label centre), causes above. */
function layout(graph) {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: RANKDIR, nodesep: 22, ranksep: 40, edgesep: 12, marginx: 16, marginy: 16 });
  for (const n of graph.nodes) g.setNode(n.id, nodeSize(n));
  graph.edges.forEach((e, i) => g.setEdge(e.from, e.to, {
    width: Math.ceil(textWidth(e.relation) * 0.9) + 8, height: 14, labelpos: 'c',
  }, `e${i}`));
  dagre.layout(g);
  const boxes = new Map(graph.nodes.map((n) => {
    const b = g.node(n.id);
    return [n.id, { x: b.x - b.width / 2, y: b.y - b.height / 2, width: b.width, height: b.height }];
  }));
  const edges = graph.edges.map((e, i) => ({ ...g.edge(e.from, e.to, `e${i}`) }));
  return { width: Math.ceil(g.graph().width), height: Math.ceil(g.graph().height), boxes, edges };
}

// Where the line from `outside` towards a node's centre meets the node's outline (dagre ends
// edges on the bounding box; ovals and the pentagon's roof need the real outline).
function clip(box, kind, outside) {
  const cx = box.x + box.width / 2; const cy = box.y + box.height / 2;
  const dx = outside.x - cx; const dy = outside.y - cy;
  if (!dx && !dy) return outside;
  let t;
  if (kind === 'entity') {
    t = 1 / Math.sqrt((dx * dx) / ((box.width / 2) ** 2) + (dy * dy) / ((box.height / 2) ** 2));
  } else {
    t = Math.min(dx ? Math.abs(box.width / 2 / dx) : Infinity, dy ? Math.abs(box.height / 2 / dy) : Infinity);
  }
  return { x: cx + dx * Math.min(1, t), y: cy + dy * Math.min(1, t) };
}

function edgePath(points, fromBox, fromKind, toBox, toKind) {
  const pts = points.map((p) => ({ ...p }));
  if (pts.length >= 2) {
    pts[0] = clip(fromBox, fromKind, pts[1]);
    pts[pts.length - 1] = clip(toBox, toKind, pts[pts.length - 2]);
  }
  if (pts.length <= 2) return `M${pts.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' L')}`;
  // A smooth curve through the bend points: quadratic pieces between their midpoints.
  let d = `M${pts[0].x.toFixed(1)},${pts[0].y.toFixed(1)}`;
  for (let i = 1; i < pts.length - 1; i++) {
    const mid = { x: (pts[i].x + pts[i + 1].x) / 2, y: (pts[i].y + pts[i + 1].y) / 2 };
    const end = i === pts.length - 2 ? pts[i + 1] : mid;
    d += ` Q${pts[i].x.toFixed(1)},${pts[i].y.toFixed(1)} ${end.x.toFixed(1)},${end.y.toFixed(1)}`;
  }
  return d;
}

function shapeFor(n, w, h) {
  const st = STYLE[n.kind] ?? STYLE.entity;
  const common = { class: 'shape', fill: st.fill, stroke: st.stroke, 'stroke-width': 1.4 };
  if (n.kind === 'entity') return svg('ellipse', { ...common, cx: w / 2, cy: h / 2, rx: w / 2, ry: h / 2 });
  if (n.kind === 'agent') {
    const roof = Math.min(18, h * 0.32);
    return svg('polygon', { ...common, points: `0,${roof} ${w / 2},0 ${w},${roof} ${w},${h} 0,${h}` });
  }
  return svg('rect', { ...common, x: 0, y: 0, width: w, height: h, rx: 2 });
}

function drawNode(n, box) {
  const { width: w, height: h } = box;
  const classes = ['node', n.kind, n.type === 'Group' ? 'group' : '', n.best ? 'best' : ''].filter(Boolean).join(' ');
  const g = svg('g', {
    class: classes, transform: `translate(${box.x},${box.y})`, 'data-id': n.id, 'data-type': n.type, 'data-kind': n.kind,
    'data-epoch': n.epoch, 'data-testid': 'graph-node', tabindex: 0, role: 'button',
  });
  g.append(svg('title', {}, document.createTextNode(`${n.label.join('\n')}\n${n.id.startsWith('group:') ? 'folded: click to open' : n.id}`)));
  if (n.type === 'Group') {
    // A stack of shapes: several nodes folded into one.
    const back = shapeFor(n, w, h);
    back.setAttribute('transform', 'translate(5,-5)');
    back.setAttribute('opacity', '0.55');
    g.append(back);
  }
  g.append(shapeFor(n, w, h));
  const top = (n.kind === 'agent' ? h / 2 + 6 : h / 2) - ((n.label.length - 1) * LINE) / 2;
  n.label.forEach((line, i) => {
    g.append(svg('text', { x: w / 2, y: top + i * LINE, 'text-anchor': 'middle', 'dominant-baseline': 'middle', class: i === 0 ? 'title' : '' },
      document.createTextNode(line)));
  });
  if (n.type === 'Group') {
    g.append(svg('text', { x: w - 4, y: h - 5, 'text-anchor': 'end', class: 'badge', fill: '#1e3a8a', 'font-size': '11' }, document.createTextNode('+')));
  }
  return g;
}

/**
 * The graph panel of the run page.  `model` is graph.json; onSelect(node) is called when a node
 * is clicked (groups open instead).  Returns { element, redraw, saveSvg, savePng, svgText, expanded };
 * call redraw() once the element is in the page.
 */
export function graphPanel(model, { onSelect = () => {}, initiallyExpanded = [] } = {}) {
  const expanded = new Set(initiallyExpanded);
  const canvas = el('div', { class: 'graph-canvas', 'data-testid': 'graph-canvas' });
  const status = el('span', { class: 'muted small-text', 'data-testid': 'graph-status' });
  let current = null; // { svg, graph, width, height }
  let view = null;    // { x, y, w, h } viewBox
  let selectedId = null;

  function redraw() {
    const graph = shownGraph(model, expanded);
    const t0 = performance.now();
    const laid = layout(graph);
    const { width, height } = laid;
    const root = svg('svg', {
      xmlns: NS, class: 'prov-graph', 'data-testid': 'prov-graph', viewBox: `0 0 ${width} ${height}`,
      'data-run': model.run, 'font-family': FONT_FAMILY,
    });
    root.append(svg('style', {}, document.createTextNode(SVG_CSS)));
    const defs = svg('defs');
    defs.append(svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' },
      svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#64748b' })));
    defs.append(svg('marker', { id: 'arrow-hi', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' },
      svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#e11d48' })));
    root.append(defs);
    root.append(svg('rect', { x: 0, y: 0, width, height, fill: '#ffffff' }));
    const edgeLayer = svg('g', { class: 'edges' });
    const nodeLayer = svg('g', { class: 'nodes' });
    const boxes = laid.boxes;
    const kinds = new Map(graph.nodes.map((n) => [n.id, n.kind]));
    laid.edges.forEach((le, i) => {
      const e = graph.edges[i];
      const g = svg('g', { class: 'edge', 'data-from': e.from, 'data-to': e.to, 'data-relation': e.relation, 'data-testid': 'graph-edge' });
      g.append(svg('path', { d: edgePath(le.points, boxes.get(e.from), kinds.get(e.from), boxes.get(e.to), kinds.get(e.to)), 'marker-end': 'url(#arrow)' }));
      if (Number.isFinite(le.x)) {
        g.append(svg('rect', { x: le.x - le.width / 2, y: le.y - 7, width: le.width, height: 14, rx: 2 }));
        g.append(svg('text', { x: le.x, y: le.y + 0.5, 'text-anchor': 'middle', 'dominant-baseline': 'middle' }, document.createTextNode(e.relation)));
      }
      edgeLayer.append(g);
    });
    for (const n of graph.nodes) {
      const g = drawNode(n, boxes.get(n.id));
      g.addEventListener('click', (ev) => { ev.stopPropagation(); clicked(n); });
      g.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); clicked(n); } });
      nodeLayer.append(g);
    }
    root.append(edgeLayer, nodeLayer);
    canvas.replaceChildren(root);
    current = { svg: root, graph, width, height };
    const groups = model.nodes.filter((n) => n.type === 'Group');
    const folded = graph.nodes.filter((n) => n.type === 'Group').length;
    status.textContent = `${graph.nodes.length} nodes, ${graph.edges.length} edges${groups.length ? ` · ${folded} folded group${folded === 1 ? '' : 's'} (click one to open)` : ''} · laid out in ${Math.round(performance.now() - t0)} ms`;
    fit();
    if (selectedId) highlight(selectedId);
    canvas.dispatchEvent(new CustomEvent('graph-drawn', { bubbles: true }));
  }

  function clicked(n) {
    if (n.type === 'Group') {
      expanded.add(n.id);
      // A range of epochs opens with its checkpoints (and the other way round).
      expanded.add(n.id.replace(/^group:(epochs|checkpoints):/, (m, k) => `group:${k === 'epochs' ? 'checkpoints' : 'epochs'}:`));
      redraw();
      return;
    }
    selectedId = n.id;
    highlight(n.id);
    onSelect(n, { foldBack: foldBackFor(n) });
  }

  function foldBackFor(n) {
    if (!n.group || !expanded.has(n.group)) return null;
    return () => {
      const byId = new Map(model.nodes.map((x) => [x.id, x]));
      // Close the innermost open group holding it, and its twin.
      let g = n.group;
      while (g && !expanded.has(g)) g = byId.get(g)?.group;
      if (!g) return;
      expanded.delete(g);
      expanded.delete(g.replace(/^group:(epochs|checkpoints):/, (m, k) => `group:${k === 'epochs' ? 'checkpoints' : 'epochs'}:`));
      redraw();
    };
  }

  function highlight(id) {
    if (!current) return;
    for (const g of current.svg.querySelectorAll('.node')) g.classList.toggle('selected', g.dataset.id === id);
    for (const g of current.svg.querySelectorAll('.edge')) {
      const on = g.dataset.from === id || g.dataset.to === id;
      g.classList.toggle('highlight', on);
      g.querySelector('path').setAttribute('marker-end', on ? 'url(#arrow-hi)' : 'url(#arrow)');
    }
  }

  // Pan (drag) and zoom (wheel, buttons) by moving the viewBox.
  function setView(v) {
    view = v;
    current?.svg.setAttribute('viewBox', `${v.x} ${v.y} ${v.w} ${v.h}`);
  }
  // The whole graph when it fits at a readable size; otherwise readable (text at least ~7 px),
  // starting from the top, where the run and what it used are.
  const MIN_SCALE = 0.5;
  function fit(all = false) {
    if (!current) return;
    const box = canvas.getBoundingClientRect();
    const pw = box.width || 1000; const ph = box.height || 600;
    const scale = Math.min(pw / current.width, ph / current.height);
    if (all || scale >= MIN_SCALE) {
      const w = pw / scale; const h = ph / scale;
      setView({ x: (current.width - w) / 2, y: (current.height - h) / 2, w, h });
    } else {
      const w = pw / MIN_SCALE; const h = ph / MIN_SCALE;
      setView({ x: (current.width - w) / 2, y: 0, w, h });
    }
  }
  function zoom(factor, cx = 0.5, cy = 0.5) {
    if (!view) return;
    const w = view.w * factor; const h = view.h * factor;
    setView({ x: view.x + (view.w - w) * cx, y: view.y + (view.h - h) * cy, w, h });
  }
  canvas.addEventListener('wheel', (ev) => {
    ev.preventDefault();
    const r = canvas.getBoundingClientRect();
    zoom(ev.deltaY > 0 ? 1.15 : 1 / 1.15, (ev.clientX - r.left) / r.width, (ev.clientY - r.top) / r.height);
  }, { passive: false });
  let drag = null;
  canvas.addEventListener('pointerdown', (ev) => {
    if (ev.target.closest('.node') || !view) return;
    drag = { x: ev.clientX, y: ev.clientY, view: { ...view } };
    canvas.setPointerCapture(ev.pointerId);
    canvas.classList.add('dragging');
  });
  canvas.addEventListener('pointermove', (ev) => {
    if (!drag) return;
    const r = canvas.getBoundingClientRect();
    const k = drag.view.w / r.width;
    setView({ ...drag.view, x: drag.view.x - (ev.clientX - drag.x) * k, y: drag.view.y - (ev.clientY - drag.y) * k });
  });
  const endDrag = () => { drag = null; canvas.classList.remove('dragging'); };
  canvas.addEventListener('pointerup', endDrag);
  canvas.addEventListener('pointercancel', endDrag);

  /** The whole graph as a standalone SVG document (not the zoomed view). */
  function svgText() {
    const clone = current.svg.cloneNode(true);
    clone.setAttribute('viewBox', `0 0 ${current.width} ${current.height}`);
    clone.setAttribute('width', current.width);
    clone.setAttribute('height', current.height);
    for (const g of clone.querySelectorAll('.selected, .highlight')) g.classList.remove('selected', 'highlight');
    for (const p of clone.querySelectorAll('.edge path')) p.setAttribute('marker-end', 'url(#arrow)');
    clone.insertBefore(svg('desc', {}, document.createTextNode(`PROV graph of training run ${model.runId} (${model.run})`)), clone.firstChild);
    return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(clone)}\n`;
  }
  const fileBase = () => `run-${model.runId}-provenance`;
  function download(blob, name) {
    const a = el('a', { href: URL.createObjectURL(blob), download: name });
    document.body.append(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }
  function saveSvg() {
    download(new Blob([svgText()], { type: 'image/svg+xml' }), `${fileBase()}.svg`);
  }
  async function savePng() {
    const scale = 2;
    const url = URL.createObjectURL(new Blob([svgText()], { type: 'image/svg+xml' }));
    try {
      const img = new Image();
      await new Promise((resolve, reject) => { img.onload = resolve; img.onerror = () => reject(new Error('the SVG could not be drawn')); img.src = url; });
      const c = document.createElement('canvas');
      c.width = current.width * scale; c.height = current.height * scale;
      const ctx = c.getContext('2d');
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, c.width, c.height);
      ctx.drawImage(img, 0, 0, c.width, c.height);
      const blob = await new Promise((resolve) => c.toBlob(resolve, 'image/png'));
      download(blob, `${fileBase()}.png`);
    } finally {
      URL.revokeObjectURL(url);
    }
  }

  const groupIds = model.nodes.filter((n) => n.type === 'Group').map((n) => n.id);
  const button = (text, title, fn, testid) => el('button', { type: 'button', class: 'secondary small', title, 'data-testid': testid, onclick: fn }, text);
  const toolbar = el('div', { class: 'graph-toolbar' },
    button('Whole graph', 'fit the whole graph into the panel', () => fit(true), 'graph-fit'),
    button('+', 'zoom in', () => zoom(1 / 1.3), 'graph-zoom-in'),
    button('−', 'zoom out', () => zoom(1.3), 'graph-zoom-out'),
    groupIds.length ? button('Open all groups', 'show every epoch and checkpoint', () => { for (const g of groupIds) expanded.add(g); redraw(); }, 'graph-expand-all') : null,
    groupIds.length ? button('Fold', 'fold long runs per epoch range again', () => { expanded.clear(); redraw(); }, 'graph-collapse-all') : null,
    el('span', { class: 'spacer' }),
    button('Save SVG', 'download the whole graph as SVG', saveSvg, 'graph-save-svg'),
    button('Save PNG', 'download the whole graph as PNG', () => savePng().catch((e) => { status.textContent = String(e.message ?? e); }), 'graph-save-png'),
    el('a', { href: `api/runs/${encodeURIComponent(model.runId)}/graph.svg`, target: '_blank', class: 'small-text', title: 'the same graph laid out by Graphviz on the server' }, 'server SVG'));
  const legend = el('div', { class: 'graph-legend' },
    legendItem('entity', 'entity'), legendItem('activity', 'activity'), legendItem('agent', 'agent'),
    el('span', { class: 'item' }, el('span', { class: 'key-group' }), 'folded group: click to open'),
    el('span', { class: 'item' }, el('span', { class: 'key-best' }), 'best checkpoint'),
    el('span', { class: 'item muted' }, 'arrows point from the effect to its cause (PROV); drag to pan, wheel to zoom'));
  const element = el('div', { class: 'graph-panel' }, toolbar, legend, canvas, status);
  // The caller draws (redraw) once the element is in the page, so the picture fits the panel.
  return { element, redraw, saveSvg, savePng, svgText, expanded };
}

function legendItem(kind, text) {
  const w = 26; const h = 16;
  const s = svg('svg', { width: w + 2, height: h + 2, viewBox: `-1 -1 ${w + 2} ${h + 2}` }, shapeFor({ kind }, w, h));
  return el('span', { class: 'item' }, s, text);
}
