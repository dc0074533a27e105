/**
 * node-red-node-test-helper set up once for test/nodes: Node-RED 4.1 from node_modules and the
 * compiled nodes from dist/ (what users get), with the core Catch node so tests can prove that
 * bad input reaches it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Node, NodeMessage } from "node-red";

/** A reply of the admin API (supertest). */
export interface AdminReply {
  status: number;
  text: string;
  body: unknown;
}

/** supertest on the helper's admin app, where RED.httpAdmin routes live. */
export interface AdminAgent {
  get(path: string): Promise<AdminReply>;
  post(path: string): { send(body: unknown): Promise<AdminReply> };
}

// The helper ships no types; this is the part the tests use. Loaded with require, as Node-RED loads nodes.
export interface TestHelper {
  init(nodeRedRuntime: string, settings?: Record<string, unknown>): void;
  settings(s: Record<string, unknown>): Record<string, unknown>;
  load(
    nodes: unknown[],
    flow: Array<Record<string, unknown>>,
    credentials?: Record<string, unknown>,
  ): Promise<void>;
  unload(): Promise<void>;
  getNode(id: string): (Node & { receive(msg: Record<string, unknown>): void }) | null;
  startServer(done: () => void): void;
  /** Spy on Node-RED's log: args[i][0] is {level, msg, type, id} (levels: 20 error, 30 warn, 40 info). */
  log(): { args: unknown[][] };
  url(): string;
  /** The admin API of the running test server (after startServer). */
  request(): AdminAgent;
  stopServer(done: () => void): void;
  _redNodes: { loadContextsPlugin(): Promise<void>; closeContextsPlugin(): Promise<void> };
}

export const helper: TestHelper = require("node-red-node-test-helper");
helper.init(require.resolve("node-red"));

const distDir = (name: string) => join(__dirname, "..", "..", "dist", "nodes", name);

/**
 * A compiled node module whose `RED._` speaks the node's en-US catalog: the test helper's own
 * `RED._` returns the key, and tests should read the texts users read.
 */
function load(name: string): unknown {
  // Loaded when Node-RED registers it, so a test file needs only the nodes it uses to be built.
  return (red: object) => {
    const module = require(join(distDir(name), `${name}.js`)) as (red: object) => unknown;
    const catalog = JSON.parse(readFileSync(join(distDir(name), "locales", "en-US", `${name}.json`), "utf8"));
    return module(
      new Proxy(red, {
        get: (target, prop, receiver) =>
          prop === "_" ? translator(catalog) : Reflect.get(target, prop, receiver),
      }),
    );
  };
}

function translator(catalog: unknown): (key: string, subs?: Record<string, unknown>) => string {
  return (key: string, subs: Record<string, unknown> = {}): string => {
    const found = key
      .split(".")
      .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], catalog);
    if (typeof found !== "string") return key;
    return found.replace(/__(\w+)__/g, (_m, k: string) => String(subs[k] ?? `__${k}__`));
  };
}

export const assetNode: unknown = load("asset");
export const validateNode: unknown = load("validate");
export const opcuaEndpointNode: unknown = load("opcua-endpoint");
export const mqttBrokerNode: unknown = load("mqtt-broker");
export const machineConnectorNode: unknown = load("machine-connector");
export const shiftCalendarNode: unknown = load("shift-calendar");
export const stateClassifierNode: unknown = load("state-classifier");
export const oeeCalculatorNode: unknown = load("oee-calculator");
export const spcCheckNode: unknown = load("spc-check");
export const catchNode: unknown = require("@node-red/nodes/core/common/25-catch.js");

/** Resolves with the next message a helper node receives; rejects after `ms`. */
export function nextMessage(node: Node, ms = 3000): Promise<NodeMessage & Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message at ${node.id} within ${ms} ms`)), ms);
    node.once("input", (msg: NodeMessage & Record<string, unknown>) => {
      clearTimeout(timer);
      resolve(msg);
    });
  });
}

/** Collects the messages a helper node receives. */
export function collect(node: Node): Array<NodeMessage & Record<string, unknown>> {
  const got: Array<NodeMessage & Record<string, unknown>> = [];
  node.on("input", (msg: NodeMessage & Record<string, unknown>) => got.push(msg));
  return got;
}

export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Node-RED's context stores around a restart, for node-red-node-test-helper 0.3.6 (which neither
 * opens nor closes them): `openStores` is a pseudo node module for helper.load that opens the
 * configured stores before the flows start, as Node-RED does; `stopRuntime` is Node-RED stopping:
 * the flows stop (nodes flush their state), then the stores close (to disk).
 */
export const contextStores = {
  openStores: (): Promise<void> => helper._redNodes.loadContextsPlugin(),
  async stopRuntime(): Promise<void> {
    const red = helper as unknown as {
      _redNodes: { stopFlows(): Promise<void>; closeContextsPlugin(): Promise<void> };
      _context: { init(settings: Record<string, unknown>): void };
    };
    await red._redNodes.stopFlows();
    await red._redNodes.closeContextsPlugin();
    // helper.unload() cleans the context of every node it does not know: not the closed files.
    red._context.init({});
  },
};

/**
 * For a describe block whose tests restart Node-RED with the file-backed context store: a fresh
 * temporary store folder per test and, after each, Node-RED stopped and its stores closed.
 * `useStore()` selects the store in the helper's settings (call before helper.load);
 * `storedFiles()` reads the store's JSON files from disk (after contextStores.stopRuntime()).
 */
export function fileContextStore(prefix: string): {
  useStore(): void;
  storedFiles(): { names: string[]; texts: string[] };
} {
  let tmp: { dir: string; remove(): void } | undefined;
  beforeEach(() => {
    tmp = tempDir(prefix);
  });
  afterEach(async () => {
    await contextStores.stopRuntime();
    helper.settings({});
    tmp?.remove();
  });
  const dir = (): string => {
    if (!tmp) throw new Error("fileContextStore: only inside a test");
    return tmp.dir;
  };
  return {
    useStore: () =>
      void helper.settings({
        contextStorage: { default: { module: "localfilesystem", config: { dir: dir(), flushInterval: 1 } } },
      }),
    storedFiles() {
      const names = readdirSync(dir(), { recursive: true }).map(String);
      const texts = names.filter((f) => f.endsWith(".json")).map((f) => readFileSync(join(dir(), f), "utf8"));
      return { names, texts };
    },
  };
}
