import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runProg, tempDir, type ProgResult } from '../helpers/prog.js';

/** A fresh config dir, and the PROG_* variables of whoever runs the tests cleared. */
function setup(): { dir: string; file: string; prog: (args: string[], env?: Record<string, string>) => Promise<ProgResult> } {
  const dir = tempDir('prog-config-');
  const base = {
    PROG_CONFIG_DIR: dir, PROG_FORMAT: undefined, PROG_GRACE: undefined, PROG_PROGRESS_FD: undefined, PROG_PARSER: undefined,
    PROG_KEEP_RUNS: undefined, PROG_KEEP_RUNS_FOR: undefined, PROG_KEEP_HISTORY: undefined, PROG_KEEP_HISTORY_FOR: undefined,
  };
  return { dir, file: join(dir, 'config.json'), prog: (args, env = {}) => runProg(args, { env: { ...base, ...env } }) };
}

/** Prints the descriptor prog gave the child, so the settings in play can be seen from outside. */
const showFd = [process.execPath, '-e', 'console.log(process.env.PROG_PROGRESS_FD ?? "unset")'];

function listed(r: ProgResult): Record<string, [string, string]> {
  const rows: Record<string, [string, string]> = {};
  for (const line of r.stdout.toString().trim().split('\n')) {
    const [key, value, ...source] = line.split(/\s+/);
    rows[key!] = [value!, source.join(' ')];
  }
  return rows;
}

test('path is PROG_CONFIG_DIR/config.json; nothing is created by asking', async () => {
  const { prog, file } = setup();
  const r = await prog(['config', 'path']);
  assert.is(r.code, 0);
  assert.is(r.stdout.toString(), `${file}\n`);
  assert.not.ok(existsSync(file));
});

test('set, get, list and unset round-trip through the file', async () => {
  const { prog, file } = setup();
  let r = await prog(['config', 'list']);
  assert.is(r.code, 0);
  const rest = {
    'update-interval': ['1', 'default'], 'eta-window': ['all', 'default'], 'sample-interval': ['1', 'default'],
    'keep-runs': ['1000', 'default'], 'keep-runs-for': ['30d', 'default'], 'keep-history': ['10000', 'default'], 'keep-history-for': ['all', 'default'],
    junit: ['none', 'default'], otlp: ['auto', 'default'], notify: ['off', 'default'], 'notify-url': ['none', 'default'], 'notify-after': ['30', 'default'],
  };
  assert.equal(listed(r), { format: ['auto', 'default'], grace: ['10', 'default'], 'progress-fd': ['3', 'default'], parser: ['auto', 'default'], ...rest });
  for (const [key, value] of [['format', 'json'], ['grace', '2.5'], ['progress-fd', 'none'], ['parser', 'make,ninja']]) {
    r = await prog(['config', 'set', key!, value!]);
    assert.is(r.code, 0, r.stderr.toString());
    assert.is(r.stderr.toString(), '');
  }
  assert.equal(JSON.parse(readFileSync(file, 'utf8')), { format: 'json', grace: 2.5, 'progress-fd': 'none', parser: 'make,ninja' });
  r = await prog(['config', 'get', 'grace']);
  assert.is(r.stdout.toString(), '2.5\n');
  r = await prog(['config', 'list']);
  assert.equal(listed(r), { format: ['json', 'config'], grace: ['2.5', 'config'], 'progress-fd': ['none', 'config'], parser: ['make,ninja', 'config'], ...rest });
  r = await prog(['config', 'unset', 'grace']);
  assert.is(r.code, 0);
  r = await prog(['config', 'get', 'grace']);
  assert.is(r.stdout.toString(), '10\n');
  assert.equal(JSON.parse(readFileSync(file, 'utf8')), { format: 'json', 'progress-fd': 'none', parser: 'make,ninja' });
  r = await prog(['config', 'unset', 'grace']);
  assert.is(r.code, 0, 'unsetting a key that is not set is fine');
});

test('list shows where each value comes from: env, config or default', async () => {
  const { prog } = setup();
  await prog(['config', 'set', 'format', 'json']);
  await prog(['config', 'set', 'grace', '4']);
  const r = await prog(['config', 'list'], { PROG_FORMAT: 'plain' });
  assert.equal(listed(r), {
    format: ['plain', 'env PROG_FORMAT'], grace: ['4', 'config'], 'progress-fd': ['3', 'default'], parser: ['auto', 'default'],
    'update-interval': ['1', 'default'], 'eta-window': ['all', 'default'], 'sample-interval': ['1', 'default'],
    'keep-runs': ['1000', 'default'], 'keep-runs-for': ['30d', 'default'], 'keep-history': ['10000', 'default'], 'keep-history-for': ['all', 'default'],
    junit: ['none', 'default'], otlp: ['auto', 'default'], notify: ['off', 'default'], 'notify-url': ['none', 'default'], 'notify-after': ['30', 'default'],
  });
  const json = await prog(['config', 'list', '--format', 'json'], { PROG_ETA_WINDOW: '120' });
  assert.is(json.code, 0);
  const rows = json.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
  assert.equal(rows.map((r) => r.key), [
    'format', 'grace', 'progress-fd', 'parser', 'update-interval', 'eta-window', 'sample-interval',
    'keep-runs', 'keep-runs-for', 'keep-history', 'keep-history-for',
    'junit', 'otlp', 'notify', 'notify-url', 'notify-after',
  ]);
  assert.equal(rows[1], { key: 'grace', value: '4', source: 'config', env: 'PROG_GRACE', default: '10', allowed: 'a number of seconds ≥ 0' });
  assert.equal([rows[5]!.value, rows[5]!.source], ['120', 'env']);
});

test('update-interval and eta-window are stored as numbers, all as text', async () => {
  const { prog, file } = setup();
  assert.is((await prog(['config', 'set', 'update-interval', '0.5'])).code, 0);
  assert.is((await prog(['config', 'set', 'eta-window', 'all'])).code, 0);
  assert.equal(JSON.parse(readFileSync(file, 'utf8')), { 'update-interval': 0.5, 'eta-window': 'all' });
  assert.is((await prog(['config', 'get', 'update-interval'])).stdout.toString(), '0.5\n');
});

test('bad values and keys: exit 125, a message naming key, value and what is allowed, nothing written', async () => {
  const { prog, file } = setup();
  await prog(['config', 'set', 'grace', '3']);
  const before = readFileSync(file, 'utf8');
  for (const [key, value, allowed] of [['format', 'fancy', 'one of auto, rich, tui, plain, json, none'], ['grace', '-1', 'seconds ≥ 0'], ['grace', 'soon', 'seconds ≥ 0'], ['progress-fd', '2', '3 to 255, or none'], ['parser', 'bogus', 'unknown parser bogus'], ['parser', 'auto,make', 'comma-separated']]) {
    const r = await prog(['config', 'set', key!, value!]);
    assert.is(r.code, 125, `set ${key} ${value}`);
    const err = r.stderr.toString();
    assert.ok(err.startsWith('prog: ') && err.includes(key!) && err.includes(value!) && err.includes(allowed!), err);
    assert.is(readFileSync(file, 'utf8'), before);
  }
  for (const args of [['config', 'set', 'colour', 'red'], ['config', 'get', 'colour'], ['config', 'unset', 'colour']]) {
    const r = await prog(args);
    assert.is(r.code, 125);
    assert.match(r.stderr.toString(), /unknown config key "colour"; keys: format/);
  }
  assert.is(readFileSync(file, 'utf8'), before);
  const none = await prog(['config']);
  assert.is(none.code, 125);
});

test('precedence in prog run: flag beats env beats config beats default', async () => {
  const { prog } = setup();
  // default: plain (stdout is a pipe), descriptor 3
  let r = await prog(['run', '--', ...showFd]);
  assert.is(r.code, 0);
  assert.is(r.stdout.toString(), '3\n');
  assert.match(r.stderr.toString(), /\[prog\] finished ok/);
  // config
  await prog(['config', 'set', 'format', 'json']);
  await prog(['config', 'set', 'progress-fd', '5']);
  r = await prog(['run', '--', ...showFd]);
  const events = r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as { type: string; line?: string });
  assert.equal(events.filter((e) => e.type === 'output').map((e) => e.line), ['5']);
  // env beats config
  r = await prog(['run', '--', ...showFd], { PROG_FORMAT: 'none', PROG_PROGRESS_FD: 'none' });
  assert.is(r.stdout.toString(), 'unset\n');
  assert.is(r.stderr.toString(), '');
  // flag beats env, on the quick path and the yargs path (--format=… form and -f alias)
  for (const flags of [['--format', 'plain', '--progress-fd', '4'], ['--format=plain', '--progress-fd=4'], ['-f', 'plain', '--progress-fd', '4']]) {
    r = await prog(['run', ...flags, '--', ...showFd], { PROG_FORMAT: 'none', PROG_PROGRESS_FD: 'none' });
    assert.is(r.stdout.toString(), '4\n', flags.join(' '));
    assert.match(r.stderr.toString(), /\[prog\] finished ok/);
  }
});

test('a bad PROG_* value stops prog run with exit 125 before the command starts', async () => {
  const { prog, dir } = setup();
  const marker = join(dir, 'ran');
  const r = await prog(['run', '--', process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, '')`], { PROG_GRACE: 'soon' });
  assert.is(r.code, 125);
  assert.match(r.stderr.toString(), /PROG_GRACE: "soon" is not allowed for grace; expected a number of seconds ≥ 0/);
  assert.not.ok(existsSync(marker));
  const flagWins = await prog(['run', '--grace', '1', '--format', 'none', '--', 'true'], { PROG_GRACE: 'soon' });
  assert.is(flagWins.code, 0, 'a flag covers the key, so the variable is not consulted');
});

test('a corrupt config file: a clear warning, defaults used, the child exit status unchanged', async () => {
  const { prog, file } = setup();
  writeFileSync(file, '{"format": "json",');
  const r = await prog(['run', '--', process.execPath, '-e', 'console.log("out"); process.exit(3)']);
  assert.is(r.code, 3);
  assert.is(r.stdout.toString(), 'out\n', 'plain, the default, not json');
  assert.match(r.stderr.toString(), /prog: warning: config file .*config\.json is not valid JSON .*; using defaults/);
  const list = await prog(['config', 'list']);
  assert.is(list.code, 0);
  assert.is(listed(list).format![1], 'default');
  assert.match(list.stderr.toString(), /not valid JSON/);
  const set = await prog(['config', 'set', 'grace', '1']);
  assert.is(set.code, 125, 'prog does not overwrite a file it cannot read');
  assert.match(set.stderr.toString(), /fix or delete it/);
  assert.is(readFileSync(file, 'utf8'), '{"format": "json",');
});

test('a bad value in the file is warned about and skipped; the other values still apply', async () => {
  const { prog, file } = setup();
  writeFileSync(file, JSON.stringify({ format: 'none', grace: 'soon' }));
  const r = await prog(['run', '--', process.execPath, '-e', 'process.exit(2)']);
  assert.is(r.code, 2);
  assert.is(r.stdout.toString(), '');
  assert.match(r.stderr.toString(), /prog: warning: config file .*: "soon" is not allowed for grace; expected a number of seconds ≥ 0; using the default/);
  assert.not.match(r.stderr.toString(), /\[prog\]/, 'format none from the file still applies');
});

test('rich from env or config falls back to plain in a pipe; --format rich still refuses', async () => {
  const { prog } = setup();
  const r = await prog(['run', '--', 'true'], { PROG_FORMAT: 'rich' });
  assert.is(r.code, 0);
  assert.match(r.stderr.toString(), /\[prog\] finished ok/);
  const flag = await prog(['run', '--format', 'rich', '--', 'true']);
  assert.is(flag.code, 125);
});

test('the config is not read when flags and PROG_KEEP_* cover every key', async () => {
  const { prog, file } = setup();
  writeFileSync(file, 'not json');
  const keep = { PROG_KEEP_RUNS: 'all', PROG_KEEP_RUNS_FOR: 'all', PROG_KEEP_HISTORY: 'all', PROG_KEEP_HISTORY_FOR: 'all' };
  const flags = ['--format', 'none', '--grace', '1', '--progress-fd', '3', '--parser', 'auto', '--update-interval', '1', '--eta-window', 'all', '--no-resources'];
  const exporters = ['--junit', 'none', '--otlp', 'off', '--no-notify', '--notify-url', 'none', '--notify-after', '30'];
  const r = await prog(['run', ...flags, ...exporters, '--', 'true'], keep);
  assert.is(r.code, 0);
  assert.is(r.stderr.toString(), '');
});

test('keep-* keys: counts and ages or all, checked on set, stored as numbers or text, a bad PROG_KEEP_* stops prog run', async () => {
  const { prog, file } = setup();
  for (const [key, value] of [['keep-runs', '50'], ['keep-runs-for', '7d'], ['keep-history', 'all'], ['keep-history-for', '52w']]) {
    const r = await prog(['config', 'set', key!, value!]);
    assert.is(r.code, 0, r.stderr.toString());
  }
  assert.equal(JSON.parse(readFileSync(file, 'utf8')), { 'keep-runs': 50, 'keep-runs-for': '7d', 'keep-history': 'all', 'keep-history-for': '52w' });
  const list = listed(await prog(['config', 'list'], { PROG_KEEP_RUNS: '20' }));
  assert.equal([list['keep-runs'], list['keep-runs-for'], list['keep-history']], [['20', 'env PROG_KEEP_RUNS'], ['7d', 'config'], ['all', 'config']]);
  for (const [key, value] of [['keep-runs', '0'], ['keep-runs', '1.5'], ['keep-runs-for', '30'], ['keep-runs-for', '0d'], ['keep-history', '-1'], ['keep-history-for', '1y']]) {
    const r = await prog(['config', 'set', key!, value!]);
    assert.is(r.code, 125, `set ${key} ${value}`);
    assert.ok(r.stderr.toString().includes(key!), r.stderr.toString());
  }
  const bad = await prog(['run', '--format', 'none', '--', 'true'], { PROG_KEEP_RUNS_FOR: 'forever' });
  assert.is(bad.code, 125);
  assert.match(bad.stderr.toString(), /PROG_KEEP_RUNS_FOR: "forever" is not allowed for keep-runs-for; expected an age/);
  const help = await prog(['config', '--help']);
  assert.match(help.stdout.toString(), /keep-runs-for\s+an age such as 12h, 30d or 8w \(older run directories go\), or all; default 30d;\s+\$PROG_KEEP_RUNS_FOR/);
});

test.run();
