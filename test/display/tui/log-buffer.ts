// The log pane's lines: `\r` redraws replace, lines go to their agent and phase, filters combine,
// and memory stays bounded however much the command prints.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ProgEvent } from '../../../src/events.js';
import { LogBuffer, RING_LINES, type Filter } from '../../../src/display/tui/log-buffer.js';

let seq = 0;
function feed(buffer: LogBuffer, events: Record<string, unknown>[]): void {
  for (const e of events) buffer.event({ seq: ++seq, t: 0, ...e } as ProgEvent);
}
const out = (line: string, eol = '\n', stream = 'stdout') => ({ type: 'output', stream, line, eol });
const all: Filter = { level: 'all', source: { kind: 'all' } };
const texts = (buffer: LogBuffer, filter: Partial<Filter> = {}) => buffer.view({ ...all, ...filter }).map((e) => e.text);

test('a progress bar redrawn with \\r is one line that updates; the other stream is not touched', () => {
  const b = new LogBuffer();
  feed(b, [out('before'), out('progress 10%', '\r'), out('err line', '\n', 'stderr'), out('progress 50%', '\r'), out('\x1b[K', '\r'), out('progress 100%'), out('after')]);
  assert.equal(texts(b), ['before', 'progress 100%', 'err line', 'after']);
});

test('escapes are removed, other controls shown as text, tabs become spaces', () => {
  const b = new LogBuffer();
  feed(b, [out('\x1b[31mred\x1b[0m\x1b]0;title\x07 \x07bell\ta')]);
  assert.equal(texts(b), ['red \\x07bell    a']);
});

test('lines go to the agent they are tagged with, else the only busy agent; and to its phase', () => {
  const b = new LogBuffer();
  feed(b, [
    { type: 'phase', id: 'build', name: 'Build' },
    { type: 'item.start', phase: 'build', id: 'a', agent: 'agent-01' },
    out('only agent-01 is busy'),
    { type: 'item.start', phase: 'build', id: 'b', agent: 'agent-02' },
    out('[agent-02] tagged'),
    out('agent-01: tagged too'),
    out('nobody in particular'),
    { type: 'log', level: 'warn', source: 'agent-02', message: 'slow' },
    { type: 'item.fail', phase: 'build', id: 'a', agent: 'agent-01', error: 'boom' },
  ]);
  assert.equal(texts(b, { selection: { kind: 'agent', id: 'agent-01' } }), ['only agent-01 is busy', 'agent-01: tagged too', 'failed build/a [agent-01]: boom']);
  assert.equal(texts(b, { source: { kind: 'agent', id: 'agent-02' } }), ['[agent-02] tagged', 'warn agent-02: slow']);
  assert.equal(texts(b, { selection: { kind: 'phase', id: 'build' } }).length, 6, 'every line was in the only phase running');
});

test('a group shows its children\'s lines; a sibling phase does not', () => {
  const b = new LogBuffer();
  feed(b, [
    { type: 'phase', id: 'ci', name: 'CI', group: true },
    { type: 'phase', id: 'make', name: 'make', parent: 'ci' },
    out('make says'),
    { type: 'phase.end', id: 'make', status: 'ok' },
    { type: 'phase', id: 'test', name: 'test', parent: 'ci' },
    out('test says'),
  ]);
  assert.equal(texts(b, { selection: { kind: 'phase', id: 'ci' } }), ['make says', 'test says']);
  assert.equal(texts(b, { selection: { kind: 'phase', id: 'make' } }), ['make says']);
});

test('the level filter shows log lines and failures at or above it; output only under "all"', () => {
  const b = new LogBuffer();
  feed(b, [
    out('plain output'),
    { type: 'log', level: 'debug', message: 'd' }, { type: 'log', level: 'info', message: 'i' },
    { type: 'log', level: 'warn', message: 'w' }, { type: 'log', level: 'error', message: 'e' },
    { type: 'item.fail', id: 'x', error: 'again', retry: 1, maxRetries: 2 }, { type: 'item.fail', id: 'y', error: 'final' },
  ]);
  assert.is(texts(b).length, 7);
  assert.equal(texts(b, { level: 'info' }), ['info i', 'warn w', 'error e', 'retrying x (1/2): again', 'failed y: final']);
  assert.equal(texts(b, { level: 'warn' }), ['warn w', 'error e', 'retrying x (1/2): again', 'failed y: final']);
  assert.equal(texts(b, { level: 'error' }), ['error e', 'failed y: final']);
});

test('source stdout or stderr, and a text filter, combine with the rest', () => {
  const b = new LogBuffer();
  feed(b, [out('alpha out'), out('beta err', '\n', 'stderr'), out('alpha err', '\n', 'stderr')]);
  assert.equal(texts(b, { source: { kind: 'stream', stream: 'stderr' } }), ['beta err', 'alpha err']);
  assert.equal(texts(b, { source: { kind: 'stream', stream: 'stderr' }, text: /alpha/i }), ['alpha err']);
});

test(`memory is bounded: the run keeps its last ${RING_LINES} lines, and a quiet agent keeps its own`, () => {
  const b = new LogBuffer();
  feed(b, [{ type: 'item.start', id: 'a', agent: 'agent-01' }, { type: 'item.start', id: 'b', agent: 'agent-02' }]);
  for (let i = 0; i < 50; i++) feed(b, [out(`[agent-01] early ${i}`)]);
  for (let i = 0; i < 3 * RING_LINES; i++) feed(b, [out(`[agent-02] flood ${i}`)]);
  const run = texts(b);
  assert.is(run.length, RING_LINES);
  assert.is(run.at(-1), `[agent-02] flood ${3 * RING_LINES - 1}`);
  assert.is(texts(b, { selection: { kind: 'agent', id: 'agent-01' } }).length, 50, 'agent-01\'s lines outlive the flood');
});

test('the view is made again only when lines or the filter change', () => {
  const b = new LogBuffer();
  feed(b, [out('one')]);
  const first = b.view(all);
  assert.is(b.view({ ...all }), first, 'the same filter, nothing new: the same list');
  feed(b, [out('two')]);
  assert.is.not(b.view(all), first);
});

test.run();
