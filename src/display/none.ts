// `--format none`: the child's output as it is, nothing of prog's own. The run is still recorded.
import type { StreamName } from '../events.js';
import { terminalStderr, terminalStdout } from './terminal-output.js';
import type { View } from './view.js';

export class NoneView implements View {
  readonly wantsLines = false;
  readonly #out = { stdout: terminalStdout(), stderr: terminalStderr() };

  output(stream: StreamName, bytes: Buffer): void {
    this.#out[stream].write(bytes);
  }

  event(): void {}
  tick(): void {}
  finish(): void {}
}
