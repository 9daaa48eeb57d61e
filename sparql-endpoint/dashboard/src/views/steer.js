import { $, el, fmtParam, fmtTime, shortId } from '../util.js';
import { select } from '../sparql.js';
import { currentSettingsQuery } from '../queries.js';
import { state, on } from '../state.js';

const API = new URL('api/adaptations', document.baseURI).href;
const TOKEN_KEY = 'torchprov.steer.token';
const PERSON_KEY = 'torchprov.steer.person';
let current = []; // current settings of the selected run

export function initSteer() {
  const form = $('#steer-form');
  $('#steer-token').value = localStorage.getItem(TOKEN_KEY) ?? '';
  $('#steer-person').value = localStorage.getItem(PERSON_KEY) ?? '';
  $('#steer-token').addEventListener('change', () => localStorage.setItem(TOKEN_KEY, $('#steer-token').value));
  $('#steer-person').addEventListener('change', () => localStorage.setItem(PERSON_KEY, $('#steer-person').value));
  $('#steer-action').addEventListener('change', updateFields);
  $('#steer-hyperparameter').addEventListener('change', showCurrent);
  $('#steer-param-group').addEventListener('input', showCurrent);
  $('#steer-run').addEventListener('change', () => { loadCurrent(); refreshRequests(); });
  form.addEventListener('submit', (ev) => { ev.preventDefault(); submit(); });
  on('runs', fillRuns);
  on('lastQuery', showLastQuery);
  updateFields();
}

function fillRuns() {
  const sel = $('#steer-run');
  const keep = state.steerRun ?? sel.value;
  state.steerRun = null;
  // The running runs first (only they can be steered), then the selected runs and the runs table's page.
  const candidates = new Map();
  for (const r of [...(state.running ?? []), ...[...state.selected].map((x) => state.known.get(x)).filter(Boolean), ...state.runs]) candidates.set(r.run, r);
  const runs = [...candidates.values()].sort((a, b) => (a.statusText === 'running' ? 0 : 1) - (b.statusText === 'running' ? 0 : 1)
    || String(b.started ?? '').localeCompare(String(a.started ?? '')));
  sel.replaceChildren(...runs.map((r) => el('option', { value: r.run },
    `${shortId(r.runId)} · ${r.experiment ?? 'no experiment'} · ${r.statusText}${r.epochs !== undefined ? ` · epoch ${r.epochs}` : ''}`)));
  if (keep && runs.some((r) => r.run === keep)) sel.value = keep;
  if (sel.value !== keep) { loadCurrent(); refreshRequests(); }
}

function updateFields() {
  const action = $('#steer-action').value;
  for (const e of document.querySelectorAll('#steer-form .for-set')) e.hidden = action !== 'set';
  for (const e of document.querySelectorAll('#steer-form .for-value')) e.hidden = action === 'stop';
  const value = $('#steer-value');
  value.required = action !== 'stop';
  value.step = action === 'set_epochs' ? '1' : 'any';
  value.placeholder = action === 'set_epochs' ? '20' : '0.0005';
  showCurrent();
}

async function loadCurrent() {
  const run = $('#steer-run').value;
  current = [];
  if (run) {
    try { current = await select(currentSettingsQuery(run)); } catch { current = []; }
  }
  showCurrent();
}

function showCurrent() {
  const action = $('#steer-action').value;
  const name = action === 'set_epochs' ? 'epochs' : $('#steer-hyperparameter').value;
  const group = $('#steer-param-group').value;
  const matches = current.filter((s) => s.hyperparameter === name && (group === '' || action !== 'set' || Number(s.paramGroup ?? 0) === Number(group)));
  // The latest revision (highest adaptation epoch) wins over the initial setting.
  const byGroup = new Map();
  for (const s of matches) {
    const g = s.paramGroup ?? '';
    const prev = byGroup.get(g);
    if (!prev || (s.epoch ?? -1) > (prev.epoch ?? -1)) byGroup.set(g, s);
  }
  const run = state.known.get($('#steer-run').value);
  const text = action === 'stop' ? '' : [...byGroup.values()].map((s) => `${name}${s.paramGroup !== undefined ? `[${s.paramGroup}]` : ''} = ${fmtParam(s.value)}`).join(', ');
  const epochs = action === 'set_epochs' && run?.epochsPlanned ? `planned epochs = ${run.epochsPlanned}` : '';
  $('#steer-current').textContent = text || epochs ? `current: ${text || epochs}` : '';
}

function showLastQuery(q) {
  $('#steer-informed-name').textContent = q ? `(${q.label})` : '';
  $('#steer-informed-query').textContent = q?.text ?? '(none yet: look at a view first)';
}

function result(kind, ...content) {
  const box = $('#steer-result');
  box.className = `result ${kind}`;
  box.replaceChildren(...content);
}

async function submit() {
  const action = $('#steer-action').value;
  const body = { run: $('#steer-run').value, action };
  if (action === 'set') {
    body.hyperparameter = $('#steer-hyperparameter').value;
    const g = $('#steer-param-group').value;
    if (g !== '') body.param_group = Number(g);
  }
  if (action !== 'stop') body.value = Number($('#steer-value').value);
  body.reason = $('#steer-reason').value.trim();
  body.person = $('#steer-person').value.trim();
  if ($('#steer-informed').checked && state.lastQuery) body.informed_by_query = state.lastQuery.text;
  if (!body.run) return result('error', 'Choose a run.');
  if (action !== 'stop' && (!Number.isFinite(body.value) || $('#steer-value').value === '')) return result('error', 'Enter a numeric value.');
  if (!body.reason || !body.person) return result('error', 'A reason and a person are required.');
  const token = $('#steer-token').value;
  localStorage.setItem(TOKEN_KEY, token);
  localStorage.setItem(PERSON_KEY, body.person);
  $('#steer-submit').disabled = true;
  result('pending', 'Sending…');
  try {
    const res = await fetch(API, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* plain text answer */ }
    if (res.status === 202 || res.ok) {
      const iri = json?.request ?? json?.iri ?? json?.id ?? text.trim();
      result('ok', el('strong', {}, `${res.status} ${res.status === 202 ? 'Accepted' : 'OK'}`), ' request ', el('code', { 'data-testid': 'steer-request-iri' }, iri),
        json?.status ? ` (${json.status})` : '', json?.mock ? el('span', { class: 'muted' }, ' — mock server: not applied to any training') : '');
      refreshRequests();
    } else {
      const message = json?.error ?? json?.message ?? (text.trim() || res.statusText);
      result('error', el('strong', {}, `${res.status}`), ` ${message}`);
    }
  } catch (e) {
    result('error', `Request failed: ${e.message ?? e}`);
  } finally {
    $('#steer-submit').disabled = false;
  }
}

export async function refreshRequests() {
  const run = $('#steer-run').value;
  const table = $('#steer-requests');
  const note = $('#steer-requests-note');
  $('#steer-requests-run').textContent = run ? `for ${shortId(state.known.get(run)?.runId ?? run)}` : '';
  table.tHead.replaceChildren(el('tr', {}, ...['Created', 'Action', 'Hyperparameter', 'Value', 'Status', 'Person', 'Reason', 'Request'].map((h) => el('th', {}, h))));
  if (!run) { table.tBodies[0].replaceChildren(); return; }
  try {
    const res = await fetch(`${API}?run=${encodeURIComponent(run)}`, { headers: { Accept: 'application/json' } });
    if (!res.ok) throw new Error(`${res.status} ${(await res.text()).slice(0, 200)}`);
    const list = await res.json();
    note.textContent = list.length ? '' : 'No requests for this run yet.';
    table.tBodies[0].replaceChildren(...list.sort((a, b) => String(b.created).localeCompare(String(a.created))).map((r) => el('tr', {},
      el('td', { class: 'muted' }, fmtTime(r.created)),
      el('td', {}, r.action ?? ''),
      el('td', {}, r.hyperparameter ?? ''),
      el('td', { class: 'num' }, fmtParam(r.value)),
      el('td', {}, el('span', { class: `pill ${r.status}` }, r.status ?? '')),
      el('td', {}, r.person ?? ''),
      el('td', {}, r.reason ?? ''),
      el('td', { class: 'mono small-text', title: r.request }, String(r.request ?? '').split('/').pop()))));
  } catch (e) {
    table.tBodies[0].replaceChildren();
    note.textContent = `Could not list requests: ${e.message ?? e}`;
  }
}

export function onShowSteer() {
  fillRuns();
  loadCurrent();
  refreshRequests();
  showLastQuery(state.lastQuery);
}
