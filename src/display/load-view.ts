// Each view is imported only by the run that uses it, so startup pays for one.
import type { ViewFormat } from './format.js';
import { buildOnStderr, terminalStdout } from './terminal-output.js';
import type { ProgressReader, View, ViewOptions } from './view.js';
import type { ProgEvent, StreamName } from '../events.js';
import type { Snapshot, Summary } from '../model/snapshot.js';

export async function loadView(format: ViewFormat, options: ViewOptions): Promise<View> {
  switch (format) {
    case 'json':
      return new (await import('./json.js')).JsonView(options);
    case 'none':
      return new (await import('./none.js')).NoneView();
    case 'plain':
      return new (await import('./plain.js')).PlainView(options);
    case 'tui': {
      if (options.tuiChannel) {
        const { RemoteTuiView, remoteScreen } = await import('./tui/remote-tui.js');
        return new RemoteTuiView({ ...options, runId: options.tuiChannel.runId }, options.tuiChannel.fd, remoteScreen(process.env));
      }
      if (options.tui) {
        const { TuiView } = await import('./tui/tui-view.js');
        return new TuiView({ ...options, ...options.tui, input: process.stdin, output: process.stdout });
      }
      // The TUI follows a run recorded in the background (prog run, prog attach); a run recorded
      // here in the foreground (prog resume) gets the live view that shares the screen.
      process.stderr.write('prog: --format tui is for prog run and prog attach; showing the rich view\n');
      return loadView('rich', options);
    }
    case 'rich': {
      const [{ RichView }, { colorAs }] = await Promise.all([import('./rich/rich-view.js'), import('./color.js')]);
      if (options.terminal !== 'stderr') return new RichView(options);
      // The view asks stdout's colour when it is built: the terminal it draws on is stderr.
      return new StdoutAside(buildOnStderr(() => colorAs(process.stdout, process.stderr, () => new RichView(options))));
    }
  }
}

/**
 * The live view drawn on stderr: the command's stdout goes straight to prog's stdout (a pipe or a
 * file), byte for byte, never through the frame; everything else is the view's.
 */
class StdoutAside implements View {
  readonly wantsLines: boolean;
  readonly #view: View;

  constructor(view: View) {
    this.#view = view;
    this.wantsLines = view.wantsLines;
  }

  output(stream: StreamName, bytes: Buffer): void {
    if (stream === 'stdout') terminalStdout().write(bytes);
    else this.#view.output(stream, bytes);
  }

  event(event: ProgEvent, model: ProgressReader): void {
    this.#view.event(event, model);
  }

  tick(snapshot: Snapshot): void {
    this.#view.tick(snapshot);
  }

  finish(summary: Summary, snapshot: Snapshot): void | Promise<void> {
    return this.#view.finish(summary, snapshot);
  }

  detach(message: string): void {
    this.#view.detach?.(message);
  }
}
