// The rich view's rows are listr2 tasks: a root task for the workflow and one task per phase,
// added as phases start. A phase that started inside another (a tool's phase in a CI group) is a
// subtask of that phase's task, at any depth: every phase task runs a subtask list, held open by a
// titleless keeper subtask until the phase ends, and its children are added to that list.
// listr2@9 ignores `add()` after `run()`, so a late task is started with Listr#runTask (private in
// the types, public at runtime; hence listr2 is pinned to 9.0.5) — only once the list's run has
// started the tasks it had (its first task runs), or the list would run a task added meanwhile a
// second time. Drawing is ProgRenderer's job: listr2's own renderer redraws on every change and
// at a frozen width.
import { Listr, ListrTaskState, type ListrRenderer, type ListrTaskObject, type ListrTaskWrapper } from 'listr2';
import type { PhaseStatus } from '../../events.js';
import type { RowState } from './rows.js';

type AnyTask = ListrTaskObject<any, any, any>;
type AnyWrapper = ListrTaskWrapper<any, any, any>;
type AnyListr = Listr<any, any, any>;
/** A task's definition, with the row it draws (keeper tasks have none). */
type Definition = { title?: string; task: (ctx: unknown, wrapper: AnyWrapper) => unknown; [ROW]?: Row };

/** On a task's definition: the row it draws. */
const ROW = Symbol('prog row');

export interface TaskRow {
  id: string;
  /** 0 for a phase of the run, 1 for a phase inside it, … */
  depth: number;
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

  /** The phase rows, each followed by its subtasks' (depth first), as listr2 holds them now. */
  rows(): TaskRow[] {
    const rows: TaskRow[] = [];
    const walk = (tasks: AnyTask[], depth: number) => {
      for (const task of tasks) {
        const row = (task.task as Definition)[ROW];
        if (row?.id === undefined) continue; // the workflow's row, and keepers
        const state = row.end === 'interrupted' && task.hasFailed() ? 'interrupted' : rowState(task);
        rows.push({ id: row.id, depth, state, title: task.title ?? '', output: task.output ?? '' });
        if (task.subtasks) walk(task.subtasks, depth + 1);
      }
    };
    walk(this.#tasks, 0);
    return rows;
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
  /** The phase; undefined for the workflow's row. */
  id?: string;
  wrapper?: AnyWrapper;
  title: string;
  output: string;
  end?: PhaseStatus;
  settle?: (status: PhaseStatus) => void;
  /** Its subtask list, once its keeper runs (the root's: the list of phases): children are added to it. */
  subtasks?: AnyListr;
  /** Children added before that. */
  waiting: Definition[];
  /** Its children's runs: the row settles after them (a failed row would fail running children). */
  children: Promise<void>[];
}

export class ListrTree {
  readonly #listr: Listr<object, typeof ProgRenderer>;
  readonly #rows = new Map<string, Row>();
  readonly #order: string[] = [];
  readonly #done: Promise<unknown>;
  /** Every task started by hand, for close() to wait for. */
  readonly #runs: Promise<void>[] = [];
  readonly #root: Row = { title: '', output: '', waiting: [], children: [] };

  constructor() {
    const root: Definition = {
      title: '',
      task: (_ctx, wrapper) => {
        this.#root.wrapper = wrapper;
        return this.#keeper(this.#root, this.#listr);
      },
      [ROW]: this.#root,
    };
    this.#listr = new Listr<object, typeof ProgRenderer>(
      [root as never],
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

  /** Adds a phase row, under its parent's when that has a row; it shows as running until end(). */
  add(id: string, parent?: string): void {
    if (this.#rows.has(id)) return;
    const row: Row = { id, title: id, output: '', waiting: [], children: [] };
    this.#rows.set(id, row);
    this.#order.push(id);
    const definition: Definition = { title: id, task: (_ctx, wrapper) => this.#open(row, wrapper), [ROW]: row };
    const under = (parent === undefined ? undefined : this.#rows.get(parent)) ?? this.#root;
    if (under.subtasks !== undefined) under.children.push(this.#start(under.subtasks, definition));
    else under.waiting.push(definition);
  }

  /** Ends a phase row as ok, failed, skipped or interrupted (listr2 sets the row's state). */
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

  /** Ends every row still open (children before their parents) and the root, and waits for listr2 to settle. */
  async close(rootStatus: PhaseStatus): Promise<void> {
    for (const id of [...this.#order].reverse()) this.end(id, rootStatus);
    this.#root.end = rootStatus;
    this.#root.settle?.(rootStatus);
    await this.#done;
    await Promise.all(this.#runs);
  }

  /** Adds a task to a list that is already running, and starts it. */
  #start(list: AnyListr, definition: Definition): Promise<void> {
    list.add(definition as never);
    const task = list.tasks.at(-1)!;
    const run = (list as unknown as { runTask(task: AnyTask): Promise<void> }).runTask(task).catch(() => undefined);
    this.#runs.push(run);
    return run;
  }

  /** A phase's task: its subtask list, which its keeper holds open until the phase ends. */
  #open(row: Row, wrapper: AnyWrapper): AnyListr {
    row.wrapper = wrapper;
    wrapper.title = row.title;
    if (row.output) wrapper.output = row.output;
    const list: AnyListr = wrapper.newListr([{ task: () => this.#keeper(row, list) }], { concurrent: true, exitOnError: true });
    return list;
  }

  /** Runs once the list has started the tasks it had: from now on, children are started as they come. */
  #keeper(row: Row, list: AnyListr): Promise<void> {
    row.subtasks = list;
    for (const definition of row.waiting) row.children.push(this.#start(list, definition));
    row.waiting = [];
    return this.#hold(row);
  }

  /** Settles when the row is ended (after its children): skipped, failed (so the task fails) or ok. */
  #hold(row: Row): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      row.settle = (status) => {
        void Promise.all(row.children).then(() => {
          if (status === 'skipped') {
            row.wrapper?.skip(row.title);
            resolve();
          } else if (status === 'failed' || status === 'interrupted') {
            reject(new Error(row.title));
          } else {
            resolve();
          }
        });
      };
      if (row.end) row.settle(row.end);
    });
  }
}
