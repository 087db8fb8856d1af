// The TUI channel's framing (src/display/tui/channel.ts): messages survive any split of the byte
// stream, and bytes that are not the protocol are refused rather than misread.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ChannelDecoder, encode, type ChannelMessage } from '../../../src/display/tui/channel.js';

const messages: ChannelMessage[] = [
  { kind: 'size', columns: 120, rows: 40 },
  { kind: 'keys', bytes: Buffer.from('\x1b[A') },
  { kind: 'out', bytes: Buffer.from('\x1b[?2026h\x1b[1;1H宽字符 ✅ 🚀\x1b[?2026l') },
  { kind: 'out', bytes: Buffer.alloc(0) },
  { kind: 'warn', text: 'prog: warning: junit: cannot write report.xml\n' },
  { kind: 'leave' },
  { kind: 'done' },
];
const wire = Buffer.concat(messages.map(encode));

test('every message comes out whole and in order, however the stream is split', () => {
  for (let size = 1; size <= wire.length; size++) {
    const decoder = new ChannelDecoder();
    const got: ChannelMessage[] = [];
    for (let at = 0; at < wire.length; at += size) got.push(...decoder.push(wire.subarray(at, at + size)));
    assert.equal(got, messages, `split every ${size} bytes`);
  }
});

test('a size out of range falls back to a usable one', () => {
  const [size] = new ChannelDecoder().push(Buffer.concat([Buffer.from([2, 0, 0, 0, 27]), Buffer.from('{"columns":-4,"rows":"big"}')]));
  assert.equal(size, { kind: 'size', columns: 80, rows: 24 });
});

test('bytes that are not the protocol are refused', () => {
  assert.throws(() => new ChannelDecoder().push(Buffer.from('hello, world')), /not prog's/);
  assert.throws(() => new ChannelDecoder().push(Buffer.from([0, 0xff, 0xff, 0xff, 0xff])), /not prog's/);
});

test.run();
