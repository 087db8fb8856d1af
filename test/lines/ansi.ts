import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { escapeForTerminal, stripAnsi } from '../../src/lines/ansi.js';

test('colour codes, cursor moves and window titles are stripped for matching; the text stays', () => {
  assert.is(stripAnsi('\x1b[32mgreen\x1b[0m'), 'green');
  assert.is(stripAnsi('\x1b[1;38;5;208mbold\x1b[K'), 'bold');
  assert.is(stripAnsi('\x1b]0;window title\x07after'), 'after');
  assert.is(stripAnsi('\x1b]8;;https://x.test\x1b\\link\x1b]8;;\x1b\\'), 'link');
  assert.is(stripAnsi('\x1bMup\x1b7save'), 'upsave');
  assert.is(stripAnsi('\u009b31mred'), 'red');
  assert.is(stripAnsi('plain ::prog:: text'), 'plain ::prog:: text');
});

test('a 1 MB run of unfinished escapes is stripped to the right text', () => {
  assert.is(stripAnsi('\x1b['.repeat(300_000) + '\x1b[0mX'), 'X');
  assert.is(stripAnsi('\x1b[' + ';'.repeat(1_000_000)), ';'.repeat(1_000_000), 'ESC [ alone is a two-byte escape; the rest is text');
  assert.is(stripAnsi('\x1b]' + 'a'.repeat(1_000_000)), '', 'an unterminated title runs to the end of the line');
  const c1 = '\u009b'.repeat(500_000) + '!';
  assert.ok(stripAnsi(c1) === c1, 'an 8-bit CSI with no final byte is not one');
  assert.ok(stripAnsi('\u009b'.repeat(500_000) + 'ok') === '\u009b'.repeat(499_999) + 'k');
});

test('text from the child printed by prog cannot move the cursor, retitle the window or reorder text', () => {
  assert.is(escapeForTerminal('a\x1b[2Jb'), 'a\\x1b[2Jb');
  assert.is(escapeForTerminal('line\nnext\rover\ttab'), 'line\\nnext\\rover\\ttab');
  assert.is(escapeForTerminal('\x07\x7f\u009b'), '\\x07\\x7f\\x9b');
  assert.is(escapeForTerminal('abc\u202edcba\u2066x\u2069'), 'abc\\u202edcba\\u2066x\\u2069');
  assert.is(escapeForTerminal('naïve 😀 你好'), 'naïve 😀 你好', 'ordinary text is left alone');
});

test.run();
