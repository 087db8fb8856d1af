// The rich view's rows are listr2 tasks: a root task for the workflow and one task per phase,
// added as phases start. listr2@9 ignores `add()` after `run()`, so a late task is started with
// Listr#runTask (private in the types, public at runtime; hence listr2 is pinned to 9.0.5), and a
// keeper task holds the root open until the run ends. Drawing is ProgRenderer's job: listr2's own
// renderer redraws on every change and at a frozen width.
import { Listr, ListrTaskState, type ListrRenderer, type ListrTaskObject, type ListrTaskWrapper } from 'listr2';
import type { PhaseStatus } from '../../events.js';
import type { RowState } from './rows.js';

type AnyTask = ListrTaskObject<any, any, any>;
type AnyWrapper = ListrTaskWrapper<any, any, any>;

export interface TaskRow {
  state: RowState;
  title: string;
  output: string;
}

/** A listr2 renderer that draws nothing by itself: the rich view asks it for rows at its own pace. */
export class ProgRenderer implements ListrRenderer {
  static nonTTY = true;
  static rendererOptions: Record<PropertyKey, unknown> = {};
  static rendererTaskOptions: Record<PropertyKey, unknown> = {};
  readonly #tasks: AnyTask[];

  constructor(tasks: AnyTask[]) {
    this.#tasks = tasks;
  }

  render(): void {}
  end(): void {}

  rows(): TaskRow[] {
    return this.#tasks.map((task) => ({ state: rowState(task), title: task.title ?? '', output: task.output ?? '' }));
  }
}

function rowState(task: AnyTask): RowState {
  switch (task.state) {
    case ListrTaskState.COMPLETED: return 'ok';
    case ListrTaskState.FAILED: return 'failed';
    case ListrTaskState.SKIPPED: return 'skipped';
    case ListrTaskState.RETRY: return 'retrying';
    case ListrTaskState.WAITING: return 'waiting';
    default: return 'running';
  }
}

interface Row {
  wrapper?: AnyWrapper;
  title: string;
  output: string;
  end?: PhaseStatus;
  settle?: (status: PhaseStatus) => void;
}

export class ListrTree {
  readonly #listr: Listr<object, typeof ProgRenderer>;
  readonly #rows = new Map<string, Row>();
  readonly #order: string[] = [];
  readonly #done: Promise<unknown>;
  #closeRoot?: () => void;
  #root: Row = { title: '', output: '' };

  constructor() {
    this.#listr = new Listr<object, typeof ProgRenderer>(
      [{ title: '', task: (_ctx, task) => this.#keep(this.#root, task) }],
      { concurrent: true, exitOnError: false, registerSignalListeners: false, renderer: ProgRenderer },
    );
    this.#done = this.#listr.run().catch(() => undefined);
  }

  get renderer(): ProgRenderer {
    return (this.#listr as unknown as { renderer: ProgRenderer }).renderer;
  }

  has(id: string): boolean {
    return this.#rows.has(id);
  }

  /** Adds a phase row; it shows as running until end(). */
  add(id: string): void {
    if (this.#rows.has(id)) return;
    const row: Row = { title: id, output: '' };
    this.#rows.set(id, row);
    this.#order.push(id);
    this.#listr.add({ title: id, task: (_ctx, task) => this.#keep(row, task) });
    const task = this.#listr.tasks.at(-1)!;
    void (this.#listr as unknown as { runTask(task: AnyTask): Promise<void> }).runTask(task).catch(() => undefined);
  }

  /** Ends a phase row as ok, failed or skipped (listr2 sets the row's state). */
  end(id: string, status: PhaseStatus): void {
    const row = this.#rows.get(id);
    if (!row || row.end) return;
    row.end = status;
    row.settle?.(status);
  }

  set(id: string | undefined, title: string, output = ''): void {
    const row = id === undefined ? this.#root : this.#rows.get(id);
    if (!row) return;
    if (row.title !== title) {
      row.title = title;
      if (row.wrapper) row.wrapper.title = title;
    }
    if (row.output !== output) {
      row.output = output;
      if (row.wrapper) row.wrapper.output = output;
    }
  }

  /** Ends every row still open and the root, and waits for listr2 to settle. */
  async close(rootStatus: PhaseStatus): Promise<void> {
    for (const id of this.#order) this.end(id, rootStatus);
    this.#root.end = rootStatus;
    this.#root.settle?.(rootStatus);
    await this.#done;
  }

  /** A task that stays running until its row is ended. */
  #keep(row: Row, wrapper: AnyWrapper): Promise<void> {
    row.wrapper = wrapper;
    wrapper.title = row.title;
    if (row.output) wrapper.output = row.output;
    return new Promise<void>((resolve, reject) => {
      row.settle = (status) => {
        if (status === 'skipped') {
          wrapper.skip(row.title);
          resolve();
        } else if (status === 'failed') {
          reject(new Error(row.title));
        } else {
          resolve();
        }
      };
      if (row.end) row.settle(row.end);
    });
  }
}
