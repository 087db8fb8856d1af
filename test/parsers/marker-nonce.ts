// Strict markers (prog run --marker-nonce): `::prog:NONCE::{…}` with the run's nonce is a marker;
// a marker without it, or with another, is output. Unit tests of the parser and the byte-level
// verdict, then the whole run with a command that echoes untrusted text.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test as uvuTest } from 'uvu';
import * as assert from 'uvu/assert';
import { markerVerdict, parseMarker } from '../../src/parsers/marker.js';
import { formatMarker } from '../../src/commands/emit.js';
import { clean, recordedRun, startProg } from '../helpers/live.js';
import { progBin, tempDir } from '../helpers/prog.js';

const test = (name: string, fn: () => void | Promise<void>) => uvuTest(name, clean(async () => fn()));

const NONCE = '0123456789abcdef0123456789abcdef';
const PHASE = '{"type":"phase","id":"p"}';
const verdict = (line: string) => markerVerdict(Buffer.from(line), 0, Buffer.byteLength(line));

test('strict: only the run\'s nonce makes a marker; no nonce, another one or a near miss is refused with a reason', () => {
  assert.ok(parseMarker(`::prog:${NONCE}::${PHASE}`, { nonce: NONCE }).ok);
  const refused = [`::prog::${PHASE}`, `::prog:${NONCE.slice(1)}::${PHASE}`, `::prog:${NONCE}x::${PHASE}`, `::prog:${NONCE.toUpperCase()}::${PHASE}`, `::prog:${NONCE}:${PHASE}`];
  for (const line of refused) {
    const result = parseMarker(line, { nonce: NONCE });
    assert.is(result.ok, false, line);
    if (!result.ok) assert.match(result.reason, /nonce|does not start/, line);
  }
});

test('not strict: a marker with any well-formed nonce is a marker, as is one without', () => {
  assert.ok(parseMarker(`::prog:${NONCE}::${PHASE}`).ok);
  assert.ok(parseMarker(`::prog:anything_-9::${PHASE}`).ok);
  assert.ok(parseMarker(`::prog::${PHASE}`).ok);
  assert.is(parseMarker(`::prog:bad nonce::${PHASE}`).ok, false);
  assert.is(parseMarker(`::prog:${'a'.repeat(65)}::${PHASE}`).ok, false, 'a nonce is at most 64 characters');
});

test('the byte-level verdict holds both forms and lets the rest through at once', () => {
  assert.is(verdict(`::prog:${NONCE}::${PHASE}`), 'yes');
  assert.is(verdict(`\x1b[32m  ::prog:${NONCE}::${PHASE}`), 'yes');
  assert.is(verdict(`::prog::${PHASE}`), 'yes');
  for (let end = 1; end < `::prog:${NONCE}::`.length; end++) assert.is(verdict(`::prog:${NONCE}::`.slice(0, end)), 'maybe', `prefix of ${end}`);
  assert.is(verdict(`::prog:${NONCE} ::${PHASE}`), 'no');
  assert.is(verdict(`::prog:${'a'.repeat(65)}::`), 'no');
  assert.is(verdict('::prog:a:b'), 'no');
});

test('prog emit: the strict form with a nonce, the plain one without', () => {
  assert.is(formatMarker('phase', { id: 'p' }, NONCE), `::prog:${NONCE}::{"type":"phase","id":"p"}\n`);
  assert.is(formatMarker('phase', { id: 'p' }), '::prog::{"type":"phase","id":"p"}\n');
});

// The command echoes "untrusted" text (a server log that contains markers) and marks its own
// progress with the nonce; the progress descriptor needs none.
const SCRIPT = [
  'set -e',
  // Untrusted text: a marker without a nonce, one with a guessed nonce, one with the prefix split by colour.
  `echo '::prog::{"type":"phase","id":"spoofed","total":1000}'`,
  `echo '::prog:00000000000000000000000000000000::{"type":"item.fail","phase":"real","id":"forged"}'`,
  // Its own markers: on stdout with the nonce, by prog emit --stdout, and on the progress descriptor.
  `echo "::prog:$PROG_MARKER_NONCE::{\\"type\\":\\"phase\\",\\"id\\":\\"real\\",\\"total\\":3}"`,
  `"${process.execPath}" "${progBin}" emit item.done --phase real --id a --stdout`,
  `echo '{"type":"item.done","phase":"real","id":"b"}' >&3`,
  `"${process.execPath}" "${progBin}" emit item.done --phase real --id c`,
  `echo "nonce-length=\${#PROG_MARKER_NONCE}"`,
  `printf %s "$PROG_MARKER_NONCE" >"$NONCE_FILE"`,
].join('\n');

test('prog run --marker-nonce: spoofed markers are output and change nothing; the run\'s own count', async () => {
  const nonceFile = join(tempDir('prog-nonce-'), 'nonce');
  const live = startProg(['run', '--format', 'plain', '--marker-nonce', '--', 'bash', '-c', SCRIPT], { env: { NONCE_FILE: nonceFile } });
  const end = await live.waitExit(30_000);
  assert.equal([end.code, end.signal], [0, null], live.transcript());
  // The spoofed lines reach the user as the command printed them; its own markers do not.
  assert.match(live.stdout(), /^::prog::\{"type":"phase","id":"spoofed","total":1000\}$/m);
  assert.match(live.stdout(), /^::prog:0{32}::\{"type":"item.fail"/m);
  assert.not.match(live.stdout(), /"id":"real"|"id":"a"/);
  assert.match(live.stdout(), /^nonce-length=32$/m);
  // One warning for the refused lines.
  assert.is(live.stderr().split('\n').filter((l) => l.startsWith('prog: warning:')).length, 1, live.stderr());
  const { dir, events } = recordedRun(live.home);
  assert.equal(events.filter((e) => e.type === 'phase').map((e) => e.id), ['real']);
  assert.equal(events.filter((e) => e.type === 'item.done').map((e) => e.id), ['a', 'b', 'c']);
  assert.is(events.filter((e) => e.type === 'item.fail').length, 0);
  assert.is(events.filter((e) => e.type === 'marker.invalid').length, 2);
  // The secret is the run's alone: it is in neither the record nor the events.
  const nonce = readFileSync(nonceFile, 'utf8');
  assert.match(nonce, /^[0-9a-f]{32}$/);
  for (const file of ['run.json', 'events.ndjson']) assert.not.ok(readFileSync(join(dir, file), 'utf8').includes(nonce), file);
});

test('without --marker-nonce the command gets no PROG_MARKER_NONCE, not even an outer prog\'s', async () => {
  const live = startProg(['run', '--format', 'none', '--', 'sh', '-c', 'echo "[${PROG_MARKER_NONCE-unset}]"'], { env: { PROG_MARKER_NONCE: 'outer' } });
  const end = await live.waitExit(30_000);
  assert.equal([end.code, end.signal], [0, null], live.transcript());
  assert.is(live.stdout(), '[unset]\n');
});

test('each strict run has its own nonce', async () => {
  const nonces: string[] = [];
  for (let i = 0; i < 2; i++) {
    const live = startProg(['run', '--format', 'none', '--marker-nonce', '--', 'sh', '-c', 'echo "$PROG_MARKER_NONCE"']);
    const end = await live.waitExit(30_000);
    assert.equal([end.code, end.signal], [0, null], live.transcript());
    nonces.push(live.stdout().trim());
  }
  for (const nonce of nonces) assert.match(nonce, /^[0-9a-f]{32}$/);
  assert.is.not(nonces[0], nonces[1]);
});

test('prog resume of a strict run is strict too, with a new nonce', async () => {
  const first = startProg(['run', '--format', 'none', '--marker-nonce', '--', 'sh', '-c', 'echo "$PROG_MARKER_NONCE"; exit 1']);
  assert.equal((await first.waitExit(30_000)).code, 1, first.transcript());
  assert.is(recordedRun(first.home).run.markerNonce, true);
  const resumed = startProg(['resume', '--format', 'none', 'latest'], { home: first.home });
  assert.equal((await resumed.waitExit(30_000)).code, 1, resumed.transcript());
  const [a, b] = [first.stdout().trim(), resumed.stdout().trim()];
  assert.match(b, /^[0-9a-f]{32}$/, resumed.transcript());
  assert.is.not(a, b);
});

uvuTest.run();
