import './style.css';
import { $, $$ } from './util.js';
import { state, on, emit } from './state.js';
import { initRuns, pollRuns, onShowRuns, currentQuery as runsQueryText, syncSelection } from './views/runs.js';
import { initRun, onShowRun, currentQuery as runQueryText } from './views/run.js';
import { initCompare, onShowCompare, currentQuery as compareQueryText } from './views/compare.js';
import { initCurves, refreshCurves, onShowCurves, renderRunList, currentQuery as curvesQueryText, currentAdaptationsQuery } from './views/curves.js';
import { initHparams, refreshHparams, onShowHparams, currentQuery as hparamsQueryText } from './views/hparams.js';
import { initSteer, onShowSteer, refreshRequests } from './views/steer.js';
import { ensureYasgui, openInYasgui } from './views/yasgui.js';

const VIEWS = ['runs', 'run', 'curves', 'hparams', 'compare', 'steer', 'sparql'];
const POLL_MS = 2500;

const viewQueries = {
  runs: () => ['Runs table', runsQueryText()],
  curves: () => ['Metric curves', curvesQueryText()],
  adaptations: () => ['Adaptations', currentAdaptationsQuery()],
  hparams: () => ['Hyperparameters', hparamsQueryText()],
  run: () => ['Run', runQueryText()],
  compare: () => ['Run comparison', compareQueryText()],
};

// #view or #view/argument (#run/RUN_ID, #compare/ID,ID,...).
function show(view, arg) {
  if (!VIEWS.includes(view)) view = 'runs';
  state.view = view;
  for (const v of VIEWS) $(`#view-${v}`).hidden = v !== view;
  for (const a of $$('#tabs a')) a.classList.toggle('active', a.dataset.view === view);
  if (view === 'runs') onShowRuns();
  if (view === 'run') onShowRun(decodeURIComponent(arg ?? ''));
  if (view === 'compare') onShowCompare(arg);
  if (view === 'curves') onShowCurves();
  if (view === 'hparams') onShowHparams();
  if (view === 'steer') onShowSteer();
  if (view === 'sparql') ensureYasgui();
}

function route() {
  const hash = location.hash.replace(/^#/, '');
  const slash = hash.indexOf('/');
  if (slash < 0) show(hash || 'runs');
  else show(hash.slice(0, slash), hash.slice(slash + 1)); // the argument stays percent-encoded: each view decodes its parts
}

async function checkHealth() {
  const h = $('#health');
  try {
    const res = await fetch(new URL('health', document.baseURI), { headers: { Accept: 'application/json' } });
    h.textContent = res.ok ? 'endpoint ok' : `endpoint ${res.status}`;
    h.className = `health ${res.ok ? 'ok' : 'bad'}`;
  } catch {
    h.textContent = 'endpoint unreachable';
    h.className = 'health bad';
  }
}

let polling = false;
async function poll() {
  if (polling || !state.live) return;
  polling = true;
  try {
    // Nothing is sent again while the store stays as it was: a small probe, not every view's queries.
    const changed = await pollRuns();
    if (changed && state.view === 'curves') await refreshCurves();
    if (changed && state.view === 'hparams') await refreshHparams();
    if (state.view === 'steer') await refreshRequests();
  } catch (e) {
    const p = $('#runs-error');
    p.hidden = false;
    p.textContent = `Could not query the endpoint: ${e.message ?? e}`;
  } finally {
    polling = false;
  }
}

function init() {
  initRuns();
  initRun();
  initCompare();
  initCurves();
  initHparams();
  initSteer();
  for (const a of $$('a.yasgui-link')) {
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      const [label, query] = viewQueries[a.dataset.query]();
      location.hash = '#sparql';
      openInYasgui(a.dataset.query, label, query);
    });
  }
  $('#live').addEventListener('change', (ev) => { state.live = ev.target.checked; if (state.live) poll(); });
  on('runs', () => { if (state.view === 'curves') renderRunList(); });
  on('selection', () => {
    syncSelection();
    renderRunList();
    if (state.view === 'curves') refreshCurves(true).catch(() => {});
  });
  window.addEventListener('hashchange', route);
  route();
  checkHealth();
  poll().then(() => { if (state.view === 'curves') onShowCurves(); });
  setInterval(poll, POLL_MS);
  setInterval(checkHealth, 15000);
}

init();
emit('ready');
