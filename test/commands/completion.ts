// `prog completion`: yargs' completion script, which bash can source, and which completes
// commands, options, their values and run ids when bash asks (Tab, simulated with COMP_WORDS).
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { progBin, runProg, tempDir, testEnv } from '../helpers/prog.js';
import { sh } from '../helpers/live.js';

async function script(shell: string[]): Promise<string> {
  const r = await runProg(['completion', ...shell], { env: { SHELL: '/bin/bash' } });
  assert.is(r.code, 0, r.stderr.toString());
  assert.is(r.stderr.toString(), '');
  return r.stdout.toString();
}

/** What bash offers for `words` (the last one being completed), with the script sourced. */
function complete(home: string, words: string[]): string[] {
  const source = spawnSync(process.execPath, [progBin, 'completion', 'bash'], { env: testEnv(home), encoding: 'utf8' }).stdout;
  // `prog` is this checkout's: a function the script's $(prog …) calls in its subshell.
  const bash = [
    `prog() { ${sh([process.execPath, progBin])} "$@"; }`,
    source,
    `COMP_WORDS=(${sh(words)})`,
    `COMP_CWORD=${words.length - 1}`,
    '_prog_yargs_completions',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const r = spawnSync('bash', ['-c', bash], { env: testEnv(home), encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter((w) => w !== '');
}

test('prog completion bash is a script bash reads without error, with the line for ~/.bashrc', async () => {
  const text = await script(['bash']);
  assert.match(text, /^###-begin-prog-completions-###/);
  assert.match(text, /complete .* -F _prog_yargs_completions prog\n/);
  const r = spawnSync('bash', ['-n'], { input: text, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  // Without an argument: bash, unless $SHELL is zsh.
  assert.is(await script([]), text);
  const zsh = await runProg(['completion'], { env: { SHELL: '/usr/bin/zsh' } });
  assert.match(zsh.stdout.toString(), /^#compdef prog\n/);
});

test('prog completion zsh is the zsh script', async () => {
  const text = await script(['zsh']);
  assert.match(text, /^#compdef prog\n/);
  assert.match(text, /compdef _prog_yargs_completions prog/);
  assert.match(text, /prog --get-yargs-completions/);
});

test('Tab in bash: commands, subcommands, options of the command, values of a choice, run ids', async () => {
  const home = tempDir();
  assert.equal(complete(home, ['prog', 'lo']), ['logs']);
  assert.equal(complete(home, ['prog', 'config', 'u']), ['unset']);
  assert.equal(complete(home, ['prog', 'logs', 'latest', '--fo']).sort(), ['--follow', '--format']);
  assert.equal(complete(home, ['prog', 'ls', '--format', '']).sort(), ['json', 'text']);
  assert.equal(complete(home, ['prog', 'completion', '']).sort(), ['bash', 'zsh']);
  // A run is asked for: latest, and the ids of the recorded runs, newest first.
  assert.equal(complete(home, ['prog', 'logs', '']), ['latest']);
  const r = await runProg(['run', '--format', 'none', '--', 'true'], { home });
  assert.is(r.code, 0, r.stderr.toString());
  const offered = complete(home, ['prog', 'attach', '']);
  assert.is(offered.length, 2, offered.join(' '));
  assert.is(offered[0], 'latest');
  assert.match(offered[1]!, /^\d{8}-\d{6}-[0-9a-f]+$/);
  assert.equal(complete(home, ['prog', 'stop', offered[1]!.slice(0, 8)]), [offered[1]]);
});

test.run();
