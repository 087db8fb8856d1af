// Markers and odd bytes through the real binary: what a user of `prog run` sees and gets in JSON.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ndjson, runProg, type ProgResult, type RunOptions } from '../helpers/prog.js';

const MiB = 1024 * 1024;

/** prog run with the given flags around a child; PROG_PROGRESS_FD from the test's own env never leaks in. */
function prog(flags: string[], command: string[], options: RunOptions = {}): Promise<ProgResult> {
  return runProg(['run', ...flags, '--', ...command], { ...options, env: { PROG_PROGRESS_FD: undefined, ...options.env } });
}

/** A child that prints $1 on stdout and $2 on stderr, byte for byte. */
const printBoth = (out: string, err: string) => ['sh', '-c', 'printf %s "$1"; printf %s "$2" >&2', 'sh', out, err];

/** The child's own stderr lines: prog's `[prog] …` and `prog: …` lines taken out. */
const childLines = (stderr: Buffer) => stderr.toString().split('\n').filter((l) => l !== '' && !l.startsWith('[prog]') && !l.startsWith('prog: '));

const events = (r: ProgResult) => ndjson(r.stdout);
const ofType = (r: ProgResult, type: string) => events(r).filter((e) => e.type === type);

const WORKFLOW = '::prog::{"type":"workflow","name":"nightly"}';
const PHASE = '\x1b[32m::prog::{"type":"phase","id":"build","name":"Build","total":2}\x1b[0m';
const ITEM = '  ::prog::{"type":"item.done","phase":"build","id":"lib.o"}';

test('markers on stdout and stderr are consumed in --format plain: only the other lines are printed', async () => {
  const r = await prog(['--format', 'plain'], printBoth(`before\n${WORKFLOW}\n${PHASE}\r\nafter\n`, `err1\n${ITEM}\nerr2\n`));
  assert.is(r.code, 0);
  assert.is(r.stdout.toString(), 'before\nafter\n');
  assert.not.match(r.stderr.toString(), /::prog::/);
  assert.equal(childLines(r.stderr), ['err1', 'err2']);
  assert.match(r.stderr.toString(), /\[prog\] workflow nightly/, 'the markers did drive prog');
  assert.match(r.stderr.toString(), /\[prog\].*Build/);
});

test('markers on stdout and stderr become events in --format json, the other lines output events', async () => {
  const r = await prog(['--format', 'json'], printBoth(`before\n${WORKFLOW}\n${PHASE}\r\nafter\n`, `${ITEM}\n`));
  assert.is(r.code, 0);
  assert.equal(ofType(r, 'workflow').map((e) => e.name), ['nightly']);
  assert.equal(ofType(r, 'phase').map((e) => [e.id, e.name, e.total]), [['build', 'Build', 2]]);
  assert.equal(ofType(r, 'item.done').map((e) => e.id), ['lib.o']);
  assert.equal(ofType(r, 'output').map((e) => [e.stream, e.line, e.eol]), [['stdout', 'before', '\n'], ['stdout', 'after', '\n']]);
  assert.equal(ofType(r, 'marker.invalid'), []);
});

test('invalid markers are printed unchanged, with exactly one prog: warning for three of them', async () => {
  const bad = '::prog::{bad\n::prog::{"type":"progress","phase":"p","current":-1}\nok line\n\x1b[31m::prog::[]\x1b[0m\n';
  const r = await prog(['--format', 'plain'], ['cat'], { input: bad });
  assert.is(r.code, 0, r.stderr.toString());
  assert.is(r.stdout.toString(), bad, `stderr: ${r.stderr.toString()}`);
  const warnings = r.stderr.toString().split('\n').filter((l) => l.startsWith('prog: warning:') && l.includes('::prog::'));
  assert.is(warnings.length, 1, r.stderr.toString());
});

test('invalid markers are reported in --format json with a reason each, and their lines kept as output', async () => {
  const r = await prog(['--format', 'json'], ['cat'], { input: '::prog::{bad\n::prog::{"type":"item.done"}\n' });
  assert.equal(ofType(r, 'marker.invalid').map((e) => [e.channel, e.reason]), [
    ['stdout', 'is not valid JSON after ::prog::'],
    ['stdout', 'item.done: "id" is required'],
  ]);
  assert.equal(ofType(r, 'output').map((e) => e.line), ['::prog::{bad', '::prog::{"type":"item.done"}']);
});

test('a marker the child writes in two pieces, with a pause between, is still consumed', async () => {
  const split = ['sh', '-c', 'printf %s "$1"; sleep 0.2; printf "%s\\n" "$2"; echo after', 'sh', '::pr', 'og::{"type":"workflow","name":"split"}'];
  const plain = await prog(['--format', 'plain'], split);
  assert.is(plain.stdout.toString(), 'after\n');
  const json = await prog(['--format', 'json'], split);
  assert.equal(ofType(json, 'workflow').map((e) => e.name), ['split']);
});

const FD_LINES = '::prog::{"type":"phase","id":"p","total":2}\n{"type":"item.done","phase":"p","id":"a"}\n\n{"type":"workflow","name":"w"}';

test('markers and bare JSON written to fd 3 become events in --format json and are never printed', async () => {
  const r = await prog(['--format', 'json'], ['sh', '-c', 'cat >&3'], { input: FD_LINES });
  assert.is(r.code, 0);
  assert.equal(ofType(r, 'phase').map((e) => [e.id, e.total]), [['p', 2]]);
  assert.equal(ofType(r, 'item.done').map((e) => e.id), ['a']);
  assert.equal(ofType(r, 'workflow').map((e) => e.name), ['w'], 'a last line without a line end counts');
  assert.equal(ofType(r, 'output'), []);
  assert.equal(ofType(r, 'marker.invalid'), []);
  assert.is(r.stderr.toString(), '');
});

test('markers written to fd 3 are never printed in --format plain, valid or not', async () => {
  const r = await prog(['--format', 'plain'], ['sh', '-c', 'cat >&3'], { input: FD_LINES + '\nnot json\n::prog::{bad\n' });
  assert.is(r.code, 0);
  assert.is(r.stdout.length, 0);
  const stderr = r.stderr.toString();
  assert.not.match(stderr, /::prog::\{|"type"|not json/);
  assert.is(stderr.split('\n').filter((l) => l.startsWith('prog: warning:') && l.includes('::prog::')).length, 1, stderr);
});

test('--progress-fd 5 puts PROG_PROGRESS_FD=5 in the child, and fd 5 carries markers', async () => {
  const r = await prog(['--format', 'json', '--progress-fd', '5'], ['sh', '-c', 'echo "fd=$PROG_PROGRESS_FD"; printf "%s\\n" "$1" >&5', 'sh', '{"type":"workflow","name":"five"}']);
  assert.is(r.code, 0);
  assert.equal(ofType(r, 'output').map((e) => e.line), ['fd=5']);
  assert.equal(ofType(r, 'workflow').map((e) => e.name), ['five']);
});

test('by default the child gets PROG_PROGRESS_FD=3', async () => {
  const r = await prog(['--format', 'plain'], ['sh', '-c', 'echo "fd=$PROG_PROGRESS_FD"']);
  assert.is(r.stdout.toString(), 'fd=3\n');
});

test('--progress-fd none leaves PROG_PROGRESS_FD unset and fd 3 closed in the child', async () => {
  const r = await prog(['--format', 'plain', '--progress-fd', 'none'], ['sh', '-c', 'echo "fd=${PROG_PROGRESS_FD-unset}"; if (: >&3) 2>/dev/null; then echo fd3=open; else echo fd3=closed; fi']);
  assert.is(r.code, 0);
  assert.is(r.stdout.toString(), 'fd=unset\nfd3=closed\n');
});

/** Deterministic bytes of every value (xorshift32), so a failure can be reproduced. */
function randomBytes(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

test('a 3 MiB line without a newline passes through --format plain byte for byte', async () => {
  const input = Buffer.alloc(3 * MiB, 'x');
  const r = await prog(['--format', 'plain'], ['cat'], { input });
  assert.is(r.code, 0);
  assert.ok(r.stdout.equals(input), `got ${r.stdout.length} bytes`);
});

test('a 3 MiB line that starts like a marker passes through whole, with a warning that it is too long', async () => {
  const input = Buffer.concat([Buffer.from('::prog::{"type":"log","message":"'), Buffer.alloc(3 * MiB, 'y'), Buffer.from('"}\nafter\n')]);
  const r = await prog(['--format', 'plain'], ['cat'], { input });
  assert.ok(r.stdout.equals(input), `got ${r.stdout.length} of ${input.length} bytes`);
  assert.match(r.stderr.toString(), /prog: warning: .*longer than 1 MiB/);
});

test('random binary bytes, NUL and invalid UTF-8 pass through --format plain byte for byte', async () => {
  const input = Buffer.concat([
    randomBytes(512 * 1024, 0x9e3779b9),
    Buffer.from([0x00, 0x00, 0x0a, 0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0xf0, 0x9f, 0x98, 0x0d]),
    randomBytes(64 * 1024, 12345),
  ]);
  assert.is(input.includes('::prog::'), false, 'no marker by chance');
  const r = await prog(['--format', 'plain'], ['cat'], { input });
  assert.is(r.code, 0);
  assert.ok(r.stdout.equals(input), `got ${r.stdout.length} of ${input.length} bytes`);
  // On stderr too.
  const e = await prog(['--format', 'plain'], ['sh', '-c', 'cat >&2'], { input });
  // prog's first line (the run's id) comes before the child writes; then the bytes, whole.
  const first = e.stderr.indexOf(0x0a) + 1;
  assert.match(e.stderr.subarray(0, first).toString(), /^\[prog\] run \d{8}-\d{6}-[0-9a-f]+ · prog attach /);
  assert.ok(e.stderr.subarray(first, first + input.length).equals(input));
  assert.match(e.stderr.subarray(first + input.length).toString(), /^\n?\[prog\] /, 'only prog\'s own lines follow');
});

test('in --format json a line of invalid UTF-8 has base64 that decodes to its exact bytes', async () => {
  const line = Buffer.from([0x66, 0x6f, 0xff, 0xfe, 0x00, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0xe2, 0x82]);
  const r = await prog(['--format', 'json'], ['cat'], { input: Buffer.concat([line, Buffer.from('\nplain é\n')]) });
  const outputs = ofType(r, 'output');
  assert.is(outputs.length, 2);
  assert.ok(Buffer.from(outputs[0]!.base64 as string, 'base64').equals(line));
  assert.type(outputs[0]!.line, 'string');
  assert.is(outputs[1]!.base64, undefined);
  assert.is(outputs[1]!.line, 'plain é');
});

test('in --format json \\r-terminated lines are output events with "eol":"\\r"', async () => {
  const r = await prog(['--format', 'json'], ['cat'], { input: '10%\r50%\r100%\r\ndone' });
  assert.equal(ofType(r, 'output').map((e) => [e.line, e.eol]), [['10%', '\r'], ['50%', '\r'], ['100%', '\r\n'], ['done', '']]);
});

test('a \\r\\n the child writes in two pieces is one line end in --format json', async () => {
  const r = await prog(['--format', 'json'], ['sh', '-c', 'printf "a\\r"; sleep 0.2; printf "\\nb\\n"']);
  assert.equal(ofType(r, 'output').map((e) => [e.line, e.eol]), [['a', '\r\n'], ['b', '\n']]);
});

test('in --format json a 3 MiB line is one output event, truncated, with its full length', async () => {
  const r = await prog(['--format', 'json'], ['cat'], { input: Buffer.alloc(3 * MiB, 'z') });
  const outputs = ofType(r, 'output');
  assert.is(outputs.length, 1);
  assert.equal([outputs[0]!.truncated, outputs[0]!.bytes, (outputs[0]!.line as string).length], [true, 3 * MiB, MiB]);
});

test('markers are consumed in --format none as well', async () => {
  const r = await prog(['--format', 'none'], printBoth(`a\n${WORKFLOW}\n`, `${ITEM}\nb\n`));
  assert.is(r.stdout.toString(), 'a\n');
  assert.is(r.stderr.toString(), 'b\n');
});

test.run();
