// The git parser: its meters on single lines, recordings of real clones and pushes through the real
// binary, a live clone from a local bare repository, and arbitrary input.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { LineEnd, StreamName } from '../../../src/events.js';
import type { Emit } from '../../../src/parsers/format-parser.js';
import { parser } from '../../../src/parsers/formats/git.js';
import { stripAnsi } from '../../../src/lines/ansi.js';
import { fixtures, ndjson, runProg, tempDir } from '../../helpers/prog.js';
import { notLinear } from '../../helpers/time.js';
import { liveTest, tools } from '../../helpers/tools.js';

type Ev = Record<string, unknown>;

function feed(lines: (string | [string, LineEnd, StreamName?])[], end = true): Ev[] {
  const out: Ev[] = [];
  const emit: Emit = (e) => void out.push(e as Ev);
  const p = parser.create();
  for (const l of lines) {
    const [raw, eol, stream] = typeof l === 'string' ? [l, '\n' as LineEnd, 'stderr' as StreamName] : l;
    p.line({ raw, text: stripAnsi(raw), eol, stream: stream ?? 'stderr' }, emit);
  }
  if (end) p.end?.(emit);
  return out;
}
const steps = (evs: Ev[]) => evs.filter((e) => e.type === 'step').map((e) => e.name);
const progress = (evs: Ev[]) => evs.filter((e) => e.type === 'progress').map((e) => `${e.current}/${e.total}`);

test('detect: git meters, local and remote, with and without a total; not look-alikes', () => {
  for (const line of ['Receiving objects:   0% (1/604)', 'remote: Counting objects: 100% (604/604), done.', 'Enumerating objects: 604, done.', 'Updating files:  45% (135/300)', 'Resolving deltas: 100% (300/300), done.']) {
    assert.ok(parser.detect.test(line), line);
  }
  for (const line of ['Error code: 404', 'Downloading:  45% (9/20)', 'Total 604 (delta 300), reused 0 (delta 0)', ' Receiving objects: 5%']) {
    assert.not.ok(parser.detect.test(line), line);
  }
});

test('a meter redrawn with \\r is one step with its n/total; ", done." ends it and the phase ends ok', () => {
  const evs = feed([['Receiving objects:   0% (1/402)', '\r'], ['Receiving objects:  50% (201/402), 400.00 KiB | 800.00 KiB/s', '\r'], ['Receiving objects: 100% (402/402), 822.71 KiB | 34.28 MiB/s, done.', '\n']]);
  assert.equal(evs[0], { type: 'phase', id: 'git', name: 'git' });
  assert.equal(evs[1], { type: 'step', phase: 'git', name: 'Receiving objects', index: 1 });
  assert.equal(progress(evs), ['1/402', '201/402', '402/402']);
  assert.equal((evs[3] as { extra: Ev }).extra, { step: 'Receiving objects', percent: 50, size: '400.00 KiB', rate: '800.00 KiB/s' });
  assert.equal((evs[4] as { extra: Ev }).extra.done, true);
  assert.equal(evs.at(-1), { type: 'phase.end', id: 'git', status: 'ok' });
});

test('remote: meters with trailing blanks or ESC[K are steps named with their remote: prefix', () => {
  const evs = feed([['remote: Counting objects:  50% (2/4)        ', '\r'], ['remote: Compressing objects: 100% (4/4)\x1b[K', '\r'], ['remote: Compressing objects: 100% (4/4), done.\x1b[K', '\r\n']]);
  assert.equal(steps(evs), ['remote: Counting objects', 'remote: Compressing objects']);
  assert.equal(progress(evs), ['2/4', '4/4', '4/4']);
});

test('count-only meters: a step, and their count as n/n once done', () => {
  const evs = feed(['remote: Enumerating objects: 604, done.        ', 'Counting objects: 12', 'Checking connectivity: 604, done.']);
  assert.equal(steps(evs), ['remote: Enumerating objects', 'Counting objects', 'Checking connectivity']);
  assert.equal(progress(evs), ['604/604', '604/604']);
});

test('a redraw with the same numbers is not a new event; other lines in between change nothing', () => {
  const evs = feed([['Receiving objects:  10% (40/402)', '\r'], ['Receiving objects:  10% (40/402)', '\r'], 'remote: Total 604 (delta 300), reused 604 (delta 300), pack-reused 0', 'Delta compression using up to 2 threads', 'Error code: 404, retrying', ['Receiving objects:  20% (81/402)', '\r']], false);
  assert.equal(steps(evs), ['Receiving objects']);
  assert.equal(progress(evs), ['40/402', '81/402']);
});

test('a meter that never finishes leaves the phase for the exit to close', () => {
  const evs = feed([['Receiving objects:  10% (40/402)', '\r'], 'fatal: early EOF']);
  assert.not.ok(evs.some((e) => e.type === 'phase.end'));
});

test('the same title again after ", done." is a new step (a second fetch)', () => {
  const evs = feed(['Receiving objects: 100% (2/2), done.', 'Receiving objects: 100% (3/3), done.']);
  assert.equal(evs.filter((e) => e.type === 'step').map((e) => e.index), [1, 2]);
});

interface GitExpect { steps: string[]; totals: Record<string, number>; phaseStatus: string }

async function replay(name: string): Promise<Ev[]> {
  const r = await runProg(['run', '--format', 'json', '--', process.execPath, join(fixtures, 'replay.js'), join(fixtures, 'git', `${name}.rec`), '--speed', '0']);
  assert.is(r.code, 0, r.stderr.toString());
  return ndjson(r.stdout);
}

/** Checks events against an expect.json: the steps in order, each step's final total, the phase's end. */
function checkAgainst(events: Ev[], expect: GitExpect): void {
  assert.equal(steps(events), expect.steps);
  const finalOf = new Map<string, Ev>();
  for (const e of events) if (e.type === 'progress') finalOf.set((e.extra as Ev).step as string, e);
  for (const [step, total] of Object.entries(expect.totals)) {
    const last = finalOf.get(step);
    assert.ok(last, `no progress for ${step}`);
    assert.equal([last!.current, last!.total], [total, total], step);
  }
  const snapshot = events.filter((e) => e.type === 'snapshot').at(-1) as { phases: { id: string; status: string }[] };
  assert.equal(snapshot.phases.map((p) => [p.id, p.status]), [['git', expect.phaseStatus]]);
}

for (const name of ['clone', 'clone-pty', 'push']) {
  test(`recording ${name}.rec through prog run --format json: the steps and totals of ${name}.expect.json`, async () => {
    const expect = JSON.parse(readFileSync(join(fixtures, 'git', `${name}.expect.json`), 'utf8')) as GitExpect;
    const events = await replay(name);
    checkAgainst(events, expect);
    // Progress within a step never goes back.
    let prev: Ev | undefined;
    for (const e of events.filter((x) => x.type === 'progress')) {
      if (prev && (prev.extra as Ev).step === (e.extra as Ev).step) assert.ok((e.current as number) >= (prev.current as number));
      prev = e;
    }
  });
}

liveTest([tools.git()], 'LIVE: git clone --progress from a local bare repository under prog', async () => {
  const dir = tempDir('prog-git-');
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, stdio: 'pipe' }).toString();
  git('init', '-q', 'src');
  for (let i = 0; i < 150; i++) writeFileSync(join(dir, 'src', `f${i}.txt`), `file ${i}\n`.repeat(50 + i));
  git('-C', 'src', 'add', '.');
  git('-C', 'src', 'commit', '-qm', 'one');
  git('init', '-q', '--bare', 'bare.git');
  git('-C', 'src', 'push', '-q', '../bare.git', 'HEAD:refs/heads/main');
  const objects = Number(/in-pack: (\d+)/.exec(git('-C', 'bare.git', 'count-objects', '-v'))![1]);
  assert.is(objects, 152, '150 blobs, a tree, a commit');
  const r = await runProg(['run', '--format', 'json', '--', 'git', 'clone', '--progress', `file://${join(dir, 'bare.git')}`, join(dir, 'clone')], { cwd: dir });
  assert.is(r.code, 0, r.stderr.toString());
  const events = ndjson(r.stdout);
  assert.ok(steps(events).includes('Receiving objects'), String(steps(events)));
  const received = events.filter((e) => e.type === 'progress' && (e.extra as Ev).step === 'Receiving objects').at(-1)!;
  assert.equal([received.current, received.total], [objects, objects]);
  const snapshot = events.filter((e) => e.type === 'snapshot').at(-1) as { phases: { id: string; status: string }[] };
  assert.equal(snapshot.phases.map((p) => [p.id, p.status]), [['git', 'ok']]);
});

test('property: never throws on arbitrary lines, meter-like or not', () => {
  const piece = fc.oneof(fc.string(), fc.constantFrom('remote: ', 'Receiving objects: ', ' 45% ', '(', '/', ')', ', done.', '\x1b[K', ' | ', '999999999999999999999', '%'));
  fc.assert(fc.property(fc.array(fc.array(piece, { maxLength: 8 }).map((a) => a.join('')), { maxLength: 20 }), (lines) => {
    const p = parser.create();
    for (const raw of lines) p.line({ raw, text: stripAnsi(raw), eol: '\r', stream: 'stderr' }, () => undefined);
    p.end?.(() => undefined);
  }), { numRuns: 500 });
});

test('a 1 MiB pathological line is read in linear time (detect and parse)', () => {
  const lines = [
    'remote: Counting objects: ' + ' '.repeat(1 << 20),
    'Receiving objects: ' + '1'.repeat(1 << 20) + '% (1/2)',
    'Aaaa' + ' a'.repeat(1 << 19) + ': 5',
    'Receiving objects: 100% (1/2)' + ', '.repeat(1 << 19),
  ];
  const slow = lines.map((raw) => notLinear(`${JSON.stringify(raw.slice(0, 20))}…`, raw, () => {
    parser.detect.test(raw);
    parser.create().line({ raw, text: raw, eol: '\n', stream: 'stderr' }, () => undefined);
  })).filter((s) => s !== undefined);
  assert.equal(slow, [], slow.join('\n'));
});

test.run();
