// docs/prog.1 is what `prog man` prints, made from the command table --help is made from: this
// test fails when they differ. Regenerate with  node bin/prog.cjs man > docs/prog.1
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { COMMANDS } from '../../src/commands/cli-spec.js';
import { projectRoot, runProg } from '../helpers/prog.js';
import { liveTest, onPath, type Tool } from '../helpers/tools.js';

const groff: Tool = { name: 'groff', debian: 'groff-base', found: onPath('groff') !== undefined };

async function generated(): Promise<string> {
  const r = await runProg(['man']);
  assert.is(r.code, 0, r.stderr.toString());
  assert.is(r.stderr.toString(), '');
  return r.stdout.toString();
}

test('docs/prog.1 is what prog man prints (else: node bin/prog.cjs man > docs/prog.1)', async () => {
  const page = await generated();
  const file = readFileSync(join(projectRoot, 'docs', 'prog.1'), 'utf8');
  if (file !== page) {
    const a = file.split('\n');
    const b = page.split('\n');
    const at = a.findIndex((line, i) => line !== b[i]);
    assert.unreachable(`docs/prog.1 is out of date (first difference at line ${at + 1}: ${JSON.stringify(a[at])} vs ${JSON.stringify(b[at])}); regenerate it with  node bin/prog.cjs man > docs/prog.1`);
  }
});

test('the page has every command, subcommand and option of the table, with its short form', async () => {
  const page = await generated();
  const dash = (text: string) => text.replace(/-/g, '\\-');
  for (const spec of COMMANDS) {
    assert.ok(page.includes(`.SS "prog ${spec.name}`), `section for ${spec.name}`);
    for (const sub of spec.subcommands ?? []) assert.ok(page.includes(`.SS "prog ${spec.name} ${sub.name}`), `section for ${spec.name} ${sub.name}`);
    for (const [name, option] of Object.entries(spec.options)) {
      assert.ok(page.includes(`\\fB${dash(`--${name}`)}\\fR`), `${spec.name} --${name}`);
      if (option.alias !== undefined) assert.ok(page.includes(`\\fB${dash(`-${option.alias}`)}\\fR, \\fB${dash(`--${name}`)}\\fR`), `${spec.name} -${option.alias}`);
    }
  }
  for (const section of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'COMMANDS', 'EXIT STATUS', 'ENVIRONMENT', 'FILES', 'SEE ALSO']) {
    assert.ok(page.includes(`\n.SH ${section}\n`), section);
  }
});

test('only the requests a man page uses, and no text line that roff would take for one', async () => {
  const page = await generated();
  for (const [i, line] of page.split('\n').entries()) {
    if (/^[.']/.test(line)) assert.match(line, /^\.(TH|SH|SS|TP|PP|br|ad l|nh|\\")( |$)/, `line ${i + 1}: ${line}`);
    // Escapes: fonts, minus, backslash, zero-width, named glyphs.
    for (const escape of line.match(/\\./g) ?? []) assert.ok(['\\f', '\\-', '\\e', '\\&', '\\(', '\\"'].includes(escape), `line ${i + 1}: ${escape} in ${line}`);
  }
});

liveTest([groff], 'groff formats the page without a warning', async () => {
  const page = await generated();
  const r = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z'], { input: page, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, '');
});

test.run();
