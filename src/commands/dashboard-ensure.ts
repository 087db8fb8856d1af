// `prog run --dashboard`: makes sure a dashboard serves this state dir before the run starts — the
// one already serving (dashboard.json names it, and it answers) or a new one, started in the
// background as a process of its own, so the run and the dashboard never take each other down.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { writeStderr } from '../diagnostics.js';
import { isAlive } from '../store/liveness.js';
import { stateDir } from '../store/state-dir.js';
import { DEFAULT_PORT, type DashboardRecord } from '../display/dashboard/record.js';

/** How long a new dashboard gets to start listening. */
const START_TIMEOUT_MS = 10_000;
const POLL_MS = 25;

export async function ensureDashboard(): Promise<void> {
  const root = stateDir();
  let record = readRecord(root);
  if (!(record && isAlive(record.supervisor) && (await answers(record)))) {
    record = (await start(root, DEFAULT_PORT)) ?? (await start(root, 0));
  }
  if (record) writeStderr(`prog: dashboard at ${record.url}?token=${record.token}\n`);
  else writeStderr(`prog: warning: the dashboard did not start (see ${join(root, 'dashboard.log')}); the run goes on without it\n`);
}

function readRecord(root: string): DashboardRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(join(root, 'dashboard.json'), 'utf8')) as DashboardRecord;
    return record.version === 1 && typeof record.port === 'number' && typeof record.token === 'string' && record.supervisor ? record : undefined;
  } catch {
    return undefined;
  }
}

/** The dashboard named in dashboard.json answers, with that token, for this state dir. */
function answers(record: DashboardRecord): Promise<boolean> {
  return new Promise((resolve) => {
    const host = record.host.includes(':') ? `[${record.host}]` : record.host;
    const req = request({ host: record.host, port: record.port, path: '/healthz', timeout: 2000, headers: { Host: `${host}:${record.port}`, Authorization: `Bearer ${record.token}` } }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** A dashboard in the background on `port`; its record once it serves, undefined if it ended first. */
async function start(root: string, port: number): Promise<DashboardRecord | undefined> {
  let log: number | undefined;
  try {
    log = openSync(join(root, 'dashboard.log'), 'a', 0o600);
  } catch {
    // Without a log its complaints are lost, not the dashboard.
  }
  const child = spawn(process.execPath, [process.argv[1]!, 'dashboard', '--port', String(port)], { detached: true, stdio: ['ignore', 'ignore', log ?? 'ignore'] });
  if (log !== undefined) closeSync(log);
  let ended = false;
  child.once('exit', () => (ended = true));
  child.once('error', () => (ended = true));
  child.unref();
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline && !ended) {
    const record = readRecord(root);
    if (record?.supervisor.pid === child.pid) return record;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return undefined;
}
