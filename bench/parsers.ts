// Lines per second for each tool-output parser, over the lines of its own recorded fixtures
// (test/fixtures/<parser>/*.rec), against a baseline measured in the same run: the work every
// line costs the hub anyway (escape stripping), over the same lines.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FormatLine } from '../src/parsers/format-parser.js';
import { loadParserSpecs } from '../src/parsers/parser-hub.js';
import { stripAnsi } from '../src/lines/ansi.js';
import type { BenchRow } from './row.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = resolve(here, '..', '..', 'test', 'fixtures');
const TARGET_LINES = Number(process.env.BENCH_PARSER_LINES ?? (process.argv.includes('--quick') ? 100_000 : 1_000_000));

/** A row without a goal (bench/row.ts). */
export type ParserRow = BenchRow;

/** The lines a recording holds, split as prog splits them (`\n`, `\r\n`, lone `\r`). */
function recordedLines(dir: string): FormatLine[] {
  const lines: FormatLine[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.rec')).sort()) {
    const text: Record<number, string> = { 1: '', 2: '' };
    for (const record of readFileSync(join(dir, file), 'utf8').split('\n').filter(Boolean)) {
      const r = JSON.parse(record) as { fd?: 1 | 2; b64?: string };
      if (r.fd && r.b64) text[r.fd] += Buffer.from(r.b64, 'base64').toString('utf8');
    }
    for (const fd of [1, 2] as const) {
      const stream = fd === 1 ? 'stdout' : 'stderr';
      for (const m of text[fd]!.matchAll(/([^\r\n]*)(\r\n|\n|\r|$)/g)) {
        if (m[0] === '') continue;
        lines.push({ stream, raw: m[1]!, text: stripAnsi(m[1]!), eol: m[2] as FormatLine['eol'] });
      }
    }
  }
  return lines;
}

function time(fn: () => void): number {
  const started = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export async function parserRows(): Promise<ParserRow[]> {
  const rows: ParserRow[] = [];
  for (const spec of await loadParserSpecs()) {
    const dir = join(fixtures, spec.name);
    if (!existsSync(dir)) {
      rows.push({ what: `parser ${spec.name}`, value: 'no recording', baseline: '—', baseValue: '—', ratio: '—', note: `no test/fixtures/${spec.name}/*.rec to measure with` });
      continue;
    }
    const sample = recordedLines(dir);
    const rounds = Math.max(1, Math.ceil(TARGET_LINES / Math.max(1, sample.length)));
    const lines = rounds * sample.length;
    let events = 0;
    const emit = () => void events++;
    // Warm both up once, then measure: a fresh parser per recording pass, as a run would have.
    const parse = () => {
      for (let r = 0; r < rounds; r++) {
        const parser = spec.create();
        for (const line of sample) parser.line(line, emit);
        parser.end?.(emit);
      }
    };
    const strip = () => {
      let n = 0;
      for (let r = 0; r < rounds; r++) for (const line of sample) n += stripAnsi(line.raw).length;
      if (n < 0) console.log(n);
    };
    parse();
    strip();
    events = 0;
    const parseMs = time(parse);
    const stripMs = time(strip);
    rows.push({
      what: `parser ${spec.name}: ${sample.length} recorded lines × ${rounds}`,
      value: `${((lines / parseMs) * 1000 / 1e6).toFixed(2)} M lines/s`,
      baseline: 'escape stripping of the same lines',
      baseValue: `${((lines / stripMs) * 1000 / 1e6).toFixed(2)} M lines/s`,
      ratio: `${(parseMs / stripMs).toFixed(2)}×`,
      note: `${(events / rounds).toFixed(0)} events per pass; ${((parseMs * 1000) / lines).toFixed(2)} µs a line`,
    });
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const row of await parserRows()) console.log(JSON.stringify(row));
}
