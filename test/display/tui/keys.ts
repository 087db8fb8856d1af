// Keys read from a raw terminal: named, whole even when an escape sequence arrives in pieces.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KeyDecoder, type Key } from '../../../src/display/tui/keys.js';

const names = (keys: Key[]) => keys.map((k) => (k.name === 'char' ? `${k.alt ? 'alt-' : ''}${k.char}` : k.name));

test('arrows, paging, Home and End in the spellings terminals send', () => {
  const keys = new KeyDecoder();
  assert.equal(names(keys.push('\x1b[A\x1b[B\x1bOC\x1bOD\x1b[5~\x1b[6~\x1b[H\x1b[F\x1b[1~\x1b[4~\x1b[7~\x1b[8~\x1b[Z')), [
    'up', 'down', 'right', 'left', 'pageup', 'pagedown', 'home', 'end', 'home', 'end', 'home', 'end', 'backtab',
  ]);
  assert.equal(names(keys.push('\x1b[1;5A')), ['up'], 'a modified arrow is still an arrow');
});

test('Ctrl-C arrives as a byte in raw mode; Enter, Tab, Backspace, letters and wide characters', () => {
  const keys = new KeyDecoder();
  assert.equal(names(keys.push('\x03\r\t\x7fq/j构🚀')), ['ctrl-c', 'enter', 'tab', 'backspace', 'q', '/', 'j', '构', '🚀']);
  assert.equal(names(keys.push('\r\n')), ['enter'], 'CR LF is one Enter');
});

test('an escape sequence split across reads is held, then read whole', () => {
  const keys = new KeyDecoder();
  assert.equal(names(keys.push('j\x1b')), ['j']);
  assert.ok(keys.pending);
  assert.equal(names(keys.push('[')), []);
  assert.equal(names(keys.push('5')), []);
  assert.equal(names(keys.push('~k')), ['pageup', 'k']);
  assert.not.ok(keys.pending);
});

test('a lone ESC is Escape once nothing follows; ESC then a letter is Alt+letter', () => {
  const keys = new KeyDecoder();
  assert.equal(names(keys.push('\x1b')), []);
  assert.equal(names(keys.flush()), ['escape']);
  assert.equal(names(keys.push('\x1bq')), ['alt-q']);
  assert.equal(names(keys.push('\x1b\x1b')), ['escape']);
  assert.equal(names(keys.flush()), ['escape']);
});

test('an unknown or runaway sequence is one "other" key, never text', () => {
  const keys = new KeyDecoder();
  assert.equal(names(keys.push('\x1b[99zq')), ['other', 'q']);
  assert.equal(names(keys.push(`\x1b[${'1;'.repeat(20)}`)), ['other']);
});

test.run();
