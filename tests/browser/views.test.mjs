#!/usr/bin/env node
// Browser test of the dashboard's run page, provenance graph, run comparison and parallel
// coordinates, with playwright-core driving Debian's chromium against a live `torchprov serve`
// (tests/integration/dashboard_views_test.sh starts it with real trainings and passes what they
// printed).  It checks what a person sees and keeps screenshots.
//
// BASE_URL          the server (default http://localhost:7878/)
// SCREENSHOT_DIR    where screenshots and the saved graph files go (default ./screenshots)
// STEERED_RUN       run id of a training whose learning rate PERSON changed, giving REASON
// BEST_EPOCH        the epoch of that run's best checkpoint, as the training printed it
// SWEEP             the sweep's runs: "runId:lr:batchSize,…" as the sweep printed them
// SWEEP_EXPERIMENT  the sweep's experiment name
// LONG_RUN          run id of a run long enough to be folded per epoch range
// Exit status is non-zero when a check fails; the last line is "N passed, N failed".
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const BASE_URL = process.env.BASE_URL || 'http://localhost:7878/';
const SHOTS = path.resolve(process.env.SCREENSHOT_DIR || 'screenshots');
const EXE = process.env.CHROMIUM || '/usr/bin/chromium';
const T = Number(process.env.TIMEOUT_MS || 30000);
const STEERED = process.env.STEERED_RUN;
const BEST_EPOCH = Number(process.env.BEST_EPOCH);
const REASON = process.env.REASON || '';
const PERSON = process.env.PERSON || '';
const SWEEP = (process.env.SWEEP || '').split(',').filter(Boolean).map((s) => { const [runId, lr, batch] = s.split(':'); return { runId, lr: Number(lr), batch: Number(batch) }; });
const SWEEP_EXPERIMENT = process.env.SWEEP_EXPERIMENT || '';
const LONG_RUN = process.env.LONG_RUN || '';

fs.mkdirSync(SHOTS, { recursive: true });
const origin = new URL(BASE_URL).origin;
let passed = 0;
let failed = 0;
async function check(name, fn) {
  const t0 = Date.now();
  try {
    const note = await fn();
    passed++;
    console.log(`ok   - ${name} (${Date.now() - t0} ms)${note ? ` — ${note}` : ''}`);
  } catch (e) {
    failed++;
    console.log(`FAIL - ${name}: ${String(e?.message ?? e).split('\n').slice(0, 8).join('\n       ')}`);
    await shot(`FAILED-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`).catch(() => {});
  }
}
function assert(cond, msg) { if (!cond) throw new Error(msg); }

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchprov-chromium-'));
let context;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: EXE,
    headless: true,
    acceptDownloads: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1500, height: 950 },
    timeout: 60000,
  });
} catch (e) {
  console.log(`FAIL - launch chromium (${EXE}): ${e.message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const foreign = [];
const pageErrors = [];
context.on('request', (req) => {
  const u = req.url();
  if (/^(data|blob|about|chrome|chrome-extension):/.test(u)) return;
  if (new URL(u).origin !== origin) foreign.push(u);
});
const page = context.pages()[0] ?? await context.newPage();
page.setDefaultTimeout(T);
page.on('pageerror', (e) => pageErrors.push(String(e?.message ?? e)));
page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) pageErrors.push(`console: ${m.text()}`); });
page.on('response', (r) => { if (r.status() >= 400 && !/\/(sparql|api\/)/.test(r.url())) pageErrors.push(`${r.status()} ${r.url()}`); });
const shot = async (name, locator = null) => {
  const f = path.join(SHOTS, name);
  if (locator) await locator.screenshot({ path: f }); else await page.screenshot({ path: f, fullPage: true });
  return f;
};
const tab = async (view) => { await page.click(`#tabs a[data-view="${view}"]`); await page.waitForSelector(`#view-${view}:not([hidden])`); };
const text = async (sel) => (await page.innerText(sel)).replace(/\s+/g, ' ');
await check('dashboard loads and the runs table links every run id to its page', async () => {
  const res = await page.goto(BASE_URL, { waitUntil: 'load' });
  assert(res && res.ok(), `GET ${BASE_URL} answered ${res?.status()}`);
  await page.waitForSelector('#runs-table tbody tr[data-run]');
  const links = await page.locator('#runs-table tbody tr[data-run] td:nth-child(2) a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert(links.length >= 6, `expected the sweep, steered and long runs, got ${links.length} rows`);
  assert(links.every((h) => /^#run\/[^/]+$/.test(h)), `run id links: ${links.slice(0, 3)}`);
  assert(links.includes(`#run/${STEERED}`), `no link to the steered run ${STEERED}`);
  return `${links.length} runs`;
});

// The store sorts the runs table (queries.js); what a person checks is that the column reads in
// order.  The rows count once the table carries the store's answer for that sort.
await check('sorting the runs table by each numeric column puts the values shown in order, blanks last', async () => {
  const keys = ['epochs', 'learningRate', 'batchSize', 'bestValAccuracy', 'bestValR2', 'minValLoss'];
  const notes = [];
  for (const key of keys) {
    const column = await page.locator(`#runs-table th[data-key="${key}"]`).evaluate((th) => th.cellIndex + 1);
    for (const dir of ['desc', 'asc']) { // a numeric column sorts descending on the first click
      await page.click(`#runs-table th[data-key="${key}"]`);
      await page.waitForSelector(`#runs-table[data-store-order="${key} ${dir}"]`);
      const shown = (await page.locator(`#runs-table tbody tr[data-run] td:nth-child(${column})`).allInnerTexts()).map((t) => t.trim());
      // "12/40" (epochs of epochs planned) reads as 12; "1.2e−4" as 0.00012.
      const values = shown.map((t) => (t === '' ? null : Number(t.split('/')[0].replace('−', '-'))));
      assert(values.every((v) => v === null || Number.isFinite(v)), `${key}: not numbers: ${shown.join(' | ')}`);
      const firstBlank = values.indexOf(null);
      assert(firstBlank < 0 || values.slice(firstBlank).every((v) => v === null), `${key} ${dir}: a value after a blank: ${shown.join(' | ')}`);
      const numbers = values.filter((v) => v !== null);
      for (let i = 1; i < numbers.length; i++) {
        assert(dir === 'desc' ? numbers[i - 1] >= numbers[i] : numbers[i - 1] <= numbers[i], `${key} ${dir}: out of order: ${shown.join(' | ')}`);
      }
      if (dir === 'desc') notes.push(`${key} ${numbers.length ? `${numbers[0]}..${numbers.at(-1)}` : 'blank'}`);
    }
  }
  await page.click('#runs-table th[data-key="started"]'); // back to newest first
  await page.waitForSelector('#runs-table[data-store-order="started desc"]');
  return notes.join(', ');
});

await check('run page: status, hyperparameter revision (who, when, why, epoch), timeline, datasets, checkpoints, agents, architecture', async () => {
  await page.click(`#runs-table a[href="#run/${STEERED}"]`);
  await page.waitForSelector('#view-run[data-rendered]:not([data-rendered=""])');
  assert((await text('[data-testid="run-id"]')) === STEERED, 'run id in the heading');
  assert((await text('[data-testid="run-status"]')) === 'completed', `status: ${await text('[data-testid="run-status"]')}`);
  const lr = page.locator('[data-testid="run-settings"] tr[data-hyperparameter="learning_rate"]');
  assert(await lr.count() >= 1, 'no learning_rate row');
  const lrText = (await lr.first().innerText()).replace(/\s+/g, ' ');
  assert(/0\.003/.test(lrText) && /0\.0005/.test(lrText), `learning_rate row lacks initial 0.003 and revised 0.0005: ${lrText}`);
  assert(lrText.includes(PERSON) && lrText.includes(REASON) && /epoch \d+/.test(lrText), `the revision lacks who / why / epoch: ${lrText}`);
  const timeline = await text('[data-testid="timeline"]');
  assert(timeline.includes(PERSON) && timeline.includes(REASON) && timeline.includes('learning_rate'), `timeline: ${timeline}`);
  const datasets = await text('[data-testid="run-datasets"]');
  for (const name of ['fashion-mnist-train', 'fashion-mnist-val', 'fashion-mnist-test', 'train-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) assert(datasets.includes(name), `datasets lack ${name}`);
  assert(/\d+(\.\d+)? MB/.test(datasets), `no file size in the datasets: ${datasets.slice(0, 300)}`);
  const hashes = await page.locator('[data-testid="run-datasets"] code.hash').evaluateAll((cs) => cs.map((c) => c.title));
  assert(hashes.length >= 6 && hashes.every((h) => /^[0-9a-f]{64}$/.test(h)), `sha256 per file: ${hashes}`);
  const bestRow = page.locator('[data-testid="checkpoints-table"] tr.best');
  assert(await bestRow.count() === 1, 'exactly one best checkpoint row');
  assert(Number(await bestRow.getAttribute('data-epoch')) === BEST_EPOCH, `best checkpoint epoch ${await bestRow.getAttribute('data-epoch')}, the training printed ${BEST_EPOCH}`);
  assert((await text('[data-testid="evaluations-table"]')).includes('test evaluation'), 'no test evaluation');
  const agents = await text('[data-testid="run-agents"]');
  assert(agents.includes('Trainer Tom') && agents.includes('alexnet-fmnist 0.1.0') && /machine/i.test(agents) && agents.includes(PERSON), `agents: ${agents}`);
  const layerParams = await page.locator('[data-testid="run-architecture"] tbody tr td:last-child').allInnerTexts();
  const sum = layerParams.reduce((s, t) => s + Number(t.replace(/,/g, '')), 0);
  const total = Number((await text('[data-testid="total-parameters"]')).replace(/,/g, ''));
  assert(layerParams.length >= 8 && total > 0 && sum === total, `layers ${layerParams.length}, their parameters sum to ${sum}, total ${total}`);
  await page.waitForSelector('[data-testid="run-curves"] .chart canvas');
  await shot('10-run-page.png');
  return `${layerParams.length} layers, ${total} parameters, best checkpoint of epoch ${BEST_EPOCH}`;
});

let savedSvg = '';
await check('provenance graph: PROV shapes, the adaptation with its person and reason, the best checkpoint generated by its epoch', async () => {
  const svg = page.locator('[data-testid="run-graph"] svg.prov-graph');
  await svg.waitFor();
  const g = await svg.evaluate(graphFactsInPage);
  const kinds = { entity: 'ellipse', activity: 'rect', agent: 'polygon' };
  for (const n of g.nodes) assert(kinds[n.kind] === n.shape, `${n.id} (${n.kind}) drawn as ${n.shape}`);
  const best = g.nodes.filter((n) => n.best);
  assert(best.length === 1, `${best.length} best checkpoints`);
  const gen = g.edges.find((e) => e.from === best[0].id && e.relation === 'wasGeneratedBy');
  const epoch = g.nodes.find((n) => n.id === gen?.to);
  assert(epoch && epoch.lines[0] === `epoch ${BEST_EPOCH}`, `the best checkpoint is generated by ${epoch?.lines[0]}, the training printed epoch ${BEST_EPOCH}`);
  assert(gen.label === 'wasGeneratedBy', 'the edge is labelled with the PROV relation');
  const adaptation = g.nodes.find((n) => n.type === 'Adaptation');
  assert(adaptation && adaptation.lines.join(' ').includes(REASON.split(' ').slice(0, 3).join(' ')), `adaptation node: ${adaptation?.lines}`);
  const who = g.edges.find((e) => e.from === adaptation.id && e.relation === 'wasAssociatedWith');
  const person = g.nodes.find((n) => n.id === who?.to);
  assert(person && person.kind === 'agent' && person.lines[0] === PERSON, `the adaptation is associated with ${person?.lines}`);
  assert(g.edges.some((e) => e.relation === 'wasRevisionOf'), 'no wasRevisionOf edge (old -> new learning rate)');
  await shot('11-run-graph.png', page.locator('[data-testid="run-graph"]'));
  // Saved as SVG: the same facts in the file.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="graph-save-svg"]')]);
  const file = path.join(SHOTS, `run-${STEERED}-provenance.svg`);
  await download.saveAs(file);
  savedSvg = fs.readFileSync(file, 'utf8');
  const saved = await page.evaluate(([s, facts]) => {
    const doc = new DOMParser().parseFromString(s, 'image/svg+xml');
    if (doc.querySelector('parsererror')) return { error: doc.querySelector('parsererror').textContent };
    return (new Function(`return (${facts})`))()(doc.documentElement); // eslint-disable-line no-new-func
  }, [savedSvg, graphFactsInPage.toString()]);
  assert(!saved.error, `the saved SVG does not parse: ${saved.error}`);
  const sBest = saved.nodes.find((n) => n.best);
  const sGen = saved.edges.find((e) => e.from === sBest?.id && e.relation === 'wasGeneratedBy');
  assert(saved.nodes.find((n) => n.id === sGen?.to)?.lines[0] === `epoch ${BEST_EPOCH}`, 'saved SVG: best checkpoint not from the right epoch');
  const sAd = saved.nodes.find((n) => n.type === 'Adaptation');
  const sWho = saved.edges.find((e) => e.from === sAd?.id && e.relation === 'wasAssociatedWith');
  assert(saved.nodes.find((n) => n.id === sWho?.to)?.lines[0] === PERSON, 'saved SVG: the adaptation lacks its person');
  assert(sAd.lines.join(' ').replace(/ …$/, '').includes(REASON.slice(0, 30)), `saved SVG: the adaptation lacks its reason: ${sAd.lines}`);
  const [png] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="graph-save-png"]')]);
  const pngFile = path.join(SHOTS, `run-${STEERED}-provenance.png`);
  await png.saveAs(pngFile);
  const bytes = fs.readFileSync(pngFile);
  assert(bytes.subarray(1, 4).toString() === 'PNG' && bytes.length > 20000, `saved PNG: ${bytes.length} bytes`);
  return `${g.nodes.length} nodes, ${g.edges.length} edges; saved ${file} (${savedSvg.length} B) and a ${bytes.length} B PNG`;
});

await check('the server draws the same graph with Graphviz (graph.svg)', async () => {
  const res = await page.request.get(new URL(`api/runs/${STEERED}/graph.svg`, BASE_URL).href);
  assert(res.ok() && res.headers()['content-type'] === 'image/svg+xml', `graph.svg answered ${res.status()} ${res.headers()['content-type']}`);
  const body = await res.text();
  fs.writeFileSync(path.join(SHOTS, `run-${STEERED}-graphviz.svg`), body);
  const titles = (s) => new Set([...s.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1]));
  for (const must of ['best checkpoint', `epoch ${BEST_EPOCH}`, PERSON, 'wasGeneratedBy', 'wasAssociatedWith', 'wasRevisionOf']) assert(body.includes(`>${must}<`), `graph.svg lacks "${must}"`);
  // Same nodes as the dashboard's picture: each dashboard node's IRI is a Graphviz tooltip/link.
  const dashboardIds = [...savedSvg.matchAll(/data-id="([^"]+)"/g)].map((m) => m[1].replace(/&amp;/g, '&'));
  const missing = dashboardIds.filter((id) => !body.includes(id.replace(/&/g, '&amp;')));
  assert(missing.length === 0, `graph.svg lacks nodes the dashboard draws: ${missing.slice(0, 4)}`);
  return `${dashboardIds.length} nodes in both; ${titles(body).size} Graphviz titles`;
});

await check('clicking a node shows its statements and opens its DESCRIBE in YASGUI', async () => {
  await page.click('[data-testid="graph-fit"]'); // the whole graph, as a person would to find the node
  await page.click('[data-testid="run-graph"] g.node.best');
  await page.waitForSelector('[data-testid="node-statements"] tr');
  const st = await text('[data-testid="node-statements"]');
  assert(st.includes('dl:epoch') && st.includes(String(BEST_EPOCH)) && st.includes('prov:wasGeneratedBy') && /dl:sha256 [0-9a-f]{64}/.test(st), `statements: ${st.slice(0, 400)}`);
  assert((await page.locator('[data-testid="run-graph"] g.edge.highlight').count()) >= 2, 'the node\'s edges are not highlighted');
  await shot('12-graph-node-selected.png', page.locator('[data-testid="run-graph"]'));
  await page.click('[data-testid="node-describe"]');
  await page.waitForSelector('#view-sparql:not([hidden])');
  await page.waitForFunction(() => [...document.querySelectorAll('#yasgui .tabsList .tab.active')].some((t) => t.textContent.includes('DESCRIBE')));
  await page.waitForFunction(() => {
    const tab = document.querySelector('#yasgui .tabPanel.active');
    return tab && /DESCRIBE/.test(tab.querySelector('.CodeMirror')?.CodeMirror?.getValue() ?? '') && /checkpoint/.test(tab.querySelector('.yasr')?.textContent ?? '');
  });
  const query = await page.evaluate(() => document.querySelector('#yasgui .tabPanel.active .CodeMirror').CodeMirror.getValue());
  assert(/^DESCRIBE <https:\/\/w3id\.org\/torchprov\/run\/[^>]+\/checkpoint\/\d+>/.test(query.trim()), `YASGUI query: ${query}`);
  await shot('13-yasgui-describe.png');
  return query.trim();
});

await check('a long run is folded per epoch range and a range opens on a click', async () => {
  await page.goto(new URL(`#run/${LONG_RUN}`, BASE_URL).href);
  const svg = page.locator('[data-testid="run-graph"] svg.prov-graph');
  await svg.waitFor();
  const before = await svg.evaluate(graphFactsInPage);
  const groups = before.nodes.filter((n) => n.type === 'Group');
  const epochs = before.nodes.filter((n) => n.type === 'Epoch').map((n) => Number(n.lines[0].split(' ')[1]));
  assert(groups.length >= 1 && epochs.length < 40, `folded: ${groups.length} groups, ${epochs.length} epochs shown`);
  assert(epochs.includes(1) && epochs.includes(40), `first and last epoch stay: ${epochs}`);
  const range = groups.find((n) => n.kind === 'activity');
  await shot('14-long-run-folded.png', page.locator('[data-testid="run-graph"]'));
  await page.click(`[data-testid="run-graph"] g.node[data-id="${range.id}"]`);
  await page.waitForFunction((id) => !document.querySelector(`[data-testid="run-graph"] g.node[data-id="${id}"]`), range.id);
  const after = await svg.evaluate(graphFactsInPage);
  const shownAfter = after.nodes.filter((n) => n.type === 'Epoch' || n.type === 'Group').length;
  assert(shownAfter > before.nodes.filter((n) => n.type === 'Epoch' || n.type === 'Group').length, 'opening a range shows more nodes');
  await shot('15-long-run-range-opened.png', page.locator('[data-testid="run-graph"]'));
  return `${range.lines[0]} opened: ${after.nodes.length} nodes (was ${before.nodes.length})`;
});

await check('comparing two sweep runs highlights the learning rate that differs', async () => {
  // Two runs with the same batch size and different learning rates, as the sweep printed them.
  const a = SWEEP.find((r) => r.batch === SWEEP[0].batch);
  const b = SWEEP.find((r) => r.batch === a.batch && r.lr !== a.lr);
  assert(a && b, `no pair in ${JSON.stringify(SWEEP)}`);
  await page.goto(new URL('#runs', BASE_URL).href);
  await page.waitForSelector('#runs-table tbody tr[data-run]');
  const checked = page.locator('#runs-table tbody tr[data-run] td.plot input:checked');
  while (await checked.count()) await checked.first().uncheck();
  for (const r of [a, b]) await page.locator(`#runs-table tr:has(a[href="#run/${r.runId}"]) td.plot input`).check();
  await page.click('[data-testid="compare-button"]');
  await page.waitForSelector('[data-testid="compare-settings"]');
  const differs = await page.locator('[data-testid="compare-settings"] tr.differs').evaluateAll((trs) => trs.map((t) => t.dataset.hyperparameter));
  assert(differs.includes('learning_rate'), `rows marked as differing: ${differs}`);
  assert(!differs.includes('batch_size'), 'batch_size is the same and must not be highlighted');
  const lrCells = await page.locator('[data-testid="compare-settings"] tr[data-hyperparameter="learning_rate"] td.num').allInnerTexts();
  assert(Number(lrCells[0]) === a.lr && Number(lrCells[1]) === b.lr, `learning rates ${lrCells}, the sweep printed ${a.lr} and ${b.lr}`);
  const summary = await text('[data-testid="compare-summary"]');
  assert(summary.includes('learning_rate'), `summary: ${summary}`);
  const bg = await page.locator('[data-testid="compare-settings"] tr[data-hyperparameter="learning_rate"] td').first().evaluate((td) => getComputedStyle(td).backgroundColor);
  assert(bg !== 'rgba(0, 0, 0, 0)' && bg !== 'rgb(255, 255, 255)', `the differing row is not highlighted (${bg})`);
  await page.waitForSelector('[data-testid="compare-curves"] .chart canvas');
  await shot('16-compare.png');
  return `${summary}`;
});

await check('parallel coordinates: brushing the learning-rate axis filters the runs table and the curves; hovering names the run', async () => {
  await tab('hparams');
  const option = await page.locator('#hp-experiment option').evaluateAll((os, name) => os.find((o) => o.textContent.startsWith(`${name} `))?.value, SWEEP_EXPERIMENT);
  assert(option, `no experiment ${SWEEP_EXPERIMENT}`);
  await page.selectOption('#hp-experiment', option);
  await page.waitForSelector('[data-testid="parcoords-svg"] .pc-axis[data-axis="learning_rate"]');
  const lines = page.locator('[data-testid="parcoords-svg"] .pc-line');
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="parcoords-svg"] .pc-line').length === n, SWEEP.length);
  const axes = await page.locator('[data-testid="parcoords-svg"] .pc-axis').evaluateAll((as) => as.map((a) => a.dataset.axis));
  assert(axes.includes('learning_rate') && axes.includes('batch_size') && axes.includes('__result'), `axes: ${axes}`);
  // Hover a line halfway along its first segment: the tooltip names the run of the line hovered.
  const point = await lines.first().locator('path.visible').evaluate((p) => {
    const [a, b] = p.getAttribute('d').slice(1).split('L').map((xy) => xy.split(',').map(Number));
    const m = p.ownerSVGElement.getScreenCTM();
    return { x: m.a * (a[0] + b[0]) / 2 + m.e, y: m.d * (a[1] + b[1]) / 2 + m.f };
  });
  await page.mouse.move(point.x - 30, point.y - 30);
  await page.mouse.move(point.x, point.y, { steps: 4 });
  await page.waitForSelector('#tooltip:not([hidden])');
  const tip = await page.innerText('#tooltip');
  const hovered = await page.locator('[data-testid="parcoords-svg"] .pc-line.hover').getAttribute('data-run-id');
  assert(SWEEP.some((r) => r.runId === hovered) && tip.startsWith(`run ${hovered}`), `tooltip "${tip.split('\n')[0]}" for the line of ${hovered}`);
  await page.mouse.move(5, 5);
  // Brush the upper half of the learning-rate axis: the larger learning rate.
  const axis = page.locator('[data-testid="parcoords-svg"] .pc-axis[data-axis="learning_rate"] .domain');
  const box = await axis.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y - 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.3, { steps: 5 });
  await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.45, { steps: 5 });
  await page.mouse.up();
  const maxLr = Math.max(...SWEEP.map((r) => r.lr));
  const expected = SWEEP.filter((r) => r.lr === maxLr).map((r) => r.runId).sort();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="parcoords-svg"] .pc-line:not(.out)').length === n, expected.length);
  const kept = (await page.locator('[data-testid="parcoords-svg"] .pc-line:not(.out)').evaluateAll((ls) => ls.map((l) => l.dataset.runId))).sort();
  assert(JSON.stringify(kept) === JSON.stringify(expected), `brushed ${kept}, the sweep's lr=${maxLr} runs are ${expected}`);
  await page.waitForSelector('[data-testid="pc-curves"] .chart canvas');
  await shot('17-parallel-coordinates-brushed.png');
  await tab('runs');
  await page.waitForSelector('[data-testid="runs-brush"]:not([hidden])');
  await page.waitForFunction((ids) => {
    const shown = [...document.querySelectorAll('#runs-table tbody tr[data-run] td:nth-child(2) a')].map((a) => decodeURIComponent(a.getAttribute('href').slice(5))).sort();
    return JSON.stringify(shown) === JSON.stringify(ids);
  }, expected);
  await shot('18-runs-filtered-by-brush.png');
  await page.click('#runs-brush-clear');
  await page.waitForFunction(() => document.querySelectorAll('#runs-table tbody tr[data-run]').length > 4);
  return `kept ${kept.length} runs with lr=${maxLr}; tooltip "${tip.split('\n')[0]}"`;
});

await check('no request leaves the origin and no script errors', async () => {
  assert(foreign.length === 0, `requests to other origins: ${[...new Set(foreign)].slice(0, 5).join(', ')}`);
  assert(pageErrors.length === 0, `page errors: ${pageErrors.slice(0, 5).join(' | ')}`);
});

await context.close();
fs.rmSync(userDataDir, { recursive: true, force: true });
console.log(`screenshots in ${SHOTS}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

// Runs in the page: the nodes and edges of a drawn graph (an <svg> element).
function graphFactsInPage(svgRoot) {
  const nodes = [...svgRoot.querySelectorAll('g.node')].map((g) => ({
    id: g.dataset.id, type: g.dataset.type, kind: g.dataset.kind, best: g.classList.contains('best'),
    shape: [...g.children].filter((c) => c.classList.contains('shape')).pop()?.tagName,
    lines: [...g.querySelectorAll('text')].filter((t) => !t.classList.contains('badge')).map((t) => t.textContent),
  }));
  const edges = [...svgRoot.querySelectorAll('g.edge')].map((g) => ({ from: g.dataset.from, to: g.dataset.to, relation: g.dataset.relation, label: g.querySelector('text')?.textContent }));
  return { nodes, edges };
}
