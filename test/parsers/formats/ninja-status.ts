// A NINJA_STATUS of the user's own: prog builds its reader from it (any format with %f and %t),
// and says once why when it cannot, instead of showing nothing.
import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ninjaSpec, statusFormat } from '../../../src/parsers/formats/ninja.js';
import { ndjson, runProg } from '../../helpers/prog.js';
import { buildTools, configure, feed, ofType, removeBuild } from '../../fixtures/cmake-project/harness.js';
import { notLinear } from '../../helpers/time.js';
import { liveTest } from '../../helpers/tools.js';

const read = (format: string, line: string) => {
  const made = statusFormat(format);
  if (!('read' in made)) throw new Error(made.problem);
  return made.read(line);
};

test('formats with %f and %t are read, whatever else they show', () => {
  assert.equal(read('[%p %f/%t %es] ', '[ 45% 3/9 1.234s] Building C object a.o'), { finished: 3, total: 9, description: 'Building C object a.o' });
  assert.equal(read('[%f/%t %o/s] ', '[3/9 12.5/s] Linking x'), { finished: 3, total: 9, description: 'Linking x' });
  assert.equal(read('[%f/%t %o/s] ', '[3/9 ?/s] Linking x'), { finished: 3, total: 9, description: 'Linking x' });
  assert.equal(read('(%r) [%f/%t] ', '(2) [3/9] cc'), { finished: 3, total: 9, running: 2, description: 'cc' });
  assert.equal(read('%t: %f %w ', '9: 3 00:01 cc'), { finished: 3, total: 9, description: 'cc' });
  assert.equal(read('100%% %f/%t ', '100% 3/9 x'), { finished: 3, total: 9, description: 'x' });
  assert.is(read('[%f/%t] ', '[3/9 2] cc'), undefined, 'a line of another format is not read');
  assert.is(read('[%f/%t] ', 'plain text'), undefined);
});

test('formats prog cannot follow say why', () => {
  for (const [format, why] of [['[%f] ', /no %f .* or no %t/], ['[%t] ', /no %f/], ['[%q %f/%t] ', /%q is not a placeholder/], ['x'.repeat(201), /longer than 200/]] as const) {
    const made = statusFormat(format);
    assert.ok('problem' in made && why.test(made.problem), `${format}: ${JSON.stringify(made)}`);
  }
  assert.match(ninjaSpec('[%f] ').problem ?? '', /NINJA_STATUS="\[%f\] " cannot be followed/);
  assert.is(ninjaSpec(undefined).problem, undefined);
  assert.is(ninjaSpec('[%f/%t] ').problem, undefined);
});

test('the parser built for a user format switches on at its lines and counts edges', () => {
  const spec = ninjaSpec('[%p %f/%t %es] ');
  assert.ok(spec.detect.test('[ 33% 1/3 0.012s] Building C object a.o'));
  assert.not.ok(spec.detect.test('[1/3] Building C object a.o'), 'another format is not ninja\'s now');
  assert.ok(spec.detect.test('ninja: no work to do.'));
  const events = feed(spec, ['[ 33% 1/3 0.012s] Building C object a.o', '[ 66% 2/3 0.020s] Building C object b.o', '[100% 3/3 0.031s] Linking C executable app']);
  assert.equal(ofType(events, 'progress').map((e) => [e.current, e.total]), [[1, 3], [2, 3], [3, 3]]);
  assert.equal(ofType(events, 'phase.end').map((e) => e.status), ['ok']);
});

test('the detector of a user format stays linear on hostile lines', () => {
  const spec = ninjaSpec('[%p %f/%t %es %o/s %w] ');
  const line = '[ 45% ' + '1'.repeat(1 << 20);
  const slow = notLinear('detect and parse', line, () => {
    spec.detect.test(line);
    spec.create().line({ stream: 'stdout', raw: line, text: line, eol: '\n' }, () => undefined);
  });
  assert.is(slow, undefined, slow);
});

liveTest(buildTools('Ninja'), 'live: ninja with NINJA_STATUS="[%p %f/%t %es] " under prog: every edge counted, the build ends at total', async () => {
  const build = configure('Ninja');
  try {
    const edges = execFileSync('ninja', ['-C', build, '-t', 'commands', 'all'], { encoding: 'utf8' }).trim().split('\n').length;
    const result = await runProg(['run', '--format', 'json', '--', 'ninja', '-j', '2'], { cwd: build, env: { NINJA_STATUS: '[%p %f/%t %es] ', PROG_PROGRESS_FD: undefined, MAKEFLAGS: undefined } });
    assert.is(result.code, 0, String(result.stderr));
    const events = ndjson(result.stdout);
    const progress = ofType(events, 'progress').filter((e) => e.phase === 'ninja');
    assert.ok(progress.length > 0, 'ninja\'s progress shows');
    assert.equal([progress.at(-1)!.current, progress.at(-1)!.total], [edges, edges]);
    const summary = events.find((e) => e.type === 'summary')!;
    const phase = (summary.phases as { id: string; status: string; total: number }[]).find((p) => p.id === 'ninja')!;
    assert.equal([phase.status, phase.total], ['ok', edges]);
    assert.not.match(String(result.stderr), /prog: warning/);
  } finally {
    removeBuild(build);
  }
});

liveTest(buildTools('Ninja'), 'live: a NINJA_STATUS prog cannot follow gets one warning naming it, and the build runs as without prog', async () => {
  const build = configure('Ninja');
  try {
    const result = await runProg(['run', '--format', 'plain', '--', 'ninja', '-j', '2'], { cwd: build, env: { NINJA_STATUS: '[%f] ', PROG_PROGRESS_FD: undefined, MAKEFLAGS: undefined } });
    assert.is(result.code, 0, String(result.stderr));
    const warnings = String(result.stderr).split('\n').filter((l) => l.startsWith('prog: warning:'));
    assert.equal(warnings.length, 1, String(result.stderr));
    assert.match(warnings[0]!, /NINJA_STATUS="\[%f\] " cannot be followed: .*no %t/);
    assert.match(String(result.stdout), /^\[\d+\] /m, 'ninja printed its own format');
  } finally {
    removeBuild(build);
  }
});

test.run();
