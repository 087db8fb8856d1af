// Load generators for the benchmark (compiled to dist/bench/gen.js). Each writes with plain
// blocking writeSync calls in ~1 MiB batches, so the generator itself costs as little as possible
// and the same bytes go out whether prog is in between or not.
//
//   node gen.js lines   <bytes>       100-byte lines (99 printable bytes + \n) on stdout
//   node gen.js markers <n> [fd]      one phase marker with total n, then n item.done markers
//   node gen.js plain   <n>           n lines of the same length as the markers, but not markers
//   node gen.js text    <bytes>       ordinary text: 100-byte lines of logs, prose and numbers, starting
//                                     with every letter and digit (what parsers' first-byte tests see)
//   node gen.js tiny    <bytes>       2-byte lines (`a\n`): the most lines per byte
//
// With GEN_TIME_FILE set, the generator writes to that file its own elapsed milliseconds, from
// process start to the return of its last write: how long it took itself, whatever was reading.
import { writeFileSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

export const LINE_BYTES = 100;
const BLOCK_TARGET = 1024 * 1024;
const sleeper = new Int32Array(new SharedArrayBuffer(4));
let eagain = 0;

/** Writes a buffer whole; EAGAIN (a non-blocking pipe) is retried after 1 ms and counted. */
function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off, buf.length - off);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        eagain++;
        Atomics.wait(sleeper, 0, 0, 1);
        continue;
      }
      if (code === 'EPIPE') process.exit(0);
      throw error;
    }
  }
}

/** The text of marker n (n = 0 is the phase); `prefix` replaced by a same-length non-marker for plain. */
export function markerLine(n: number, total: number, prefix = '::prog::'): string {
  if (n === 0) return `${prefix}{"type":"phase","id":"p","name":"bench","total":${total}}\n`;
  return `${prefix}{"type":"item.done","phase":"p","id":"i${n}"}\n`;
}

/** Exact byte count `node gen.js markers n` writes (the plain variant writes the same count). */
export function markerBytes(total: number): number {
  let bytes = Buffer.byteLength(markerLine(0, total));
  const fixed = Buffer.byteLength(markerLine(1, total)) - 1; // without the digits of "1"
  for (let digits = 1, from = 1; from <= total; digits++, from *= 10) {
    const to = Math.min(total, from * 10 - 1);
    bytes += (to - from + 1) * (fixed + digits);
  }
  return bytes;
}

/** Lines actually written for a byte budget: whole 100-byte lines only. */
export function lineCount(bytes: number): number {
  return Math.floor(bytes / LINE_BYTES);
}

/** The 99 printable bytes of every generated line (the \n is added). */
export function lineText(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ';
  let text = '';
  for (let i = 0; i < LINE_BYTES - 1; i++) text += alphabet[i % alphabet.length];
  return text;
}

/**
 * The same streams from tools with a tiny footprint (yes, head, awk), for the peak-RSS rows:
 * `/usr/bin/time -v` reports the largest RSS among prog and the children it waits for, so a
 * generator must stay well below prog's own figure.
 */
export function shellLines(bytes: number): string[] {
  return ['/bin/sh', '-c', `yes '${lineText()}' | head -n ${lineCount(bytes)}`];
}

export function shellMarkers(total: number): string[] {
  const awkString = (text: string) => `"${text.replace(/%/g, '%%').replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
  const phase = awkString(markerLine(0, total));
  const item = awkString(markerLine(1, total)).replace('i1\\"}', 'i%d\\"}');
  return ['awk', `BEGIN { printf ${phase}; for (i = 1; i <= ${total}; i++) printf ${item}, i }`];
}

function lines(bytes: number, fd: number): void {
  const perBlock = Math.floor(BLOCK_TARGET / LINE_BYTES);
  const one = Buffer.from(lineText() + '\n');
  const block = Buffer.alloc(perBlock * LINE_BYTES);
  for (let i = 0; i < perBlock; i++) one.copy(block, i * LINE_BYTES);
  let left = lineCount(bytes);
  while (left >= perBlock) {
    writeAll(fd, block);
    left -= perBlock;
  }
  if (left > 0) writeAll(fd, block.subarray(0, left * LINE_BYTES));
}

/** Line starts of ordinary output: timestamps, words with every initial, numbers, indented code. */
const TEXT_STARTS = [
  '2026-12-03 21:04:09.123 INFO  worker-3: request handled in 12 ms path=/api/items status=200',
  'something happened while reading the configuration file, retrying in a moment',
  'Starting service on port 8080 with 4 workers and a queue of 1000',
  '12345 records processed, 17 skipped, 0 failed; next batch at offset 12362',
  '    at Object.handler (/srv/app/lib/handler.js:42:17) in the request pipeline',
  'hello from the build script: copying assets into the output directory now',
  'Compilation of module x took longer than expected, see the timing report',
  'Error: none of the mirrors answered; falling back to the cache directory',
  'remaining: 42 files to check before the report is written to disk',
  'Fetching https://example.org/data/part-0001.csv into the local cache dir',
  'note: the option --fast is deprecated and will be removed in a later release',
  'Total time so far 00:01:23, estimated throughput 45.6 MB/s over the link',
  'bytes written 123456789 of 987654321, checksum pending for this block',
  'Unpacking the archive into a temporary directory before the copy starts',
  'x = 1; y = 2; the values are printed here only for debugging purposes',
  'Done with step 3 of 7: the index was rebuilt and the stale entries removed',
];

/** `count` bytes of 100-byte lines, block after block, from `starts` padded or cut to the length. */
function textLines(bytes: number, fd: number, starts: string[], lineBytes = LINE_BYTES): void {
  const padded = starts.map((s) => (s.length >= lineBytes - 1 ? s.slice(0, lineBytes - 1) : s.padEnd(lineBytes - 1, '.')) + '\n');
  const perBlock = Math.floor(BLOCK_TARGET / lineBytes);
  const block = Buffer.from(Array.from({ length: perBlock }, (_, i) => padded[i % padded.length]).join(''), 'latin1');
  let left = Math.floor(bytes / lineBytes);
  while (left >= perBlock) {
    writeAll(fd, block);
    left -= perBlock;
  }
  if (left > 0) writeAll(fd, block.subarray(0, left * lineBytes));
}

/** Fills one reused buffer, so the generator's footprint stays flat however many markers it writes. */
function markers(total: number, fd: number, prefix: string): void {
  const block = Buffer.allocUnsafe(BLOCK_TARGET + 4096);
  let used = block.write(markerLine(0, total, prefix), 0, 'latin1');
  for (let n = 1; n <= total; n++) {
    used += block.write(markerLine(n, total, prefix), used, 'latin1');
    if (used >= BLOCK_TARGET) {
      writeAll(fd, block.subarray(0, used));
      used = 0;
    }
  }
  if (used > 0) writeAll(fd, block.subarray(0, used));
}

function main(argv: string[]): void {
  const [mode, count, fdArg] = argv;
  const n = Number(count);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`gen: bad count ${count}`);
  const fd = fdArg === undefined ? 1 : Number(fdArg);
  switch (mode) {
    case 'lines':
      lines(n, fd);
      break;
    case 'markers':
      markers(n, fd, '::prog::');
      break;
    case 'plain':
      markers(n, fd, '##prog##');
      break;
    case 'text':
      textLines(n, fd, TEXT_STARTS);
      break;
    case 'tiny':
      textLines(n, fd, ['a'], 2);
      break;
    default:
      throw new Error(`gen: unknown mode ${mode}; use lines <bytes> | text <bytes> | tiny <bytes> | markers <n> [fd] | plain <n>`);
  }
  // performance.now() counts from performance.timeOrigin, the start of this process.
  const elapsedMs = performance.now();
  if (process.env.GEN_TIME_FILE) writeFileSync(process.env.GEN_TIME_FILE, `${elapsedMs.toFixed(3)}\n`);
  if (eagain > 0) process.stderr.write(`gen: ${eagain} EAGAIN retries (non-blocking output; timings are pessimistic)\n`);
}

// Only when run as a program: bench/run.ts imports the helpers above.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2));
}
