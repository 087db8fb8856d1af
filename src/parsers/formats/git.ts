// git's progress meter (progress.c) on stderr, with --progress or on a terminal:
//   `Receiving objects:  45% (450/1000), 1.20 MiB | 2.40 MiB/s` redrawn with `\r`, then
//   `Receiving objects: 100% (1000/1000), 2.61 MiB | 2.40 MiB/s, done.`
// and the count-only form `Enumerating objects: 604, done.`; the server's own meters come through
// the sideband prefixed `remote: ` (with trailing blanks or `ESC[K`). Each title is one git step:
// a `step` of phase `git`, and the phase's progress is that step's n/total (so the bar restarts
// at each step, as git's own does). The phase ends ok at the end of the output when the last
// step finished with `, done.`; otherwise the run's exit closes it.
import type { Emit, FormatLine, FormatParser, ParserSpec } from '../format-parser.js';

const PHASE = 'git';
/** The meters a run switches the parser on at (other titles are read once it is on). */
const TITLES = [
  'Enumerating objects', 'Counting objects', 'Compressing objects', 'Writing objects', 'Receiving objects', 'Resolving deltas',
  'Unpacking objects', 'Updating files', 'Checking out files', 'Checking objects', 'Checking connectivity', 'Filtering content',
];

// `Title: NN% (n/total)` or `Title: n`, then `, size | rate`, then `, done.`. Titles are a capital
// word and a few lower-case words ("Checking out files", "Resolving deltas"). Bounded repetitions
// and one `.*` tail: linear on any line.
const METER = /^(remote: )?([A-Z][a-z]{1,20}(?: [a-z-]{1,20}){0,5}): +(?:(\d{1,3})% \((\d{1,15})\/(\d{1,15})\)|(\d{1,15}))(.*)$/;
const THROUGHPUT = /^, ([\d.]{1,12} [KMGT]?i?B) \| ([\d.]{1,12} [KMGT]?i?B\/s)/;

class GitParser implements FormatParser {
  #started = false;
  #title: string | undefined;
  #index = 0;
  #last = '';
  #lastDone = false;

  line({ text }: FormatLine, emit: Emit): void {
    if (text.length > 400) return; // git's meters are short; a long line is something else
    const match = METER.exec(text.trimEnd());
    if (!match) return;
    const [, remote, name, percent, current, total, count, tail] = match;
    const title = `${remote ?? ''}${name!}`;
    const done = tail!.endsWith(', done.');
    // Only git's own tails: nothing, `, done.`, or `, <size> | <rate>` (so `Error code: 404, …` is not a meter).
    if (tail !== '' && tail !== ', done.' && !THROUGHPUT.test(tail!)) return;
    if (count !== undefined && !name!.includes(' ')) return;
    if (!this.#started) {
      this.#started = true;
      emit({ type: 'phase', id: PHASE, name: 'git' });
    }
    // A new title is a new step (a step already finished that starts again is a new one too: a
    // second fetch in the same script).
    if (title !== this.#title || this.#lastDone) {
      this.#title = title;
      this.#index++;
      this.#last = '';
      emit({ type: 'step', phase: PHASE, name: title, index: this.#index });
    }
    this.#lastDone = done;
    if (percent !== undefined) {
      const n = Number(current);
      const of = Number(total);
      const key = `${n}/${of}`;
      if (key === this.#last && !done) return;
      this.#last = key;
      const extra: Record<string, unknown> = { step: title, percent: Math.min(100, Number(percent)) };
      const rate = THROUGHPUT.exec(tail!);
      if (rate) {
        extra.size = rate[1];
        extra.rate = rate[2];
      }
      if (done) extra.done = true;
      emit({ type: 'progress', phase: PHASE, current: Math.min(n, of), total: of, extra });
    } else if (done) {
      // Count-only meters have no total; once done, the count is the total.
      const n = Number(count);
      emit({ type: 'progress', phase: PHASE, current: n, total: n, extra: { step: title, done: true } });
    }
  }

  end(emit: Emit): void {
    if (this.#started && this.#lastDone) emit({ type: 'phase.end', id: PHASE, status: 'ok' });
  }
}

export const parser: ParserSpec = {
  name: 'git',
  description: 'git clone/fetch/push/checkout with --progress or on a terminal: each "Receiving objects:  45% (450/1000)" meter (remote: ones too) → a step of phase git and its n/total',
  leads: ['remote: ', ...TITLES.map((title) => `${title}:`)],
  detect: new RegExp(`^(?:remote: )?(?:${TITLES.join('|')}): +\\d`),
  create: () => new GitParser(),
};
