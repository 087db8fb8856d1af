// The rich view's listr2 tree: phases as tasks, a phase started inside another as its subtask at
// any depth, each ending in its own state; close() always settles, however the adds, ends and
// listr2's own start interleave (a replay adds and ends everything in one go; a live run spreads it).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ListrTree } from '../../../src/display/rich/listr-tree.js';
import { scaled } from '../../helpers/time.js';

const tick = () => new Promise((r) => setTimeout(r, 10));

/** close(), or a failure if it does not settle within a second (scaled). */
async function closed(tree: ListrTree, status: Parameters<ListrTree['close']>[0]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    tree.close(status),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('close() did not settle')), scaled(1000)))),
  ]);
  clearTimeout(timer);
}

const shape = (tree: ListrTree) => tree.renderer.rows().map((r) => `${'  '.repeat(r.depth)}${r.id} ${r.state}`);

test('children are subtasks of their parent at any depth, in the order they came; each ends in its own state', async () => {
  const tree = new ListrTree();
  tree.add('CI');
  tree.add('Build', 'CI');
  tree.add('make', 'Build');
  await tick();
  tree.add('Test', 'CI');
  tree.add('ctest', 'Test');
  tree.add('lint');
  await tick();
  assert.equal(shape(tree), ['CI running', '  Build running', '    make running', '  Test running', '    ctest running', 'lint running']);
  tree.end('make', 'ok');
  tree.end('Build', 'ok');
  tree.end('ctest', 'failed');
  tree.end('Test', 'failed');
  tree.end('lint', 'skipped');
  await tick();
  assert.equal(shape(tree), ['CI running', '  Build ok', '    make ok', '  Test failed', '    ctest failed', 'lint skipped']);
  await closed(tree, 'interrupted');
  assert.equal(shape(tree), ['CI interrupted', '  Build ok', '    make ok', '  Test failed', '    ctest failed', 'lint skipped']);
});

test('close() settles when everything was added and ended at once, before listr2 started anything (a replay)', async () => {
  const tree = new ListrTree();
  tree.add('p');
  tree.add('q', 'p');
  tree.end('q', 'ok');
  tree.end('p', 'failed');
  await closed(tree, 'failed');
  assert.equal(shape(tree), ['p failed', '  q ok']);
});

test('close() settles when a phase ends after listr2 started it, and when rows are still open at the end', async () => {
  for (const late of [0, 1, 5]) {
    const tree = new ListrTree();
    tree.add('p');
    for (let i = 0; i < late; i++) await tick();
    tree.add('q', 'p');
    tree.end('p', 'failed');
    await closed(tree, 'failed');
    assert.equal(shape(tree), ['p failed', '  q failed'], `after ${late} ticks`);
  }
});

test.run();
