// A state dir prog cannot read — `runs` is a file or a symlink loop, a directory without permission,
// a run's run.json garbage or a directory, a log that is a directory — stops ls, logs, attach, stop
// and resume with one `prog: <path>: <what is wrong>` line and exit 125: no stack trace, no silence.
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { progBin, runProg, tempDir, testEnv, type ProgResult } from '../helpers/prog.js';
import { child, collect, marker } from '../helpers/runs.js';
import { liveTest, tools } from '../helpers/tools.js';
import { pause } from '../helpers/time.js';

/** Every command that reads the state dir back, each as a user would name the run. */
const COMMANDS: Record<string, string[]> = {
  ls: ['ls'],
  'ls --format json': ['ls', '--format', 'json'],
  logs: ['logs', 'latest'],
  attach: ['attach', 'latest', '--format', 'plain'],
  stop: ['stop', 'latest'],
  resume: ['resume', 'latest', '--format', 'plain'],
};
/** The commands that read a run's logs (ls and stop read only run.json). */
const LOG_READERS = ['logs', 'attach', 'resume'];

let template: string | undefined;

/** A fresh state dir holding one finished run with stdout, stderr and an item; it and the run dir. */
async function recorded(): Promise<{ home: string; dir: string }> {
  if (template === undefined) {
    template = tempDir();
    const r = await runProg(['run', '--format', 'none', '--', ...child([
      { o: marker({ type: 'phase', id: 'p', total: 2 }) },
      { o: 'out\n' },
      { e: 'err\n' },
      { o: marker({ type: 'item.done', phase: 'p', id: 'a' }) },
    ])], { home: template });
    assert.is(r.code, 0, r.stderr.toString());
  }
  const home = tempDir();
  cpSync(join(template, 'runs'), join(home, 'runs'), { recursive: true });
  const [id] = readdirSync(join(home, 'runs'));
  return { home, dir: join(home, 'runs', id!) };
}

/** Runs prog as a user without root's powers over files, so a mode of 000 keeps it out. */
function progUnprivileged(home: string, args: string[]): Promise<Omit<ProgResult, 'home'>> {
  const env = testEnv(home);
  if (process.getuid?.() !== 0) return collect(process.execPath, [progBin, ...args], env);
  // As root (a container, CI), the state dir goes to nobody, and prog runs as nobody.
  chownTree(home, 65534);
  return collect('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, progBin, ...args], env);
}

function chownTree(path: string, uid: number): void {
  chownSync(path, uid, uid);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.isDirectory()) chownTree(join(path, entry.name), uid);
    else chownSync(join(path, entry.name), uid, uid);
  }
}

/** Exactly one line on stderr, the one given; exit 125; nothing of a Node stack trace. */
function refused(r: Omit<ProgResult, 'home'>, line: string, what: string): void {
  const stderr = r.stderr.toString();
  assert.not.match(stderr, /^\s+at /m, `${what}: no stack trace:\n${stderr}`);
  assert.is(stderr, `prog: ${line}\n`, `${what}: one prog: line naming the path`);
  assert.is(r.code, 125, `${what}: exit 125\n${stderr}`);
  assert.is(r.stdout.toString(), '', `${what}: nothing on stdout`);
}

interface Layout {
  name: string;
  /** Damages a state dir holding one run; returns the line prog must print (after `prog: `). */
  damage: (home: string, dir: string) => string;
  commands: string[];
  /** Needs a user that file modes stop (not root). */
  unprivileged?: boolean;
}

const LAYOUTS: Layout[] = [
  {
    name: 'runs is a file',
    damage: (home) => {
      rmSync(join(home, 'runs'), { recursive: true });
      writeFileSync(join(home, 'runs'), '');
      return `${join(home, 'runs')}: not a directory`;
    },
    commands: Object.keys(COMMANDS),
  },
  {
    name: 'runs is a symlink loop',
    damage: (home) => {
      rmSync(join(home, 'runs'), { recursive: true });
      symlinkSync('runs', join(home, 'runs'));
      return `${join(home, 'runs')}: a symbolic link loop (too many levels of symbolic links)`;
    },
    commands: Object.keys(COMMANDS),
  },
  {
    name: 'runs cannot be read (mode 000)',
    damage: (home) => {
      chmodSync(join(home, 'runs'), 0o000);
      return `${join(home, 'runs')}: not readable (permission denied)`;
    },
    commands: Object.keys(COMMANDS),
    unprivileged: true,
  },
  {
    name: 'a run dir cannot be entered (mode 000)',
    damage: (_home, dir) => {
      chmodSync(dir, 0o000);
      return `${dir}: not readable (permission denied)`;
    },
    commands: Object.keys(COMMANDS),
    unprivileged: true,
  },
  {
    name: 'run.json is garbage',
    damage: (_home, dir) => {
      writeFileSync(join(dir, 'run.json'), '{"version":1,"comm');
      return `${join(dir, 'run.json')}: not a run record (not valid JSON)`;
    },
    commands: Object.keys(COMMANDS),
  },
  {
    name: 'run.json is a directory',
    damage: (_home, dir) => {
      rmSync(join(dir, 'run.json'));
      mkdirSync(join(dir, 'run.json'));
      return `${join(dir, 'run.json')}: a directory, where prog keeps a file`;
    },
    commands: Object.keys(COMMANDS),
  },
  ...(['stdout.log', 'stderr.log', 'events.ndjson'] as const).map((file): Layout => ({
    name: `${file} is a directory`,
    damage: (_home, dir) => {
      rmSync(join(dir, file));
      mkdirSync(join(dir, file));
      return `${join(dir, file)}: a directory, where prog keeps a file`;
    },
    commands: LOG_READERS,
  })),
  {
    name: 'stdout.log is a symlink loop',
    damage: (_home, dir) => {
      rmSync(join(dir, 'stdout.log'));
      symlinkSync('stdout.log', join(dir, 'stdout.log'));
      return `${join(dir, 'stdout.log')}: a symbolic link loop (too many levels of symbolic links)`;
    },
    commands: LOG_READERS,
  },
  {
    name: 'events.ndjson cannot be read (mode 000)',
    damage: (_home, dir) => {
      chmodSync(join(dir, 'events.ndjson'), 0o000);
      return `${join(dir, 'events.ndjson')}: not readable (permission denied)`;
    },
    commands: LOG_READERS,
    unprivileged: true,
  },
];

// As root, progUnprivileged runs prog as nobody through util-linux setpriv.
const unprivilegedTools = process.getuid?.() === 0 ? [tools.setpriv()] : [];

for (const layout of LAYOUTS) {
  liveTest(layout.unprivileged ? unprivilegedTools : [], `${layout.name}: ${layout.commands.join(', ')} each print one prog: line naming it and exit 125`, async () => {
    for (const command of layout.commands) {
      const { home, dir } = await recorded();
      const line = layout.damage(home, dir);
      const r = layout.unprivileged ? await progUnprivileged(home, COMMANDS[command]!) : await runProg(COMMANDS[command]!, { home });
      refused(r, line, `${layout.name}, prog ${command}`);
    }
  });
}

test('ls with one damaged run among good ones: lists the good ones, names the damaged one, exit 125', async () => {
  const { home, dir } = await recorded();
  const damaged = join(home, 'runs', '20990101-000000-abcdef');
  mkdirSync(join(damaged, 'run.json'), { recursive: true });
  const r = await runProg(['ls', '--format', 'json'], { home });
  assert.is(r.stderr.toString(), `prog: ${join(damaged, 'run.json')}: a directory, where prog keeps a file\n`);
  assert.is(r.code, 125);
  const rows = r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as { id: string });
  assert.equal(rows.map((row) => row.id), [dir.slice(dir.lastIndexOf('/') + 1)], 'the readable run is still listed');
});

test('prog run --detach with runs a file: one prog: line, exit 125, and the command never starts', async () => {
  const home = tempDir();
  writeFileSync(join(home, 'runs'), '');
  const ran = join(tempDir(), 'ran');
  const r = await runProg(['run', '--detach', '--', 'sh', '-c', `touch '${ran}'`], { home });
  refused(r, `${join(home, 'runs')}: not a directory`, 'detach');
  // A negative check needs some time: a wrongly started background run would have touched the file.
  await pause(300);
  assert.not.ok(existsSync(ran), 'no background run was started');
});

test.run();
