// Every tool-output parser prog knows, in one list: adding a format is adding its file under
// formats/ and one line here (test/parsers/registry.ts checks that none is forgotten). A static
// list, not a directory read at start-up, so the bundle holds them and `prog run` starts fast
// (sorted by plain comparison: the first localeCompare loads ICU's collator, ~9 ms).
import type { ParserSpec } from './format-parser.js';
import { parser as azurePipelines } from './formats/azure-pipelines.js';
import { parser as cargo } from './formats/cargo.js';
import { parser as compiler } from './formats/compiler.js';
import { parser as ctest } from './formats/ctest.js';
import { parser as git } from './formats/git.js';
import { parser as githubActions } from './formats/github-actions.js';
import { parser as make } from './formats/make.js';
import { parser as ninja } from './formats/ninja.js';
import { parser as nodeSpec } from './formats/node-spec.js';
import { parser as oscProgress } from './formats/osc-progress.js';
import { parser as pv } from './formats/pv.js';
import { parser as pytest } from './formats/pytest.js';
import { parser as rsync } from './formats/rsync.js';
import { parser as tap } from './formats/tap.js';
import { parser as teamcity } from './formats/teamcity.js';

/** Sorted by name. */
export const PARSERS: readonly ParserSpec[] = [
  azurePipelines,
  cargo,
  compiler,
  ctest,
  git,
  githubActions,
  make,
  ninja,
  nodeSpec,
  oscProgress,
  pv,
  pytest,
  rsync,
  tap,
  teamcity,
].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
