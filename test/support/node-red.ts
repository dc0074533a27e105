/**
 * node-red-node-test-helper set up once for test/nodes: Node-RED 4.1 from node_modules and the
 * compiled nodes from dist/ (what users get), with the core Catch node so tests can prove that
 * bad input reaches it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Node, NodeMessage } from "node-red";

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
  stopServer(done: () => void): void;
  _redNodes: { loadContextsPlugin(): Promise<void>; closeContextsPlugin(): Promise<void> };
}

export const helper: TestHelper = require("node-red-node-test-helper");
helper.init(require.resolve("node-red"));

const dist = (name: string) => join(__dirname, "..", "..", "dist", "nodes", name, `${name}.js`);
export const assetNode: unknown = require(dist("asset"));
export const validateNode: unknown = require(dist("validate"));
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
