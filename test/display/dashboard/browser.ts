// The dashboard's page in a real browser (Debian's chromium, driven by playwright-core): the runs
// list shows a live run; the run's bars and agent rows move as it goes; the log's level and text
// filters narrow it; the page resumes after the dashboard restarts, without repeating a line; the
// timeline canvas and the history chart draw; hostile output and marker text stay text (no element,
// no dialog, no javascript: link, no CSP refusal) while colours become spans. Screenshots go to
// test-artifacts/dashboard-*.png.
//
// The run is paced by the test: it does ten items, then waits for a go-ahead file, so each step is
// awaited as a condition, never as a length of time.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { chromium as playwright, type Browser, type Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startDashboard, until, type Dashboard } from '../../helpers/dashboard.js';
import { cleanup, startProg, type Live } from '../../helpers/live.js';
import { projectRoot, tempDir } from '../../helpers/prog.js';
import { scaled } from '../../helpers/time.js';
import { haveAll, liveTest, onPath, type Tool } from '../../helpers/tools.js';

// Functions run in the page: typed loosely, the tests are compiled without the DOM library.
declare const document: any;
declare const getComputedStyle: any;

const CHROMIUM = '/usr/bin/chromium';
const chromium: Tool = { name: 'chromium', debian: 'chromium', found: onPath('chromium') !== undefined };
const artifacts = join(projectRoot, 'test-artifacts');
const WAIT = 60_000;

/**
 * The workflow: a phase with a hostile name, hostile and coloured output, then a phase of 40 items
 * on 3 agents with log lines at several levels, in batches of ten; after each batch it waits for
 * the file go1, go2… in argv[1], while agent-3 packages the batch (an item of its own, done after
 * the go-ahead). argv[2] = "quick": no waiting, and exit 1 at the end.
 */
const WORKLOAD = `
const fs = require('fs'), path = require('path');
const dir = process.argv[1], quick = process.argv[2] === 'quick';
const m = (o) => process.stdout.write('::prog::' + JSON.stringify(o) + '\\n');
const go = (name) => new Promise((r) => { if (quick) return r(); const t = setInterval(() => { if (fs.existsSync(path.join(dir, name))) { clearInterval(t); r(); } }, 20); });
const pause = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  m({ type: 'workflow', name: 'browser-demo' });
  m({ type: 'phase', id: 'hostile', name: '<img src=x onerror=alert(2)>', total: 1 });
  console.log('<img src=x onerror=alert(1)> plain-html-line');
  console.log('</script><script>alert(1)</script>');
  console.log('\\x1b]8;;javascript:alert(1)\\x07click-osc8\\x1b]8;;\\x07 after-link');
  console.log('\\x1b]52;c;c2VjcmV0LWNsaXBib2FyZA==\\x07osc52-line');
  console.log('\\x1b[31mred-text\\x1b[0m \\x1b[1;32mbold-green\\x1b[0m \\x1b[38;2;10;200;30mtruecolor\\x1b[0m \\x1b[38;5;208m256-colour\\x1b[0m');
  console.log('\\u202eevil-bidi\\u202c \\x07bell \\x1b[2Jcleared \\x1bP1;2qdcs-payload\\x1b\\\\ \\u009b31mc1-csi');
  m({ type: 'item.done', phase: 'hostile', id: 'h1' });
  m({ type: 'phase.end', id: 'hostile' });
  m({ type: 'phase', id: 'build', name: 'Build', total: 40 });
  for (let batch = 0; batch < 4; batch++) {
    for (let i = batch * 10; i < batch * 10 + 10; i++) {
      const agent = 'agent-' + (i % 3 + 1);
      m({ type: 'item.start', phase: 'build', id: 'item-' + i, agent });
      console.log('compiled item-' + i);
      m({ type: 'log', level: 'info', source: agent, message: 'chatty-info-' + i });
      if (i % 5 === 2) m({ type: 'log', level: 'error', source: agent, message: 'boom-error-' + i });
      await pause(quick ? 1 : 25);
      m({ type: 'item.done', phase: 'build', id: 'item-' + i, agent });
    }
    // While it waits, agent-3 packages the batch: a busy agent, with its step.
    if (batch === 0) m({ type: 'phase', id: 'package', name: 'Package', total: 4 });
    m({ type: 'item.start', phase: 'package', id: 'pkg-' + batch, agent: 'agent-3' });
    m({ type: 'step', agent: 'agent-3', name: 'compress', index: 2, total: 3 });
    await go('go' + (batch + 1));
    m({ type: 'item.done', phase: 'package', id: 'pkg-' + batch, agent: 'agent-3' });
  }
  m({ type: 'phase.end', id: 'package' });
  m({ type: 'phase.end', id: 'build' });
  process.exit(quick ? 1 : 0);
})();
`;

/**
 * A run that prints a line, waits for flood-go in argv[1], prints 30,000 lines, waits until prog
 * has recorded them all, says so with the file "flooded", and ends at flood-end.
 */
const FLOOD = `
const fs = require('fs'), path = require('path');
const dir = process.argv[1];
const go = (name) => new Promise((r) => { const t = setInterval(() => { if (fs.existsSync(path.join(dir, name))) { clearInterval(t); r(); } }, 20); });
const write = (text) => { const b = Buffer.from(text); let at = 0; while (at < b.length) { try { at += fs.writeSync(1, b, at); } catch (e) { if (e.code !== 'EAGAIN') throw e; } } return b.length; };
(async () => {
  fs.writeSync(Number(process.env.PROG_PROGRESS_FD), JSON.stringify({ type: 'workflow', name: 'flood' }) + '\\n');
  let bytes = write('before-flood\\n');
  await go('flood-go');
  let out = '';
  for (let i = 0; i < 30000; i++) out += 'flood-' + i + '\\n';
  bytes += write(out);
  const run = path.join(process.env.PROG_HOME, 'runs', process.env.PROG_RUN_ID);
  const until = (ok) => new Promise((r) => { const t = setInterval(() => { if (ok()) { clearInterval(t); r(); } }, 20); });
  await until(() => fs.statSync(path.join(run, 'stdout.log')).size >= bytes);
  // A marker after the output: once it is in the events log, so is every chunk record before it.
  fs.writeSync(Number(process.env.PROG_PROGRESS_FD), JSON.stringify({ type: 'log', message: 'flood-recorded' }) + '\\n');
  await until(() => fs.readFileSync(path.join(run, 'events.ndjson'), 'utf8').includes('flood-recorded'));
  fs.writeFileSync(path.join(dir, 'flooded'), '');
  await go('flood-end');
})();
`;

interface State {
  home: string;
  dir: string;
  tokenFile: string;
  port: number;
  dashboard: Dashboard;
  browser: Browser;
  page: Page;
  run: Live;
  runId: string;
  dialogs: string[];
  refusals: string[];
}
let s: State | undefined;
const st = (): State => {
  if (!s) throw new Error('the set-up did not finish');
  return s;
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, `dashboard-${name}.png`), fullPage: true });
}

/** The page's address for a view (the cookie holds the token after the first visit). */
const at = (hash: string) => `${st().dashboard.url}${hash}`;

/** Waits for a condition in the page; the message says what it was waiting for. */
async function inPage<A>(fn: (arg: A) => unknown, arg: A, what: string): Promise<void> {
  try {
    await st().page.waitForFunction(fn as any, arg, { timeout: scaled(WAIT), polling: 50 });
  } catch (error) {
    throw new Error(`waiting for ${what}: ${(error as Error).message.split('\n')[0]}`);
  }
}

const buildPercent = () => st().page.getAttribute('[data-testid=phase-row][data-phase-id=build] [data-testid=phase-bar]', 'data-percent');
const itemsDone = () => st().page.$$eval('[data-testid=agent-row]', (rows: any[]) => rows.reduce((n: number, r: any) => n + Number(r.dataset.itemsDone), 0));
const connection = () => st().page.textContent('[data-testid=connection-state]');

test.before(async () => {
  if (!haveAll([chromium])) return;
  const home = tempDir('prog-browser-');
  const dir = tempDir('prog-browser-go-');
  const tokenFile = join(dir, 'token');
  const port = await freePort();
  const dashboard = await startDashboard({ home, args: ['--port', String(port), '--token-file', tokenFile] });
  const run = startProg(['run', '--format', 'none', '--', process.execPath, '-e', WORKLOAD, dir], { home });
  let runId = '';
  await until(async () => {
    const list = (await dashboard.api('/api/runs?state=running')).runs as { id: string; workflow?: string }[];
    runId = list.find((r) => r.workflow === 'browser-demo')?.id ?? '';
    return runId !== '' || `runs: ${JSON.stringify(list)}`;
  }, WAIT, 'the run to be listed');
  const browser = await playwright.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const dialogs: string[] = [];
  const refusals: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  // A CSP refusal means the page tried inline script or style, or another origin.
  page.on('console', (msg) => {
    if (/Refused to/i.test(msg.text())) refusals.push(msg.text());
  });
  s = { home, dir, tokenFile, port, dashboard, browser, page, run, runId, dialogs, refusals };
});

test.after(async () => {
  if (!s) return;
  for (const name of ['go1', 'go2', 'go3', 'go4', 'flood-go', 'flood-end']) writeFileSync(join(s.dir, name), '');
  await s.browser.close().catch(() => undefined);
  await s.dashboard.stop().catch(() => undefined);
  await cleanup();
});

liveTest([chromium], 'the runs page lists the live run, links to it, and is live', async () => {
  const { page, dashboard, runId } = st();
  // The printed address: the token becomes a cookie and leaves the address.
  await page.goto(`${dashboard.url}?token=${dashboard.token}`);
  assert.not.ok(page.url().includes('token='), `the address keeps the token: ${page.url()}`);
  await page.waitForSelector(`[data-testid=runs-table] [data-testid=run-row][data-run-id="${runId}"]`, { timeout: scaled(WAIT) });
  await inPage((id: string) => document.querySelector(`[data-run-id="${id}"] .badge`)?.textContent === 'running', runId, 'the row to say running');
  await inPage(() => document.querySelector('[data-testid=connection-state]').textContent === 'live', undefined, 'the list to be live');
  const text = await page.textContent(`[data-run-id="${runId}"]`);
  assert.ok(text!.includes('browser-demo'), `the row names the workflow: ${text}`);
  await screenshot(page, 'runs');
  await page.click(`[data-run-id="${runId}"] a`);
  await page.waitForSelector('[data-testid=phase-row]', { timeout: scaled(WAIT) });
  assert.ok(page.url().endsWith(`#/run/${runId}`), page.url());
});

liveTest([chromium], 'the run page: the phase bar and the agents move as items are done', async () => {
  const { page, dir, runId } = st();
  await page.goto(at(`#/run/${runId}`));
  await inPage(() => document.querySelector('[data-phase-id=build] [data-testid=phase-bar]')?.dataset.percent === '25', undefined, 'the build bar at 25%');
  await inPage(() => document.querySelectorAll('[data-testid=agent-row]').length === 3, undefined, 'three agent rows');
  const before = await itemsDone();
  assert.is(before, 10, 'ten items done across the agents');
  assert.is(await connection(), 'live');
  writeFileSync(join(dir, 'go1'), '');
  await inPage(() => document.querySelector('[data-phase-id=build] [data-testid=phase-bar]')?.dataset.percent === '50', undefined, 'the build bar at 50%');
  // Twenty built, and agent-3's first package.
  await inPage(() => [...document.querySelectorAll('[data-testid=agent-row]')].reduce((n: number, r: any) => n + Number(r.dataset.itemsDone), 0) === 21, undefined, 'twenty-one items done');
  assert.is(await buildPercent(), '50');
  const bar = await page.$eval('[data-phase-id=build] [data-testid=phase-bar] .bar-fill', (e: any) => e.style.width);
  assert.is(bar, '50%', 'the bar is drawn at its percent');
  const perAgent = await page.$$eval('[data-testid=agent-row]', (rows: any[]) => rows.map((r) => `${r.dataset.agentId}=${r.dataset.itemsDone}`));
  assert.equal(perAgent.sort(), ['agent-1=7', 'agent-2=7', 'agent-3=7'], 'each agent counts its own items');
  await inPage(() => /package: pkg-1/.test(document.querySelector('[data-agent-id=agent-3]')?.textContent ?? ''), undefined, 'agent-3 on pkg-1');
  const busy = await page.textContent('[data-agent-id=agent-3]');
  assert.ok(busy!.includes('compress 2/3'), `agent-3's row shows its step: ${busy}`);
  // The hostile phase name is the row's text, and only text.
  const name = await page.textContent('[data-phase-id=hostile] .phase-name');
  assert.is(name, '<img src=x onerror=alert(2)>');
  // The charts are there (points come with resource samples, once a second).
  for (const id of ['chart-progress', 'chart-cpu', 'chart-memory', 'chart-disk']) {
    assert.ok(await page.$(`[data-testid=${id}] canvas`), `${id} has a canvas`);
  }
  await inPage(() => Number(document.querySelector('[data-testid=chart-progress]').dataset.points) > 0, undefined, 'points on the progress chart');
  await screenshot(page, 'run');
});

liveTest([chromium], 'the log: level, text, source and stream filters narrow it; pause holds new lines', async () => {
  const { page, runId } = st();
  if (!page.url().endsWith(`#/run/${runId}`)) await page.goto(at(`#/run/${runId}`));
  await inPage(() => [...document.querySelectorAll('[data-testid=log-line]')].some((l: any) => l.textContent.includes('chatty-info-19')), undefined, 'the first two batches in the log');
  const all = await page.$$eval('[data-testid=log-line]', (ls: any[]) => ls.length);
  await page.selectOption('[data-testid=log-level-filter]', 'error');
  await inPage(() => {
    const lines = [...document.querySelectorAll('[data-testid=log-line]')];
    return lines.length > 0 && lines.every((l: any) => l.textContent.includes('boom-error-'));
  }, undefined, 'only error lines');
  const errors = await page.$$eval('[data-testid=log-line]', (ls: any[]) => ls.map((l) => /boom-error-\d+/.exec(l.textContent)![0]));
  assert.equal(errors, ['boom-error-2', 'boom-error-7', 'boom-error-12', 'boom-error-17'], 'the error lines, in order');
  assert.ok(errors.length < all, 'the level filter narrowed the log');
  await page.selectOption('[data-testid=log-level-filter]', '');
  await page.fill('[data-testid=log-text-filter]', 'CHATTY-info-1');
  await inPage(() => {
    const lines = [...document.querySelectorAll('[data-testid=log-line]')].map((l: any) => l.textContent);
    return lines.length === 11 && lines.every((t) => t.includes('chatty-info-1'));
  }, undefined, 'the eleven lines with chatty-info-1 (case-insensitive)');
  await page.fill('[data-testid=log-text-filter]', '');
  await inPage(() => document.querySelector('[data-testid=log-source-filter] option[value="agent-2"]') !== null, undefined, 'agent-2 among the sources');
  await page.selectOption('[data-testid=log-source-filter]', 'agent-2');
  await inPage(() => {
    const lines = [...document.querySelectorAll('[data-testid=log-line]')];
    return lines.length > 0 && lines.every((l: any) => l.querySelector('.log-src')?.textContent === 'agent-2');
  }, undefined, 'only agent-2 lines');
  await page.selectOption('[data-testid=log-source-filter]', '');
  await page.selectOption('[data-testid=log-stream-filter]', 'stdout');
  await inPage(() => {
    const lines = [...document.querySelectorAll('[data-testid=log-line]')].map((l: any) => l.textContent);
    return lines.some((t) => t.includes('compiled item-19')) && lines.every((t) => !t.includes('chatty-info'));
  }, undefined, 'only the command output');
  await page.selectOption('[data-testid=log-stream-filter]', '');
  await inPage((n: number) => document.querySelectorAll('[data-testid=log-line]').length === n, all, 'no filter: the same lines as at first');
});

liveTest([chromium], 'after the dashboard restarts, the page reconnects and resumes without repeating a line', async () => {
  const st0 = st();
  const { page, dir, runId } = st0;
  if (!page.url().endsWith(`#/run/${runId}`)) await page.goto(at(`#/run/${runId}`));
  await inPage(() => document.querySelector('[data-testid=connection-state]').textContent === 'live', undefined, 'live');
  const seen = await page.$$eval('[data-testid=log-line]', (ls: any[]) => ls.length);
  await st0.dashboard.stop();
  await inPage(() => document.querySelector('[data-testid=connection-state]').textContent === 'reconnecting', undefined, 'reconnecting once the dashboard is gone');
  // The same port and token (--token-file): the page's cookie stays good.
  st0.dashboard = await startDashboard({ home: st0.home, args: ['--port', String(st0.port), '--token-file', st0.tokenFile] });
  await inPage(() => document.querySelector('[data-testid=connection-state]').textContent === 'live', undefined, 'live again');
  writeFileSync(join(dir, 'go2'), '');
  await inPage(() => document.querySelector('[data-phase-id=build] [data-testid=phase-bar]')?.dataset.percent === '75', undefined, 'the build bar at 75% after the restart');
  await inPage(() => [...document.querySelectorAll('[data-testid=log-line]')].some((l: any) => l.textContent.includes('chatty-info-29')), undefined, 'the third batch in the log');
  const ns = await page.$$eval('[data-testid=log-line]', (ls: any[]) => ls.map((l) => Number(l.dataset.n)));
  assert.ok(ns.length > seen, `new lines came (${seen} → ${ns.length})`);
  assert.is(new Set(ns).size, ns.length, 'no line twice');
  assert.ok(ns.every((n, i) => i === 0 || n > ns[i - 1]!), 'lines in feed order');
  const texts = await page.$$eval('[data-testid=log-line] .log-text', (ls: any[]) => ls.map((l) => l.textContent));
  for (let i = 0; i < 30; i++) assert.is(texts.filter((t: string) => t === `compiled item-${i}`).length, 1, `compiled item-${i} once`);
});

liveTest([chromium], 'a page away longer than the dashboard keeps lines marks the lost ones, and goes on', async () => {
  const state = st();
  const { page, home, dir } = state;
  const flood = startProg(['run', '--format', 'none', '--', process.execPath, '-e', FLOOD, dir], { home });
  let id = '';
  await until(async () => {
    const list = (await state.dashboard.api('/api/runs?state=running')).runs as { id: string; workflow?: string }[];
    id = list.find((r) => r.workflow === 'flood')?.id ?? '';
    return id !== '' || `runs: ${JSON.stringify(list)}`;
  }, WAIT, 'the flood run to be listed');
  await page.goto(at(`#/run/${id}`));
  await inPage(() => [...document.querySelectorAll('[data-testid=log-line]')].some((l: any) => l.textContent.includes('before-flood')), undefined, 'the first line');
  await inPage(() => document.querySelector('[data-testid=connection-state]').textContent === 'live', undefined, 'live');
  await state.dashboard.stop();
  await inPage(() => document.querySelector('[data-testid=connection-state]').textContent === 'reconnecting', undefined, 'reconnecting');
  writeFileSync(join(dir, 'flood-go'), '');
  await until(() => existsSync(join(dir, 'flooded')) || 'not yet', WAIT, 'the 30,000 lines to be recorded');
  state.dashboard = await startDashboard({ home, args: ['--port', String(state.port), '--token-file', state.tokenFile] });
  await inPage(() => [...document.querySelectorAll('[data-testid=log-line]')].some((l: any) => l.textContent.includes('flood-29999')), undefined, 'the last line');
  const gap = await page.textContent('[data-testid=log-gap]');
  const m = /lines (\d+)–(\d+) were not kept/.exec(gap ?? '');
  assert.ok(m, `a gap mark: ${gap}`);
  const [from, to] = [Number(m![1]), Number(m![2])];
  assert.ok(to - from + 1 >= 10000, `at least the 10,000 lines past the 20,000 kept are lost: ${from}–${to}`);
  const ns = await page.$$eval('[data-testid=log-line]', (ls: any[]) => ls.map((l) => Number(l.dataset.n)));
  assert.is(new Set(ns).size, ns.length, 'no line twice');
  assert.ok(ns.every((n) => n < from || n > to), 'no line from inside the gap');
  assert.ok(ns.length <= 5000, `the page holds at most 5,000 lines (${ns.length})`);
  const last = await page.$$eval('[data-testid=log-line] .log-text', (ls: any[]) => ls.slice(-4).map((l) => l.textContent));
  assert.equal(last, ['flood-29997', 'flood-29998', 'flood-29999', 'flood-recorded'], 'the newest lines, in order');
  await inPage(() => document.querySelector('[data-testid=connection-state]').textContent === 'live', undefined, 'live again');
  writeFileSync(join(dir, 'flood-end'), '');
  const ended = await flood.waitExit(WAIT, 'the flood run to end');
  assert.is(ended.code, 0, flood.transcript());
  await inPage(() => document.querySelector('[data-testid=connection-state]').textContent === 'ended', undefined, 'ended');
});

liveTest([chromium], 'hostile output and marker text stay text; colours become spans', async () => {
  const { page, runId, dialogs, refusals } = st();
  if (!page.url().endsWith(`#/run/${runId}`)) await page.goto(at(`#/run/${runId}`));
  await inPage(() => [...document.querySelectorAll('[data-testid=log-line]')].some((l: any) => l.textContent.includes('plain-html-line')), undefined, 'the hostile lines in the log');
  const found = await page.evaluate(() => ({
    img: document.querySelectorAll('img').length,
    scripts: [...document.querySelectorAll('script')].map((e: any) => e.getAttribute('src')),
    handlers: [...document.querySelectorAll('*')].filter((e: any) => [...e.attributes].some((a: any) => a.name.startsWith('on'))).length,
    jsLinks: [...document.querySelectorAll('[href]')].filter((e: any) => /^\s*javascript:/i.test(e.getAttribute('href'))).length,
    links: [...document.querySelectorAll('.log-list a')].length,
    text: document.querySelector('.log-list').textContent,
    red: [...document.querySelectorAll('.log-list span.ansi-fg-1')].map((e: any) => e.textContent),
    boldGreen: [...document.querySelectorAll('.log-list span.ansi-fg-2.ansi-bold')].map((e: any) => e.textContent),
    truecolor: [...document.querySelectorAll('.log-list span')].filter((e: any) => e.textContent === 'truecolor').map((e: any) => getComputedStyle(e).color),
    orange: [...document.querySelectorAll('.log-list span')].filter((e: any) => e.textContent === '256-colour').map((e: any) => e.style.color),
  }));
  assert.is(found.img, 0, 'no img element');
  assert.equal(found.scripts, ['/app.js'], 'no script but the page\'s own');
  assert.is(found.handlers, 0, 'no element with an on… attribute');
  assert.is(found.jsLinks, 0, 'no javascript: link');
  assert.is(found.links, 0, 'no link made from output');
  assert.ok(found.text.includes('<img src=x onerror=alert(1)> plain-html-line'), 'the HTML shown as text');
  assert.ok(found.text.includes('</script><script>alert(1)</script>'), 'the script tags shown as text');
  assert.ok(found.text.includes('click-osc8 after-link'), 'the OSC 8 link\'s text, without the link');
  assert.not.ok(found.text.includes('javascript:'), 'the OSC 8 target is gone');
  assert.not.ok(found.text.includes('c2VjcmV0'), 'the OSC 52 payload is gone');
  assert.ok(found.text.includes('osc52-line'));
  assert.not.ok(found.text.includes('dcs-payload'), 'the DCS string is gone');
  assert.not.ok(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(found.text), 'no control or bidi override character reaches the page');
  assert.ok(found.text.includes('evil-bidi bell cleared'), 'the text around the removed controls stays');
  assert.equal(found.red, ['red-text'], 'SGR 31 is a span with a class');
  assert.equal(found.boldGreen, ['bold-green'], 'SGR 1;32 is bold and green');
  assert.equal(found.truecolor, ['rgb(10, 200, 30)'], 'truecolour through the style property');
  assert.equal(found.orange, ['rgb(255, 135, 0)'], '256-colour 208');
  assert.equal(dialogs, [], 'no dialog fired');
  assert.equal(refusals, [], 'no CSP refusal');
});

liveTest([chromium], 'the run ends: the page says ended; the timeline draws every item', async () => {
  const { page, dir, runId, run } = st();
  if (!page.url().endsWith(`#/run/${runId}`)) await page.goto(at(`#/run/${runId}`));
  writeFileSync(join(dir, 'go3'), '');
  writeFileSync(join(dir, 'go4'), '');
  await inPage(() => document.querySelector('[data-testid=connection-state]').textContent === 'ended', undefined, 'ended');
  await inPage(() => document.querySelector('[data-testid=run-state]')?.textContent === 'succeeded', undefined, 'the state succeeded');
  assert.is(await buildPercent(), '100');
  const ended = await run.waitExit(WAIT, 'the run to end');
  assert.is(ended.code, 0, run.transcript());
  await page.click('[data-testid=timeline-link]');
  await inPage(() => Number(document.querySelector('[data-testid=timeline-canvas]')?.dataset.items) === 45, undefined, 'the 45 items drawn (1 + 40 + 4)');
  // Something is drawn: bars in the outcome colour.
  const painted: number = await page.$eval('[data-testid=timeline-canvas]', (c: any) => {
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
    return n;
  });
  assert.ok(painted > 1000, `the canvas is painted (${painted} pixels)`);
  // Hovering a bar names its item: the first bar in agent-1's lane (below the axis, the "Phases"
  // header, three phases and the "Agents" header) is found in the canvas's pixels.
  const laneY = 26 + 18 * 5 + 9;
  const barX = await page.$eval('[data-testid=timeline-canvas]', (c: any, y: number) => {
    const dpr = c.width / c.clientWidth;
    const row = c.getContext('2d').getImageData(0, Math.round(y * dpr), c.width, 1).data;
    for (let x = Math.round(200 * dpr); x < c.width; x++) if (row[x * 4 + 3] === 255) return x / dpr;
    return -1;
  }, laneY);
  assert.ok(barX > 0, 'a bar in agent-1\'s lane');
  const rect = (await (await page.$('[data-testid=timeline-canvas]'))!.boundingBox())!;
  await page.mouse.move(rect.x + barX + 1, rect.y + laneY);
  await page.waitForSelector('[data-testid=timeline-tooltip]', { state: 'visible', timeout: scaled(WAIT) });
  const tip = (await page.textContent('[data-testid=timeline-tooltip]')) ?? '';
  assert.ok(/item-\d+/.test(tip) && tip.includes('agent-1') && tip.includes('done'), `the tooltip names an item of agent-1: ${tip}`);
  await page.mouse.move(rect.x + 5, rect.y + 5);
  await screenshot(page, 'timeline');
});

liveTest([chromium], 'history: durations by outcome, the phases, and two runs compared', async () => {
  const { page, home, dir } = st();
  // A second run of the workflow, which fails: a red point.
  const quick = startProg(['run', '--format', 'none', '--', process.execPath, '-e', WORKLOAD, dir, 'quick'], { home });
  const ended = await quick.waitExit(WAIT, 'the quick run');
  assert.is(ended.code, 1, quick.transcript());
  await page.goto(at('#/history'));
  await inPage(() => [...document.querySelectorAll('[data-testid=workflow-row]')].some((r: any) => r.children[0].textContent === 'browser-demo' && r.children[2].textContent === '2'), undefined, 'the workflow with its two runs');
  await page.click('[data-testid=workflow-row] a');
  await inPage(() => Number(document.querySelector('[data-testid=history-chart]')?.dataset.points) === 2, undefined, 'two points on the duration chart');
  assert.ok(await page.$('[data-testid=history-chart] canvas'), 'the chart is drawn');
  const rows = await page.$$eval('[data-testid=history-run]', (rs: any[]) => rs.map((r) => r.querySelector('.badge').textContent));
  assert.equal(rows, ['failed', 'succeeded'], 'newest first, with their outcome');
  const phases = await page.$$eval('[data-testid=history-phases] tbody tr', (rs: any[]) => rs.map((r) => r.firstChild.textContent));
  assert.ok(phases.includes('Build'), `the phase table lists Build: ${phases}`);
  await screenshot(page, 'history');
  const boxes = await page.$$('[data-testid=history-run] input[type=checkbox]');
  assert.is(boxes.length, 2);
  assert.ok(await page.isDisabled('[data-testid=compare-button]'), 'compare needs two runs');
  await boxes[0]!.check();
  await boxes[1]!.check();
  await page.click('[data-testid=compare-button]');
  await page.waitForSelector('[data-testid=compare-table]', { timeout: scaled(WAIT) });
  assert.match(page.url(), /#\/compare\/[\w-]+\/[\w-]+$/);
  const table = await page.textContent('[data-testid=compare-table]');
  assert.ok(table!.includes('Build') && table!.includes('Duration') && table!.includes('succeeded'), table!);
  await screenshot(page, 'compare');
});

liveTest([chromium], 'dark scheme: the run page reads light on dark', async () => {
  const { page, runId } = st();
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(at(`#/run/${runId}`));
  await page.waitForSelector('[data-testid=phase-row]', { timeout: scaled(WAIT) });
  const [bg, fg] = await page.evaluate(() => [getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]);
  const light = (c: string) => c.match(/\d+/g)!.slice(0, 3).map(Number).reduce((a, b) => a + b, 0) / 3;
  assert.ok(light(bg) < 80 && light(fg) > 170, `dark background ${bg}, light text ${fg}`);
  await screenshot(page, 'run-dark');
  await page.emulateMedia({ colorScheme: 'light' });
});

test.run();
