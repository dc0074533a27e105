/**
 * mfg-state-classifier in Node-RED 4.1 (compiled node from dist/): PackML and rule samples in,
 * StateChanges out with durations; the flicker filter's timer; bad input to a Catch node with the
 * state unchanged; a restart with the file context store continues the same state and stop.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_ELEMENTS, statesOf } from "../../lib/state/classifier";
import type { MachineSample, StateChange, TagScalar } from "../../lib/types";
import {
  assetNode,
  catchNode,
  collect,
  helper,
  nextMessage,
  stateClassifierNode,
  tempDir,
} from "../support/node-red";
import { until } from "../support/wait";

interface ContextModule {
  init(settings: Record<string, unknown>): void;
  load(): Promise<void>;
  close(): Promise<void>;
}
const context: ContextModule = require("@node-red/runtime/lib/nodes/context");

// Parts of the test helper and runtime this file needs beyond test/support's TestHelper.
const runtime = helper as unknown as {
  setFlows(flow: Array<Record<string, unknown>>): Promise<void>;
  _redNodes: { stopFlows(): Promise<void>; startFlows(): Promise<void> };
};

const S = 1000;
/** An hour ago on a whole second: sample times must lie near the clock (7 days before, 5 min after). */
const T0 = Math.floor((Date.now() - 3_600_000) / S) * S;
const ASSET = "plant-berlin/packaging/line-1/filler";

const asset = {
  id: "a1",
  type: "mfg-asset",
  site: "plant-berlin",
  area: "packaging",
  line: "line-1",
  cell: "",
  machine: "filler",
};

function classifier(config: Record<string, unknown> = {}) {
  return {
    id: "sc1",
    z: "f1",
    type: "mfg-state-classifier",
    name: "",
    asset: "",
    model: "packml",
    stateTag: "StateCurrent",
    modeTag: "",
    rules: [],
    defaultState: "idle",
    timeElements: {},
    minDurationMs: 0,
    microStopMs: 120000,
    reasonTag: "StopReason",
    historySize: 500,
    store: "",
    ...config,
    wires: [["out"]],
  };
}

function flow(config: Record<string, unknown> = {}) {
  return [
    { id: "f1", type: "tab", label: "t" },
    asset,
    classifier(config),
    { id: "out", z: "f1", type: "helper" },
    { id: "catcher", z: "f1", type: "catch", scope: null, uncaught: false, wires: [["caught"]] },
    { id: "caught", z: "f1", type: "helper" },
  ];
}

function sample(ts: number, values: Record<string, TagScalar>, assetPath: string | undefined = ASSET) {
  const out: MachineSample["values"] = {};
  for (const [k, v] of Object.entries(values)) out[k] = { value: v, quality: "Good" };
  const s: Record<string, unknown> = { kind: "MachineSample", ts, values: out, stale: false };
  if (assetPath) s.asset = assetPath;
  return s;
}

const changesOf = (msgs: Array<{ payload?: unknown }>) => msgs.map((m) => m.payload as StateChange);

describe("mfg-state-classifier (Node-RED 4.1, compiled node)", () => {
  afterEach(async () => {
    await helper.unload();
  });

  it("PackML samples in, StateChanges out with the previous state and its duration", async () => {
    await helper.load([assetNode, stateClassifierNode, catchNode], flow());
    const out = collect(helper.getNode("out")!);
    const node = helper.getNode("sc1")!;
    const seq: Array<[number, number, string]> = [
      [0, 6, ""],
      [30, 13, "Starved: no bottles at infeed"],
      [32, 5, "Starved: no bottles at infeed"],
      [90, 14, ""],
      [92, 6, ""],
    ];
    for (const [sec, code, reason] of seq)
      node.receive({ payload: sample(T0 + sec * S, { StateCurrent: code, StopReason: reason }) });
    await until(
      () => out.length >= 5,
      5000,
      "five state changes",
      () => JSON.stringify(out),
    );
    const changes = changesOf(out);
    assert.deepEqual(
      changes.map((c) => [
        c.state,
        c.stateCode,
        c.previousState,
        c.previousDurationMs,
        c.timeElement,
        c.stopStart,
      ]),
      [
        ["Execute", 6, null, 0, "APT", undefined],
        ["Suspending", 13, "Execute", 30 * S, "ADET", T0 + 30 * S],
        ["Suspended", 5, "Suspending", 2 * S, "ADET", T0 + 30 * S],
        ["Unsuspending", 14, "Suspended", 58 * S, "ADET", T0 + 30 * S],
        ["Execute", 6, "Unsuspending", 2 * S, "APT", undefined],
      ],
    );
    assert.equal(changes[4]?.stopDurationMs, 62 * S, "92 s - 30 s");
    assert.equal(changes[4]?.microStop, true, "62 s < 120 s");
    assert.deepEqual(changes[1]?.reason, { code: "Starved: no bottles at infeed" });
    assert.ok(
      out.every((m) => m.topic === ASSET),
      "topic = asset path",
    );
  });

  it("rule model: the first matching rule decides; samples with only the changed tags work", async () => {
    const rules = [
      { state: "down", when: [{ tag: "Fault", op: "true" }] },
      {
        state: "run",
        when: [
          { tag: "Speed", op: ">", value: 0 },
          { tag: "Fault", op: "false" },
        ],
      },
      { state: "starved", when: [{ tag: "InfeedEmpty", op: "true" }], reason: "no bottles" },
    ];
    await helper.load(
      [assetNode, stateClassifierNode, catchNode],
      flow({ model: "simple", stateTag: "", rules, defaultState: "idle", reasonTag: "" }),
    );
    const out = collect(helper.getNode("out")!);
    const node = helper.getNode("sc1")!;
    node.receive({ payload: sample(T0, { Speed: 120, Fault: false, InfeedEmpty: false }) });
    node.receive({ payload: sample(T0 + 10 * S, { Speed: 0, InfeedEmpty: true }) });
    node.receive({ payload: sample(T0 + 20 * S, { Fault: true }) });
    node.receive({ payload: sample(T0 + 50 * S, { Fault: false, Speed: 100 }) });
    await until(
      () => out.length >= 4,
      5000,
      "four state changes",
      () => JSON.stringify(out),
    );
    assert.deepEqual(
      changesOf(out).map((c) => [c.state, c.timeElement, c.previousDurationMs, c.reason?.code ?? null]),
      [
        ["run", "APT", 0, null],
        ["starved", "ADET", 10 * S, "no bottles"],
        ["down", "ADET", 10 * S, "no bottles"],
        ["run", "APT", 30 * S, null],
      ],
    );
    assert.equal(changesOf(out)[3]?.stopDurationMs, 40 * S);
  });

  it("the flicker filter accepts a state that held, by its timer, dated when it began", async () => {
    await helper.load([assetNode, stateClassifierNode, catchNode], flow({ minDurationMs: 150 }));
    const out = collect(helper.getNode("out")!);
    const node = helper.getNode("sc1")!;
    const t = Date.now();
    node.receive({ payload: sample(t - 10 * S, { StateCurrent: 6 }) });
    node.receive({ payload: sample(t, { StateCurrent: 11, StopReason: "Fault 17" }) });
    await until(
      () => out.length >= 2,
      5000,
      "the held state after its minimum duration",
      () => JSON.stringify(out),
    );
    const held = changesOf(out)[1] as StateChange;
    assert.equal(held.state, "Held");
    assert.equal(held.ts, t, "dated when it began");
    assert.equal(held.previousDurationMs, 10 * S);
    assert.deepEqual(held.reason, { code: "Fault 17" });
  });

  it("the flicker filter runs on the samples' clock: samples 30 s late keep a 300 ms flicker out", async () => {
    // The filter's timer is armed for the candidate's due time on the sample clock (the last
    // sample's time + the time since it arrived), not on Node-RED's: the Held candidate is due
    // 10 s after it began, which the next sample, 300 ms of sample time later, never reaches.
    await helper.load([assetNode, stateClassifierNode, catchNode], flow({ minDurationMs: 10_000 }));
    const out = collect(helper.getNode("out")!);
    const caught = collect(helper.getNode("caught")!);
    const node = helper.getNode("sc1")!;
    const t = Date.now() - 30 * S; // the backlog: every sample arrives 30 s after its time
    node.receive({ payload: sample(t, { StateCurrent: 6 }) });
    await until(
      () => out.length >= 1,
      5000,
      "Execute",
      () => JSON.stringify(out),
    );
    node.receive({ payload: sample(t + 1000, { StateCurrent: 11 }) });
    // Long enough for a timer armed on Node-RED's clock (the candidate is 20 s overdue there) to fire.
    await new Promise((resolve) => setTimeout(resolve, 300));
    node.receive({ payload: sample(t + 1300, { StateCurrent: 6 }), _msgid: "back" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(
      changesOf(out).map((c) => c.state),
      ["Execute"],
      "no Held from a 300 ms flicker",
    );
    assert.equal(caught.length, 0, "nothing refused");
  });

  it("refuses samples and reasons dated far from the clock, naming payload.ts; the state is unchanged", async () => {
    await helper.load([assetNode, stateClassifierNode, catchNode], flow());
    const out = collect(helper.getNode("out")!);
    const caught = collect(helper.getNode("caught")!);
    const node = helper.getNode("sc1")!;
    node.receive({ payload: sample(T0, { StateCurrent: 6 }) });
    node.receive({ payload: sample(Math.floor(T0 / 1000), { StateCurrent: 11 }) }); // seconds as ms
    node.receive({ payload: sample(Date.now() + 10 * 60 * S, { StateCurrent: 11 }) }); // 10 min ahead
    node.receive({ payload: { reason: "JAM", ts: Date.now() - 8 * 24 * 3_600_000 } }); // 8 days ago
    node.receive({ payload: sample(T0 + 20 * S, { StateCurrent: 11 }) });
    await until(
      () => out.length >= 2 && caught.length >= 3,
      5000,
      "two changes and three errors",
      () => JSON.stringify({ out: out.map((m) => m.payload), caught: caught.map((m) => m.error) }),
    );
    const messages = caught.map((m) => (m.error as { message: string }).message);
    assert.match(
      messages[0] ?? "",
      /^InputError: payload\.ts must be within 7 days before and 5 minutes after now \(epoch ms or ISO 8601\), got 1970-01-21T/,
    );
    assert.match(
      messages[1] ?? "",
      /^InputError: payload\.ts must be within 7 days before and 5 minutes after now/,
    );
    assert.match(
      messages[2] ?? "",
      /^InputError: payload\.ts must be within 7 days before and 5 minutes after now/,
    );
    assert.deepEqual(
      changesOf(out).map((c) => [c.state, c.ts, c.previousDurationMs]),
      [
        ["Execute", T0, 0],
        ["Held", T0 + 20 * S, 20 * S],
      ],
      "the refused samples left no trace: the next one continues",
    );
  });

  it("bad input reaches a Catch node naming the field; the next sample continues as if it never came", async () => {
    await helper.load([assetNode, stateClassifierNode, catchNode], flow({ asset: "a1" }));
    const out = collect(helper.getNode("out")!);
    const caught = collect(helper.getNode("caught")!);
    const node = helper.getNode("sc1")!;
    node.receive({ payload: sample(T0, { StateCurrent: 6 }, undefined) });
    node.receive({ payload: { foo: 1 } });
    node.receive({ payload: { recode: { reason: "jam", start: "yesterday" } } });
    node.receive({ payload: { recode: { reason: "", start: T0 } } });
    node.receive({ payload: { reason: { code: "x", text: 5 } } });
    node.receive({ payload: { ...sample(T0 + 5 * S, { StateCurrent: 11 }), ts: "5 past 6" } });
    node.receive({ payload: "Held" });
    node.receive({ payload: sample(T0 + 20 * S, { StateCurrent: 11 }) });
    await until(
      () => out.length >= 2 && caught.length >= 6,
      5000,
      "two changes and six errors",
      () => JSON.stringify({ out: out.map((m) => m.payload), caught: caught.map((m) => m.error) }),
    );
    const messages = caught.map((m) => (m.error as { message: string }).message);
    assert.match(messages[0] ?? "", /^InputError: payload must be a MachineSample, an operator reason/);
    assert.match(messages[1] ?? "", /^InputError: payload\.recode\.start must be epoch milliseconds/);
    assert.match(messages[2] ?? "", /^InputError: payload\.recode\.reason must be a reason code/);
    assert.match(messages[3] ?? "", /^InputError: payload\.reason\.text must be text/);
    assert.match(messages[4] ?? "", /^InputError: payload\.ts must be epoch milliseconds/);
    assert.match(messages[5] ?? "", /^InputError: payload must be a MachineSample/);
    const changes = changesOf(out);
    assert.equal(changes[0]?.asset, ASSET, "the node's asset named the sample without one");
    assert.deepEqual(
      changes.map((c) => [c.state, c.ts, c.previousDurationMs]),
      [
        ["Execute", T0, 0],
        ["Held", T0 + 20 * S, 20 * S],
      ],
      "the refused Held at T0 + 5 s left no trace",
    );
  });

  it("operator reason and re-code messages re-code stops", async () => {
    await helper.load([assetNode, stateClassifierNode, catchNode], flow());
    const out = collect(helper.getNode("out")!);
    const node = helper.getNode("sc1")!;
    node.receive({ payload: sample(T0, { StateCurrent: 6 }) });
    node.receive({ payload: sample(T0 + 10 * S, { StateCurrent: 11 }) });
    node.receive({ payload: sample(T0 + 20 * S, { StateCurrent: 6 }) });
    node.receive({ payload: { reason: { code: "JAM", text: "bottle jam" } } });
    node.receive({ payload: { recode: { reason: "VALVE", start: new Date(T0 + 15 * S).toISOString() } } });
    await until(
      () => out.length >= 5,
      5000,
      "three changes and two re-codes",
      () => JSON.stringify(out),
    );
    const [first, second] = changesOf(out).slice(3);
    assert.deepEqual(
      [first?.recode, first?.reason, first?.stopStart, first?.state, first?.previousDurationMs],
      [{ previousReason: null }, { code: "JAM", text: "bottle jam" }, T0 + 10 * S, "Held", 0],
    );
    assert.deepEqual(
      [second?.recode, second?.reason, second?.stopStart],
      [{ previousReason: { code: "JAM", text: "bottle jam" } }, { code: "VALVE" }, T0 + 10 * S],
    );
  });

  it("the editor's state and element tables are lib/state's", () => {
    const html = readFileSync(
      join(__dirname, "..", "..", "nodes", "state-classifier", "state-classifier.html"),
      "utf8",
    );
    const states = /var MODEL_STATES = (\{[\s\S]*?\});/.exec(html)?.[1];
    const elements = /var DEFAULT_ELEMENTS = (\{[\s\S]*?\n {4}\});/.exec(html)?.[1];
    assert.ok(states && elements, "the editor declares MODEL_STATES and DEFAULT_ELEMENTS");
    const parse = (js: string) => JSON.parse(js.replace(/(\w+):/g, '"$1":').replace(/""(\w+)"":/g, '"$1":'));
    const editorStates = parse(states) as Record<string, string[]>;
    const editorElements = parse(elements) as Record<string, Record<string, string>>;
    for (const model of ["packml", "simple", "machinery"] as const) {
      assert.deepEqual(editorStates[model], [...statesOf(model)], `${model} states`);
      assert.deepEqual(editorElements[model], { ...DEFAULT_ELEMENTS[model] }, `${model} elements`);
    }
  });
});

describe("mfg-state-classifier: restart with the file context store", () => {
  let tmp: ReturnType<typeof tempDir>;
  let settings: Record<string, unknown>;
  before(() => {
    tmp = tempDir("mfg-sc-ctx-");
    settings = {
      contextStorage: { default: { module: "localfilesystem", config: { dir: tmp.dir, flushInterval: 1 } } },
    };
    helper.settings(settings);
  });
  after(async () => {
    await helper.unload();
    await helper._redNodes.closeContextsPlugin();
    helper.settings({});
    tmp.remove();
  });

  it("a restarted flow continues the same state and the same stop", async () => {
    // The file store must be open before the classifier starts: load an empty flow, open the
    // context stores as Node-RED does at start, then deploy.
    await helper.load([assetNode, stateClassifierNode, catchNode], [{ id: "f1", type: "tab", label: "t" }]);
    await helper._redNodes.loadContextsPlugin();
    await runtime.setFlows(flow({ minDurationMs: 0 }));
    let out = collect(helper.getNode("out")!);
    let node = helper.getNode("sc1")!;
    node.receive({ payload: sample(T0, { StateCurrent: 6 }) });
    node.receive({ payload: sample(T0 + 60 * S, { StateCurrent: 11, StopReason: "Fault 17" }) });
    await until(
      () => out.length >= 2,
      5000,
      "Execute and Held",
      () => JSON.stringify(out),
    );

    // Node-RED stops: the node writes its state on close, the store flushes to disk; then starts again.
    await runtime._redNodes.stopFlows();
    await context.close();
    const files = readdirSync(tmp.dir, { recursive: true, encoding: "utf8" }).filter((f) =>
      f.endsWith(".json"),
    );
    assert.ok(
      files.some((f) => readFileSync(join(tmp.dir, f), "utf8").includes('"classifier"')),
      `the state is on disk: ${files.join(", ")}`,
    );
    context.init(settings);
    await context.load();
    await runtime._redNodes.startFlows();
    out = collect(helper.getNode("out")!);
    node = helper.getNode("sc1")!;
    const back = nextMessage(helper.getNode("out")!, 5000);
    // a sample of the same state first: nothing new; then production again
    node.receive({ payload: sample(T0 + 100 * S, { StateCurrent: 11, StopReason: "Fault 17" }) });
    node.receive({ payload: sample(T0 + 160 * S, { StateCurrent: 6, StopReason: "" }) });
    const change = (await back).payload as StateChange;
    assert.equal(change.state, "Execute");
    assert.equal(change.previousState, "Held", "the state before the restart");
    assert.equal(change.previousDurationMs, 100 * S, "Held from 60 s to 160 s, across the restart");
    assert.equal(change.stopDurationMs, 100 * S, "the same stop, begun before the restart");
    assert.equal(change.microStop, true);
    assert.equal(out.length, 1, "the repeated Held sent nothing");
    // the stop before the restart can be re-coded after it
    const recode = nextMessage(helper.getNode("out")!, 5000);
    node.receive({ payload: { recode: { reason: "VALVE", start: T0 + 90 * S } } });
    const r = (await recode).payload as StateChange;
    assert.equal(r.stopStart, T0 + 60 * S);
    assert.deepEqual(r.recode, { previousReason: { code: "Fault 17" } });
  });
});
