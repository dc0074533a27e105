import assert from "node:assert/strict";
import type { Node, NodeAPI, NodeDef } from "node-red";
import { PersistedState } from "../../nodes/shared/persistence";
import { helper, tempDir } from "../support/node-red";

interface ContextModule {
  init(settings: Record<string, unknown>): void;
  load(): Promise<void>;
  get(nodeId: string, flowId: string): unknown;
  close(): Promise<void>;
}
const context: ContextModule = require("@node-red/runtime/lib/nodes/context");

// A minimal node that keeps a counter in the context store the way suite nodes keep reducer state.
let last: { node: Node; state: PersistedState<{ count: number }> } | undefined;
function counterNode(RED: NodeAPI) {
  RED.nodes.registerType("test-counter", function (this: Node, def: NodeDef & { store?: string }) {
    RED.nodes.createNode(this, def);
    last = { node: this, state: new PersistedState(this, "state", { store: def.store, delayMs: 20 }) };
  });
}

describe("nodes/shared/persistence: reducer state in the context store", () => {
  let tmp: ReturnType<typeof tempDir>;
  before(() => {
    tmp = tempDir("mfg-ctx-");
  });
  after(() => tmp.remove());
  afterEach(async () => {
    await helper.unload();
  });

  it("loads nothing, then what was saved; schedule coalesces to the latest; clear removes", async () => {
    await helper.load([counterNode], [{ id: "n1", type: "test-counter" }]);
    const s = last!.state;
    assert.equal(await s.load(), undefined);
    await s.save({ count: 1 });
    assert.deepEqual(await s.load(), { count: 1 });
    s.schedule({ count: 2 });
    s.schedule({ count: 3 });
    assert.deepEqual(await s.load(), { count: 1 }, "not written before the delay");
    await s.flush();
    assert.deepEqual(await s.load(), { count: 3 });
    await s.clear();
    assert.equal(await s.load(), undefined);
  });

  it("survives a restart of the runtime with the file-backed store", async () => {
    // Node-RED's own context module with the localfilesystem store, as settings.js configures it;
    // close() flushes to disk like a Node-RED stop, init()+load() is the next start.
    const settings = {
      contextStorage: { file: { module: "localfilesystem", config: { dir: tmp.dir, flushInterval: 1 } } },
    };
    const ctxNode = (ctx: unknown) =>
      ({ context: () => ctx, error: (e: unknown) => assert.fail(String(e)) }) as unknown as Node;
    context.init(settings);
    await context.load();
    await new PersistedState<{ count: number }>(ctxNode(context.get("n2", "f1")), "state", {
      store: "file",
    }).save({ count: 41 });
    await context.close();
    context.init(settings);
    await context.load();
    const again = new PersistedState<{ count: number }>(ctxNode(context.get("n2", "f1")), "state", {
      store: "file",
    });
    assert.deepEqual(await again.load(), { count: 41 });
    await context.close();
  });
});
