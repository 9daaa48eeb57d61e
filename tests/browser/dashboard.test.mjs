#!/usr/bin/env node
// Browser test of the torchprov dashboard, with playwright-core driving Debian's chromium.
//
//   BASE_URL=http://localhost:7878/ SCREENSHOT_DIR=/tmp/shots [STEER=1 TOKEN=...] node dashboard.test.mjs
//
// BASE_URL        the server that serves the dashboard at / and /sparql (default http://localhost:7878/)
// SCREENSHOT_DIR  where the PNG screenshots go (default ./screenshots)
// STEER=1         also submit the steering form (learning-rate change), expect a 202 answer, and
//                 wait for the adaptation's marker on the curves with its tooltip
// LIVE=1          a training is running: the curves must gain an epoch while the page is open
// TOKEN           bearer token for the steering request
// CHROMIUM        browser binary (default /usr/bin/chromium)
// What the page shows is compared with the store itself: the test asks /sparql its own
// questions (not the dashboard's queries) and the numbers a person reads must match.
// Exit status is non-zero when a check fails; the last line is "N passed, N failed".
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const BASE_URL = process.env.BASE_URL || 'http://localhost:7878/';
const SHOTS = path.resolve(process.env.SCREENSHOT_DIR || 'screenshots');
const STEER = process.env.STEER === '1';
const LIVE = process.env.LIVE === '1';
const TOKEN = process.env.TOKEN || '';
const EXE = process.env.CHROMIUM || '/usr/bin/chromium';
const T = Number(process.env.TIMEOUT_MS || 20000);

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
    console.log(`FAIL - ${name}: ${String(e?.message ?? e).split('\n').slice(0, 6).join('\n       ')}`);
  }
}
function assert(cond, msg) { if (!cond) throw new Error(msg); }

// The store, asked directly over the SPARQL protocol: the oracle for what the page shows.
const PREFIXES = 'PREFIX dl: <https://w3id.org/torchprov/dl#>\nPREFIX prov: <http://www.w3.org/ns/prov#>\n';
async function storeSelect(query) {
  const res = await fetch(new URL('sparql', BASE_URL), {
    method: 'POST',
    headers: { 'Content-Type': 'application/sparql-query', Accept: 'application/sparql-results+json' },
    body: query,
  });
  // The message reads the body, so only when there is one to report.
  if (!res.ok) throw new Error(`/sparql answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  return res.json();
}
const rowsOf = (json) => json.results.bindings;
// A number as the page shows it ("0.8123", "1.23e−4") read back, and whether it is the
// store's value to the digits shown: four decimals, or three significant digits in
// exponent form.  Independent of the dashboard's own formatting code on purpose.
function readNumber(text) {
  const t = text.trim().replace('−', '-');
  assert(/^-?\d+(\.\d+)?(e-?\d+)?$/.test(t), `not a number as shown: "${text}"`);
  return Number(t);
}
function sameAsShown(text, value) {
  const shownValue = readNumber(text);
  const exponent = /e/.test(text);
  const tolerance = exponent ? Math.abs(value) * 0.006 : 0.5e-4 + 1e-12;
  return Math.abs(shownValue - value) <= tolerance;
}

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'torchprov-chromium-'));
let context;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: EXE,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1440, height: 900 },
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
page.on('response', (r) => {
  // Failed loads of the page's own files are errors; API answers (/sparql, /api) are checked by the tests.
  if (r.status() >= 400 && !/\/(sparql|api\/)/.test(r.url())) pageErrors.push(`${r.status()} ${r.url()}`);
});
const shot = async (name) => { const f = path.join(SHOTS, name); await page.screenshot({ path: f, fullPage: true }); return f; };
const tab = async (view) => { await page.click(`#tabs a[data-view="${view}"]`); await page.waitForSelector(`#view-${view}:not([hidden])`); };

await check('dashboard loads from BASE_URL', async () => {
  const res = await page.goto(BASE_URL, { waitUntil: 'load' });
  assert(res && res.ok(), `GET ${BASE_URL} answered ${res?.status()}`);
  assert((await page.title()).includes('torchprov'), 'unexpected page title');
});

let runCount = 0;
await check('runs table lists at least one run', async () => {
  await page.waitForSelector('#runs-table tbody tr[data-run]');
  runCount = await page.locator('#runs-table tbody tr[data-run]').count();
  assert(runCount >= 1, 'no runs');
  const first = await page.locator('#runs-table tbody tr[data-run]').first().innerText();
  await shot('01-runs.png');
  return `${runCount} run(s); first row: ${first.replace(/\s+/g, ' ').slice(0, 90)}`;
});

await check('runs table sorts by header and filters by text', async () => {
  const ids = async () => page.locator('#runs-table tbody tr[data-run] td:nth-child(2)').allInnerTexts();
  await page.click('#runs-table th[data-key="runId"]');
  const asc = await ids();
  assert(JSON.stringify(asc) === JSON.stringify([...asc].sort((a, b) => a.localeCompare(b))), `not ascending: ${asc}`);
  await page.click('#runs-table th[data-key="runId"]');
  const desc = await ids();
  assert(JSON.stringify(desc) === JSON.stringify([...asc].reverse()), `not descending: ${desc}`);
  await page.fill('#runs-filter', asc[0]);
  const filtered = await ids();
  assert(filtered.length >= 1 && filtered.every((t) => t.includes(asc[0])), `filter kept ${filtered}`);
  await page.fill('#runs-filter', 'no-such-run-zzz');
  assert((await page.locator('#runs-table tbody tr[data-run]').count()) === 0, 'filter did not hide rows');
  await page.fill('#runs-filter', '');
  await page.click('#runs-table th[data-key="started"]'); // back to newest first
});

// The plotted runs (their IRIs) and, hovering the right end of a chart, what its readout says:
// the epoch and one value per run and split.
const plottedRuns = async () => page.locator('#curve-runs input:checked').evaluateAll((els) => els.map((e) => e.value));
// While a training runs, the page redraws its charts when an epoch arrives, and a chart
// redrawn under the pointer loses its readout: hover again, a few times at most.
async function readoutAtEnd(chart) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await hoverReadoutAtEnd(chart);
    } catch (e) {
      if (!LIVE || attempt === 4 || /^readout (does not|line)/.test(e.message)) throw e;
      await page.waitForTimeout(500);
    }
  }
}
async function hoverReadoutAtEnd(chart) {
  const over = chart.locator('.u-over');
  const box = await over.boundingBox();
  assert(box, 'the chart has no plot area on screen');
  await page.mouse.move(box.x + 1, box.y - 30);
  await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2);
  const readout = chart.locator('.readout');
  await readout.waitFor({ state: 'visible', timeout: LIVE ? 5000 : T });
  const [head, ...lines] = (await readout.innerText()).split('\n').map((l) => l.trim()).filter(Boolean);
  const epoch = /^epoch (\d+)$/.exec(head);
  assert(epoch, `readout does not start with the epoch: ${head}`);
  return {
    epoch: Number(epoch[1]),
    values: lines.map((l) => {
      const m = /^(\S+) (\w+): (.+)$/.exec(l);
      assert(m, `readout line not "run split: value": ${l}`);
      return { run: m[1], split: m[2], text: m[3] };
    }),
  };
}
// Every value the store holds for a metric at an epoch: [{ run, runId, split, value }].
async function storeValues(metric, epoch) {
  const json = await storeSelect(`${PREFIXES}SELECT ?run ?runId ?split ?value WHERE {
  ?m a dl:MetricValue ; dl:name ${JSON.stringify(metric)} ; dl:split ?split ; dl:epoch ?epoch ; prov:value ?value ;
     prov:wasGeneratedBy ?a . ?a dl:partOfRun ?run . ?run dl:runId ?runId . FILTER (?epoch = ${epoch}) }`);
  return rowsOf(json).map((b) => ({ run: b.run.value, runId: b.runId.value, split: b.split.value, value: Number(b.value.value) }));
}
const short = (id) => (id.length > 12 ? id.slice(0, 8) : id);
// The readout against the store: each (run, split) the store has for the plotted runs is
// shown, nothing else is, and each shown number is the store's.
async function checkReadout(chart, runs) {
  const metric = await chart.getAttribute('data-metric');
  const { epoch, values } = await readoutAtEnd(chart);
  const stored = (await storeValues(metric, epoch)).filter((v) => runs.includes(v.run) && v.split !== 'test');
  const expected = [...new Set(stored.map((v) => `${short(v.runId)} ${v.split}`))].sort();
  const seen = values.map((v) => `${v.run} ${v.split}`).sort();
  assert(JSON.stringify(seen) === JSON.stringify(expected), `${metric} at epoch ${epoch}: readout shows ${seen}, the store has ${expected}`);
  for (const v of values) {
    const candidates = stored.filter((x) => short(x.runId) === v.run && x.split === v.split);
    assert(candidates.some((x) => sameAsShown(v.text, x.value)),
      `${metric} ${v.run} ${v.split} epoch ${epoch}: the chart shows ${v.text}, the store holds ${candidates.map((x) => x.value)}`);
  }
  return { metric, epoch, values };
}

await check('metric curves render the store\'s values', async () => {
  // Plot every run (at most 6) so the overlay is visible.
  const boxes = page.locator('#runs-table tbody tr[data-run] td.plot input');
  const n = Math.min(await boxes.count(), 6);
  for (let i = 0; i < n; i++) if (!(await boxes.nth(i).isChecked())) await boxes.nth(i).check();
  await tab('curves');
  await page.waitForSelector('#curves .chart canvas');
  const charts = await page.locator('#curves .chart').count();
  const painted = await page.evaluate(() => [...document.querySelectorAll('#curves .chart canvas')].map((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) n++;
    return n;
  }));
  assert(painted.every((n) => n > 500), `a chart canvas is blank: ${painted}`);
  const metrics = await page.locator('#curves .chart').evaluateAll((els) => els.map((e) => e.dataset.metric));
  // The charts are the metrics the store has for the plotted runs.
  const runs = await plottedRuns();
  assert(runs.length >= 1, 'no run is plotted');
  const stored = rowsOf(await storeSelect(`${PREFIXES}SELECT DISTINCT ?metric WHERE {
  VALUES ?run { ${runs.map((r) => `<${r}>`).join(' ')} }
  ?m a dl:MetricValue ; dl:name ?metric ; dl:split ?split ; dl:epoch ?e ; prov:value ?v ; prov:wasGeneratedBy ?a .
  ?a dl:partOfRun ?run . FILTER (?split != "test") }`)).map((b) => b.metric.value).sort();
  assert(JSON.stringify([...metrics].sort()) === JSON.stringify(stored), `charts ${metrics}, the store has metrics ${stored}`);
  const read = [];
  for (let i = 0; i < charts; i++) {
    const r = await checkReadout(page.locator('#curves .chart').nth(i), runs);
    read.push(`${r.metric}@${r.epoch}: ${r.values.map((v) => `${v.split} ${v.text}`).join(', ')}`);
  }
  await shot('02-curves.png');
  return `${charts} chart(s) match the store: ${read.join('; ')}`;
});

if (LIVE) {
  await check('curves grow while the training runs (an epoch the store has appears)', async () => {
    const chart = () => page.locator('#curves .chart').first();
    const first = (await readoutAtEnd(chart())).epoch;
    // A new epoch extends the chart in place: the same element, its readout kept.
    await chart().evaluate((e) => { e.dataset.probe = 'before-the-epoch'; });
    const deadline = Date.now() + 60000;
    let now = first;
    while (now <= first && Date.now() < deadline) {
      await page.waitForTimeout(1000);
      now = (await readoutAtEnd(chart())).epoch;
    }
    assert(now > first, `the last plotted epoch stayed ${first} for 60 s while the training ran`);
    assert(await chart().getAttribute('data-probe') === 'before-the-epoch', 'the chart was rebuilt when an epoch arrived, not extended in place');
    const r = await checkReadout(chart(), await plottedRuns());
    return `last epoch ${first} -> ${r.epoch}, its values match the store`;
  });
}

await check('hyperparameter comparison shows the store\'s runs, settings and best val accuracy', async () => {
  await tab('hparams');
  await page.selectOption('#hp-target', 'best:accuracy');
  await page.waitForSelector('#hp-charts .chart canvas, #hp-charts .empty-note');
  // The store: each run's initial settings and its val accuracies (the best taken here).
  const settings = rowsOf(await storeSelect(`${PREFIXES}SELECT ?runId ?name ?group ?value WHERE {
  ?run a dl:TrainingRun ; dl:runId ?runId ; prov:used ?s . ?s a dl:HyperparameterSetting ; dl:name ?name ; prov:value ?value .
  OPTIONAL { ?s dl:paramGroup ?group } }`));
  const accuracies = async () => rowsOf(await storeSelect(`${PREFIXES}SELECT ?runId ?v WHERE {
  ?m a dl:MetricValue ; dl:name "accuracy" ; dl:split "val" ; prov:value ?v ; prov:wasGeneratedBy ?e .
  ?e a dl:Epoch ; dl:partOfRun ?run . ?run dl:runId ?runId }`));
  const withResult = new Set((await accuracies()).map((b) => b.runId.value));
  const valuesOf = new Map();
  for (const b of settings.filter((x) => withResult.has(x.runId.value))) {
    // The page names a setting of param group 0 without the group, as the runs table does.
    const label = b.group && Number(b.group.value) !== 0 ? `${b.name.value}[${b.group.value}]` : b.name.value;
    const value = /#(double|float|decimal|integer|int|long)$/.test(b.value.datatype ?? '') ? String(Number(b.value.value)) : b.value.value;
    if (!valuesOf.has(label)) valuesOf.set(label, new Set());
    valuesOf.get(label).add(value);
  }
  const varying = [...valuesOf].filter(([, v]) => v.size > 1).map(([k]) => k).sort();
  const titles = await page.locator('#hp-charts .chart h4').allInnerTexts();
  assert(JSON.stringify(titles.sort()) === JSON.stringify(varying.map((v) => `best val accuracy vs ${v}`)),
    `charts ${JSON.stringify(titles)}; the store's runs differ in ${JSON.stringify(varying)}`);
  const header = await page.locator('#hp-table thead th').allInnerTexts();
  assert(JSON.stringify(header) === JSON.stringify(['Run', ...varying, 'best val accuracy']), `table columns ${header}`);
  // The table against the store; a live run may improve in between, so read both again.
  let problem = '';
  for (let attempt = 0; attempt < 4; attempt++) {
    if (attempt) await page.waitForTimeout(3000);
    const best = new Map();
    for (const b of await accuracies()) best.set(short(b.runId.value), Math.max(best.get(short(b.runId.value)) ?? -Infinity, Number(b.v.value)));
    const rows = await page.locator('#hp-table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.innerText.trim())));
    problem = '';
    if (rows.length !== best.size) problem = `${rows.length} table rows, the store has ${best.size} runs with a val accuracy`;
    for (const cells of rows) {
      const run = cells[0];
      if (!best.has(run)) { problem ||= `table row for ${run}, which has no val accuracy in the store`; continue; }
      if (!sameAsShown(cells[cells.length - 1], best.get(run))) problem ||= `${run}: table shows ${cells[cells.length - 1]}, the store's best is ${best.get(run)}`;
    }
    if (!problem) {
      await shot('03-hyperparameters.png');
      return `${rows.length} run(s), ${titles.length} chart(s): ${rows.map((c) => c.join(' ')).join('; ')}`;
    }
  }
  throw new Error(problem);
});

// How YASGUI's table may write a store term: an IRI as <IRI> or with one of the query's
// prefixes, a typed literal as "v"^^<datatype> (or a prefixed datatype), a language-tagged
// one as "v"@lang, a plain string as it is.  The value must be the store's exactly.
function yasguiForms(term, queryText) {
  if (!term) return [''];
  const prefixes = [...queryText.matchAll(/PREFIX\s+([\w-]*):\s*<([^>]*)>/gi)].map((m) => [m[1], m[2]]);
  const iriForms = (iri) => [`<${iri}>`, ...prefixes.filter(([, ns]) => iri.startsWith(ns)).map(([p, ns]) => `${p}:${iri.slice(ns.length)}`)];
  if (term.type === 'uri') return iriForms(term.value);
  if (term.type === 'bnode') return [`_:${term.value}`, term.value];
  if (term['xml:lang']) return [`"${term.value}"@${term['xml:lang']}`];
  if (term.datatype && term.datatype !== 'http://www.w3.org/2001/XMLSchema#string')
    return iriForms(term.datatype).map((dt) => `"${term.value}"^^${dt}`);
  return [term.value, `"${term.value}"`];
}

// YASGUI's table against the same query sent to the store directly: no error, the count
// in the response chip, the columns and the first rows' values.
async function checkYasguiResult(queryText, before) {
  const panel = '#yasgui .tabPanel.active';
  await page.waitForSelector(`${panel} .yasr .dataTable tbody tr, ${panel} .yasr .errorResult`);
  const error = await page.locator(`${panel} .yasr .errorResult`).count();
  assert(error === 0, `YASGUI shows an error: ${error ? (await page.innerText(`${panel} .yasr .errorResult`)).slice(0, 200) : ''}`);
  const after = await storeSelect(queryText);
  const chip = await page.innerText(`${panel} .yasr_response_chip`);
  const count = /^(\d+) results?/.exec(chip);
  assert(count, `response chip does not give a count: ${chip}`);
  const n = Number(count[1]);
  const low = Math.min(rowsOf(before).length, rowsOf(after).length), high = Math.max(rowsOf(before).length, rowsOf(after).length);
  assert(n >= low && n <= high && n >= 1, `YASGUI counts ${n} results, the store answers ${low}..${high}`);
  const header = (await page.locator(`${panel} .yasr .dataTable thead th`).allInnerTexts()).map((h) => h.trim()).filter(Boolean);
  assert(JSON.stringify(header) === JSON.stringify(after.head.vars), `YASGUI columns ${header}, the store's ${after.head.vars}`);
  const shownRows = await page.locator(`${panel} .yasr .dataTable tbody tr`).evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.innerText.trim())));
  assert(shownRows.length === Math.min(n, 50), `${shownRows.length} rows on the first page of ${n}`);
  // The first rows do not change while a run grows (the canned queries order their answers).
  for (let i = 0; i < Math.min(3, shownRows.length); i++) {
    const binding = rowsOf(after)[i];
    const expected = after.head.vars.map((v) => yasguiForms(binding[v], queryText));
    const cells = shownRows[i].slice(1);  // the first column numbers the rows
    const same = cells.length === expected.length && cells.every((cell, k) => expected[k].includes(cell));
    assert(same, `row ${i + 1}: YASGUI shows ${JSON.stringify(cells)}, the store ${JSON.stringify(expected.map((forms) => forms[0]))}`);
  }
  return `${n} results, columns ${header.join(' ')}`;
}

await check('YASGUI shows the canned queries and runs one with the store\'s answer', async () => {
  await tab('sparql');
  await page.waitForFunction(() => document.querySelectorAll('#yasgui .tabsList .tab').length >= 7);
  const names = await page.locator('#yasgui .tabsList .tab').allInnerTexts();
  const queryText = await page.evaluate(() => document.querySelector('#yasgui .tabPanel.active .CodeMirror').CodeMirror.getValue());
  const before = await storeSelect(queryText);
  await page.click('#yasgui .tabPanel.active .yasqe_queryButton');
  const note = await checkYasguiResult(queryText, before);
  await shot('04-yasgui.png');
  return `${note}; ${names.length} tabs: ${names.map((s) => s.replace('✖', '').trim()).filter(Boolean).join(' | ')}`;
});

await check('"open in YASGUI" opens the runs view query with the store\'s answer', async () => {
  await tab('runs');
  await page.click('#view-runs a.yasgui-link');
  await page.waitForSelector('#view-sparql:not([hidden])');
  await page.waitForFunction(() => [...document.querySelectorAll('#yasgui .tabsList .tab.active')].some((t) => t.textContent.includes('Runs table')));
  const queryText = await page.evaluate(() => document.querySelector('#yasgui .tabPanel.active .CodeMirror').CodeMirror.getValue());
  assert(/dl:TrainingRun/.test(queryText), 'the opened query is not the runs query');
  const note = await checkYasguiResult(queryText, await storeSelect(queryText));
  await shot('05-yasgui-runs-query.png');
  return note;
});

let steered = '';
if (STEER) {
  await check('steering form: learning-rate change is accepted (202)', async () => {
    await tab('curves'); // the query of this view is attached as informed_by_query
    await tab('steer');
    await page.waitForSelector('#steer-run option', { state: 'attached' });
    const running = await page.locator('#steer-run option').evaluateAll((os) => (os.find((o) => o.textContent.includes('running')) ?? os[0]).value);
    await page.selectOption('#steer-run', running);
    await page.selectOption('#steer-action', 'set');
    await page.selectOption('#steer-hyperparameter', 'learning_rate');
    await page.fill('#steer-value', '0.0005');
    await page.fill('#steer-reason', 'browser test: val loss plateaued, lowering the learning rate');
    await page.fill('#steer-person', 'browser-test');
    await page.fill('#steer-token', TOKEN);
    const answer = page.waitForResponse((r) => r.url().includes('/api/adaptations') && r.request().method() === 'POST');
    await page.click('#steer-submit');
    const res = await answer;
    const sent = res.request().postDataJSON();
    await page.waitForSelector('#steer-result.ok, #steer-result.error');
    const text = await page.innerText('#steer-result');
    await page.waitForTimeout(500);
    await shot('06-steering.png');
    assert(res.status() === 202, `server answered ${res.status()}: ${text}`);
    assert(/202/.test(text), `result does not show 202: ${text}`);
    assert(sent.run === running && sent.action === 'set' && sent.hyperparameter === 'learning_rate' && sent.value === 0.0005, `unexpected body ${JSON.stringify(sent)}`);
    assert(typeof sent.informed_by_query === 'string' && sent.informed_by_query.includes('SELECT'), 'informed_by_query missing');
    await page.waitForSelector('#steer-requests tbody tr');
    steered = running;
    return text.replace(/\s+/g, ' ');
  });

  await check('the applied change shows as a marker on the curves, with who, what and why', async () => {
    assert(steered, 'the steering request was not sent');
    // The store says when the trainer applied it (the oracle for the marker's text).
    let applied;
    const deadline = Date.now() + 120000;
    while (!applied && Date.now() < deadline) {
      applied = rowsOf(await storeSelect(`${PREFIXES}SELECT ?epoch ?old ?reason ?who WHERE {
  ?a a dl:Adaptation ; dl:partOfRun <${steered}> ; dl:epoch ?epoch ; dl:reason ?reason ; prov:wasAssociatedWith ?p .
  ?p a prov:Person ; dl:name ?who .
  ?new prov:wasGeneratedBy ?a ; dl:name "learning_rate" ; prov:value ?v . FILTER (?v = 0.0005)
  OPTIONAL { ?new prov:wasRevisionOf ?o . ?o prov:value ?old } }`))[0];
      if (!applied) await page.waitForTimeout(1000);
    }
    assert(applied, 'the trainer did not apply the change within 120 s (no dl:Adaptation in the store)');
    const epoch = Number(applied.epoch.value);
    await tab('curves');
    const markers = page.locator('#curves .chart').first().locator('[data-testid="adaptation-marker"]');
    await markers.first().waitFor({ state: 'attached' });
    let tip = '';
    for (let i = 0; i < await markers.count() && !tip.startsWith(`Epoch ${epoch}:`); i++) {
      await markers.nth(i).hover();
      await page.waitForSelector('#tooltip:not([hidden])');
      tip = await page.innerText('#tooltip');
    }
    assert(tip.startsWith(`Epoch ${epoch}: learning_rate `), `no marker says "Epoch ${epoch}: learning_rate ...": ${tip}`);
    const change = /learning_rate (\S+) → (\S+)/.exec(tip);
    assert(change, `the tooltip does not show old → new: ${tip}`);
    assert(Number(change[2]) === 0.0005, `the tooltip's new value is ${change[2]}, the store's 0.0005`);
    if (applied.old) {
      const old = Number(applied.old.value);
      assert(Math.abs(Number(change[1]) - old) <= Math.abs(old) * 1e-3, `the tooltip's old value is ${change[1]}, the store's ${old}`);
    }
    assert(tip.includes(`by ${applied.who.value} (person)`), `the tooltip does not name ${applied.who.value} as a person: ${tip}`);
    assert(tip.includes(`why: ${applied.reason.value}`), `the tooltip does not give the reason "${applied.reason.value}": ${tip}`);
    await shot('07-adaptation-marker.png');
    return tip.replace(/\n/g, ' / ');
  });
}

await check('no request leaves the origin and no script errors', async () => {
  assert(foreign.length === 0, `requests to other origins: ${[...new Set(foreign)].slice(0, 5).join(', ')}`);
  assert(pageErrors.length === 0, `page errors: ${pageErrors.slice(0, 5).join(' | ')}`);
});

await context.close();
fs.rmSync(userDataDir, { recursive: true, force: true });
console.log(`screenshots in ${SHOTS}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
