import assert from "node:assert/strict";
import { examples } from "../support/messages";
import { assetNode, catchNode, collect, helper, nextMessage, validateNode } from "../support/node-red";

const asset = {
  id: "a1",
  type: "mfg-asset",
  site: "berlin",
  area: "packaging",
  line: "line-1",
  cell: "",
  machine: "filler",
};

function flow(config: Record<string, unknown> = {}) {
  return [
    { id: "f1", type: "tab", label: "t" },
    asset,
    {
      id: "v1",
      z: "f1",
      type: "mfg-validate",
      name: "",
      asset: "a1",
      kind: "auto",
      wrap: false,
      ...config,
      wires: [["out"]],
    },
    { id: "out", z: "f1", type: "helper" },
    { id: "c1", z: "f1", type: "catch", scope: null, uncaught: false, wires: [["caught"]] },
    { id: "caught", z: "f1", type: "helper" },
  ];
}

describe("mfg-validate (Node-RED 4.1, compiled node)", () => {
  afterEach(async () => {
    await helper.unload();
  });

  it("passes a valid suite message on, with the asset path as topic", async () => {
    await helper.load([assetNode, validateNode, catchNode], flow());
    const out = helper.getNode("out")!;
    const received = nextMessage(out);
    helper.getNode("v1")!.receive({ payload: structuredClone(examples.StateChange) });
    const msg = await received;
    assert.deepEqual(msg.payload, examples.StateChange);
    assert.equal(msg.topic, "plant-berlin/packaging/line-1/filler");
  });

  it("sends invalid input to a Catch node with the field named, and keeps running", async () => {
    await helper.load([assetNode, validateNode, catchNode], flow());
    const outMsgs = collect(helper.getNode("out")!);
    const caught = nextMessage(helper.getNode("caught")!);
    const bad = { ...structuredClone(examples.MachineSample), ts: "yesterday" };
    helper.getNode("v1")!.receive({ payload: bad, _msgid: "m-bad" });
    const err = await caught;
    const error = err.error as { message: string; source: { id: string } };
    assert.match(error.message, /^InputError: payload\.ts must be epoch milliseconds/);
    assert.equal(error.source.id, "v1");
    assert.equal(
      (err.payload as { ts: unknown }).ts,
      "yesterday",
      "the refused message is delivered as it came",
    );
    // the node is still running: the next valid message goes through
    const next = nextMessage(helper.getNode("out")!);
    helper.getNode("v1")!.receive({ payload: structuredClone(examples.MachineSample) });
    await next;
    assert.equal(outMsgs.length, 1, "only the valid message was sent on");
  });

  it("fills a missing payload.asset from the configured asset", async () => {
    await helper.load([assetNode, validateNode, catchNode], flow({ kind: "Alarm" }));
    const received = nextMessage(helper.getNode("out")!);
    const { asset: _omit, ...alarm } = structuredClone(examples.Alarm);
    helper.getNode("v1")!.receive({ payload: alarm });
    const msg = await received;
    assert.equal((msg.payload as { asset: string }).asset, "berlin/packaging/line-1/filler");
    assert.equal(msg.topic, "berlin/packaging/line-1/filler");
  });

  it("refuses a message of another kind than configured", async () => {
    await helper.load([assetNode, validateNode, catchNode], flow({ kind: "SpcResult" }));
    const caught = nextMessage(helper.getNode("caught")!);
    helper.getNode("v1")!.receive({ payload: structuredClone(examples.Alarm) });
    const err = await caught;
    assert.match(
      (err.error as { message: string }).message,
      /^InputError: payload\.kind must be "SpcResult"/,
    );
  });

  it("wraps plain tag values into a MachineSample with the message time", async () => {
    await helper.load([assetNode, validateNode, catchNode], flow({ wrap: true, kind: "MachineSample" }));
    const received = nextMessage(helper.getNode("out")!);
    helper.getNode("v1")!.receive({ payload: { speed: 120, fault: false }, ts: "2026-11-23T07:00:00+01:00" });
    const msg = await received;
    assert.deepEqual(msg.payload, {
      kind: "MachineSample",
      asset: "berlin/packaging/line-1/filler",
      ts: Date.UTC(2026, 10, 23, 6, 0, 0),
      stale: false,
      values: { speed: { value: 120, quality: "Good" }, fault: { value: false, quality: "Good" } },
    });
  });

  it("names the tag when a plain value cannot be wrapped", async () => {
    await helper.load([assetNode, validateNode, catchNode], flow({ wrap: true }));
    const caught = nextMessage(helper.getNode("caught")!);
    helper.getNode("v1")!.receive({ payload: { speed: Number.NaN } });
    const err = await caught;
    assert.match(
      (err.error as { message: string }).message,
      /^InputError: payload\.speed must be a finite number/,
    );
  });

  it("reports an invalid asset to every message instead of crashing", async () => {
    const f = flow();
    (f[1] as Record<string, unknown>).machine = "fill/er";
    await helper.load([assetNode, validateNode, catchNode], f);
    const caught = nextMessage(helper.getNode("caught")!);
    helper.getNode("v1")!.receive({ payload: structuredClone(examples.Alarm) });
    const err = await caught;
    assert.match((err.error as { message: string }).message, /asset\.machine must be a name without "\/"/);
  });
});
