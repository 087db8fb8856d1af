// The JSON schemas in docs/schema/ are the ones both surfaces answer with: every snapshot of
// `prog run --format json` and the dashboard's /api/progress snapshot validate against
// snapshot.schema.json, and /api/runs, /api/progress and /api/logs against dashboard.schema.json.
// The schemas forbid unknown fields, so a field added to a snapshot without its schema fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { killHome, startDashboard, type Dashboard } from '../../helpers/dashboard.js';
import { projectRoot, runProg, tempDir } from '../../helpers/prog.js';
import { child, marker, strictNdjson, type Step } from '../../helpers/runs.js';

const schemaDir = join(projectRoot, 'docs', 'schema');
const load = (name: string) => JSON.parse(readFileSync(join(schemaDir, name), 'utf8'));
const ajv = new Ajv2020({ allErrors: true, strict: true });
ajv.addSchema(load('snapshot.schema.json'), 'snapshot.schema.json');
ajv.addSchema(load('dashboard.schema.json'), 'dashboard.schema.json');

function valid(ref: string, value: unknown, what: string): void {
  const check = ajv.getSchema(ref);
  assert.ok(check, `schema ${ref}`);
  if (!check(value)) assert.unreachable(`${what} does not match ${ref}: ${ajv.errorsText(check.errors)}\n${JSON.stringify(value).slice(0, 600)}`);
}

const m = (fields: Record<string, unknown>): Step => ({ o: marker(fields) });
/** A run with most parts of a snapshot: workflow, a group and a phase, agents with steps and retries, failures, logs with locations. */
const STEPS: Step[] = [
  m({ type: 'workflow', name: 'schema-check' }),
  // A GitHub Actions group: the phases started inside it are its children.
  { o: '::group::CI\n' },
  m({ type: 'phase', id: 'build', total: 4 }),
  m({ type: 'agent', id: 'w1', status: 'busy' }),
  m({ type: 'item.start', phase: 'build', id: 'a', agent: 'w1' }),
  m({ type: 'step', agent: 'w1', name: 'compile', index: 1, total: 2 }),
  m({ type: 'item.done', phase: 'build', id: 'a', agent: 'w1' }),
  m({ type: 'item.start', phase: 'build', id: 'b', agent: 'w1' }),
  { o: 'building b\n' },
  m({ type: 'item.fail', phase: 'build', id: 'b', agent: 'w1', error: 'flaky', retry: 1, maxRetries: 2 }),
  m({ type: 'item.start', phase: 'build', id: 'b', agent: 'w1' }),
  m({ type: 'item.fail', phase: 'build', id: 'b', agent: 'w1', error: 'broken for good' }),
  m({ type: 'item.skip', phase: 'build', id: 'c', reason: 'not needed' }),
  m({ type: 'log', level: 'warn', source: 'w1', message: 'slow disk' }),
  { e: 'src/x.c:3:5: error: expected ; before }\n' },
  m({ type: 'progress', phase: 'build', current: 3, total: 4 }),
  { sleep: 300 },
  m({ type: 'phase.end', id: 'build', status: 'failed' }),
  { o: '::endgroup::\n' },
  { exit: 1 },
];

let d: Dashboard | undefined;
let home = '';

test.after(async () => {
  await d?.stop();
  if (home) await killHome(home);
});

test('every --format json snapshot and the dashboard\'s answers match the schemas in docs/schema', async () => {
  home = tempDir('prog-schema-');
  const r = await runProg(['run', '--format', 'json', '--update-interval', '0.1', '--sample-interval', '0.1', '--', ...child(STEPS)], { home });
  assert.is(r.code, 1, r.stderr.toString());
  const records = strictNdjson(r.stdout.toString());
  const snapshots = records.filter((x) => x.type === 'snapshot');
  assert.ok(snapshots.length >= 2, `snapshots: ${snapshots.length}`);
  for (const [i, s] of snapshots.entries()) valid('snapshot.schema.json', s, `--format json snapshot ${i}`);
  // The schema is not vacuous: the run filled in what it describes.
  const last = snapshots.at(-1) as Record<string, any>;
  assert.is(last.workflow, 'schema-check');
  assert.equal(last.phases.map((p: any) => p.id), ['CI', 'build'], 'the group and the phase');
  assert.ok(last.recentLogs?.length > 0, 'recent logs');
  assert.ok(snapshots.some((s: any) => s.resources !== undefined), 'a resource sample');

  d = await startDashboard({ home });
  const runs = await d.api('/api/runs');
  valid('dashboard.schema.json#/$defs/runs', runs, '/api/runs');
  const id = runs.runs[0].id as string;
  const progress = await d.api(`/api/progress?run=${id}`);
  valid('dashboard.schema.json#/$defs/progress', progress, '/api/progress');
  assert.ok(progress.failures.length >= 1 && progress.failures.some((f: any) => f.error === 'broken for good'), 'the failure with its error');
  const logs = await d.api(`/api/logs?run=${id}`);
  valid('dashboard.schema.json#/$defs/logs', logs, '/api/logs');
  assert.ok(logs.lines.some((l: any) => l.kind === 'log') && logs.lines.some((l: any) => l.kind === 'output'), 'both kinds of line');
  // The same run, the same state: the dashboard's final snapshot says what --format json's last did.
  assert.equal(progress.snapshot.counts, last.counts);
  assert.equal(progress.snapshot.phases.map((p: any) => [p.id, p.status, p.current]), last.phases.map((p: any) => [p.id, p.status, p.current]));
});

test('the schemas refuse what they should (a field they do not know, a wrong type)', () => {
  const check = ajv.getSchema('snapshot.schema.json')!;
  const base = { type: 'snapshot', tMs: 1, status: 'running', elapsedMs: 1, counts: { processed: 0, succeeded: 0, failed: 0, retried: 0, skipped: 0, running: 0 }, phases: [], agents: [], invalidMarkers: 0 };
  assert.ok(check(base), ajv.errorsText(check.errors));
  assert.not.ok(check({ ...base, surprise: 1 }));
  assert.not.ok(check({ ...base, status: 'sleeping' }));
  assert.not.ok(check({ ...base, percent: 101 }));
});

test.run();
