import { $, el, fmt, fmtParam, fmtTime, shortId, runStatus, PALETTE } from '../util.js';
import { select } from '../sparql.js';
import { runsQuery } from '../queries.js';
import { state, emit, lookedAt } from '../state.js';

const COLUMNS = [
  { key: 'plot', label: '', sortable: false },
  { key: 'runId', label: 'Run' },
  { key: 'experiment', label: 'Experiment' },
  { key: 'person', label: 'Person' },
  { key: 'statusText', label: 'Status' },
  { key: 'started', label: 'Started' },
  { key: 'epochs', label: 'Epochs', num: true },
  { key: 'learningRate', label: 'Learning rate', num: true },
  { key: 'batchSize', label: 'Batch', num: true },
  { key: 'optimizer', label: 'Optimizer' },
  { key: 'bestValAccuracy', label: 'Best val acc', num: true },
  { key: 'bestValR2', label: 'Best val R²', num: true },
  { key: 'minValLoss', label: 'Min val loss', num: true },
];

let sortKey = 'started';
let sortDir = -1;
let lastJson = '';

export function currentQuery() {
  return runsQuery();
}

export function initRuns() {
  const thead = $('#runs-table thead');
  const tr = el('tr');
  for (const c of COLUMNS) {
    const th = el('th', { class: (c.num ? 'num ' : '') + (c.sortable === false ? '' : 'sortable'), dataset: { key: c.key }, title: c.sortable === false ? 'plot under Curves' : 'sort' }, c.label);
    if (c.sortable !== false) {
      th.addEventListener('click', () => {
        if (sortKey === c.key) sortDir = -sortDir;
        else { sortKey = c.key; sortDir = c.num || c.key === 'started' ? -1 : 1; }
        render();
      });
    }
    tr.append(th);
  }
  thead.append(tr);
  $('#runs-filter').addEventListener('input', render);
}

export async function refreshRuns() {
  const rows = await select(runsQuery());
  const byRun = new Map();
  for (const r of rows) if (!byRun.has(r.run)) byRun.set(r.run, r);
  const runs = [...byRun.values()];
  // Colours by start order, so a run keeps its colour as new runs appear.
  [...runs].sort((a, b) => String(a.started ?? '').localeCompare(String(b.started ?? '')) || a.run.localeCompare(b.run))
    .forEach((r) => { if (!state.runColor.has(r.run)) state.runColor.set(r.run, PALETTE[state.runColor.size % PALETTE.length]); });
  for (const r of runs) r.statusText = runStatus(r);
  if (state.selected.size === 0 && runs.length) {
    // Default selection: the running runs, else the three most recent.
    const running = runs.filter((r) => r.statusText === 'running');
    const pick = running.length ? running : [...runs].sort((a, b) => String(b.started).localeCompare(String(a.started))).slice(0, 3);
    for (const r of pick) state.selected.add(r.run);
  }
  state.runs = runs;
  const json = JSON.stringify(runs);
  if (json !== lastJson) {
    lastJson = json;
    render();
    emit('runs', runs);
  }
}

function cmp(a, b) {
  if (a === undefined || a === null || a === '') return 1;
  if (b === undefined || b === null || b === '') return -1;
  if (typeof a === 'number' && typeof b === 'number') return (a - b) * sortDir;
  return String(a).localeCompare(String(b)) * sortDir;
}

export function render() {
  const q = $('#runs-filter').value.trim().toLowerCase();
  const tbody = $('#runs-table tbody');
  const rows = state.runs
    .filter((r) => !q || COLUMNS.some((c) => String(cell(r, c.key)).toLowerCase().includes(q)) || r.run.toLowerCase().includes(q))
    .sort((a, b) => cmp(a[sortKey], b[sortKey]));
  tbody.replaceChildren(...rows.map(rowFor));
  if (!rows.length) {
    tbody.append(el('tr', { class: 'empty' }, el('td', { colspan: COLUMNS.length }, state.runs.length ? 'No run matches the filter.' : 'No training runs in the store yet.')));
  }
  for (const th of document.querySelectorAll('#runs-table th')) {
    th.classList.toggle('sorted', th.dataset.key === sortKey);
    th.dataset.dir = th.dataset.key === sortKey ? (sortDir > 0 ? 'asc' : 'desc') : '';
  }
  $('#runs-count').textContent = `${rows.length} of ${state.runs.length} run${state.runs.length === 1 ? '' : 's'}`;
}

function cell(r, key) {
  switch (key) {
    case 'started': return fmtTime(r.started);
    case 'epochs': return r.epochsPlanned ? `${r.epochs ?? 0}/${r.epochsPlanned}` : r.epochs ?? 0;
    case 'learningRate': return fmtParam(r.learningRate);
    case 'plot': return '';
    default: return typeof r[key] === 'number' ? fmt(r[key]) : r[key] ?? '';
  }
}

function rowFor(r) {
  const tr = el('tr', { dataset: { run: r.run }, class: state.selected.has(r.run) ? 'selected' : '' });
  for (const c of COLUMNS) {
    let td;
    if (c.key === 'plot') {
      const box = el('input', { type: 'checkbox', title: 'plot under Curves', 'aria-label': `plot run ${r.runId}` });
      box.checked = state.selected.has(r.run);
      box.addEventListener('change', () => {
        if (box.checked) state.selected.add(r.run); else state.selected.delete(r.run);
        tr.classList.toggle('selected', box.checked);
        emit('selection');
      });
      td = el('td', { class: 'plot' }, el('span', { class: 'swatch', style: `background:${state.runColor.get(r.run)}` }), box);
    } else if (c.key === 'runId') {
      td = el('td', { class: 'mono' }, el('a', {
        href: '#curves', title: `${r.run}\nclick: plot only this run`,
        onclick: () => { state.selected.clear(); state.selected.add(r.run); emit('selection'); },
      }, shortId(r.runId)));
    } else if (c.key === 'statusText') {
      td = el('td', {}, el('span', { class: `pill ${r.statusText}` }, r.statusText));
    } else {
      td = el('td', { class: c.num ? 'num' : '' }, cell(r, c.key));
    }
    tr.append(td);
  }
  return tr;
}

export function onShowRuns() {
  lookedAt('runs', 'Runs table', runsQuery());
}
