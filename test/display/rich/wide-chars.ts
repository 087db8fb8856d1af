// Wide characters (emoji, CJK) take two cells: measured so, frame lines never wrap, and erasing a
// frame erases all of it, so no old frame lines pile up in the scrollback.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { textWidth, truncate } from '../../../src/display/rich/text-width.js';
import { progBin, tempDir } from '../../helpers/prog.js';
import { child, marker, type Step } from '../../helpers/runs.js';
import { shellQuote, Tmux } from '../../helpers/tmux.js';
import { liveTest, tools } from '../../helpers/tools.js';

test('emoji with a wide East Asian Width (✅ ❌ ⚡) take two cells, like CJK and Hangul', () => {
  assert.is(textWidth('✅❌⚡'), 6);
  assert.is(textWidth('构建テスト'), 10);
  assert.is(textWidth('한국어'), 6);
  assert.is(textWidth('Ｆｕｌｌ'), 8, 'fullwidth forms');
  assert.is(textWidth('🚀'), 2, 'outside the basic plane');
});

test('what stays narrow: the view\'s own icons, ambiguous characters, Latin and Cyrillic', () => {
  assert.is(textWidth('❯✔✖↻◌⊘■·…⚠█░'), 12);
  assert.is(textWidth('Ünïcödé Кириллица'), 17);
  assert.is(textWidth('→ ±'), 3);
});

test('what takes no cell: combining marks, joiners, variation selectors, controls', () => {
  assert.is(textWidth('e\u0301'), 1);
  assert.is(textWidth('a\u200db'), 2);
  assert.is(textWidth('x\ufe0f'), 1);
  assert.is(textWidth('\x07\x1b'), 0);
  assert.is(textWidth('\u00ad'), 1, 'a soft hyphen shows');
});

test('cutting counts wide characters as two and never splits one', () => {
  assert.is(truncate('✅✅✅✅', 5), '✅✅…');
  assert.is(textWidth(truncate('⚡ 构建 ❌ テスト', 9)), 9);
  assert.is(truncate('⚡ 构建 ❌ テスト', 9), '⚡ 构建 …');
  assert.is(truncate('ascii only', 10), 'ascii only');
});

// A workflow whose names are wide characters all over, printing a line of output between its
// markers, so that every frame is erased and drawn again below new output.
function wide(): Step[] {
  const steps: Step[] = [
    { o: marker({ type: 'workflow', name: '数据处理流水线 ✅⚡' }) },
    { o: marker({ type: 'phase', id: 'build', name: '⚡ 构建 ❌ テスト', total: 40 }) },
  ];
  for (let i = 0; i < 40; i++) {
    const agent = `代理-${i % 2}`;
    const id = `文件_✅✅✅_${i}.py`;
    steps.push({ o: marker({ type: 'item.start', phase: 'build', id, agent }) }, { o: `out ${i}\n` }, { sleep: 60 });
    if (i % 10 === 5) steps.push({ o: marker({ type: 'log', level: 'warn', source: agent, message: `⚠ 慢 ✅ ${i}` }) });
    steps.push({ o: marker({ type: 'item.done', phase: 'build', id, agent }) });
  }
  steps.push({ o: marker({ type: 'phase.end', id: 'build', status: 'ok' }) });
  return steps;
}

liveTest([tools.tmux()], 'at 60 columns, frames of wide characters leave nothing behind in the scrollback', async () => {
  const command = [process.execPath, progBin, 'run', '--format', 'rich', '--', ...child(wide())].map(shellQuote).join(' ');
  const t = new Tmux(`echo '$ prog run'; env -u CI -u NO_COLOR -u FORCE_COLOR ${command}`, 60, 20, { PROG_HOME: tempDir(), TERM: 'xterm-256color' });
  try {
    await t.waitFor((s) => s.some((l) => /^\[exit 0\]$/.test(l)), 30_000, 'the run to end');
    const all = t.history();
    const outputs = all.filter((l) => /^out \d+$/.test(l));
    assert.equal(outputs, Array.from({ length: 40 }, (_, i) => `out ${i}`), 'every output line, once, in order');
    // The final frame holds the only header and phase row; the phase ended, so no agent row is left.
    const shown = all.join('\n');
    assert.is(all.filter((l) => l.includes('数据处理流水线')).length, 1, `one header in all the terminal holds:\n${shown}`);
    assert.is(all.filter((l) => /⚡ 构建 ❌ テスト \[/.test(l)).length, 1, `one phase row in all the terminal holds:\n${shown}`);
    assert.is(all.filter((l) => /代理-\d +(文件|completed)/.test(l)).length, 0, `no agent row left over:\n${shown}`);
    assert.is(all.filter((l) => /^\S? ?文件_|^✅|^_\d/.test(l)).length, 0, `no wrapped half of a row:\n${shown}`);
  } finally {
    t.kill();
  }
});

test.run();
