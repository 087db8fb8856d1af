import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configDir, configPath, readConfigFile } from '../../src/config/file.js';
import { loadPrunePolicy } from '../../src/config/load.js';
import { normalizeSetting, resolveRunSettings, type ConfigValues } from '../../src/config/settings.js';
import { ProgError } from '../../src/errors.js';
import { tempDir } from '../helpers/prog.js';

const noConfig = (): ConfigValues => ({});

test('with nothing given, the built-in defaults apply', () => {
  const s = resolveRunSettings({}, {}, noConfig);
  assert.equal(s, {
    format: 'auto',
    progressFd: 3,
    graceMs: 10_000,
    parsers: ['auto'],
    updateIntervalMs: 1000,
    etaWindowMs: undefined,
    sampleIntervalMs: 1000,
    prune: { keepRuns: 1000, keepRunsForMs: 30 * 86_400_000, keepHistory: 10_000 },
    exports: { notifyAfterMs: 30_000 },
    sources: {
      format: 'default', 'progress-fd': 'default', grace: 'default', parser: 'default',
      'update-interval': 'default', 'eta-window': 'default', 'sample-interval': 'default',
      'keep-runs': 'default', 'keep-runs-for': 'default', 'keep-history': 'default', 'keep-history-for': 'default',
      junit: 'default', otlp: 'default', notify: 'default', 'notify-url': 'default', 'notify-after': 'default',
    },
  });
});

test('flag beats env beats config beats default, key by key', () => {
  const config = (): ConfigValues => ({ format: 'json', grace: '1', 'progress-fd': '7', parser: 'make' });
  const env = { PROG_FORMAT: 'plain', PROG_GRACE: '2' };
  const s = resolveRunSettings({ format: 'none' }, env, config);
  assert.is(s.format, 'none');
  assert.is(s.sources.format, 'flag');
  assert.is(s.graceMs, 2000);
  assert.is(s.sources.grace, 'env');
  assert.is(s.progressFd, 7);
  assert.is(s.sources['progress-fd'], 'config');
  assert.equal(s.parsers, ['make']);
  assert.is(s.sources.parser, 'config');
  const d = resolveRunSettings({ grace: 0, 'progress-fd': 'none', parser: ['none'] }, { PROG_PROGRESS_FD: '9' }, noConfig);
  assert.is(d.graceMs, 0);
  assert.is(d.progressFd, null);
  assert.equal(d.parsers, ['none']);
  assert.is(d.format, 'auto');
});

test('the config is not read when flags and the environment cover every key', () => {
  let reads = 0;
  const config = (): ConfigValues => (reads++, {});
  const keep = {
    PROG_KEEP_RUNS: '5', PROG_KEEP_RUNS_FOR: 'all', PROG_KEEP_HISTORY: 'all', PROG_KEEP_HISTORY_FOR: '90d',
    PROG_JUNIT: 'none', PROG_OTLP: 'auto', PROG_NOTIFY: 'off', PROG_NOTIFY_URL: 'none', PROG_NOTIFY_AFTER: '30',
  };
  resolveRunSettings({ format: 'plain', grace: 1, 'progress-fd': '3', parser: ['auto'], 'update-interval': 1, 'eta-window': 'all', 'sample-interval': 'off' }, keep, config);
  assert.is(reads, 0);
  resolveRunSettings({ format: 'plain' }, { ...keep, PROG_GRACE: '1', PROG_PROGRESS_FD: 'none', PROG_PARSER: 'none', PROG_UPDATE_INTERVAL: '2', PROG_ETA_WINDOW: '60', PROG_SAMPLE_INTERVAL: '5' }, config);
  assert.is(reads, 0);
  resolveRunSettings({}, {}, config);
  assert.is(reads, 1, 'read once, however many keys need it');
});

test('an empty environment variable counts as unset', () => {
  const s = resolveRunSettings({}, { PROG_FORMAT: '', PROG_GRACE: '' }, () => ({ format: 'json' }));
  assert.is(s.format, 'json');
  assert.is(s.sources.grace, 'default');
});

test('a bad environment value is a usage error naming the variable, value and what is allowed', () => {
  for (const [name, value, allowed] of [['PROG_FORMAT', 'fancy', 'one of auto'], ['PROG_GRACE', '-1', 'seconds'], ['PROG_PROGRESS_FD', '2', '3 to 255'], ['PROG_PARSER', 'auto,make', 'comma-separated']] as const) {
    try {
      resolveRunSettings({}, { [name]: value }, noConfig);
      assert.unreachable(`${name}=${value} should fail`);
    } catch (error) {
      assert.instance(error, ProgError);
      assert.is((error as ProgError).code, 'USAGE');
      const message = (error as Error).message;
      assert.ok(message.includes(name) && message.includes(`"${value}"`) && message.includes(allowed), message);
    }
  }
});

test('bad flags keep their own messages', () => {
  assert.throws(() => resolveRunSettings({ 'progress-fd': '1' }, {}, noConfig), /--progress-fd must be/);
  assert.throws(() => resolveRunSettings({ grace: Number.NaN }, {}, noConfig), /--grace must be/);
  assert.throws(() => resolveRunSettings({ 'update-interval': 0.05 }, {}, noConfig), /--update-interval must be a number of seconds from 0\.1 to 3600; got "0\.05"/);
  assert.throws(() => resolveRunSettings({ 'eta-window': 'soon' }, {}, noConfig), /--eta-window must be all, or a number of seconds ≥ 1; got "soon"/);
});

test('update-interval and eta-window: seconds to milliseconds; eta-window all is the whole run', () => {
  const s = resolveRunSettings({ 'update-interval': 0.25 }, { PROG_ETA_WINDOW: '90' }, noConfig);
  assert.is(s.updateIntervalMs, 250);
  assert.is(s.etaWindowMs, 90_000);
  assert.equal([s.sources['update-interval'], s.sources['eta-window']], ['flag', 'env']);
  const c = resolveRunSettings({}, {}, () => ({ 'update-interval': '5', 'eta-window': 'all' }));
  assert.is(c.updateIntervalMs, 5000);
  assert.is(c.etaWindowMs, undefined);
  assert.equal([c.sources['update-interval'], c.sources['eta-window']], ['config', 'config']);
});

test('sample-interval: seconds or off; --no-resources is off, and beats the environment', () => {
  assert.is(resolveRunSettings({ 'sample-interval': '0.5' }, {}, noConfig).sampleIntervalMs, 500);
  assert.is(resolveRunSettings({}, { PROG_SAMPLE_INTERVAL: 'off' }, noConfig).sampleIntervalMs, undefined);
  const off = resolveRunSettings({ resources: false }, { PROG_SAMPLE_INTERVAL: '2' }, noConfig);
  assert.equal([off.sampleIntervalMs, off.sources['sample-interval']], [undefined, 'flag']);
  assert.throws(() => resolveRunSettings({ 'sample-interval': '0' }, {}, noConfig), /--sample-interval must be a number of seconds from 0\.1 to 3600, or off; got "0"/);
});

test('values are checked and written in one canonical form', () => {
  assert.is(normalizeSetting('grace', 2.5), '2.5');
  assert.is(normalizeSetting('grace', ' 3 '), '3');
  assert.is(normalizeSetting('grace', 'abc'), undefined);
  assert.is(normalizeSetting('grace', ''), undefined);
  assert.is(normalizeSetting('progress-fd', 255), '255');
  assert.is(normalizeSetting('progress-fd', 256), undefined);
  assert.is(normalizeSetting('progress-fd', 'none'), 'none');
  assert.is(normalizeSetting('format', 'json'), 'json');
  assert.is(normalizeSetting('format', 3), undefined);
  assert.is(normalizeSetting('parser', 'make, ninja'), 'make,ninja');
  assert.is(normalizeSetting('parser', 'none,make'), undefined);
  assert.is(normalizeSetting('parser', ''), undefined);
  assert.is(normalizeSetting('update-interval', 0.1), '0.1');
  assert.is(normalizeSetting('update-interval', '3601'), undefined);
  assert.is(normalizeSetting('eta-window', 'all'), 'all');
  assert.is(normalizeSetting('eta-window', 600), '600');
  assert.is(normalizeSetting('eta-window', '0.5'), undefined);
  assert.is(normalizeSetting('keep-runs', 200), '200');
  assert.is(normalizeSetting('keep-runs', ' all '), 'all');
  for (const bad of [0, '0', '2.5', '-3', 'many', '']) assert.is(normalizeSetting('keep-history', bad), undefined, String(bad));
  assert.is(normalizeSetting('keep-runs-for', '30d'), '30d');
  assert.is(normalizeSetting('keep-runs-for', '1.5 w'), '1.5w');
  for (const bad of [30, '30', '0d', '1y', 'forever']) assert.is(normalizeSetting('keep-history-for', bad), undefined, String(bad));
});

test('keep-* keys become the prune policy: all is no limit, ages in milliseconds', () => {
  const s = resolveRunSettings({}, { PROG_KEEP_RUNS: 'all', PROG_KEEP_HISTORY_FOR: '12h' }, () => ({ 'keep-runs-for': '2w', 'keep-history': '500' }));
  assert.equal(s.prune, { keepRunsForMs: 14 * 86_400_000, keepHistory: 500, keepHistoryForMs: 12 * 3_600_000 });
  assert.throws(() => resolveRunSettings({}, { PROG_KEEP_HISTORY: '0' }, noConfig), /PROG_KEEP_HISTORY: "0" is not allowed for keep-history/);
});

test('loadPrunePolicy: PROG_KEEP_*, then the config file, then the defaults; never throws', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ 'keep-runs': 3, 'keep-history-for': '1d' }));
  assert.equal(loadPrunePolicy({ PROG_CONFIG_DIR: dir, PROG_KEEP_RUNS_FOR: 'all' }), { keepRuns: 3, keepHistory: 10_000, keepHistoryForMs: 86_400_000 });
  assert.is(loadPrunePolicy({ PROG_CONFIG_DIR: dir, PROG_KEEP_RUNS: 'nonsense' }), undefined, 'a bad variable: nothing pruned');
});

test('the config dir is PROG_CONFIG_DIR, else the XDG config dir beside the state dir', () => {
  assert.is(configDir({ PROG_CONFIG_DIR: '/tmp/x' }), '/tmp/x');
  if (process.platform === 'linux') {
    assert.is(configDir({ HOME: '/home/u' }), '/home/u/.config/prog');
    assert.is(configDir({ HOME: '/home/u', XDG_CONFIG_HOME: '/cfg' }), '/cfg/prog');
    assert.is(configDir({ HOME: '/home/u', XDG_CONFIG_HOME: 'relative' }), '/home/u/.config/prog');
  }
  assert.is(configPath({ PROG_CONFIG_DIR: '/tmp/x' }), join('/tmp/x', 'config.json'));
});

test('reading: missing file is no config; corrupt or bad values are reported, never thrown', () => {
  const dir = tempDir();
  const env = { PROG_CONFIG_DIR: dir };
  assert.equal(readConfigFile(env), { path: join(dir, 'config.json'), values: {}, problems: [], corrupt: false });
  writeFileSync(join(dir, 'config.json'), '{"format": "json", "grace": "soon", "other": 1}');
  const read = readConfigFile(env);
  assert.equal(read.values, { format: 'json' });
  assert.is(read.problems.length, 1);
  assert.match(read.problems[0]!, /grace/);
  assert.match(read.problems[0]!, /"soon"/);
  writeFileSync(join(dir, 'config.json'), '{"format": ');
  const corrupt = readConfigFile(env);
  assert.is(corrupt.corrupt, true);
  assert.match(corrupt.problems[0]!, /not valid JSON/);
  writeFileSync(join(dir, 'config.json'), '[1]');
  assert.is(readConfigFile(env).corrupt, true);
  const nested = join(dir, 'as-dir');
  mkdirSync(join(nested, 'config.json'), { recursive: true });
  assert.is(readConfigFile({ PROG_CONFIG_DIR: nested }).corrupt, true);
});

test('a bad webhook or collector URL is named by its scheme and host only: the rest may be a secret', () => {
  for (const [key, name, value] of [
    ['notify-url', 'PROG_NOTIFY_URL', 'hooks.slack.com/services/T0/B0/SECRET'],
    ['notify-url', 'PROG_NOTIFY_URL', 'ftp://user:SECRET@hooks.example/x'],
    ['otlp', 'PROG_OTLP', 'ftp://user:SECRET@collector:4318/v1/traces?key=SECRET'],
  ] as const) {
    for (const run of [() => resolveRunSettings({}, { [name]: value }, noConfig), () => resolveRunSettings({ [key]: value }, {}, noConfig)]) {
      try {
        run();
        assert.unreachable(`${key}=${value} should fail`);
      } catch (error) {
        assert.instance(error, ProgError);
        assert.not.match((error as Error).message, /SECRET/);
        assert.match((error as Error).message, new RegExp(key));
      }
    }
  }
});

test.run();
