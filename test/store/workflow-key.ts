import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { workflowKey } from '../../src/store/workflow-key.js';
import { runProg } from '../helpers/prog.js';
import { readRecords } from '../../src/store/ndjson.js';
import { join } from 'node:path';

test('a workflow is its command line and directory, quoted as a shell would need', () => {
  assert.is(workflowKey(['make', '-j8'], '/src/app'), 'make -j8 @ /src/app');
  assert.is(workflowKey(['sh', '-c', "echo 'hi there'"], '/x'), `sh -c 'echo '\\''hi there'\\''' @ /x`);
  assert.is.not(workflowKey(['a', 'b c'], '/'), workflowKey(['a', 'b', 'c'], '/'), 'argument boundaries count');
});

test('--name names the workflow, whatever the command', () => {
  assert.is(workflowKey(['make'], '/x', ' nightly '), 'nightly');
  assert.is(workflowKey(['make'], '/x', ''), 'make @ /x');
});

test('the key is recorded in run.json and history, from --name or the command', async () => {
  const named = await runProg(['run', '--name', 'nightly build', '--format', 'none', '--', 'true']);
  const plain = await runProg(['run', '--format', 'none', '--', 'true'], { home: named.home, cwd: '/tmp' });
  const history = readRecords<{ key: string }>(join(named.home, 'history.ndjson')).records;
  assert.equal(history.map((r) => r.key), ['nightly build', 'true @ /tmp']);
});

test.run();
