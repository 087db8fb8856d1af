// The command line as people expect it from tail, docker, kubectl and gh: bare `prog` is the help,
// -v the version, `prog help X` is `prog X --help`, mistakes get "did you mean", and every usage
// error is one line of prog's own: `prog: <what is wrong> (see prog <command> --help)`, exit 125.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { COMMANDS, MARKER_TYPES } from '../src/commands/cli-spec.js';
import { formatMarker } from '../src/commands/emit.js';
import { closest, didYouMean, editDistance } from '../src/commands/suggest.js';
import { scanOptions } from '../src/commands/usage.js';
import { ProgError } from '../src/errors.js';
import { ndjson, runProg, tempDir, type ProgResult } from './helpers/prog.js';

const USAGE_LINE = /^prog: \S.* \(see prog( [a-z]+)* --help\)\n$/;
/** yargs' own wording, which must never reach the user. */
const YARGS_WORDS = /Not enough non-option|Unknown argument|Unknown command|Invalid values|Missing required|Did you mean|Too many|non-option arguments|Argument:|Choices:/;

function usageError(r: ProgResult, what: string): string {
  const err = r.stderr.toString();
  assert.is(r.code, 125, `${what}: exit status (stderr: ${err})`);
  assert.is(r.stdout.toString(), '', `${what}: nothing on stdout`);
  assert.match(err, USAGE_LINE, `${what}: ${JSON.stringify(err)}`);
  assert.not.match(err, YARGS_WORDS, `${what}: ${err}`);
  return err;
}

test('bare prog prints the help on stdout and exits 0, as docker, kubectl and gh do', async () => {
  const bare = await runProg([]);
  assert.is(bare.code, 0);
  assert.is(bare.stderr.toString(), '');
  const help = await runProg(['--help']);
  assert.is(bare.stdout.toString(), help.stdout.toString());
  for (const spec of COMMANDS) assert.ok(help.stdout.toString().includes(`prog ${spec.name}`), `the help lists ${spec.name}`);
});

test('prog help is prog --help; prog help run is prog run --help, for every command and subcommand', async () => {
  assert.is((await runProg(['help'])).stdout.toString(), (await runProg(['--help'])).stdout.toString());
  for (const path of [...COMMANDS.map((c) => [c.name]), ['config', 'set'], ['config', 'list']]) {
    const viaHelp = await runProg(['help', ...path]);
    const viaFlag = await runProg([...path, '--help']);
    assert.is(viaHelp.code, 0, path.join(' '));
    assert.is(viaHelp.stdout.toString(), viaFlag.stdout.toString(), `prog help ${path.join(' ')}`);
    assert.ok(viaHelp.stdout.toString().startsWith(path[0] === 'run' ? 'prog run [options]' : path[0] === 'config' && path.length === 1 ? 'prog config' : `prog ${path.join(' ')}`), viaHelp.stdout.toString().slice(0, 80));
  }
  const unknown = usageError(await runProg(['help', 'hist']), 'prog help hist');
  assert.is(unknown, 'prog: unknown command hist; did you mean history? (see prog --help)\n');
});

test('-v, --version and prog -v print the version alone', async () => {
  const version = (await runProg(['--version'])).stdout.toString();
  assert.match(version, /^\d+\.\d+\.\d+\S*\n$/);
  for (const args of [['-v'], ['ls', '--version']]) {
    const r = await runProg(args);
    assert.is(r.code, 0, args.join(' '));
    assert.is(r.stdout.toString(), version, args.join(' '));
  }
});

test('unknown commands and options: one line, did you mean, and where to read more', async () => {
  const cases: [string[], string][] = [
    [['--bogus'], 'prog: unknown option --bogus (see prog --help)\n'],
    [['hist'], 'prog: unknown command hist; did you mean history? (see prog --help)\n'],
    [['lgos', 'latest'], 'prog: unknown command lgos; did you mean logs? (see prog --help)\n'],
    [['frobnicate'], 'prog: unknown command frobnicate (see prog --help)\n'],
    [['ls', '--formt', 'json'], 'prog: unknown option --formt; did you mean --format? (see prog ls --help)\n'],
    [['history', '--formt=json'], 'prog: unknown option --formt; did you mean --format? (see prog history --help)\n'],
    [['logs', 'latest', '--folow'], 'prog: unknown option --folow; did you mean --follow? (see prog logs --help)\n'],
    [['run', '--gracee', '3', '--', 'true'], 'prog: unknown option --gracee; did you mean --grace? (see prog run --help)\n'],
    [['run', '-x', '--', 'true'], 'prog: unknown option -x (see prog run --help)\n'],
    [['config', 'lst'], 'prog: unknown config subcommand lst; did you mean list? (see prog config --help)\n'],
    // The command was meant to be run: say how.
    [['sh', '-c', 'echo hi'], "prog: unknown command sh; to run it: prog run -- sh -c 'echo hi' (see prog --help)\n"],
  ];
  for (const [args, message] of cases) assert.is(usageError(await runProg(args), args.join(' ')), message);
});

test('missing and extra arguments, bad choices: no yargs wording reaches the user', async () => {
  const cases: [string[], string | RegExp][] = [
    [['logs'], 'prog: logs needs a run: its id, a unique prefix of one, or latest (see prog logs --help)\n'],
    [['stop'], /^prog: stop needs a run/],
    [['attach', 'a', 'b'], 'prog: unexpected argument b (see prog attach --help)\n'],
    [['config'], 'prog: config needs a subcommand: get, set, unset, list, path (see prog config --help)\n'],
    [['config', 'set', 'grace'], 'prog: config set needs a value after the key: prog config set grace 30 (see prog config set --help)\n'],
    [['run'], 'prog: no command given: prog run [options] -- <command> [args…] (see prog run --help)\n'],
    [['run', '--format'], /^prog: --format needs a value: one of auto, rich, tui, plain, json, none /],
    [['run', '--format', 'fancy', '--', 'true'], 'prog: --format must be one of auto, rich, tui, plain, json, none; got "fancy" (see prog run --help)\n'],
    [['ls', '--format', 'yaml'], 'prog: --format must be one of text, json; got "yaml" (see prog ls --help)\n'],
    [['logs', 'latest', '--level', 'loud'], /^prog: --level must be one of debug, info, notice, warn, error; got "loud"/],
    [['ls', '--format'], /^prog: --format needs a value/],
    [['completion', 'fish'], 'prog: <shell> must be one of bash, zsh; got "fish" (see prog completion --help)\n'],
    [['parsers', 'extra'], 'prog: unexpected argument extra (see prog parsers --help)\n'],
    [['ls', '--detach'], /^prog: unknown option --detach \(see prog ls --help\)/],
    [['logs', 'latest', '--follow=yes'], /^prog: --follow takes no value; got "--follow=yes"/],
    [['--', 'ls'], /^prog: no command before --: prog run -- <command> runs one/],
  ];
  for (const [args, expected] of cases) {
    const err = usageError(await runProg(args), args.join(' '));
    if (typeof expected === 'string') assert.is(err, expected);
    else assert.match(err, expected);
  }
});

test('numeric values are checked as typed: --grace abc names "abc", not NaN (run fast path, detach and stop)', async () => {
  const cases: [string[], string][] = [
    [['run', '--grace', 'abc', '--', 'true'], 'prog: --grace must be a number of seconds ≥ 0; got "abc" (see prog run --help)\n'],
    [['run', '--grace=-1', 'true'], 'prog: --grace must be a number of seconds ≥ 0; got "-1" (see prog run --help)\n'],
    [['run', '--detach', '--grace', 'soon', '--', 'true'], 'prog: --grace must be a number of seconds ≥ 0; got "soon" (see prog run --help)\n'],
    [['run', '--update-interval', 'abc', '--', 'true'], 'prog: --update-interval must be a number of seconds from 0.1 to 3600; got "abc" (see prog run --help)\n'],
    [['run', '--eta-window', 'soon', '--', 'true'], 'prog: --eta-window must be all, or a number of seconds ≥ 1; got "soon" (see prog run --help)\n'],
    [['run', '--sample-interval', '0', '--', 'true'], 'prog: --sample-interval must be a number of seconds from 0.1 to 3600, or off; got "0" (see prog run --help)\n'],
    [['run', '--progress-fd', '2', '--', 'true'], 'prog: --progress-fd must be a descriptor number from 3 to 255, or none; got "2" (see prog run --help)\n'],
    [['ls', '--limit', 'abc'], 'prog: --limit must be a whole number ≥ 0 (0 lists them all); got "abc" (see prog ls --help)\n'],
    [['ls', '--limit', '-1'], 'prog: --limit must be a whole number ≥ 0 (0 lists them all); got "-1" (see prog ls --help)\n'],
    [['ls', '--limit', '2.5'], 'prog: --limit must be a whole number ≥ 0 (0 lists them all); got "2.5" (see prog ls --help)\n'],
    [['history', '--limit', '0'], 'prog: --limit must be a whole number ≥ 1; got "0" (see prog history --help)\n'],
    [['history', '--limit', 'x'], 'prog: --limit must be a whole number ≥ 1; got "x" (see prog history --help)\n'],
    [['stop', 'latest', '--grace', 'abc'], 'prog: --grace must be a number of seconds ≥ 0; got "abc" (see prog stop --help)\n'],
  ];
  const home = tempDir();
  for (const [args, message] of cases) assert.is(usageError(await runProg(args, { home }), args.join(' ')), message);
  // Nothing was run or recorded.
  assert.is((await runProg(['ls', '--format', 'json'], { home })).stdout.toString(), '');
});

test('good values still pass: ls --limit 0 and 3, run --grace 0.5 and --update-interval 2', async () => {
  const home = tempDir();
  const run = await runProg(['run', '--grace', '0.5', '--update-interval', '2', '--format', 'none', '--', 'echo', 'hi'], { home });
  assert.is(run.code, 0, run.stderr.toString());
  assert.is(run.stdout.toString(), 'hi\n');
  for (const limit of ['0', '3']) {
    const r = await runProg(['ls', '--limit', limit, '--format', 'json'], { home });
    assert.is(r.code, 0, r.stderr.toString());
    assert.is(ndjson(r.stdout).length, 1);
  }
});

test('prog emit: an unknown marker type is a usage error naming the known types; a typo gets did you mean', async () => {
  const bogus = await runProg(['emit', 'bogus']);
  assert.is(bogus.code, 125);
  assert.is(bogus.stdout.toString(), '');
  assert.is(bogus.stderr.toString(), `prog: unknown marker type "bogus": the types are ${MARKER_TYPES.join(', ')} (see prog emit --help)\n`);
  const typo = await runProg(['emit', 'item.don', '--id', 'x']);
  assert.is(typo.code, 125);
  assert.match(typo.stderr.toString(), /^prog: unknown marker type "item\.don"; did you mean item\.done\? The types are workflow, /);
  const ok = await runProg(['emit', 'item.done', '--id', 'x']);
  assert.is(ok.code, 0, ok.stderr.toString());
});

test('every type emit lists is one the marker parser knows (the parser decides what is unknown)', () => {
  for (const type of MARKER_TYPES) {
    try {
      formatMarker(type, { id: 'a', name: 'n', phase: 'p', current: 1, message: 'm' });
    } catch (error) {
      assert.instance(error, ProgError);
      assert.not.match((error as Error).message, /unknown marker type/, type);
    }
  }
  assert.throws(() => formatMarker('item.don', { id: 'a' }), /unknown marker type "item\.don"; did you mean item\.done\?/);
});

test('prog parsers --format json: one object per parser, {name, description, commands, env}, the names of the text list', async () => {
  const json = await runProg(['parsers', '--format', 'json']);
  assert.is(json.code, 0, json.stderr.toString());
  const rows = ndjson(json.stdout);
  assert.ok(rows.length >= 10, `${rows.length} parsers`);
  for (const row of rows) {
    assert.equal(Object.keys(row), ['name', 'description', 'commands', 'env']);
    assert.type(row.name, 'string');
    assert.type(row.description, 'string');
    assert.ok(Array.isArray(row.commands) && (row.commands as unknown[]).every((c) => typeof c === 'string'));
    assert.ok(row.env !== null && typeof row.env === 'object' && !Array.isArray(row.env));
  }
  const ninja = rows.find((r) => r.name === 'ninja')!;
  assert.ok((ninja.commands as string[]).includes('ninja'));
  assert.type((ninja.env as Record<string, string>).NINJA_STATUS, 'string');
  const text = (await runProg(['parsers'])).stdout.toString();
  const names = text.split('\n\n')[0]!.split('\n').map((line) => line.split(' ')[0]);
  assert.equal(rows.map((r) => r.name), names);
});

test('edit distance: a swap of neighbours is one edit; closest prefers what the word begins', () => {
  assert.is(editDistance('logs', 'logs'), 0);
  assert.is(editDistance('lgos', 'logs'), 1);
  assert.is(editDistance('formt', 'format'), 1);
  assert.is(editDistance('', 'abc'), 3);
  assert.is(editDistance('kitten', 'sitting'), 3);
  const commands = COMMANDS.map((c) => c.name);
  assert.equal(closest('hist', commands), ['history']);
  assert.equal(closest('atach', commands), ['attach']);
  assert.equal(closest('xyzzy', commands), []);
  assert.equal(closest('r', commands), [], 'one letter says too little');
  assert.is(didYouMean('re', commands), '; did you mean resume?');
  assert.is(didYouMean('s', ['ls', 'run', 'stop']), '; did you mean ls?');
});

test('the option scan reads a line as yargs does: groups, -n20, --x=v, --no-x, a negative number as a value', () => {
  const options = COMMANDS.find((c) => c.name === 'logs')!.options;
  const scan = (...tokens: string[]) => {
    const { values, positionals } = scanOptions(tokens, options, ['logs']);
    return { values: Object.fromEntries(values), positionals: positionals.map((p) => p.word) };
  };
  assert.equal(scan('latest', '-fn', '20'), { values: { follow: [true], tail: ['20'] }, positionals: ['latest'] });
  assert.equal(scan('-n20', 'x'), { values: { tail: ['20'] }, positionals: ['x'] });
  assert.equal(scan('--tail=5', '--no-follow', '--format', 'json', '--format', 'text'), { values: { tail: ['5'], follow: [false], format: ['text'] }, positionals: [] });
  assert.equal(scan('--follow', 'false', '--', '-x'), { values: { follow: [false] }, positionals: ['-x'] });
  assert.throws(() => scan('--tail', '-3'), /--tail must be a whole number of lines ≥ 0; got "-3"/);
  assert.throws(() => scan('--grep', '--since', '1h'), /--grep needs a value/);
  assert.throws(() => scan('-nx'), /-n takes its value apart: -n VALUE, or --tail=VALUE; got "-nx"/);
});

test.run();
