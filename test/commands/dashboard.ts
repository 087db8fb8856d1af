// `prog dashboard` as a command (docs/dashboard.md): a taken port is an error that names its holder,
// --port 0 picks one and says which, a bad port is a usage error, SIGTERM and SIGINT stop it cleanly
// (dashboard.json goes), --token-file keeps one token across starts; and `prog run --dashboard`
// starts one in the background, or reuses the one serving the state dir, without touching the run's
// exit status. Every dashboard a test starts is ended by the test, pass or fail.
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { httpGet, killHome, startDashboard, until, type Dashboard } from '../helpers/dashboard.js';
import { clean, startProg } from '../helpers/live.js';
import { isLive, liveWithEnv } from '../helpers/procfs.js';
import { tempDir } from '../helpers/prog.js';

function refusedConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

test('--port taken: exit 1, and the message names the port and the pid holding it', clean(async () => {
  const home = tempDir();
  const holder: Server = createServer();
  await new Promise<void>((resolve) => holder.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const port = (holder.address() as AddressInfo).port;
  try {
    const p = startProg(['dashboard', '--port', String(port)], { home });
    const r = await p.waitExit(30_000, 'prog dashboard to give up on a taken port');
    assert.is(r.code, 1, p.transcript());
    assert.match(p.stderr(), new RegExp(`port ${port} is in use`), p.stderr());
    assert.match(p.stderr(), new RegExp(`\\bpid ${process.pid}\\b`), `the holder is this test (pid ${process.pid}): ${p.stderr()}`);
    assert.match(p.stderr(), /--port 0/, 'it says how to get a free one');
    assert.not.ok(existsSync(join(home, 'dashboard.json')), 'no record of a dashboard that does not serve');
  } finally {
    await new Promise((resolve) => holder.close(resolve));
    await killHome(home);
  }
}));

test('--port 0: a free port, printed in the address with the token; dashboard.json says the same', async () => {
  const d = await startDashboard();
  try {
    assert.ok(d.port > 0 && d.port < 65536);
    assert.is(d.url, `http://127.0.0.1:${d.port}/`);
    const record = JSON.parse(readFileSync(join(d.home, 'dashboard.json'), 'utf8'));
    assert.equal([record.version, record.url, record.port, record.host, record.token, record.supervisor.pid], [1, d.url, d.port, '127.0.0.1', d.token, d.pid]);
    const health = await httpGet(d.port, '/healthz', { headers: { Authorization: `Bearer ${d.token}` } });
    assert.is(health.status, 200);
    assert.equal(JSON.parse(health.text), { version: 1, ok: true, pid: d.pid, stateDir: d.home });
    // The address is printed once, on stderr, with the token.
    assert.is(d.stderr().split(`?token=${d.token}`).length, 2, d.stderr());
  } finally {
    await d.stop();
  }
});

test('a bad --port is a usage error: exit 125 and a message about the port', clean(async () => {
  for (const port of ['99999', '65536', '-1', 'abc', '80.5']) {
    const home = tempDir();
    const p = startProg(['dashboard', '--port', port], { home });
    const r = await p.waitExit(30_000, `prog dashboard --port ${port} to refuse`);
    assert.is(r.code, 125, `--port ${port}: ${p.transcript()}`);
    assert.match(p.stderr(), /port/i, p.stderr());
    assert.match(p.stderr(), /65535/, `--port ${port}: it says what is allowed: ${p.stderr()}`);
    assert.not.ok(existsSync(join(home, 'dashboard.json')));
  }
}));

test('SIGTERM and SIGINT: exit 0, dashboard.json removed, the port closed', async () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const d = await startDashboard();
    try {
      assert.ok(existsSync(join(d.home, 'dashboard.json')));
      d.proc.kill(signal);
      const end = await d.waitExit();
      assert.equal([end.code, end.signal], [0, null], `${signal}: ${d.stderr()}`);
      assert.not.ok(existsSync(join(d.home, 'dashboard.json')), `${signal}: dashboard.json is gone`);
      assert.ok(await refusedConnect(d.port), `${signal}: the port no longer answers`);
    } finally {
      await d.stop();
    }
  }
});

test('prog dashboard --help shows --port, --host, --open and --token-file', clean(async () => {
  const p = startProg(['dashboard', '--help'], { home: tempDir() });
  const r = await p.waitExit(30_000);
  assert.is(r.code, 0, p.transcript());
  for (const option of ['--port', '--host', '--open', '--token-file']) assert.ok(p.stdout().includes(option), `${option} in:\n${p.stdout()}`);
}));

test('--token-file: made mode 0600 with a new token when missing, and the same token on the next start', async () => {
  const file = join(tempDir(), 'prog.token');
  const first = await startDashboard({ args: ['--port', '0', '--token-file', file] });
  let token = '';
  try {
    assert.ok(existsSync(file));
    assert.is((statSync(file).mode & 0o777).toString(8), '600');
    token = readFileSync(file, 'utf8').trim();
    assert.is(token, first.token);
    assert.is(JSON.parse(readFileSync(join(first.home, 'dashboard.json'), 'utf8')).token, token);
    assert.ok(first.stderr().includes(file), `the printed lines name the token file: ${first.stderr()}`);
  } finally {
    assert.is((await first.stop()).code, 0);
  }
  const second = await startDashboard({ args: ['--port', '0', '--token-file', file] });
  try {
    assert.is(second.token, token, 'the same token');
    assert.is(readFileSync(file, 'utf8').trim(), token, 'the file is left as it was');
    assert.is((await second.get('/api/runs', { bearer: true })).status, 200);
  } finally {
    await second.stop();
  }
});

test('--token-file holding something that is not a token: a usage error, exit 125', clean(async () => {
  const file = join(tempDir(), 'bad.token');
  writeFileSync(file, 'short\n', { mode: 0o600 });
  const p = startProg(['dashboard', '--port', '0', '--token-file', file], { home: tempDir() });
  const r = await p.waitExit(30_000);
  assert.is(r.code, 125, p.transcript());
  assert.match(p.stderr(), /token/);
}));

const DASHBOARD_LINE = /^prog: dashboard at (http:\/\/127\.0\.0\.1:(\d+)\/)\?token=([A-Za-z0-9_-]+)$/m;

/** The dashboards serving `home`: processes started from it whose command line is `… dashboard …`. */
function dashboardsOf(home: string): number[] {
  return liveWithEnv('PROG_HOME', home).map((p) => p.pid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('dashboard');
    } catch {
      return false;
    }
  });
}

test('prog run --dashboard: the first starts one in the background, the second reuses it; the runs\' exit statuses are their own', clean(async () => {
  const home = tempDir();
  try {
    const one = startProg(['run', '--dashboard', '--format', 'none', '--', 'true'], { home });
    const r1 = await one.waitExit(60_000, 'the first run');
    assert.is(r1.code, 0, one.transcript());
    const m1 = DASHBOARD_LINE.exec(one.stderr());
    assert.ok(m1, `the address on stderr: ${one.stderr()}`);
    const record = JSON.parse(readFileSync(join(home, 'dashboard.json'), 'utf8'));
    assert.is(`${record.url}?token=${record.token}`, `${m1![1]}?token=${m1![3]}`);
    const pid = record.supervisor.pid as number;
    assert.ok(isLive(pid), 'the dashboard outlives the run');
    assert.equal(dashboardsOf(home), [pid]);
    // It serves this state dir, with the run in it.
    const port = Number(m1![2]);
    const bearer = { Authorization: `Bearer ${m1![3]}` };
    const health = JSON.parse((await httpGet(port, '/healthz', { headers: bearer })).text);
    assert.equal([health.pid, health.stateDir], [pid, home]);

    const two = startProg(['run', '--dashboard', '--format', 'none', '--', 'sh', '-c', 'exit 3'], { home });
    const r2 = await two.waitExit(60_000, 'the second run');
    assert.is(r2.code, 3, `the run's own status: ${two.transcript()}`);
    const m2 = DASHBOARD_LINE.exec(two.stderr());
    assert.ok(m2, two.stderr());
    assert.is(m2![0], m1![0], 'the same address and token');
    assert.is(JSON.parse(readFileSync(join(home, 'dashboard.json'), 'utf8')).supervisor.pid, pid);
    assert.equal(dashboardsOf(home), [pid], 'one dashboard');
    await until(async () => {
      const runs = JSON.parse((await httpGet(port, '/api/runs', { headers: bearer })).text).runs as any[];
      return (runs.length === 2 && runs[0].state === 'failed' && runs[0].exitCode === 3 && runs[1].state === 'succeeded') || JSON.stringify(runs.map((r) => [r.state, r.exitCode]));
    }, 20_000, 'both runs on the dashboard');

    // A dashboard that died without removing dashboard.json is not trusted: the next run starts another.
    process.kill(pid, 'SIGKILL');
    await until(() => !isLive(pid), 10_000, 'the dashboard to die');
    assert.ok(existsSync(join(home, 'dashboard.json')));
    const three = startProg(['run', '--dashboard', '--format', 'none', '--', 'true'], { home });
    const r3 = await three.waitExit(60_000, 'the third run');
    assert.is(r3.code, 0, three.transcript());
    const m3 = DASHBOARD_LINE.exec(three.stderr());
    assert.ok(m3, three.stderr());
    assert.is.not(m3![3], m1![3], 'a new token');
    const fresh = JSON.parse(readFileSync(join(home, 'dashboard.json'), 'utf8')).supervisor.pid as number;
    assert.is.not(fresh, pid);
    assert.equal(dashboardsOf(home), [fresh]);
    assert.is((await httpGet(Number(m3![2]), '/healthz', { headers: { Authorization: `Bearer ${m3![3]}` } })).status, 200);
  } finally {
    await killHome(home);
  }
}));

test('prog run --dashboard with a stale dashboard.json whose token is wrong: a new dashboard, the run unaffected', clean(async () => {
  const home = tempDir();
  const d = await startDashboard({ home });
  try {
    // dashboard.json names a live dashboard, but the token in it is not the one it answers to.
    const path = join(home, 'dashboard.json');
    const record = JSON.parse(readFileSync(path, 'utf8'));
    writeFileSync(path, JSON.stringify({ ...record, token: 'x'.repeat(43) }) + '\n');
    chmodSync(path, 0o600);
    const run = startProg(['run', '--dashboard', '--format', 'none', '--', 'sh', '-c', 'exit 7'], { home });
    const r = await run.waitExit(60_000, 'the run');
    assert.is(r.code, 7, run.transcript());
    const m = DASHBOARD_LINE.exec(run.stderr());
    assert.ok(m, run.stderr());
    assert.is.not(m![3], 'x'.repeat(43));
    assert.is.not(m![3], d.token);
    assert.is((await httpGet(Number(m![2]), '/healthz', { headers: { Authorization: `Bearer ${m![3]}` } })).status, 200);
    // The old one, stopped, leaves the new one's record alone.
    assert.is((await d.stop()).code, 0);
    assert.is(JSON.parse(readFileSync(path, 'utf8')).token, m![3]);
  } finally {
    await d.stop();
    await killHome(home);
  }
}));

test.run();
