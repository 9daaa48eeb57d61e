#!/usr/bin/env node
// Browser test of the torchprov dashboard, with playwright-core driving Debian's chromium.
//
//   BASE_URL=http://localhost:7878/ SCREENSHOT_DIR=/tmp/shots [STEER=1 TOKEN=...] node dashboard.test.mjs
//
// BASE_URL        the server that serves the dashboard at / and /sparql (default http://localhost:7878/)
// SCREENSHOT_DIR  where the PNG screenshots go (default ./screenshots)
// STEER=1         also submit the steering form (learning-rate change) and expect a 202 answer
// TOKEN           bearer token for the steering request
// CHROMIUM        browser binary (default /usr/bin/chromium)
// Exit status is non-zero when a check fails; the last line is "N passed, N failed".
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const BASE_URL = process.env.BASE_URL || 'http://localhost:7878/';
const SHOTS = path.resolve(process.env.SCREENSHOT_DIR || 'screenshots');
const STEER = process.env.STEER === '1';
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

await check('metric curves render', async () => {
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
  const markers = await page.locator('#curves [data-testid="adaptation-marker"]').count();
  if (markers) {
    await page.locator('#curves [data-testid="adaptation-marker"]').first().hover();
    await page.waitForSelector('#tooltip:not([hidden])');
    const tip = await page.innerText('#tooltip');
    assert(/by /.test(tip), `adaptation tooltip lacks the agent: ${tip}`);
  }
  await shot('02-curves.png');
  return `${charts} chart(s): ${metrics.join(', ')}; ${markers} adaptation marker(s)`;
});

await check('curves refresh live (polling)', async () => {
  const before = await page.innerText('#curves-updated');
  const epochs = async () => page.locator('#curves .chart[data-metric] canvas').count();
  await page.waitForFunction((b) => document.querySelector('#curves-updated').textContent !== b, before, { timeout: 8000 });
  return `${before} -> ${await page.innerText('#curves-updated')} (${await epochs()} canvases)`;
});

await check('hyperparameter comparison renders', async () => {
  await tab('hparams');
  await page.waitForSelector('#hp-charts .chart canvas, #hp-charts .empty-note');
  const n = await page.locator('#hp-charts .chart').count();
  await shot('03-hyperparameters.png');
  return `${n} chart(s)`;
});

await check('YASGUI shows the canned queries and runs one', async () => {
  await tab('sparql');
  await page.waitForFunction(() => document.querySelectorAll('#yasgui .tabsList .tab').length >= 7);
  const names = await page.locator('#yasgui .tabsList .tab').allInnerTexts();
  await page.click('#yasgui .tabPanel.active .yasqe_queryButton');
  await page.waitForSelector('#yasgui .tabPanel.active .yasr .dataTable tbody tr, #yasgui .tabPanel.active .yasr_response_chip');
  await page.waitForTimeout(300);
  await shot('04-yasgui.png');
  return `${names.length} tabs: ${names.map((s) => s.replace('✖', '').trim()).filter(Boolean).join(' | ')}`;
});

await check('"open in YASGUI" opens the runs view query', async () => {
  await tab('runs');
  await page.click('#view-runs a.yasgui-link');
  await page.waitForSelector('#view-sparql:not([hidden])');
  await page.waitForFunction(() => [...document.querySelectorAll('#yasgui .tabsList .tab.active')].some((t) => t.textContent.includes('Runs table')));
  await page.waitForSelector('#yasgui .tabPanel.active .yasr .dataTable tbody tr');
  const rows = await page.locator('#yasgui .tabPanel.active .yasr .dataTable tbody tr').count();
  assert(rows >= 1, 'no result rows');
  await shot('05-yasgui-runs-query.png');
  return `${rows} result row(s)`;
});

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
    return text.replace(/\s+/g, ' ');
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
