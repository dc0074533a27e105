/**
 * Reducer state kept in the Node-RED context store (ARCHITECTURE rule 7): with a file-backed
 * store (settings.js `contextStorage`) it survives a restart of Node-RED. State must be plain
 * JSON. Writes are coalesced: `schedule` keeps the latest state and writes it after `delayMs`;
 * `flush` writes at once (call it from the close handler).
 */
import type { Node } from "node-red";

export interface PersistOptions {
  /** Context store name from settings.js `contextStorage`; undefined = the default store. */
  store?: string;
  /** Coalescing delay for `schedule`, ms. */
  delayMs?: number;
}

export class PersistedState<T> {
  private pending: { value: T } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly store: string | undefined;
  private readonly delayMs: number;

  constructor(
    private readonly node: Node,
    private readonly key: string,
    options: PersistOptions = {},
  ) {
    this.store = options.store || undefined;
    this.delayMs = options.delayMs ?? 1000;
  }

  /** The stored state, or undefined when there is none. */
  load(): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      this.node.context().get(this.key, this.store, (err: Error | null | undefined, value: unknown) => {
        if (err) reject(err);
        else resolve(value === undefined ? undefined : (value as T));
      });
    });
  }

  /** Write now. */
  save(value: T): Promise<void> {
    this.cancel();
    return new Promise((resolve, reject) => {
      this.node
        .context()
        .set(this.key, value, this.store, (err?: Error | null) => (err ? reject(err) : resolve()));
    });
  }

  /** Write the latest state after the coalescing delay. */
  schedule(value: T): void {
    this.pending = { value };
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const p = this.pending;
      this.pending = undefined;
      if (p)
        this.save(p.value).catch((err: Error) => this.node.error(`could not persist state: ${err.message}`));
    }, this.delayMs);
  }

  /** Write a scheduled state now, if there is one. */
  async flush(): Promise<void> {
    const p = this.pending;
    this.cancel();
    if (p) await this.save(p.value);
  }

  /** Remove the stored state. */
  clear(): Promise<void> {
    this.cancel();
    return this.save(undefined as T);
  }

  private cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }
}

/**
 * Inputs wait, in order, until the stored state is loaded (ARCHITECTURE rule 7): until `open()`,
 * `run(work)` queues the work and returns a promise settled with its outcome (for `onInput`, so
 * `done` is called when it ran); once open, work runs at once (a reducer step is synchronous, so
 * everything still runs one after the other).
 */
export class LoadGate {
  private queue: Array<() => void> | null = [];

  /** Whether the load has finished. */
  get isOpen(): boolean {
    return this.queue === null;
  }

  run(work: () => void): void | Promise<void> {
    const queue = this.queue;
    if (queue === null) return work();
    return new Promise<void>((resolve, reject) => {
      queue.push(() => {
        try {
          work();
          resolve();
        } catch (err) {
          reject(err);
        }
      });
    });
  }

  /** The load has finished: run what waited, in order; later work runs at once. */
  open(): void {
    const queue = this.queue ?? [];
    this.queue = null;
    for (const next of queue) next();
  }
}

/**
 * A restore point for a reducer that updates its state in place (lib/oee): the state as JSON,
 * taken every `minInputs` to `maxInputs` steps (not per input: a copy per message costs more than
 * the step), and the inputs stepped since. When a step throws, `restore()` gives the state before
 * that input: the snapshot with the later inputs replayed (their outputs were sent already and are
 * dropped). A reducer is deterministic in (state, input, now), so the replay gives the same state.
 * The larger the state, the more inputs between snapshots (one per 8 characters of its JSON,
 * within the bounds), so the copying costs about the same per input whatever the state's size.
 */
export class RestorePoint<S, I> {
  private json = "";
  private journal: Array<{ input: I; nowMs: number }> = [];
  private every = 0;

  constructor(
    private readonly replay: (state: S, input: I, nowMs: number) => S,
    state: S,
    private readonly minInputs = 1000,
    private readonly maxInputs = 10_000,
  ) {
    this.reset(state);
  }

  /** A new starting point (after a load, or a restore). */
  reset(state: S): void {
    this.json = JSON.stringify(state);
    this.journal = [];
    this.every = Math.min(this.maxInputs, Math.max(this.minInputs, Math.ceil(this.json.length / 8)));
  }

  /** `input` was stepped at `nowMs` without error, giving `state`. */
  stepped(state: S, input: I, nowMs: number): void {
    this.journal.push({ input, nowMs });
    if (this.journal.length >= this.every) this.reset(state);
  }

  /** The state after the last successful step (call when a step threw). */
  restore(): S {
    let state = JSON.parse(this.json) as S;
    try {
      for (const j of this.journal) state = this.replay(state, j.input, j.nowMs);
    } catch {
      // Cannot happen for a deterministic reducer; fall back to the snapshot itself.
      state = JSON.parse(this.json) as S;
    }
    this.reset(state);
    return state;
  }
}
