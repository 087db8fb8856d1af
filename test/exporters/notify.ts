// Notifications when a run ends, with real processes: the prog binary POSTs to a local HTTP server,
// and a fake notify-send (a real shell script first on PATH) records what it was asked to show.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { progBin, runProg, tempDir, testEnv, type ProgResult } from '../helpers/prog.js';
import { startProg } from '../helpers/live.js';
import { waitUntil } from '../helpers/procfs.js';
import { pause, scaled } from '../helpers/time.js';
import { liveTest, onPath, type Tool } from '../helpers/tools.js';
import type { FinishedRun } from '../../src/exporters/exporter.js';
import { clipText, notifyMessage, slackEscape, TEXT_LIMIT, webhookPayload } from '../../src/exporters/notify-message.js';
import { RunLedger } from '../../src/exporters/run-ledger.js';
import { emptyCounts, type Snapshot, type Summary } from '../../src/model/snapshot.js';

const TOKEN = 'XyZsecretTOKEN0123456789';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Hook {
  /** A Slack-like URL whose path holds a token. */
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/** A webhook on 127.0.0.1 that keeps what it was sent; `answer` replies (or not) to request n (from 0). */
function hook(answer: (n: number, res: ServerResponse) => void = (_n, res) => res.end('ok')): Promise<Hook> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      answer(received.length - 1, res);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/services/T000/B000/${TOKEN}`,
        received,
        close: () => new Promise((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}

/** A port nothing listens on: one that was just free. */
async function refusedUrl(): Promise<string> {
  const h = await hook();
  const url = h.url;
  await h.close();
  return url;
}

/** A command with items: 2 passed, 1 failed (with an error), 1 skipped, in phase `test`, exit 3. */
const itemsCommand = [process.execPath, '-e', [
  'const m = (o) => console.log("::prog::" + JSON.stringify(o));',
  'm({ type: "workflow", name: "nightly build" });',
  'm({ type: "phase", id: "test", name: "test" });',
  'm({ type: "item.done", phase: "test", id: "a" });',
  'm({ type: "item.fail", phase: "test", id: "b", error: "AssertionError: <1> != 2 & more\\nat b.js:3" });',
  'm({ type: "item.done", phase: "test", id: "c" });',
  'm({ type: "item.skip", phase: "test", id: "d" });',
  'm({ type: "phase.end", id: "test", status: "failed" });',
  'process.exit(3);',
].join('\n')];

function warnings(r: ProgResult): string[] {
  return r.stderr.toString().split('\n').filter((line) => line.startsWith('prog: warning: notify'));
}

test('--notify-url POSTs the run as JSON: Slack `text`, Discord `content`, the run; exit status 3 kept', async () => {
  const h = await hook();
  try {
    const r = await runProg(['run', '--format', 'plain', '--notify-url', h.url, '--notify-after', '0', '--', ...itemsCommand]);
    assert.is(r.code, 3);
    assert.equal(warnings(r), []);
    assert.is(h.received.length, 1);
    const [got] = h.received;
    assert.is(got!.path, `/services/T000/B000/${TOKEN}`);
    assert.is(got!.headers['content-type'], 'application/json');
    assert.match(String(got!.headers['user-agent']), /^prog\/\d+\.\d+\.\d+/);
    const payload = JSON.parse(got!.body) as { text: string; content: string; allowed_mentions: unknown; run: Record<string, unknown> };
    const [title, ...body] = payload.content.split('\n');
    assert.match(title!, /^✗ nightly build · failed \(exit 3\) in \d+\.\ds$/);
    assert.ok(body.includes('2 passed, 1 failed, 1 skipped'), payload.content);
    assert.ok(body.includes('failed phases: test'), payload.content);
    assert.ok(body.includes('first failure: test/b: AssertionError: <1> != 2 & more'), payload.content);
    const run = payload.run;
    assert.ok(body.includes(`prog logs ${run.id}`), payload.content);
    // Slack's text has its markup characters escaped; Discord's content is as said.
    assert.is(payload.text, payload.content.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    assert.equal(payload.allowed_mentions, { parse: [] });
    assert.is(run.workflow, 'nightly build');
    assert.equal(run.command, itemsCommand);
    assert.is(run.status, 'failed');
    assert.is(run.exitCode, 3);
    assert.equal(run.counts, { passed: 2, failed: 1, skipped: 1, retried: 0 });
    assert.equal(run.failedPhases, ['test']);
    assert.equal(run.failures, [{ phase: 'test', id: 'b', error: 'AssertionError: <1> != 2 & more' }]);
    assert.is(run.failuresTotal, 1);
    assert.is(Date.parse(run.endedAt as string) - Date.parse(run.startedAt as string), run.durationMs);
    assert.is(typeof run.host, 'string');
    assert.is(run.logs, `prog logs ${run.id}`);
  } finally {
    await h.close();
  }
});

test('a run that ends ok says ✓ … ok, with no failure lines', async () => {
  const h = await hook();
  try {
    const r = await runProg(['run', '--name', 'deploy', '--notify-url', h.url, '--notify-after', '0', '--', 'sh', '-c', 'exit 0']);
    assert.is(r.code, 0);
    const payload = JSON.parse(h.received[0]!.body) as { content: string; run: { id: string; status: string } };
    assert.match(payload.content, new RegExp(`^✓ deploy · ok in \\d+\\.\\ds\\nprog logs ${payload.run.id}$`));
    assert.is(payload.run.status, 'ok');
  } finally {
    await h.close();
  }
});

test('a run shorter than --notify-after (or the default 30 s) sends nothing', async () => {
  const h = await hook();
  try {
    let r = await runProg(['run', '--notify-url', h.url, '--notify-after', '30', '--', 'sh', '-c', 'exit 3']);
    assert.is(r.code, 3);
    r = await runProg(['run', '--', 'sh', '-c', 'exit 0'], { env: { PROG_NOTIFY_URL: h.url } });
    assert.is(r.code, 0);
    assert.is(h.received.length, 0);
    assert.equal(warnings(r), []);
    // The same variable, and a threshold of 0: sent.
    r = await runProg(['run', '--', 'sh', '-c', 'exit 0'], { env: { PROG_NOTIFY_URL: h.url, PROG_NOTIFY_AFTER: '0' } });
    assert.is(h.received.length, 1);
  } finally {
    await h.close();
  }
});

test('an interrupted run (SIGINT) that lasted long enough still notifies, saying so', async () => {
  const h = await hook();
  try {
    const child = spawn(process.execPath, [progBin, 'run', '--format', 'plain', '--notify-url', h.url, '--notify-after', '0', '--', 'sh', '-c', 'echo ready; sleep 30'], {
      env: testEnv(tempDir()),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      if (out.includes('ready')) child.kill('SIGINT');
    });
    const bound = setTimeout(() => child.kill('SIGKILL'), scaled(20_000));
    await new Promise((resolve) => child.on('close', resolve));
    clearTimeout(bound);
    assert.is(h.received.length, 1);
    const payload = JSON.parse(h.received[0]!.body) as { content: string; run: { status: string; signal: string } };
    assert.is(payload.run.status, 'interrupted');
    assert.match(payload.content, /^■ sh -c echo ready; sleep 30 · interrupted \(SIGINT\) in /);
  } finally {
    await h.close();
  }
});

test('a webhook answering 500: one warning with scheme://host only, not retried, exit status kept', async () => {
  const h = await hook((_n, res) => {
    res.statusCode = 500;
    res.end(`rollup_error for /services/T000/B000/${TOKEN}`);
  });
  try {
    const r = await runProg(['run', '--notify-url', h.url, '--notify-after', '0', '--', 'sh', '-c', 'exit 3']);
    assert.is(r.code, 3);
    const origin = new URL(h.url).origin;
    assert.equal(warnings(r), [`prog: warning: notify: POST to ${origin}/… failed: HTTP 500 (rollup_error for …); the run's exit status is unchanged`]);
    assert.not.ok(r.stderr.toString().includes(TOKEN));
    assert.is(h.received.length, 1);
  } finally {
    await h.close();
  }
});

test('a webhook answering 503 is tried once more, and its 200 then is a success', async () => {
  const h = await hook((n, res) => {
    res.statusCode = n === 0 ? 503 : 200;
    res.end();
  });
  try {
    const r = await runProg(['run', '--notify-url', h.url, '--notify-after', '0', '--', 'sh', '-c', 'exit 1']);
    assert.is(r.code, 1);
    assert.equal(warnings(r), []);
    assert.is(h.received.length, 2);
    assert.is(h.received[1]!.body, h.received[0]!.body);
  } finally {
    await h.close();
  }
});

test('a refused connection: one warning, no token, exit status kept', async () => {
  const url = await refusedUrl();
  const r = await runProg(['run', '--notify-url', url, '--notify-after', '0', '--', 'sh', '-c', 'exit 3']);
  assert.is(r.code, 3);
  assert.equal(warnings(r), [`prog: warning: notify: POST to ${new URL(url).origin}/… failed: connection refused; the run's exit status is unchanged`]);
  assert.not.ok(r.stderr.toString().includes(TOKEN));
});

/** Wall time of `prog run` of `sh -c 'exit 3'`, with these extra flags. */
async function timed(flags: string[]): Promise<{ r: ProgResult; ms: number }> {
  const started = performance.now();
  const r = await runProg(['run', ...flags, '--', 'sh', '-c', 'exit 3']);
  return { r, ms: performance.now() - started };
}

test('Ctrl-C while a notification is under way (the command is over) stops it at once: one warning, the command\'s exit status, nothing said of passing it on', async () => {
  const h = await hook(() => undefined);
  try {
    const live = startProg(['run', '--format', 'plain', '--notify-url', h.url, '--notify-after', '0', '--', 'sh', '-c', 'exit 3']);
    await waitUntil(() => h.received.length === 1 || 'no POST yet', scaled(10_000), 'the webhook to be posted to');
    live.kill('SIGINT');
    const end = await live.waitExit(10_000, 'prog to stop exporting');
    assert.equal([end.code, end.signal], [3, null], live.transcript());
    const stderr = live.stderr();
    assert.match(stderr, /^prog: warning: SIGINT: stopped exporting the run \(a JUnit report, trace or notification may be missing\); the run's exit status is unchanged$/m);
    assert.not.match(stderr, /passed it to the command|killing/, 'no command is left to pass it to');
    assert.not.ok(stderr.includes(TOKEN));
  } finally {
    await h.close();
  }
});

test('a webhook that never answers: one warning after its 3 s, and prog exits within the 5 s deadline', async () => {
  const h = await hook(() => undefined);
  try {
    const base = await timed([]);
    const held = await timed(['--notify-url', h.url, '--notify-after', '0']);
    assert.is(held.r.code, 3);
    assert.equal(warnings(held.r), [`prog: warning: notify: POST to ${new URL(h.url).origin}/… failed: no answer within 3 s; the run's exit status is unchanged`]);
    assert.not.ok(held.r.stderr.toString().includes(TOKEN));
    assert.is(h.received.length, 1);
    // Held for the 3 s wait, never past the exporters' 5 s deadline (plus what load adds).
    assert.ok(held.ms >= 2_900, `${held.ms} ms`);
    assert.ok(held.ms - base.ms < 5_000 + scaled(2_000), `held ${Math.round(held.ms - base.ms)} ms past a run without it`);
  } finally {
    await h.close();
  }
});

/** A directory with a fake `name` that appends its arguments (NUL-separated) to `log`, then runs `then`. */
function fakeTool(name: string, then = 'exit 0'): { dir: string; log: string; args: () => string[] | undefined } {
  const dir = tempDir('prog-notify-bin-');
  const log = join(dir, `${name}.args`);
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\nfor a in "$@"; do printf '%s\\0' "$a" >> '${log}'; done\n${then}\n`);
  chmodSync(file, 0o755);
  return { dir, log, args: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\0').slice(0, -1) : undefined) };
}

test('--notify: notify-send on PATH gets -a prog, critical urgency for a failure, the title and the body', async () => {
  const fake = fakeTool('notify-send');
  const r = await runProg(['run', '--notify', '--notify-after', '0', '--', ...itemsCommand], { env: { PATH: `${fake.dir}:${process.env.PATH}` } });
  assert.is(r.code, 3);
  assert.equal(warnings(r), []);
  const args = fake.args()!;
  assert.equal(args.slice(0, 7), ['-a', 'prog', '-u', 'critical', '-i', 'dialog-error', '--']);
  assert.match(args[7]!, /^✗ nightly build · failed \(exit 3\) in /);
  const body = args[8]!.split('\n');
  // The body is markup to notification daemons: escaped; the title is plain text.
  assert.equal(body.slice(0, 3), ['2 passed, 1 failed, 1 skipped', 'failed phases: test', 'first failure: test/b: AssertionError: &lt;1&gt; != 2 &amp; more']);
  assert.match(body[3]!, /^prog logs \d{8}-\d{6}-[0-9a-f]+$/);
  assert.is(args.length, 9);
});

test('PROG_NOTIFY=on notifies an ok run with normal urgency', async () => {
  const fake = fakeTool('notify-send');
  const r = await runProg(['run', '--', 'sh', '-c', 'exit 0'], { env: { PATH: `${fake.dir}:${process.env.PATH}`, PROG_NOTIFY: 'on', PROG_NOTIFY_AFTER: '0' } });
  assert.is(r.code, 0);
  const args = fake.args()!;
  assert.equal(args.slice(0, 4), ['-a', 'prog', '-u', 'normal']);
  assert.match(args[7]!, /^✓ sh -c exit 0 · ok in /);
});

test('prog config set notify on notifies; --no-notify turns it off for one run', async () => {
  const home = tempDir();
  const fake = fakeTool('notify-send');
  const env = { PATH: `${fake.dir}:${process.env.PATH}` };
  assert.is((await runProg(['config', 'set', 'notify', 'on'], { home, env })).code, 0);
  assert.is((await runProg(['config', 'set', 'notify-after', '0'], { home, env })).code, 0);
  let r = await runProg(['run', '--no-notify', '--', 'sh', '-c', 'exit 0'], { home, env });
  assert.is(r.code, 0);
  assert.is(fake.args(), undefined);
  r = await runProg(['run', '--', 'sh', '-c', 'exit 4'], { home, env });
  assert.is(r.code, 4);
  assert.match(fake.args()![7]!, /^✗ sh -c exit 4 · failed \(exit 4\) in /);
});

test('no notify-send or osascript on PATH: one warning naming libnotify-bin, exit status kept', async () => {
  const empty = tempDir('prog-notify-nopath-');
  mkdirSync(join(empty, 'bin'));
  const r = await runProg(['run', '--notify', '--notify-after', '0', '--', '/bin/sh', '-c', 'exit 3'], { env: { PATH: join(empty, 'bin') } });
  assert.is(r.code, 3);
  const said = warnings(r);
  assert.is(said.length, 1);
  assert.match(said[0]!, /^prog: warning: notify: no notify-send on PATH .*apt-get install libnotify-bin.*; the run's exit status is unchanged$/);
});

test('a notify-send that fails (no desktop session): one warning with its complaint, exit status kept', async () => {
  const fake = fakeTool('notify-send', 'echo "Cannot autolaunch D-Bus without X11 \\$DISPLAY" >&2; exit 1');
  const r = await runProg(['run', '--notify', '--notify-after', '0', '--', 'sh', '-c', 'exit 3'], { env: { PATH: `${fake.dir}:${process.env.PATH}` } });
  assert.is(r.code, 3);
  assert.equal(warnings(r), ["prog: warning: notify: notify-send exited with 1 (Cannot autolaunch D-Bus without X11 $DISPLAY); the run's exit status is unchanged"]);
});

test('osascript (macOS) gets the texts as arguments to its script, never inside its source', async () => {
  const fake = fakeTool('osascript');
  const r = await runProg(['run', '--notify', '--notify-after', '0', '--', '/bin/sh', '-c', 'echo "\\"quoted\\" & stuff"; exit 2'], { env: { PATH: fake.dir } });
  assert.is(r.code, 2);
  const args = fake.args()!;
  assert.equal(args.slice(0, 6), ['-e', 'on run argv', '-e', 'display notification (item 2 of argv) with title (item 1 of argv)', '-e', 'end run']);
  assert.is(args.length, 8);
  assert.match(args[6]!, /^✗ \/bin\/sh -c echo "\\"quoted\\" & stuff"; exit 2 · failed \(exit 2\) in /);
});

test('--notify and --notify-url together: both are sent', async () => {
  const h = await hook();
  const fake = fakeTool('notify-send');
  try {
    const r = await runProg(['run', '--notify', '--notify-url', h.url, '--notify-after', '0', '--', 'sh', '-c', 'exit 0'], { env: { PATH: `${fake.dir}:${process.env.PATH}` } });
    assert.is(r.code, 0);
    assert.is(h.received.length, 1);
    assert.ok(fake.args() !== undefined);
  } finally {
    await h.close();
  }
});

const openssl: Tool = { name: 'openssl', debian: 'openssl', found: onPath('openssl') !== undefined };

liveTest([openssl], 'https: a certificate prog cannot verify is one warning; with NODE_EXTRA_CA_CERTS it is posted', async () => {
  const dir = tempDir('prog-notify-tls-');
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
  assert.is(made.status, 0);
  let bodies = 0;
  const server = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
    req.resume();
    req.on('end', () => {
      bodies++;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `https://localhost:${(server.address() as AddressInfo).port}/services/T000/B000/${TOKEN}`;
    let r = await runProg(['run', '--notify-url', url, '--notify-after', '0', '--', 'sh', '-c', 'exit 3']);
    assert.is(r.code, 3);
    assert.equal(warnings(r), [`prog: warning: notify: POST to ${new URL(url).origin}/… failed: self-signed certificate; the run's exit status is unchanged`]);
    assert.is(bodies, 0);
    r = await runProg(['run', '--notify-url', url, '--notify-after', '0', '--', 'sh', '-c', 'exit 3'], { env: { NODE_EXTRA_CA_CERTS: cert } });
    assert.is(r.code, 3);
    assert.equal(warnings(r), []);
    assert.is(bodies, 1);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

// The real notify-send, talking D-Bus to a notification daemon: python-dbusmock's, on a private
// session bus this test starts (no desktop needed).
const desktopTools: Tool[] = [
  { name: 'notify-send', debian: 'libnotify-bin', found: onPath('notify-send') !== undefined },
  { name: 'dbus-daemon', debian: 'dbus-daemon', found: onPath('dbus-daemon') !== undefined },
  { name: 'dbus-send', debian: 'dbus-bin', found: onPath('dbus-send') !== undefined },
  { name: '/usr/bin/python3 -m dbusmock', debian: 'python3-dbusmock', found: spawnSync('/usr/bin/python3', ['-c', 'import dbusmock'], { stdio: 'ignore' }).status === 0 },
];

/** Polls until `done` holds; past a (scaled) deadline the test fails. */
async function waitFor(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + scaled(10_000);
  while (!done()) {
    if (Date.now() > deadline) assert.unreachable(`gave up waiting for ${what}`);
    await pause(50);
  }
}

liveTest(desktopTools, 'the real notify-send hands title, body and critical urgency to the notification daemon over D-Bus', async () => {
  const dir = tempDir('prog-notify-dbus-');
  const log = join(dir, 'daemon.log');
  const started: ChildProcess[] = [];
  try {
    const bus = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1'], { stdio: ['ignore', 'pipe', 'ignore'] });
    started.push(bus);
    let address = '';
    bus.stdout!.setEncoding('utf8');
    bus.stdout!.on('data', (chunk: string) => (address += chunk));
    await waitFor(() => address.includes('\n'), 'the bus address');
    address = address.split('\n')[0]!;
    const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: address };
    started.push(spawn('/usr/bin/python3', ['-m', 'dbusmock', '--template', 'notification_daemon', '-l', log], { env, stdio: 'ignore' }));
    const owned = () => spawnSync('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.Notifications'], { env, encoding: 'utf8' }).stdout.includes('true');
    await waitFor(owned, 'the mock notification daemon');
    const r = await runProg(['run', '--notify', '--notify-after', '0', '--', ...itemsCommand], { env: { DBUS_SESSION_BUS_ADDRESS: address } });
    assert.is(r.code, 3);
    assert.equal(warnings(r), []);
    const notify = readFileSync(log, 'utf8').split('\n').find((line) => / Notify "prog" /.test(line));
    assert.ok(notify !== undefined, readFileSync(log, 'utf8'));
    assert.match(notify!, /Notify "prog" 0 "dialog-error" "✗ nightly build · failed \(exit 3\) in \d+\.\ds" "2 passed, 1 failed, 1 skipped$/);
    assert.match(readFileSync(log, 'utf8'), /first failure: test\/b: AssertionError: &lt;1&gt; != 2 &amp; more\nprog logs \S+" \[\] \{"urgency": 2/);
  } finally {
    for (const child of started) child.kill();
  }
});

// The words, without processes.

function finished(summary: Partial<Summary>, info: Partial<FinishedRun['info']> = {}): FinishedRun {
  return {
    info: { id: '20261204-120000-abcdef', key: 'k', command: ['make'], cwd: '/src', startedAt: '2026-12-04T12:00:00.000Z', ...info },
    summary: {
      type: 'summary', id: '20261204-120000-abcdef', command: ['make'], status: 'ok', exitCode: 0, signal: null, durationMs: 192_000,
      counts: emptyCounts(), phases: [], failures: [], failuresOmitted: 0, invalidMarkers: 0, ...summary,
    },
    snapshot: {} as Snapshot,
    ledger: new RunLedger(),
    recordDir: '/state/runs/20261204-120000-abcdef',
    format: 'plain',
  };
}

test('titles: ✓ build · ok in 3m 12s, ✗ … failed (exit 2), killed by a signal', () => {
  assert.is(notifyMessage(finished({ workflow: 'build' })).title, '✓ build · ok in 3m 12s');
  assert.is(notifyMessage(finished({ workflow: 'build', status: 'failed', exitCode: 2, durationMs: 41_000 })).title, '✗ build · failed (exit 2) in 41s');
  assert.is(notifyMessage(finished({ status: 'failed', exitCode: null, signal: 'SIGKILL', durationMs: 41_000 }, { key: 'make @ /src' })).title, '✗ make · killed by SIGKILL in 41s');
});

test('text from the command loses escapes and control characters; the webhook text stays under 2,000', () => {
  const run = finished({ workflow: 'x\x1b[31m<b>\x07\n&', status: 'failed', exitCode: 1, failures: [{ id: 'i', error: `${'e'.repeat(5000)}`, tMs: 0 }] });
  const message = notifyMessage(run);
  assert.is(message.title, '✗ x<b> & · failed (exit 1) in 3m 12s');
  const payload = webhookPayload(run, 'host');
  assert.ok(payload.content.length <= TEXT_LIMIT);
  assert.ok(payload.text.startsWith('✗ x&lt;b&gt; &amp; · failed'));
  const many = webhookPayload(finished({ workflow: '<'.repeat(80), status: 'failed', exitCode: 1, failures: [{ id: 'i', error: '<'.repeat(5000), tMs: 0 }] }), 'host');
  assert.ok(many.text.length <= TEXT_LIMIT, String(many.text.length));
  assert.is(slackEscape('a<b>&c'), 'a&lt;b&gt;&amp;c');
  assert.is(clipText('ab😀cd', 4), 'ab…');
});

test.run();
