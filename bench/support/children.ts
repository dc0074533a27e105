/**
 * Child processes of the benchmark: TypeScript entries run by Node with tsx's require hook and an
 * IPC channel. Every child is killed when the benchmark exits, fails or is interrupted, and every
 * wait on a child is bounded.
 */
import { type ChildProcess, spawn } from "node:child_process";

export interface ChildMessage {
  type: string;
  [key: string]: unknown;
}

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  /** Last lines of its stdout/stderr, for error messages. */
  logTail(): string;
  send(message: Record<string, unknown>): void;
  /** Resolves with the next message of `type` (rejects on an "error" message, exit or timeout). */
  next(type: string, timeoutMs: number): Promise<ChildMessage>;
  /** Subscribes to every message; returns the function that unsubscribes. */
  onMessage(listener: (message: ChildMessage) => void): () => void;
  /** SIGTERM, SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
  readonly exited: boolean;
}

const live = new Set<Child>();
let hooked = false;

function killAll(): void {
  for (const child of live) {
    if (!child.exited) child.process.kill("SIGKILL");
  }
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

const TAIL_LINES = 60;

/** Starts `entry` (a .ts file) with Node, tsx's CommonJS hook and IPC; `arg` goes in argv[2] as JSON. */
export function startChild(
  name: string,
  entry: string,
  arg: unknown,
  options: { nodeArgs?: string[]; echo?: boolean } = {},
): Child {
  hookExit();
  const proc = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), "--require", require.resolve("tsx/cjs"), entry, JSON.stringify(arg)],
    { stdio: ["ignore", "pipe", "pipe", "ipc"], env: { ...process.env } },
  );
  const tail: string[] = [];
  const take = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (line.trim() === "") continue;
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      if (options.echo) process.stderr.write(`  [${name}] ${line}\n`);
    }
  };
  proc.stdout?.on("data", take);
  proc.stderr?.on("data", take);
  let exited = false;
  let exitInfo = "";
  const exitWaiters: Array<() => void> = [];
  const listeners = new Set<(message: ChildMessage) => void>();
  proc.on("message", (message: ChildMessage) => {
    for (const listener of [...listeners]) listener(message);
  });
  proc.on("exit", (code, signal) => {
    exited = true;
    exitInfo = `exited with ${signal ?? code}`;
    live.delete(child);
    for (const w of exitWaiters.splice(0)) w();
  });

  const child: Child = {
    name,
    process: proc,
    logTail: () => tail.join("\n"),
    send(message) {
      if (!exited && proc.connected) proc.send(message);
    },
    onMessage(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    next(type, timeoutMs) {
      return new Promise<ChildMessage>((resolve, reject) => {
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(listener);
          const i = exitWaiters.indexOf(onExit);
          if (i >= 0) exitWaiters.splice(i, 1);
        };
        const listener = (message: ChildMessage) => {
          if (message.type === type) {
            cleanup();
            resolve(message);
          } else if (message.type === "error") {
            cleanup();
            reject(new Error(`${name} failed: ${String(message.error)}\n${child.logTail()}`));
          }
        };
        const onExit = () => {
          cleanup();
          reject(new Error(`${name} ${exitInfo} before sending "${type}"\n${child.logTail()}`));
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(`${name}: no "${type}" within ${Math.round(timeoutMs / 1000)} s\n${child.logTail()}`),
          );
        }, timeoutMs);
        listeners.add(listener);
        if (exited) onExit();
        else exitWaiters.push(onExit);
      });
    },
    stop(graceMs = 10_000) {
      if (exited) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
        exitWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
        proc.kill("SIGTERM");
      });
    },
    get exited() {
      return exited;
    },
  };
  live.add(child);
  return child;
}
