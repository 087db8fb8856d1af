// Failed items with their error and the output lines before the failure, and the latest warnings.
import { renderAnsi } from './ansi.js';
import { clear, el, setText } from './dom.js';
import { clock } from './format.js';
import type { Failure, LogRecord } from './types.js';

const SHOWN = 50;

export class FailureList {
  readonly root: HTMLElement;
  readonly #list = el('ol', { class: 'failures', testid: 'failures' });
  readonly #logs = el('ul', { class: 'recent-logs', testid: 'recent-logs' });
  readonly #count = el('span', { class: 'muted' });
  #key = '';
  #logKey = '';

  constructor(private readonly showInLog: (text: string) => void) {
    this.root = el('section', { class: 'panel failures-panel' }, [
      el('div', { class: 'panel-head' }, [el('h2', { text: 'Failures and warnings' }), this.#count]),
      this.#list,
      this.#logs,
    ]);
    this.root.hidden = true;
  }

  update(failures: Failure[], omitted: number, recent: LogRecord[]): void {
    this.root.hidden = failures.length === 0 && recent.length === 0;
    setText(this.#count, failures.length ? `${failures.length + omitted} failed` : '');
    // Rebuilt only when the list changed: a frame must not rebuild fifty entries for nothing.
    const shown = failures.slice(-SHOWN).reverse();
    const key = `${omitted}|${shown.map((f) => `${f.phase}\u0000${f.id}\u0000${f.tMs}\u0000${f.error ?? ''}`).join('\u0001')}`;
    if (key !== this.#key) {
      this.#key = key;
      clear(this.#list);
      for (const f of shown) this.#list.append(this.#entry(f));
      const hidden = failures.length - shown.length + omitted;
      if (hidden > 0) this.#list.append(el('li', { class: 'muted', text: `… and ${hidden} earlier failures` }));
    }
    const logKey = recent.map((r) => `${r.tMs}\u0000${r.message}`).join('\u0001');
    if (logKey !== this.#logKey) {
      this.#logKey = logKey;
      clear(this.#logs);
      for (const r of [...recent].reverse()) {
        this.#logs.append(el('li', { class: `log-level-${r.level === 'error' ? 'error' : 'warn'}` }, [
          el('span', { class: 'log-t', text: clock(r.tMs) }),
          el('span', { class: 'log-tag', text: r.level }),
          r.source !== undefined ? el('span', { class: 'log-src', text: r.source }) : null,
          el('span', { text: r.message }),
        ]));
      }
    }
  }

  #entry(f: Failure): HTMLElement {
    const where = [f.phase ? `phase ${f.phase}` : '', f.agent ? `agent ${f.agent}` : '', `at ${clock(f.tMs)}`].filter(Boolean).join(' · ');
    const button = el('button', { class: 'btn small', text: 'show in log', attrs: { type: 'button' } });
    button.addEventListener('click', () => this.showInLog(f.id));
    const li = el('li', { class: 'failure', testid: 'failure' }, [
      el('div', { class: 'failure-head' }, [
        el('span', { class: 'icon bad', text: '✖' }), ' ',
        el('strong', { class: 'failure-id', text: f.id }), ' ',
        el('span', { class: 'muted', text: where }), ' ',
        button,
      ]),
      f.error ? el('div', { class: 'failure-error', text: f.error }) : null,
    ]);
    if (f.tail && f.tail.length > 0) {
      const pre = el('pre', { class: 'failure-tail', title: f.tailFrom ? `the last lines of the ${f.tailFrom}'s output before the failure` : '' });
      f.tail.forEach((line, i) => {
        if (i > 0) pre.append('\n');
        renderAnsi(line, pre, 2_000);
      });
      li.append(pre);
    }
    return li;
  }
}
