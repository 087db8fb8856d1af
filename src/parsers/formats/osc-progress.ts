// OSC 9;4 terminal progress (ConEmu's protocol; cargo, systemd ≥257, dnf5 emit it on terminals that
// support it): `ESC ] 9 ; 4 ; st [; pr] ST`, ST being BEL or `ESC \`, anywhere in a line, several
// per line allowed. st 1: pr% → progress of phase `osc-progress` (total 100); 2: error state, a
// warning once per entry into it, the percentage kept (updated if pr is given); 3: indeterminate,
// progress without a total; 4: paused, a notice once per entry, pr kept/updated; 0: removed, the
// phase ends (failed if the last state was the error state, ok otherwise). Matched on the raw line:
// stripping escapes removes the sequence itself. iTerm2's `ESC ] 9 ; text BEL` notification is not
// progress (no `4;`).
import type { Emit, FormatLine, FormatParser, ParserSpec } from '../format-parser.js';

const PHASE = 'osc-progress';
const OSC = /\x1b\]9;4;([0-4])(?:;(\d{0,3}))?(?:\x07|\x1b\\)/g;

class OscProgressParser implements FormatParser {
  #open = false;
  #state = 0;
  #percent: number | undefined;

  line({ raw }: FormatLine, emit: Emit): void {
    if (!raw.includes('\x1b]9;4;')) return;
    OSC.lastIndex = 0;
    for (let m = OSC.exec(raw); m !== null; m = OSC.exec(raw)) {
      const state = Number(m[1]);
      const pr = m[2] === undefined || m[2] === '' ? undefined : Math.min(100, Number(m[2]));
      this.#apply(state, pr, emit);
    }
  }

  #apply(state: number, pr: number | undefined, emit: Emit): void {
    const previous = this.#state;
    this.#state = state;
    if (state === 0) {
      if (this.#open) emit({ type: 'phase.end', id: PHASE, status: previous === 2 ? 'failed' : 'ok' });
      this.#open = false;
      this.#percent = undefined;
      return;
    }
    if (!this.#open) {
      this.#open = true;
      emit({ type: 'phase', id: PHASE, name: 'progress', ...(state === 3 ? {} : { total: 100 }) });
    }
    if (state === 2 && previous !== 2) emit({ type: 'log', level: 'warn', source: PHASE, message: 'the command reports an error state (OSC 9;4;2)' });
    if (state === 4 && previous !== 4) emit({ type: 'log', level: 'notice', source: PHASE, message: 'the command reports it is paused (OSC 9;4;4)' });
    if (state === 3) {
      if (previous === 3) return;
      emit({ type: 'progress', phase: PHASE, current: this.#percent ?? 0, extra: { state: 'indeterminate' } });
      return;
    }
    // st 1 without pr means 0; st 2 and 4 keep the last percentage when pr is missing.
    const percent = pr ?? (state === 1 ? 0 : this.#percent);
    if (percent === undefined) return;
    if (percent === this.#percent && state === previous) return;
    this.#percent = percent;
    emit({ type: 'progress', phase: PHASE, current: percent, total: 100, ...(state === 1 ? {} : { extra: { state: state === 2 ? 'error' : 'paused' } }) });
  }
}

export const parser: ParserSpec = {
  name: 'osc-progress',
  description: 'OSC 9;4 terminal progress escapes (cargo, systemd, dnf5): ESC]9;4;1;45 BEL → progress of phase osc-progress; error, indeterminate, paused, removed states',
  detect: /\x1b\]9;4;[0-4](?:;\d{0,3})?(?:\x07|\x1b\\)/,
  detectRaw: true,
  create: () => new OscProgressParser(),
};
