// Compare 2–8 runs (#compare/ID,ID,…): hyperparameters, architecture and datasets side by side
// with what differs highlighted, their curves overlaid and their adaptations.
import { $, el, fmt, fmtParam, fmtTime, shortId } from '../util.js';
import { select } from '../sparql.js';
import {
  runsQuery, compareSettingsQuery, compareArchitectureQuery, compareDatasetsQuery, curvesQuery, adaptationsQuery, literal,
} from '../queries.js';
import { state, lookedAt, colorOf } from '../state.js';
import { seriesData, drawCharts, resizeCharts, describeAdaptation, lineKeys } from '../charts.js';
import { openInYasgui } from './yasgui.js';

let charts = [];
let generation = 0;
let lastIds = '';

export function currentQuery() {
  return lastQuery;
}
let lastQuery = '';

const runIdsQuery = (ids) => `PREFIX dl: <https://w3id.org/torchprov/dl#>
SELECT ?run ?runId WHERE { VALUES ?runId { ${ids.map(literal).join(' ')} } ?run a dl:TrainingRun ; dl:runId ?runId . }
`;

function yasguiLink(label, name, query) {
  return el('a', { href: '#sparql', class: 'yasgui-link', onclick: (ev) => { ev.preventDefault(); location.hash = '#sparql'; openInYasgui(name, label, query); } }, 'open in YASGUI');
}

const same = (values) => new Set(values.map((v) => (v === undefined ? '\u0000missing' : JSON.stringify(v)))).size <= 1;

export async function showCompare(idList) {
  const mine = ++generation;
  const root = $('#view-compare');
  for (const c of charts) c.destroy();
  charts = [];
  lastIds = idList.join(',');
  if (idList.length < 2) {
    root.replaceChildren(el('div', { class: 'card' }, el('h2', {}, 'Compare runs'),
      el('p', { class: 'empty-note', 'data-testid': 'compare-empty' }, 'Tick 2 to 8 runs in the runs table, then press “Compare ticked runs”.'), el('a', { href: '#runs' }, '← runs')));
    return;
  }
  root.replaceChildren(el('div', { class: 'card' }, el('p', { class: 'muted' }, `Loading ${idList.length} runs…`)));
  const found = await select(runIdsQuery(idList.slice(0, 8)));
  if (mine !== generation) return;
  const order = new Map(idList.map((id, i) => [id, i]));
  const runs = found.sort((a, b) => order.get(a.runId) - order.get(b.runId)).map((r) => r.run);
  const missing = idList.filter((id) => !found.some((r) => r.runId === id));
  lastQuery = compareSettingsQuery(runs);
  lookedAt('compare', 'Run comparison', lastQuery);
  const [info, settings, layers, datasets, metrics, adaptations] = await Promise.all([
    select(runsQuery(runs)), select(compareSettingsQuery(runs)), select(compareArchitectureQuery(runs)),
    select(compareDatasetsQuery(runs)), select(curvesQuery(runs)), select(adaptationsQuery(runs))]);
  if (mine !== generation) return;
  const infoBy = new Map(info.map((r) => [r.run, r]));
  for (const r of info) if (!state.known.has(r.run)) state.known.set(r.run, { ...r, statusText: r.status ?? (r.ended ? 'finished' : 'running') });
  const label = (run) => shortId(infoBy.get(run)?.runId ?? run.split('/').pop());
  const head = (extra = []) => el('tr', {}, ...extra.map((h) => el('th', {}, h)), ...runs.map((run) => el('th', { class: 'run-col' },
    el('span', { class: 'swatch', style: `background:${colorOf(run)}` }), el('a', { class: 'mono', href: `#run/${encodeURIComponent(infoBy.get(run)?.runId ?? '')}` }, label(run)))));

  // Hyperparameters: one row per name[group], differing rows first.
  const params = new Map();
  for (const s of settings) {
    const key = s.paramGroup !== undefined ? `${s.hyperparameter}[${s.paramGroup}]` : s.hyperparameter;
    if (!params.has(key)) params.set(key, { name: s.hyperparameter, values: new Map() });
    params.get(key).values.set(s.run, s.value);
  }
  const rows = [...params].map(([key, p]) => ({ key, name: p.name, values: runs.map((r) => p.values.get(r)) }))
    .map((r) => ({ ...r, differs: !same(r.values) }))
    .sort((a, b) => Number(b.differs) - Number(a.differs) || a.key.localeCompare(b.key));
  const differing = rows.filter((r) => r.differs).map((r) => r.key);
  const onlyDiff = el('input', { type: 'checkbox', 'data-testid': 'compare-only-differences' });
  const settingsTable = el('table', { class: 'grid compact compare', 'data-testid': 'compare-settings' },
    el('thead', {}, head(['Hyperparameter'])),
    el('tbody', {}, ...rows.map((r) => el('tr', { class: r.differs ? 'differs' : 'same', dataset: { hyperparameter: r.name, key: r.key } },
      el('td', { class: 'mono' }, r.key, r.differs ? el('span', { class: 'badge', title: 'the runs differ here' }, 'differs') : null),
      ...r.values.map((v) => el('td', { class: 'num' }, v === undefined ? el('span', { class: 'muted' }, '—') : fmtParam(v)))))));
  onlyDiff.addEventListener('change', () => settingsTable.classList.toggle('only-differences', onlyDiff.checked));

  // Architecture: layer by layer, aligned by order.
  const arch = new Map(runs.map((r) => [r, []]));
  const total = new Map();
  for (const l of layers) {
    if (l.modelParameters !== undefined) total.set(l.run, l.modelParameters);
    if (l.order !== undefined) arch.get(l.run)?.push(l);
  }
  const depth = Math.max(0, ...[...arch.values()].map((a) => a.length));
  const layerRows = [];
  for (let i = 0; i < depth; i++) {
    const cells = runs.map((r) => arch.get(r)[i]);
    const desc = cells.map((c) => (c ? `${c.layerType ?? ''} ${c.outputShape ?? ''} ${c.parameters ?? ''}` : undefined));
    layerRows.push({ i, cells, differs: !same(desc) });
  }
  const archDiffers = layerRows.some((r) => r.differs) || !same(runs.map((r) => total.get(r)));
  const archTable = depth ? el('table', { class: 'grid compact compare', 'data-testid': 'compare-architecture' },
    el('thead', {}, head(['#'])),
    el('tbody', {},
      el('tr', { class: same(runs.map((r) => total.get(r))) ? 'same' : 'differs' }, el('td', { class: 'strong' }, 'parameters'),
        ...runs.map((r) => el('td', { class: 'num strong' }, total.has(r) ? total.get(r).toLocaleString('en') : '—'))),
      ...layerRows.map((row) => el('tr', { class: row.differs ? 'differs' : 'same' }, el('td', { class: 'num muted' }, row.i),
        ...row.cells.map((c) => el('td', { class: 'small-text' }, c ? [el('span', { class: 'mono' }, c.name ?? ''), ' ', c.layerType ?? '', c.outputShape ? el('span', { class: 'muted' }, ` → ${c.outputShape}`) : ''] : '—'))))))
    : el('p', { class: 'muted' }, 'No layers recorded for these runs.');

  // Datasets: one row per split/name; examples and file hashes side by side.
  const ds = new Map();
  for (const d of datasets) {
    const key = `${d.split ?? ''} ${d.name ?? ''}`;
    if (!ds.has(key)) ds.set(key, { key, byRun: new Map() });
    const cell = ds.get(key).byRun.get(d.run) ?? { examples: d.examples, files: new Set() };
    if (d.path) cell.files.add(`${d.path.split('/').pop()} ${d.sha256 ? d.sha256.slice(0, 10) : ''}`.trim());
    ds.get(key).byRun.set(d.run, cell);
  }
  const dsRows = [...ds.values()].map((d) => {
    const cells = runs.map((r) => d.byRun.get(r));
    return { ...d, cells, differs: !same(cells.map((c) => (c ? [c.examples, [...c.files].sort()] : undefined))) };
  });
  const dsTable = dsRows.length ? el('table', { class: 'grid compact compare', 'data-testid': 'compare-datasets' },
    el('thead', {}, head(['Dataset'])),
    el('tbody', {}, ...dsRows.map((d) => el('tr', { class: d.differs ? 'differs' : 'same' }, el('td', { class: 'strong' }, d.key),
      ...d.cells.map((c) => el('td', { class: 'small-text' }, c ? [c.examples !== undefined ? `${c.examples.toLocaleString('en')} examples` : '', ...[...c.files].sort().map((f) => el('div', { class: 'mono muted' }, f))] : '—'))))))
    : el('p', { class: 'muted' }, 'No datasets recorded for these runs.');

  const curves = el('div', { class: 'charts', 'data-testid': 'compare-curves' });
  const adaptTable = el('table', { class: 'grid compact', 'data-testid': 'compare-adaptations' },
    el('thead', {}, el('tr', {}, ...['Run', 'Epoch', 'Change', 'By', 'Reason', 'Time'].map((h) => el('th', {}, h)))),
    el('tbody', {}, ...(adaptations.length ? adaptations.map((a) => el('tr', {},
      el('td', { class: 'mono' }, el('span', { class: 'swatch', style: `background:${colorOf(a.run)}` }), el('a', { href: `#run/${encodeURIComponent(infoBy.get(a.run)?.runId ?? '')}` }, label(a.run))),
      el('td', { class: 'num' }, a.epoch ?? ''), el('td', {}, describeAdaptation(a)),
      el('td', {}, a.agentName ?? '', el('span', { class: 'muted' }, a.agentKind ? ` (${a.agentKind})` : '')),
      el('td', {}, a.reason ?? ''), el('td', { class: 'muted' }, fmtTime(a.time))))
      : [el('tr', { class: 'empty' }, el('td', { colspan: 6 }, 'None of these runs was adapted.'))])));

  const summaryText = differing.length ? `Hyperparameters that differ: ${differing.join(', ')}.` : 'All hyperparameters are the same.';
  root.replaceChildren(
    el('div', { class: 'card' },
      el('div', { class: 'card-head' }, el('a', { href: '#runs', class: 'back' }, '← runs'), el('h2', {}, `Compare ${runs.length} runs`),
        el('span', { class: 'spacer' }), yasguiLink('Run comparison', 'compare', compareSettingsQuery(runs))),
      el('div', { class: 'compare-runs' }, ...runs.map((r) => {
        const i = infoBy.get(r) ?? {};
        return el('div', { class: 'compare-run' }, el('span', { class: 'swatch', style: `background:${colorOf(r)}` }),
          el('a', { class: 'mono strong', href: `#run/${encodeURIComponent(i.runId ?? '')}` }, label(r)),
          el('span', { class: 'muted small-text' }, ` ${i.experiment ?? ''} · ${i.person ?? ''} · ${i.status ?? (i.ended ? 'finished' : 'running')} · best val acc ${fmt(i.bestValAccuracy) || '—'}`));
      })),
      missing.length ? el('p', { class: 'error' }, `Not in the store: ${missing.join(', ')}`) : null,
      el('p', { class: 'compare-summary', 'data-testid': 'compare-summary' }, summaryText,
        archDiffers ? ' The architectures differ.' : ' Same architecture.',
        dsRows.some((d) => d.differs) ? ' The datasets differ.' : ' Same datasets.')),
    el('div', { class: 'run-grid' },
      el('div', { class: 'card' }, el('div', { class: 'card-head' }, el('h2', {}, 'Hyperparameters'),
        el('label', { class: 'check' }, onlyDiff, ' only the differences')), el('div', { class: 'table-wrap' }, settingsTable)),
      el('div', { class: 'card' }, el('div', { class: 'card-head' }, el('h2', {}, 'Datasets')), el('div', { class: 'table-wrap' }, dsTable))),
    el('div', { class: 'card' }, el('div', { class: 'card-head' }, el('h2', {}, 'Curves'), el('div', { class: 'legend' }, ...lineKeys())), curves),
    el('div', { class: 'run-grid' },
      el('div', { class: 'card' }, el('div', { class: 'card-head' }, el('h2', {}, 'Architecture')),
        archDiffers || !depth ? el('div', { class: 'table-wrap' }, archTable)
          : el('details', {}, el('summary', {}, `The same in every run: ${depth} layers, ${(total.get(runs[0]) ?? 0).toLocaleString('en')} parameters`), el('div', { class: 'table-wrap' }, archTable))),
      el('div', { class: 'card' }, el('div', { class: 'card-head' }, el('h2', {}, 'Adaptations')), el('div', { class: 'table-wrap' }, adaptTable))));
  const byMetric = seriesData(metrics);
  charts = drawCharts(curves, byMetric, { runs: new Map(runs.map((r) => [r, { label: label(r), color: colorOf(r) }])), adaptations, hiddenSplits: new Set(['test']), height: 240 });
  if (!charts.length) curves.append(el('p', { class: 'empty-note' }, 'No metric values recorded for these runs.'));
  root.dataset.rendered = lastIds;
}

export function onShowCompare(arg) {
  const ids = (arg ?? '').split(',').map((s) => decodeURIComponent(s.trim())).filter(Boolean);
  if (!ids.length) {
    // The tab without run ids: the ticked runs.
    const ticked = [...state.selected].map((r) => state.known.get(r)?.runId).filter(Boolean);
    if (ticked.length >= 2 && ticked.length <= 8) { location.hash = `#compare/${ticked.map(encodeURIComponent).join(',')}`; return; }
  }
  if (ids.join(',') === lastIds && charts.length) { resizeCharts(charts, 240); return; }
  showCompare(ids).catch((e) => $('#view-compare').append(el('p', { class: 'error' }, String(e.message ?? e))));
}

export function initCompare() {
  window.addEventListener('resize', () => { if (state.view === 'compare') resizeCharts(charts, 240); });
}
