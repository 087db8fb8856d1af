// Fields from the command, as prog prints them in its own lines: escaped, and cut with a count.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { clip, NAME_MAX, TEXT_MAX } from '../../src/display/clip.js';
import { runProg } from '../helpers/prog.js';

test('short text is only escaped; long text is cut with the number of characters left out', () => {
  assert.is(clip('build \x1b[2J'), 'build \\x1b[2J');
  assert.is(clip('x'.repeat(NAME_MAX)), 'x'.repeat(NAME_MAX));
  assert.is(clip('x'.repeat(NAME_MAX + 5)), `${'x'.repeat(NAME_MAX)}… (5 more characters)`);
  assert.is(clip('y'.repeat(5000), TEXT_MAX), `${'y'.repeat(TEXT_MAX)}… (4000 more characters)`);
});

test('a cut never splits a surrogate pair, and escapes in the kept part stay escaped', () => {
  const text = 'a'.repeat(NAME_MAX - 1) + '😀' + 'b'.repeat(10);
  const out = clip(text);
  assert.ok(out.startsWith('a'.repeat(NAME_MAX - 1) + '…'), out.slice(NAME_MAX - 5));
  assert.not.match(out, /[\ud800-\udbff](?![\udc00-\udfff])/);
  assert.match(clip('\x07'.repeat(300)), /^(\\x07){200}… \(100 more characters\)$/);
});

test('prog run, plain: a 900 KB phase name and a 500 KB error cost a few lines, in the live lines and the summary', async () => {
  const script = `const n='N'.repeat(900000);
console.log('::prog::'+JSON.stringify({type:'phase',id:'p',name:n,total:1}));
console.log('::prog::'+JSON.stringify({type:'item.fail',phase:'p',id:'i'.repeat(300000),error:'E'.repeat(500000)}));
console.log('::prog::'+JSON.stringify({type:'phase.end',id:'p',status:'failed'}));`;
  const r = await runProg(['run', '--format', 'plain', '--', process.execPath, '-e', script]);
  assert.is(r.code, 0, String(r.stderr).slice(0, 3000));
  const err = String(r.stderr);
  assert.ok(err.length < 20_000, `prog printed ${err.length} characters`);
  assert.match(err, /N{200}… \(899800 more characters\)/);
  assert.match(err, /i{200}… \(299800 more characters\)/);
  assert.match(err, /E{1000}… \(499000 more characters\)/);
  assert.match(err, /\[prog\] finished ok/);
});

test.run();
