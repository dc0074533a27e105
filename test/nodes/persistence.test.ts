import assert from "node:assert/strict";
import type { Node, NodeAPI, NodeDef } from "node-red";
import { LoadGate, PersistedState, RestorePoint } from "../../nodes/shared/persistence";
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

describe("nodes/shared/persistence: LoadGate", () => {
  it("queues work until open, then runs it in order; later work runs at once", async () => {
    const gate = new LoadGate();
    const ran: string[] = [];
    const a = gate.run(() => {
      ran.push("a");
    });
    const b = gate.run(() => {
      throw new Error("b failed");
    });
    const c = gate.run(() => {
      ran.push("c");
    });
    assert.ok(a instanceof Promise && b instanceof Promise && c instanceof Promise, "promises while loading");
    assert.equal(gate.isOpen, false, "closed");
    assert.equal(ran.length, 0, "nothing ran before the load");
    gate.open();
    assert.equal(gate.isOpen, true, "open");
    assert.deepEqual(ran, ["a", "c"], "in order, a failure does not stop the others");
    await a;
    await assert.rejects(b as Promise<void>, /b failed/, "the failure goes to its own caller");
    await c;
    const d = gate.run(() => {
      ran.push("d");
    });
    assert.equal(d, undefined, "runs at once, no promise");
    assert.deepEqual(ran, ["a", "c", "d"], "d ran");
    assert.throws(
      () =>
        gate.run(() => {
          throw new Error("e failed");
        }),
      /e failed/,
      "an error of work run at once is thrown to the caller",
    );
  });
});

describe("nodes/shared/persistence: RestorePoint", () => {
  // A reducer that updates its state in place and throws half-way for a negative input.
  type S = { total: number; items: number[] };
  const reduce = (s: S, input: number): S => {
    s.items.push(input);
    if (input < 0) throw new Error("negative");
    s.total += input;
    return s;
  };

  it("gives the state after the last successful step when a step throws half-way", () => {
    let state: S = { total: 0, items: [] };
    const point = new RestorePoint<S, number>((s, input) => reduce(s, input), state, 3, 3);
    for (const input of [1, 2, 3, 4, 5]) {
      state = reduce(state, input);
      point.stepped(state, input, 0);
    }
    assert.throws(() => reduce(state, -1), /negative/);
    assert.deepEqual(state.items, [1, 2, 3, 4, 5, -1], "the failed step changed the state in place");
    state = point.restore();
    assert.deepEqual(state, { total: 15, items: [1, 2, 3, 4, 5] }, "the state before the failed step");
    // And it goes on from there.
    state = reduce(state, 6);
    point.stepped(state, 6, 0);
    assert.throws(() => reduce(state, -2), /negative/);
    assert.deepEqual(point.restore(), { total: 21, items: [1, 2, 3, 4, 5, 6] }, "again");
  });

  it("snapshots only every N inputs: replays the ones since, with their clock", () => {
    let copies = 0;
    const seen: number[] = [];
    const point = new RestorePoint<{ n: number; toJSON?: () => unknown }, number>(
      (s, input, nowMs) => {
        seen.push(nowMs);
        s.n += input;
        return s;
      },
      { n: 0 },
      4,
      4,
    );
    const counted = (n: number) => ({
      n,
      toJSON() {
        copies++;
        return { n: this.n };
      },
    });
    for (let i = 1; i <= 6; i++) point.stepped(counted(i), 1, 1000 + i);
    assert.equal(copies, 1, "one snapshot in 6 inputs (at the 4th)");
    // A larger state waits for more inputs: one per 8 characters of its JSON, within the bounds.
    const big = new RestorePoint<{ s: string }, number>((s) => s, { s: "x".repeat(8000) }, 10, 100_000);
    let bigCopies = 0;
    const bigState = {
      s: "x".repeat(8000),
      toJSON() {
        bigCopies++;
        return { s: this.s };
      },
    };
    for (let i = 0; i < 1000; i++) big.stepped(bigState, 0, i);
    assert.equal(bigCopies, 0, "no copy within the first 1000 inputs of an 8 kB state");
    big.stepped(bigState, 0, 1000);
    assert.equal(bigCopies, 1, "a copy at about 8008 / 8 = 1001 inputs");
    assert.deepEqual(point.restore(), { n: 4 + 2 }, "snapshot n = 4, then 2 inputs replayed");
    assert.deepEqual(seen, [1005, 1006], "replayed at their own clock");
  });
});
