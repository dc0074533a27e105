/**
 * Settings of an embedded, quiet Node-RED for a benchmark contender (no HTTP, no editor, no
 * telemetry, only the node folders given), a bounded collector of its warn/error log lines, the
 * core node folder of a contender (the function node and the bench's own nodes) and the small
 * tools every contender process uses (a forced GC, an event-loop turn).
 * Shared by every contender process of the benchmarks.
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { sleep } from "./child-side";

/** The part of the embedded Node-RED runtime a contender uses; `Send` is what its source sends. */
export interface EmbeddedRed<Event, Send> {
  init(settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  nodes: { getNode(id: string): { send(msg: Send): void } | null };
  hooks: { add(name: string, fn: (event: Event) => void): void; remove(name: string): void };
}

export const MB = 1024 * 1024;

/** One turn of the event loop. */
export const turn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** A full garbage collection (the contender runs with --expose-gc). */
export function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error("run the contender with --expose-gc");
  collect();
}

/**
 * Node-RED's core node folder replaced by one holding only the function node and the bench's own
 * nodes: `name`.js requires `exportName` of the module `module` (a .ts file, run through tsx),
 * `name`.html registers their editor definitions (`html`: the script's body).
 */
export function writeCoreNodeDir(
  dir: string,
  bench: { name: string; module: string; exportName: string; html: string },
): void {
  mkdirSync(join(dir, "examples"), { recursive: true });
  const fn = require.resolve("@node-red/nodes/core/function/10-function.js");
  writeFileSync(join(dir, "function.js"), `module.exports = require(${JSON.stringify(fn)});\n`);
  copyFileSync(join(dirname(fn), "10-function.html"), join(dir, "function.html"));
  writeFileSync(
    join(dir, `${bench.name}.js`),
    `// Written by bench/support/embedded-red.ts\nmodule.exports = require(${JSON.stringify(bench.module)}).${bench.exportName};\n`,
  );
  writeFileSync(join(dir, `${bench.name}.html`), `<script type="text/javascript">${bench.html}</script>\n`);
}

interface RedLogMessage {
  level: number;
  msg?: unknown;
  type?: string;
  id?: string;
}

const MAX_LOGS = 30;

/** Keeps the first warn/error lines (and echoes the first 10 to stderr), counts the rest. */
export class BenchLog {
  private readonly lines: string[] = [];
  private count = 0;

  handler(): (m: RedLogMessage) => void {
    return (m) => {
      this.count++;
      const line = `[${m.level <= 20 ? "error" : "warn"}] ${m.type ?? ""}${m.id ? `:${m.id}` : ""} ${String(m.msg).slice(0, 300)}`;
      if (this.lines.length < MAX_LOGS) this.lines.push(line);
      if (this.count <= 10) process.stderr.write(`${line}\n`);
    };
  }

  /** The kept lines, with a note of how many more there were. */
  summary(): string[] {
    const more = this.count - this.lines.length;
    return more > 0 ? [...this.lines, `... ${more} more log lines`] : this.lines.slice();
  }
}

export function embeddedSettings(o: {
  userDir: string;
  /** Replaces the core node set: Node-RED scans this folder instead of @node-red/nodes and node_modules. */
  coreNodesDir: string;
  nodesDir: string[];
  contextStorage: Record<string, unknown>;
  log: BenchLog;
}): Record<string, unknown> {
  return {
    SKIP_BUILD_CHECK: true,
    userDir: o.userDir,
    flowFile: "flows.json",
    credentialSecret: false,
    httpAdminRoot: false,
    httpNodeRoot: false,
    coreNodesDir: o.coreNodesDir,
    nodesDir: o.nodesDir,
    contextStorage: o.contextStorage,
    telemetry: { enabled: false },
    diagnostics: { enabled: false, ui: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    editorTheme: { projects: { enabled: false }, tours: false },
    logging: {
      console: { level: "off", metrics: false, audit: false },
      bench: { level: "warn", metrics: false, audit: false, handler: () => o.log.handler() },
    },
  };
}

/**
 * Starts the embedded runtime (after RED.init) and waits, at most 30 s, until the flow runs the
 * node `sourceId` (the flow starts shortly after RED.start() resolves); returns that node.
 */
export async function startRuntime<Event, Send>(
  RED: EmbeddedRed<Event, Send>,
  sourceId: string,
): Promise<{ send(msg: Send): void }> {
  await RED.start();
  const running = performance.now() + 30_000;
  while (!RED.nodes.getNode(sourceId) && performance.now() < running) await sleep(50);
  const source = RED.nodes.getNode(sourceId);
  if (!source) throw new Error("the bench source node is not running after 30 s (see the log lines above)");
  return source;
}
