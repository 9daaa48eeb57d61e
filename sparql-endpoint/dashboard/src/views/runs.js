// The runs table: one page of runs at a time, sorted and filtered by the SPARQL query
// (runsPageQuery), so it stays fast with tens of thousands of runs in the store.  While the
// answer is on its way, a new sort or filter is applied to the rows already shown.
import { $, el, fmt, fmtParam, fmtTime, runStatus } from '../util.js';
import { select } from '../sparql.js';
import { runsQuery, runsPageQuery, runsCountQuery, runningRunsQuery, changeProbeQuery } from '../queries.js';
import { state, emit, lookedAt, colorOf, on } from '../state.js';

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
export const PAGE_SIZE = 50;

const view = { sortKey: 'started', sortDir: -1, offset: 0, text: '', matching: 0, total: 0 };
let lastJson = '';
let generation = 0; // answers to an older sort / filter / page are dropped
let filterTimer = null;

const pageSpec = () => ({ text: view.text, only: state.brush?.runs ?? null, sortKey: view.sortKey, sortDir: view.sortDir, offset: view.offset, limit: PAGE_SIZE });

export function currentQuery() {
  return runsPageQuery(pageSpec());
}

export function initRuns() {
  const thead = $('#runs-table thead');
  const tr = el('tr');
  for (const c of COLUMNS) {
    const th = el('th', { class: (c.num ? 'num ' : '') + (c.sortable === false ? '' : 'sortable'), dataset: { key: c.key }, title: c.sortable === false ? 'plot under Curves, compare' : 'sort' }, c.label);
    if (c.sortable !== false) {
      th.addEventListener('click', () => {
        if (view.sortKey === c.key) view.sortDir = -view.sortDir;
        else { view.sortKey = c.key; view.sortDir = c.num || c.key === 'started' ? -1 : 1; }
        view.offset = 0;
        changed();
      });
    }
    tr.append(th);
  }
  thead.append(tr);
  $('#runs-filter').addEventListener('input', () => {
    view.text = $('#runs-filter').value.trim();
    view.offset = 0;
    delete $('#runs-table').dataset.storeOrder;
    render(); // at once on the rows shown, then from the store
    clearTimeout(filterTimer);
    filterTimer = setTimeout(() => refreshRuns().catch(showError), 200);
  });
  $('#runs-prev').addEventListener('click', () => { view.offset = Math.max(0, view.offset - PAGE_SIZE); changed(); });
  $('#runs-next').addEventListener('click', () => { if (view.offset + PAGE_SIZE < view.matching) { view.offset += PAGE_SIZE; changed(); } });
  $('#compare-button').addEventListener('click', () => {
    const ids = [...state.selected].map((r) => state.known.get(r)?.runId).filter(Boolean);
    if (ids.length >= 2 && ids.length <= 8) location.hash = `#compare/${ids.map(encodeURIComponent).join(',')}`;
  });
  $('#runs-brush-clear').addEventListener('click', () => { state.brush = null; emit('brush'); });
  on('brush', () => { view.offset = 0; changed(); });
  on('selection', renderCompareButton);
}

function changed() {
  delete $('#runs-table').dataset.storeOrder;
  render();
  refreshRuns().catch(showError);
}

// What the store answered when the table's queries were last sent for polling.
let lastSignal = null;

/**
 * The store's change signal: the triples the server holds (from /health, where it says) and
 * the change probe's answer (any SPARQL store).  Both are a few milliseconds; the table's own
 * queries are several hundred at 10 000 runs.
 */
async function changeSignal() {
  const health = fetch(new URL('health', document.baseURI), { headers: { Accept: 'application/json' } })
    .then((res) => (res.ok ? res.json() : {})).catch(() => ({}));
  const [h, probe] = await Promise.all([health, select(changeProbeQuery())]);
  return JSON.stringify([h.triples ?? null, h.graphs ?? null, probe]);
}

/** Polling: the table's queries again only when the store changed since they were last sent. Says whether it did. */
export async function pollRuns() {
  const signal = await changeSignal();
  if (signal === lastSignal) return false;
  await refreshRuns();
  lastSignal = signal;
  return true;
}

function showError(e) {
  const p = $('#runs-error');
  p.hidden = false;
  p.textContent = `Could not query the endpoint: ${e.message ?? e}`;
}

/** Details of the page's runs, the selected runs and the running runs, in one query. */
export async function refreshRuns() {
  const mine = ++generation;
  const spec = pageSpec();
  const [page, count, running] = await Promise.all([
    select(runsPageQuery(spec)), select(runsCountQuery(spec)), select(runningRunsQuery())]);
  if (mine !== generation) return;
  const pageRuns = page.map((r) => r.run);
  const wanted = [...new Set([...pageRuns, ...state.selected, ...running.map((r) => r.run)])];
  const rows = wanted.length ? await select(runsQuery(wanted)) : [];
  if (mine !== generation) return;
  const byRun = new Map();
  for (const r of rows) if (!byRun.has(r.run)) byRun.set(r.run, r);
  for (const r of byRun.values()) {
    r.statusText = runStatus(r);
    state.known.set(r.run, r);
  }
  // Colours by start order, so a run keeps its colour as new runs appear.
  [...byRun.values()].sort((a, b) => String(a.started ?? '').localeCompare(String(b.started ?? '')) || a.run.localeCompare(b.run))
    .forEach((r) => colorOf(r.run));
  if (state.selected.size === 0 && byRun.size && !state.defaultChosen) {
    // Default selection: the running runs, else the three most recent.
    state.defaultChosen = true;
    const pick = running.length ? running.map((r) => r.run) : (view.sortKey === 'started' && view.sortDir < 0 ? pageRuns.slice(0, 3) : []);
    for (const r of pick) state.selected.add(r);
  }
  state.runs = pageRuns.map((r) => byRun.get(r)).filter(Boolean);
  state.running = running.map((r) => byRun.get(r.run)).filter(Boolean);
  view.matching = count[0]?.count ?? state.runs.length;
  const json = JSON.stringify([state.runs, state.running, view]);
  $('#runs-error').hidden = true;
  if (json !== lastJson) {
    lastJson = json;
    render(true);
    emit('runs', state.runs);
  }
  // The rows are in the store's order for this sort (tests wait for it).
  $('#runs-table').dataset.storeOrder = `${spec.sortKey} ${spec.sortDir > 0 ? 'asc' : 'desc'}`;
}

// As the store sorts it (queries.js): a run without a finished epoch shows and sorts as 0.
const sortValue = (r) => (view.sortKey === 'epochs' ? r.epochs ?? 0 : r[view.sortKey]);

function cmp(a, b) {
  if (a === undefined || a === null || a === '') return 1;
  if (b === undefined || b === null || b === '') return -1;
  if (typeof a === 'number' && typeof b === 'number') return (a - b) * view.sortDir;
  return (a < b ? -1 : a > b ? 1 : 0) * view.sortDir;
}

/** Draws the page; until the store answers (`fromStore` false) the filter and sort apply to the rows shown. */
export function render(fromStore = false) {
  const q = view.text.toLowerCase().split(/\s+/).filter(Boolean);
  const tbody = $('#runs-table tbody');
  let rows = state.runs;
  if (!fromStore) {
    const hay = (r) => [r.runId, r.experiment, r.person, r.statusText, r.optimizer].map((x) => String(x ?? '')).join(' ').toLowerCase();
    rows = rows.filter((r) => q.every((w) => hay(r).includes(w))).sort((a, b) => cmp(sortValue(a), sortValue(b)) || cmp(a.runId, b.runId) * view.sortDir);
  }
  tbody.replaceChildren(...rows.map(rowFor));
  if (!rows.length) {
    tbody.append(el('tr', { class: 'empty' }, el('td', { colspan: COLUMNS.length }, view.text || state.brush ? 'No run matches the filter.' : 'No training runs in the store yet.')));
  }
  for (const th of document.querySelectorAll('#runs-table th')) {
    th.classList.toggle('sorted', th.dataset.key === view.sortKey);
    th.dataset.dir = th.dataset.key === view.sortKey ? (view.sortDir > 0 ? 'asc' : 'desc') : '';
  }
  const matching = fromStore ? view.matching : Math.max(rows.length, view.matching);
  const first = rows.length ? view.offset + 1 : 0;
  const last = view.offset + rows.length;
  $('#runs-count').textContent = matching > PAGE_SIZE ? `${first}–${last} of ${matching.toLocaleString('en')} runs` : `${rows.length} of ${matching} run${matching === 1 ? '' : 's'}`;
  $('#runs-pager').hidden = matching <= PAGE_SIZE && view.offset === 0;
  $('#runs-prev').disabled = view.offset === 0;
  $('#runs-next').disabled = last >= matching;
  $('#runs-page').textContent = `page ${Math.floor(view.offset / PAGE_SIZE) + 1} of ${Math.max(1, Math.ceil(matching / PAGE_SIZE))}`;
  const chip = $('#runs-brush');
  chip.hidden = !state.brush;
  if (state.brush) $('#runs-brush-text').textContent = `Only the ${state.brush.runs.size} run${state.brush.runs.size === 1 ? '' : 's'} brushed in the parallel coordinates of ${state.brush.experimentName ?? 'the experiment'}`;
  renderCompareButton();
}

/** The ticks and highlighted rows follow the selection, without drawing the rows again. */
export function syncSelection() {
  for (const tr of document.querySelectorAll('#runs-table tbody tr[data-run]')) {
    const on = state.selected.has(tr.dataset.run);
    tr.classList.toggle('selected', on);
    const box = tr.querySelector('td.plot input');
    if (box && box.checked !== on) box.checked = on;
  }
  renderCompareButton();
}

function renderCompareButton() {
  const n = [...state.selected].filter((r) => state.known.get(r)?.runId).length;
  const b = $('#compare-button');
  b.disabled = n < 2 || n > 8;
  b.textContent = `Compare ticked runs (${n})`;
  b.title = n < 2 ? 'tick 2 to 8 runs to compare them' : n > 8 ? 'at most 8 runs can be compared' : 'side by side: hyperparameters, architecture, datasets, curves, adaptations';
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
      const box = el('input', { type: 'checkbox', title: 'plot under Curves; tick 2–8 to compare', 'aria-label': `plot run ${r.runId}` });
      box.checked = state.selected.has(r.run);
      box.addEventListener('change', () => {
        if (box.checked) state.selected.add(r.run); else state.selected.delete(r.run);
        tr.classList.toggle('selected', box.checked);
        emit('selection');
      });
      td = el('td', { class: 'plot' }, el('span', { class: 'swatch', style: `background:${colorOf(r.run)}` }), box);
    } else if (c.key === 'runId') {
      td = el('td', { class: 'mono' }, el('a', { href: `#run/${encodeURIComponent(r.runId)}`, title: `${r.run}\nopen the run's page` }, r.runId && r.runId.length > 12 ? r.runId.slice(0, 8) : r.runId));
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
  lookedAt('runs', 'Runs table', currentQuery());
}
