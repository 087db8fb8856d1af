// Colour and view rules in a real terminal (a pty): NO_COLOR (when not empty) drops the colour and
// keeps the live view; FORCE_COLOR beats NO_COLOR, as in Node; CI and TERM=dumb get the plain view.
// The pty's bytes are read raw, so every escape prog wrote is there to look for.
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { clean, progSh } from '../helpers/live.js';
import { startInPty } from '../helpers/pty.js';
import { liveTest, tools } from '../helpers/tools.js';

/** A colour (SGR) sequence. */
const SGR = /\x1b\[[0-9;]*m/;
/** The rich view's frames come in synchronized-output markers. */
const FRAME = '\x1b[?2026h';

/** A command whose own output has no escapes at all: whatever escapes there are, prog wrote. */
const COMMAND = ['sh', '-c', [
  `echo '::prog::{"type":"phase","id":"p","name":"Work","total":2}'`,
  `echo '::prog::{"type":"item.done","phase":"p","id":"a"}'`,
  `echo '::prog::{"type":"item.fail","phase":"p","id":"b","error":"boom"}'`,
  'echo plain words',
].join('; ')];

async function inTerminal(env: Record<string, string | undefined>, format = 'auto'): Promise<string> {
  const live = startInPty(progSh(['run', '--format', format, '--', ...COMMAND]), { env });
  const end = await live.waitExit(20_000);
  assert.is(end.code, 0, live.transcript());
  const out = live.stdout();
  assert.ok(out.includes('plain words'), out);
  return out;
}

function isRich(out: string, what: string): void {
  assert.ok(out.includes(FRAME), `${what}: the rich view (frames):\n${JSON.stringify(out)}`);
  assert.not.ok(out.includes('[prog] '), `${what}: no plain lines`);
}

function isPlain(out: string, what: string): void {
  assert.not.ok(out.includes(FRAME), `${what}: no frames:\n${JSON.stringify(out)}`);
  assert.match(out.replace(/\x1b\[[0-9;]*m/g, ''), /^\[prog\] finished ok/m, `${what}: plain lines`);
}

const rules: { env: Record<string, string>; view: 'rich' | 'plain'; colour?: boolean }[] = [
  { env: {}, view: 'rich', colour: true },
  { env: { NO_COLOR: '1' }, view: 'rich', colour: false },
  // no-color.org: an empty NO_COLOR is as if unset.
  { env: { NO_COLOR: '' }, view: 'rich', colour: true },
  // Node's rule: FORCE_COLOR wins over NO_COLOR.
  { env: { NO_COLOR: '1', FORCE_COLOR: '1' }, view: 'rich', colour: true },
  { env: { FORCE_COLOR: '0' }, view: 'rich', colour: false },
  { env: { CI: 'true' }, view: 'plain' },
  { env: { CI: 'true', NO_COLOR: '1' }, view: 'plain', colour: false },
  { env: { TERM: 'dumb' }, view: 'plain', colour: false },
  { env: { TERM: 'dumb', FORCE_COLOR: '1' }, view: 'plain', colour: true },
];

for (const rule of rules) {
  const what = Object.entries(rule.env).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ') || 'a plain environment';
  const expect = `${rule.view}${rule.colour === undefined ? '' : rule.colour ? ', coloured' : ', no colour'}`;
  liveTest([tools.script()], `auto in a terminal with ${what}: ${expect}`, clean(async () => {
    const out = await inTerminal(rule.env);
    if (rule.view === 'rich') isRich(out, what);
    else isPlain(out, what);
    if (rule.colour === true) assert.match(out, SGR, `${what}: colour`);
    if (rule.colour === false) assert.not.match(out, SGR, `${what}: no colour:\n${JSON.stringify(out)}`);
  }));
}

liveTest([tools.script()], '--format plain in a terminal: a non-empty NO_COLOR drops the colour, an empty one does not', clean(async () => {
  const off = await inTerminal({ NO_COLOR: 'yes' }, 'plain');
  isPlain(off, 'NO_COLOR=yes');
  assert.not.match(off, SGR);
  const on = await inTerminal({ NO_COLOR: '' }, 'plain');
  isPlain(on, 'NO_COLOR=""');
  assert.match(on, SGR);
}));

test.run();
