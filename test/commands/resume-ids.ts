// $PROG_RESUME_FILE cannot be forged by item ids: a workflow whose ids hold newlines, carriage
// returns, line separators, backslashes, escaped forms of other ids, half surrogate pairs or a
// leading dash is resumed with real `prog run` + `prog resume`, and each id is checked as documented
// (`grep -qxF -e "$id" "$PROG_RESUME_FILE"`, ids with a newline set aside). Every line of the file
// is an id that completed, so an item that never ran is never skipped; an ordinary completed id is.
import { chmodSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runProg, tempDir } from '../helpers/prog.js';
import { runDirs } from '../helpers/runs.js';

/**
 * The documented check: exit 0 means completed, skip it. An id with a newline is never listed, and
 * grep cannot look it up (it takes each line of a pattern as a pattern of its own), so it is run.
 */
const CHECK = `nl='
'
case $1 in
  *"$nl"*) exit 1 ;;
  *) grep -qxF -e "$1" "$PROG_RESUME_FILE" ;;
esac`;

/** The workflow: ids from ids.json; the first run completes those marked so and fails the rest. */
const WORKFLOW = `
const CHECK = ${JSON.stringify(CHECK)};
const { appendFileSync, readFileSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const ids = JSON.parse(readFileSync('ids.json', 'utf8'));
const resumed = process.env.PROG_RESUME_FILE;
// Marker text as a careful workflow writes it: everything outside ASCII as a JSON escape.
const marker = (fields) => process.stdout.write('::prog::' + JSON.stringify(fields).replace(/[\\u007f-\\uffff]/g, (c) => '\\\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) + '\\n');
marker({ type: 'phase', id: 'p', total: ids.length });
for (const { id, completes } of ids) {
  // The documented check, through a real shell: "$1" is the id, byte for byte.
  if (resumed && spawnSync('sh', ['-c', CHECK, 'sh', id]).status === 0) continue;
  appendFileSync('processed-' + process.env.PROG_RUN_ID, JSON.stringify(id) + '\\n');
  marker({ type: resumed || completes ? 'item.done' : 'item.fail', phase: 'p', id, error: 'failed' });
}
process.exitCode = resumed ? 0 : 1;
`;

const LONG = 'L'.repeat(100_000);

/** [id, completes in the first run] */
const IDS: [string, boolean][] = [
  ['plain.txt', true],
  ['x\nb', true], // its two lines would list x and b
  ['b', false],
  ['x', false],
  ['y\nz', false], // grep alone would find it: z is listed
  ['z', true],
  ['c\r', true], // a CRLF reader (Python's universal newlines) would read c
  ['c', false],
  ['d\u2028e', true], // Python's splitlines and JavaScript split here
  ['d', false],
  ['e', false],
  ['\u2028', true],
  ['f\u0085g', true], // NEL, a C1 control
  ['f', false],
  ['tab\there', true],
  ['\ufeffbom', true], // a BOM-aware reader drops the mark
  ['bom', false],
  ['\ud800', true], // half a surrogate pair: as UTF-8 it would be U+FFFD
  ['\ufffd', false],
  ['back\\slash', true], // an ordinary id: listed as it is
  ['back\\\\slash', false],
  ['x\\nb', false], // what a C-style escape of "x\nb" would write
  ['"x\\nb"', false], // what a JSON escape of "x\nb" would write
  ['x\\u000ab', false],
  ['x%0Ab', false],
  ['\\', true],
  ['-e', true], // a pattern that looks like an option: hence grep's -e
  ['--', false],
  [' spaced ', true],
  ['spaced', false],
  [LONG, true],
  [LONG + 'M', false],
  ['9', true],
  ['', true], // no id at all: prog refuses the marker, so it never completes
];

test('hostile ids: every line of $PROG_RESUME_FILE is a completed id; ids that could break a line are left out and run again; nothing that never ran is skipped', async () => {
  const home = tempDir();
  const work = realpathSync(tempDir('prog-resume-ids-'));
  writeFileSync(join(work, 'ids.json'), JSON.stringify(IDS.map(([id, completes]) => ({ id, completes }))));
  writeFileSync(join(work, 'work.js'), WORKFLOW);
  chmodSync(join(work, 'work.js'), 0o755);

  const first = await runProg(['run', '--format', 'none', '--', process.execPath, 'work.js'], { home, cwd: work });
  assert.is(first.code, 1, first.stderr.toString());
  const resumed = await runProg(['resume', 'latest', '--format', 'json'], { home, cwd: tempDir() });
  assert.is(resumed.code, 0, resumed.stderr.toString());
  const dirs = runDirs(home);
  assert.is(dirs.length, 2);
  // Which run is which: the resume event names the run it resumed (ids sort by second, then at random).
  const events = resumed.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
  const resume = events.find((e) => e.type === 'resume');
  const firstId = String(resume?.from);
  const secondDir = dirs.find((d) => !d.endsWith(`/${firstId}`))!;
  const secondId = secondDir.slice(secondDir.lastIndexOf('/') + 1);
  assert.ok(dirs.some((d) => d.endsWith(`/${firstId}`)), `${firstId} among ${dirs.join(', ')}`);
  const processed = (id: string) => readFileSync(join(work, `processed-${id}`), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as string);
  assert.equal(processed(firstId), IDS.map(([id]) => id), 'the first run tried every item');

  const completed = IDS.filter(([id, done]) => done && id !== '').map(([id]) => id);
  const listable = completed.filter((id) => !/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]|[\ud800-\udfff]/.test(id));
  const file = join(secondDir, 'resume.txt');
  const text = readFileSync(file, 'utf8');
  assert.is(text, listable.map((id) => `${id}\n`).join(''), 'the list: the ordinary completed ids, one per line, as they are');
  const lines = text.slice(0, -1).split('\n');
  for (const line of lines) assert.ok(completed.includes(line), `a line that is no completed id: ${JSON.stringify(line.slice(0, 40))}`);

  // The resumed run skipped exactly the ordinary completed ids and ran the rest, hostile ones included.
  assert.equal(processed(secondId), IDS.map(([id]) => id).filter((id) => !listable.includes(id)));
  for (const [id, done] of IDS) {
    if (id.includes('\n')) continue;
    const found = spawnSync('grep', ['-qxF', '-e', id, file]).status === 0;
    assert.is(found, done && listable.includes(id), `grep -qxF -e ${JSON.stringify(id.slice(0, 40))}`);
    if (id === '') assert.not.ok(found, 'no empty line for the empty id to match');
  }
  // Why the check sets ids with a newline aside: grep would take y<newline>z for y or z.
  assert.is(spawnSync('grep', ['-qxF', '-e', 'y\nz', file]).status, 0);

  // The view starts from the listed items only; the others count when they are done again.
  assert.equal([resume?.items, resume?.phases], [listable.length, { p: listable.length }]);
  const summary = events.at(-1)!;
  assert.is(summary.type, 'summary');
  assert.is(summary.counts.succeeded, IDS.length - 1, 'every item done once, none counted twice (the empty id is no item)');
  const unlisted = completed.length - listable.length;
  assert.match(resumed.stderr.toString(), new RegExp(`^prog: warning: ${unlisted} completed items have ids with a newline or another control character: not in \\$PROG_RESUME_FILE, so they run again$`, 'm'));
});

test.run();
