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
