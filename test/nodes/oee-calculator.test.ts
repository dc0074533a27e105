/**
 * mfg-oee-calculator in Node-RED 4.1 (compiled node): inputs to ISO 22400-2 reports checked
 * against hand arithmetic (STANDARDS.md 1.1), counter wrap and reset through the node, bad input
 * at a Catch node with the figures unchanged, inputs queued while the stored state loads, and a
 * restart mid-shift with the file context store.
 *
 * Time: the reducer books time up to the latest state change, and on every step up to its
 * watermark Date.now() - grace. The tests date their messages minutes in the past and set grace
 * to an hour, so the watermark stays behind them: time is booked exactly up to the message times
 * and an interim report ends at the last state change. Parts are booked when time reaches their
 * sample (so that a report's counts and times cover the same span): the tests end with a state
 * change at or after their last sample. No interim or rolling timer runs, and a
 * test calendar puts the one shift at a known instant, so every figure is hand arithmetic.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Node, NodeAPI, NodeDef, NodeMessage } from "node-red";
import type { Plan, PlanPiece, ShiftInstance } from "../../lib/calendar/types";
import type { OeeEvent } from "../../lib/oee/types";
import type { MachineSample, OeeReport, StateChange, TimeElement } from "../../lib/types";
import {
  assetNode,
  catchNode,
  collect,
  contextStores,
  fileContextStore,
  helper,
  oeeCalculatorNode,
  shiftCalendarNode,
} from "../support/node-red";
import { until } from "../support/wait";

const ASSET = "plant-berlin/packaging/line-1/filler";
const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
/** Floating-point tolerance of KPI comparisons. */
const EPS = 1e-9;

type Msg = NodeMessage & Record<string, unknown>;
type Receiver = Node & { receive(msg: Record<string, unknown>): void };

// ---- a calendar config node with one shift at a known instant --------------------------------

/** When set, the test calendar fails from this instant on: a stand-in for a bug that makes a step throw. */
let failsFrom: number | null = null;

/** One 8 h shift "Early" from `start`; off before and after. */
function oneShift(start: number): Plan {
  const shift: ShiftInstance = { id: "test Early", name: "Early", start, end: start + 8 * HOUR };
  return {
    timeZone: "UTC",
    planAt(ms: number): PlanPiece {
      if (failsFrom !== null && ms >= failsFrom) throw new Error("the test calendar failed");
      if (ms < shift.start) return { kind: "off", start: shift.start - 16 * HOUR, end: shift.start };
      if (ms < shift.end)
        return {
          kind: "work",
          start: shift.start,
          end: failsFrom !== null ? Math.min(shift.end, failsFrom) : shift.end,
          shift,
        };
      return { kind: "off", start: shift.end, end: shift.end + 16 * HOUR };
    },
    shiftsBetween: (from: number, to: number) => (from < shift.end && to > shift.start ? [shift] : []),
  };
}

let shiftStart = 0;
/** Stands in for mfg-shift-calendar: the OEE node reads only `plan` and `problem`. */
function testCalendarNode(RED: NodeAPI) {
  RED.nodes.registerType("test-calendar", function (this: Node & { plan?: Plan }, def: NodeDef) {
    RED.nodes.createNode(this, def);
    this.plan = oneShift(shiftStart);
  });
}

// ---- messages ------------------------------------------------------------------------------

function state(
  ts: number,
  name: string,
  element: TimeElement,
  extra: Partial<StateChange> = {},
): Record<string, unknown> {
  const change: StateChange = {
    kind: "StateChange",
    asset: ASSET,
    ts,
    model: "simple",
    state: name,
    previousState: null,
    previousDurationMs: 0,
    timeElement: element,
    ...extra,
  };
  return { topic: ASSET, payload: change };
}

function sample(ts: number, good: number, reject: number): Record<string, unknown> {
  const s: MachineSample = {
    kind: "MachineSample",
    asset: ASSET,
    ts,
    stale: false,
    values: {
      GoodCount: { value: good, quality: "Good" },
      RejectCount: { value: reject, quality: "Good" },
    },
  };
  return { topic: ASSET, payload: s };
}

const asset = {
  id: "a1",
  type: "mfg-asset",
  site: "plant-berlin",
  area: "packaging",
  line: "line-1",
  cell: "",
  machine: "filler",
};

function flow(config: Record<string, unknown> = {}) {
  return [
    { id: "f1", type: "tab", label: "t" },
    asset,
    { id: "cal", type: "test-calendar" },
    {
      id: "oee",
      z: "f1",
      type: "mfg-oee-calculator",
      name: "",
      asset: "a1",
      calendar: "cal",
      shiftWindow: true,
      orderWindow: false,
      rollingMs: 0,
      interimMs: 0,
      graceMs: HOUR,
      allocation: "iso",
      counterMode: "good-reject",
      goodTag: "GoodCount",
      rejectTag: "RejectCount",
      totalTag: "",
      reworkTag: "",
      counterWrap: "uint32",
      maxRateFactor: 5,
      idealCycleTimeS: 1,
      idealCycleTimeTag: "",
      orderTag: "",
      productTag: "",
      startupMs: 0,
      maxStops: 2000,
      store: "",
      ...config,
      wires: [["reports"], ["events"]],
    },
    { id: "reports", z: "f1", type: "helper" },
    { id: "events", z: "f1", type: "helper" },
    { id: "c-err", z: "f1", type: "catch", scope: null, uncaught: false, wires: [["caught"]] },
    { id: "caught", z: "f1", type: "helper" },
  ];
}

const nodes = [assetNode, testCalendarNode, oeeCalculatorNode, catchNode];

interface Wired {
  oee: Receiver;
  reports: Msg[];
  events: Msg[];
  caught: Msg[];
}

function wired(): Wired {
  return {
    oee: helper.getNode("oee") as Receiver,
    reports: collect(helper.getNode("reports") as Node),
    events: collect(helper.getNode("events") as Node),
    caught: collect(helper.getNode("caught") as Node),
  };
}

/** Asks for a report and resolves with the interim shift report it sends. */
async function shiftReport(w: Wired): Promise<OeeReport> {
  const before = w.reports.length;
  w.oee.receive({ topic: "report", payload: "" });
  const msg = await until(
    () =>
      w.reports
        .slice(before)
        .find(
          (m) => (m.payload as OeeReport).window.type === "shift" && !(m.payload as OeeReport).window.final,
        ),
    3000,
    "an interim shift report",
    () => `caught: ${JSON.stringify(w.caught.map((c) => (c.error as { message: string }).message))}`,
  );
  assert.equal(msg.topic, ASSET, "report topic is the asset path");
  return msg.payload as OeeReport;
}

/** The statuses a node has shown so far (the helper spies on Node.prototype.status). */
function statuses(node: Node): Array<{ fill?: string; shape?: string; text?: string }> {
  const spy = node.status as unknown as {
    getCalls(): Array<{ thisValue: unknown; args: [{ fill?: string; shape?: string; text?: string }] }>;
  };
  return spy
    .getCalls()
    .filter((c) => c.thisValue === node)
    .map((c) => c.args[0]);
}

function near(actual: number | null, expected: number, what: string): void {
  assert.ok(actual !== null, `${what} is defined`);
  assert.ok(Math.abs(actual - expected) <= EPS, `${what}: ${actual} = ${expected} within ${EPS}`);
}

/** The test calendar's shift begins `ago` ms ago, on a whole second; returns its start. */
function shiftStartedAgo(ago: number): number {
  shiftStart = Math.floor((Date.now() - ago) / S) * S;
  return shiftStart;
}

describe("mfg-oee-calculator (Node-RED 4.1, compiled node)", () => {
  afterEach(async () => {
    await helper.unload();
  });

  it("books states and counter samples into the shift window as ISO 22400-2 says", async () => {
    const t0 = shiftStartedAgo(20 * MIN);
    await helper.load(nodes, flow());
    const w = wired();
    assert.deepEqual(
      statuses(w.oee)[0],
      { fill: "yellow", shape: "dot", text: "waiting for a machine state" },
      "yellow until a state arrives",
    );
    // run 0-60 s, down (JAM) 60-120 s, run 120-300 s, idle 300-330 s, run again at 330 s.
    w.oee.receive(state(t0, "run", "APT"));
    w.oee.receive(sample(t0, 1000, 10));
    w.oee.receive(sample(t0 + 60 * S, 1050, 11));
    w.oee.receive(
      state(t0 + 60 * S, "down", "ADET", {
        previousState: "run",
        previousDurationMs: 60 * S,
        stopStart: t0 + 60 * S,
        reason: { code: "JAM" },
      }),
    );
    w.oee.receive(
      state(t0 + 120 * S, "run", "APT", {
        previousState: "down",
        previousDurationMs: 60 * S,
        stopDurationMs: 60 * S,
        microStop: false,
      }),
    );
    w.oee.receive(sample(t0 + 240 * S, 1170, 12));
    w.oee.receive(
      state(t0 + 300 * S, "idle", "ADOT", {
        previousState: "run",
        previousDurationMs: 180 * S,
        stopStart: t0 + 300 * S,
      }),
    );
    w.oee.receive(sample(t0 + 300 * S, 1200, 13));
    w.oee.receive(
      state(t0 + 330 * S, "run", "APT", {
        previousState: "idle",
        previousDurationMs: 30 * S,
        stopDurationMs: 30 * S,
        microStop: false,
      }),
    );
    const r = await shiftReport(w);

    assert.equal(r.kind, "OeeReport");
    assert.equal(r.asset, ASSET);
    assert.equal(r.window.id, "Early", "the shift's name");
    assert.equal(r.window.start, t0, "the shift window starts with the shift");
    assert.equal(
      r.window.end,
      t0 + 330 * S,
      "an interim report ends where time is booked: the last state change",
    );
    assert.equal(r.window.final, false);
    // Counter differences: good 1000 -> 1050 -> 1170 -> 1200, reject 10 -> 11 -> 12 -> 13.
    assert.deepEqual(r.counts, { pq: 203, gq: 200, sq: 3, rq: 0 }, "PQ = GQ + SQ");
    // One shift without breaks: all 330 s are planned busy time.
    assert.equal(r.times.aptMs, 240 * S, "APT = 60 s + 180 s of run");
    assert.equal(r.times.adetMs, 60 * S, "ADET = the 60 s jam");
    assert.equal(r.times.adotMs, 30 * S, "ADOT = 30 s idle");
    assert.equal(r.times.austMs, 0, "AUST");
    assert.equal(r.times.pdotMs, 0, "PDOT");
    assert.equal(r.times.pbtMs, 330 * S, "PBT = APT + AUST + ADET + ADOT");
    assert.equal(r.times.potMs, 330 * S, "POT = PBT + PDOT");
    // KPIs (PRI = 1 s): A = APT/PBT, P = PRI*PQ/APT, Q = GQ/PQ, OEE = PRI*GQ/PBT = A*P*Q.
    near(r.availability, 240 / 330, "availability");
    near(r.performance, 203 / 240, "performance");
    near(r.quality, 200 / 203, "quality");
    near(r.oee, 200 / 330, "oee");
    near(r.oee, (240 / 330) * (203 / 240) * (200 / 203), "oee = A x P x Q");
    assert.equal(r.idealCycleTimeS, 1);
    // Six big losses (STANDARDS.md 1.2), adding up to PBT.
    assert.deepEqual(
      r.sixBigLosses,
      {
        breakdownsMs: 60 * S,
        setupMs: 0,
        minorStopsMs: 30 * S,
        reducedSpeedMs: 240 * S - 203 * S,
        defectsMs: 3 * S,
        reducedYieldMs: 0,
        fullyProductiveMs: 200 * S,
      },
      "six big losses",
    );
    const jam = r.losses.find((l) => l.reason === "JAM");
    assert.deepEqual(jam, { reason: "JAM", timeElement: "ADET", durationMs: 60 * S, events: 1 }, "JAM loss");
    assert.equal(w.caught.length, 0, "no input refused");
    // The status shows the shift's figures (updates of one kind are coalesced, so wait for it).
    await until(
      () => statuses(w.oee).some((st) => st.fill === "green" && st.text === "OEE 60.6% A 73% P 85% Q 99%"),
      3000,
      "the figures in the status",
      () => JSON.stringify(statuses(w.oee).slice(-3)),
    );
  });

  it("counts across a UInt32 wrap and a counter reset, and reports both on output 2", async () => {
    const t0 = shiftStartedAgo(20 * MIN);
    await helper.load(nodes, flow());
    const w = wired();
    w.oee.receive(state(t0, "run", "APT"));
    w.oee.receive(sample(t0, 4_294_967_290, 0));
    // wrap: 4294967290 -> 4294967295 is 5 parts, -> 0 one more, -> 4 four more = 10
    w.oee.receive(sample(t0 + 60 * S, 4, 0));
    w.oee.receive(sample(t0 + 120 * S, 34, 0)); // +30
    // reset: the PLC restarted the counter; 5 parts since the reset
    w.oee.receive(sample(t0 + 180 * S, 5, 0));
    w.oee.receive(sample(t0 + 240 * S, 25, 0)); // +20
    w.oee.receive(state(t0 + 240 * S, "idle", "ADOT", { previousState: "run", stopStart: t0 + 240 * S }));
    const r = await shiftReport(w);
    assert.equal(r.counts.gq, 10 + 30 + 5 + 20, "GQ across wrap and reset");
    assert.equal(r.counts.sq, 0, "SQ");
    assert.equal(r.counts.pq, 65, "PQ");
    const counterEvents = w.events
      .map((m) => ({ topic: m.topic, event: m.payload as OeeEvent }))
      .filter((e) => e.event.event.startsWith("counter"));
    assert.deepEqual(
      counterEvents.map((e) => [e.event.event, e.event.ts]),
      [
        ["counterWrap", t0 + 60 * S],
        ["counterReset", t0 + 180 * S],
      ],
      JSON.stringify(counterEvents),
    );
    for (const e of counterEvents) {
      assert.equal(e.topic, ASSET, "event topic is the asset path");
      assert.match(e.event.text, /GoodCount/, "the event names the tag");
    }
  });

  it("sends bad input to a Catch node naming the field, and leaves the figures unchanged", async () => {
    const t0 = shiftStartedAgo(20 * MIN);
    await helper.load(nodes, flow());
    const w = wired();
    w.oee.receive(state(t0, "run", "APT"));
    w.oee.receive(sample(t0, 100, 1));
    w.oee.receive(sample(t0 + 120 * S, 200, 3));
    w.oee.receive(state(t0 + 120 * S, "idle", "ADOT", { previousState: "run", stopStart: t0 + 120 * S }));
    w.oee.receive({ payload: { good: 5, reject: 1, ts: t0 + 130 * S } });
    w.oee.receive(state(t0 + 130 * S, "run", "APT", { previousState: "idle" }));
    const before = await shiftReport(w);
    assert.equal(before.counts.gq, 105, "GQ before");
    assert.equal(before.counts.sq, 3, "SQ before");

    const bad: Array<{ what: string; payload: unknown; error: RegExp }> = [
      {
        what: "a negative count",
        payload: { good: -3, reject: 0 },
        error: /^InputError: payload\.good must be a non-negative integer, got -3$/,
      },
      {
        what: "NaN",
        payload: { good: 1, reject: Number.NaN },
        error: /^InputError: payload\.reject must be a non-negative integer, got NaN$/,
      },
      {
        what: "an unknown payload",
        payload: { speed: 12 },
        error: /^InputError: payload must be a StateChange, MachineSample or ProductionOrder/,
      },
      {
        what: "a string",
        payload: "42 good",
        error: /^InputError: payload must be a StateChange.*got "42 good"/,
      },
      {
        what: "a StateChange with an unknown time element",
        payload: { ...(state(t0 + 140 * S, "run", "APT").payload as object), timeElement: "RUN" },
        error: /^InputError: payload\.timeElement must be one of "APT"/,
      },
      {
        what: "a StateChange without a time",
        payload: { ...(state(t0 + 140 * S, "run", "APT").payload as object), ts: "soon" },
        error: /^InputError: payload\.ts must be epoch milliseconds/,
      },
      {
        what: "an order command with an unknown action",
        payload: { order: "4711", action: "pause" },
        error: /^InputError: payload\.action must be "start" or "end", got "pause"$/,
      },
      {
        what: "an unknown kind",
        payload: { kind: "Alarm", id: "x" },
        error: /^InputError: payload\.kind must be "StateChange", "MachineSample" or "ProductionOrder"/,
      },
      // Times far from the clock (lib/validate checkInputTime: 7 days before to 5 min after now).
      {
        what: "a StateChange dated in seconds instead of milliseconds",
        payload: { ...(state(t0 + 140 * S, "run", "APT").payload as object), ts: Math.floor(t0 / 1000) },
        error:
          /^InputError: payload\.ts must be within 7 days before and 5 minutes after now \(epoch ms or ISO 8601\), got 1970-01-21T/,
      },
      {
        what: "a sample 10 minutes ahead of the clock",
        payload: sample(Date.now() + 10 * MIN, 300, 3).payload,
        error: /^InputError: payload\.ts must be within 7 days before and 5 minutes after now/,
      },
      {
        what: "counts of 8 days ago",
        payload: { good: 1, reject: 0, ts: new Date(Date.now() - 8 * 24 * HOUR).toISOString() },
        error: /^InputError: payload\.ts must be within 7 days before and 5 minutes after now/,
      },
      {
        what: "an order command dated next year",
        payload: { order: "4711", action: "start", ts: Date.now() + 365 * 24 * HOUR },
        error: /^InputError: payload\.ts must be within 7 days before and 5 minutes after now/,
      },
      // Count increments: whole parts, at most 1,000,000 per message.
      {
        what: "counts above 1,000,000",
        payload: { good: 1_000_001, reject: 0 },
        error: /^InputError: payload\.good must be at most 1000000 parts per message, got 1000001$/,
      },
      {
        what: "counts of 1e306",
        payload: { good: 1, reject: 1e306 },
        error: /^InputError: payload\.reject must be at most 1000000 parts per message, got 1e\+306$/,
      },
    ];
    for (const [i, b] of bad.entries()) {
      w.oee.receive({ payload: b.payload, _msgid: `bad-${i}` });
      const c = await until(() => w.caught.find((m) => m._msgid === `bad-${i}`), 3000, `${b.what} at Catch`);
      const error = c.error as { message: string; source: { id: string } };
      assert.match(error.message, b.error, b.what);
      assert.equal(error.source.id, "oee", `${b.what}: the source is the OEE node`);
    }

    const after = await shiftReport(w);
    assert.deepEqual({ ...after, ts: 0 }, { ...before, ts: 0 }, "the same report: figures unchanged");
  });

  it("keeps the state of before an input whose step throws", async () => {
    const t0 = shiftStartedAgo(20 * MIN);
    failsFrom = t0 + 300 * S;
    try {
      await helper.load(nodes, flow());
      const w = wired();
      w.oee.receive(state(t0, "run", "APT"));
      w.oee.receive(sample(t0, 100, 0));
      w.oee.receive(sample(t0 + 60 * S, 160, 0));
      w.oee.receive(state(t0 + 120 * S, "idle", "ADOT", { previousState: "run", stopStart: t0 + 120 * S }));
      const before = await shiftReport(w);
      assert.equal(before.times.aptMs, 120 * S, "APT before");
      // Booking time up to +400 s books 120-300 s, then the calendar throws at +300 s.
      w.oee.receive({ ...state(t0 + 400 * S, "run", "APT"), _msgid: "boom" });
      const c = await until(() => w.caught.find((m) => m._msgid === "boom"), 3000, "the failure at Catch");
      assert.match((c.error as { message: string }).message, /the test calendar failed/, "the error");
      const after = await shiftReport(w);
      assert.deepEqual({ ...after, ts: 0 }, { ...before, ts: 0 }, "the state of before: nothing half-booked");
      // The node goes on: a later input is booked as usual.
      failsFrom = null;
      w.oee.receive(state(t0 + 180 * S, "run", "APT", { previousState: "idle" }));
      const next = await shiftReport(w);
      assert.equal(next.times.adotMs, 60 * S, "idle 120-180 s");
      assert.equal(next.counts.gq, 60, "the parts of before");
    } finally {
      failsFrom = null;
    }
  });

  it("says in its help that grace must exceed the classifier's minimum duration", () => {
    const help = readFileSync(
      join(__dirname, "..", "..", "nodes", "oee-calculator", "locales", "en-US", "oee-calculator.html"),
      "utf8",
    );
    const grace = /^: Grace :[\s\S]*?(?=^: )/m.exec(help)?.[0] ?? "";
    assert.match(grace, /minimum\s+duration/i, "names the classifier's minimum duration");
    assert.match(grace, /`late`/, "names the late event");
  });

  it("opens and closes the order window from orders and order commands", async () => {
    const t0 = shiftStartedAgo(20 * MIN);
    await helper.load(nodes, flow({ orderWindow: true }));
    const w = wired();
    w.oee.receive(state(t0, "run", "APT"));
    w.oee.receive(sample(t0, 100, 0));
    const order = {
      kind: "ProductionOrder",
      orderId: "100004711",
      asset: ASSET,
      productId: "COLA-0.5L",
      plannedQuantity: 1000,
      unit: "PCE",
      idealCycleTimeS: 1.5,
      state: "Released",
      ts: t0 + 10 * S,
    };
    w.oee.receive({ payload: order, _msgid: "released" });
    const elsewhere = { ...order, orderId: "100004712", asset: "plant-berlin/packaging/line-2/capper" };
    w.oee.receive({ payload: { ...elsewhere, state: "Running", ts: t0 + 15 * S }, _msgid: "elsewhere" });
    w.oee.receive({ payload: { ...order, state: "Running", ts: t0 + 20 * S }, _msgid: "running" });
    w.oee.receive({ payload: { order: "", action: "end" }, _msgid: "no-id" });
    const c = await until(() => w.caught.find((m) => m._msgid === "no-id"), 3000, "the command at Catch");
    assert.match(
      (c.error as { message: string }).message,
      /^InputError: payload\.order must be the order id, a non-empty string, got ""$/,
    );
    // 40 parts at PRI 1.5 s in 80 s of run inside the order.
    w.oee.receive(sample(t0 + 80 * S, 140, 0));
    w.oee.receive(state(t0 + 100 * S, "idle", "ADOT", { previousState: "run", stopStart: t0 + 100 * S }));
    w.oee.receive({ payload: { order: "100004711", action: "end", ts: t0 + 130 * S } });
    const final = await until(
      () => w.reports.find((m) => (m.payload as OeeReport).window.type === "order"),
      3000,
      "the final order report",
    );
    const r = final.payload as OeeReport;
    assert.equal(final.topic, ASSET);
    assert.deepEqual(
      r.window,
      { type: "order", id: "100004711", start: t0 + 20 * S, end: t0 + 130 * S, final: true },
      "the window from Running to the end command",
    );
    assert.equal(r.times.aptMs, 80 * S, "APT 20-100 s");
    assert.equal(r.times.adotMs, 30 * S, "ADOT 100-130 s");
    assert.deepEqual(r.counts, { pq: 40, gq: 40, sq: 0, rq: 0 });
    assert.equal(r.idealCycleTimeS, 1.5, "the order's ideal cycle time");
    assert.equal(r.productId, "COLA-0.5L");
    near(r.performance, (40 * 1.5) / 80, "performance with the order's PRI");
    const orderEvents = w.events
      .map((m) => m.payload as OeeEvent)
      .filter((e) => e.event.startsWith("order"))
      .map((e) => [e.event, e.ts, e.data?.orderId]);
    assert.deepEqual(
      orderEvents,
      [
        ["orderStart", t0 + 20 * S, "100004711"],
        ["orderEnd", t0 + 130 * S, "100004711"],
      ],
      "a Released order and an order of another asset change nothing",
    );
    assert.deepEqual(
      w.caught.map((m) => m._msgid),
      ["no-id"],
      "orders in other states or for other assets are ignored, not refused",
    );
  });

  it("refuses to run with a configuration problem, naming the field", async () => {
    shiftStartedAgo(0);
    await helper.load(nodes, flow({ idealCycleTimeS: 0 }));
    const w = wired();
    w.oee.receive({ payload: { good: 1, reject: 0 } });
    const c = await until(() => w.caught[0], 3000, "the problem at Catch");
    assert.match((c.error as { message: string }).message, /config\.idealCycleTimeS must be > 0/);
    assert.deepEqual(statuses(w.oee)[0], { fill: "red", shape: "dot", text: "configuration error" });
  });

  it("takes the plan of an mfg-shift-calendar, and refuses to run when that calendar is invalid", async () => {
    const calendar = (timeZone: string) => ({
      id: "real-cal",
      type: "mfg-shift-calendar",
      name: "",
      timeZone,
      shifts: [{ name: "All day", days: [1, 2, 3, 4, 5, 6, 7], start: "00:00", end: "24:00", breaks: [] }],
      holidays: [],
      exceptions: [],
      plannedDowntime: [],
    });
    const withCalendar = (timeZone: string) => [
      ...flow({ calendar: "real-cal", graceMs: 0 }).filter((n) => n.id !== "cal"),
      calendar(timeZone),
    ];
    await helper.load(
      [assetNode, shiftCalendarNode, oeeCalculatorNode, catchNode],
      withCalendar("Europe/Berlin"),
    );
    let w = wired();
    w.oee.receive(state(Date.now(), "run", "APT"));
    const started = await until(
      () => w.events.find((m) => (m.payload as OeeEvent).event === "shiftStart"),
      3000,
      "a shift from the calendar",
    );
    assert.equal((started.payload as OeeEvent).data?.name, "All day");
    await helper.unload();

    await helper.load(
      [assetNode, shiftCalendarNode, oeeCalculatorNode, catchNode],
      withCalendar("Mars/Olympus"),
    );
    w = wired();
    w.oee.receive({ payload: { good: 1, reject: 0 } });
    const c = await until(() => w.caught[0], 3000, "the calendar's problem at Catch");
    assert.match(
      (c.error as { message: string }).message,
      /timeZone/,
      "the calendar's problem names the field",
    );
    assert.deepEqual(statuses(w.oee)[0], { fill: "red", shape: "dot", text: "configuration error" });
  });

  describe("context store", () => {
    const { openStores, stopRuntime } = contextStores;
    const store = fileContextStore("mfg-oee-ctx-");

    it("keeps inputs that arrive while the stored state loads, in order", async () => {
      const t0 = shiftStartedAgo(20 * MIN);
      let open: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      // A memory store whose reads wait for the gate: the node's load is still pending.
      const memory = require("@node-red/runtime/lib/nodes/context/memory") as (c: unknown) => object;
      const slowStore = (config: unknown) => {
        const inner = memory(config) as Record<string, (...args: unknown[]) => unknown>;
        return new Proxy(inner, {
          get(target, prop) {
            if (prop === "get")
              return (scope: string, key: string, cb?: (...a: unknown[]) => void) => {
                if (typeof cb !== "function") return target.get?.(scope, key);
                gate.then(() => target.get?.(scope, key, cb));
                return undefined;
              };
            const v = Reflect.get(target, prop);
            return typeof v === "function" ? v.bind(target) : v;
          },
        });
      };
      helper.settings({ contextStorage: { default: { module: slowStore } } });
      await helper.load([openStores, ...nodes], flow());
      const w = wired();
      w.oee.receive(state(t0, "run", "APT"));
      w.oee.receive(sample(t0, 1000, 0));
      w.oee.receive(sample(t0 + 60 * S, 1040, 1));
      w.oee.receive(sample(t0 + 120 * S, 1090, 2));
      w.oee.receive(state(t0 + 120 * S, "idle", "ADOT", { previousState: "run", stopStart: t0 + 120 * S }));
      w.oee.receive({ topic: "report" });
      try {
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.equal(w.reports.length, 0, "nothing is processed before the state is loaded");
      } finally {
        open(); // also when the check fails: the node's close waits for its load
      }
      const msg = await until(
        () => w.reports.find((m) => (m.payload as OeeReport).window.type === "shift"),
        3000,
        "the report",
      );
      const r = msg.payload as OeeReport;
      assert.equal(r.counts.gq, 90, "GQ: the samples in their order");
      assert.equal(r.counts.sq, 2, "SQ");
      assert.deepEqual(
        w.events.map((m) => (m.payload as OeeEvent).event).filter((e) => e.startsWith("counter")),
        [],
        "no counter reset (samples were not reordered)",
      );
      assert.equal(w.caught.length, 0, "no input refused");
    });

    it("continues the same shift's figures after a restart with the file context store", async () => {
      const t0 = shiftStartedAgo(20 * MIN);
      store.useStore();
      await helper.load([openStores, ...nodes], flow());
      let w = wired();
      // run 0-360 s with 300 good and 2 rejects, then down (JAM)
      w.oee.receive(state(t0, "run", "APT"));
      w.oee.receive(sample(t0, 1000, 10));
      w.oee.receive(sample(t0 + 300 * S, 1300, 12));
      w.oee.receive(
        state(t0 + 360 * S, "down", "ADET", {
          previousState: "run",
          previousDurationMs: 360 * S,
          stopStart: t0 + 360 * S,
          reason: { code: "JAM" },
        }),
      );
      const first = await shiftReport(w);
      assert.equal(first.counts.gq, 300, "GQ before the restart");
      assert.equal(first.times.aptMs, 360 * S, "APT before the restart");

      await stopRuntime();
      const { names: files, texts: stored } = store.storedFiles();
      assert.ok(
        stored.some((text) => text.includes('"oee"')),
        `the state is on disk: ${JSON.stringify(files)}`,
      );
      await helper.unload();

      // Node-RED starts again with the same flow; the machine runs again at 600 s.
      await helper.load([openStores, ...nodes], flow());
      w = wired();
      w.oee.receive(
        state(t0 + 600 * S, "run", "APT", {
          previousState: "down",
          previousDurationMs: 240 * S,
          stopDurationMs: 240 * S,
          microStop: false,
        }),
      );
      w.oee.receive(sample(t0 + 650 * S, 1350, 12));
      w.oee.receive(state(t0 + 660 * S, "idle", "ADOT", { previousState: "run", stopStart: t0 + 660 * S }));
      const r = await shiftReport(w);
      assert.equal(r.window.start, first.window.start, "the same shift window");
      assert.equal(r.window.id, first.window.id, "the same shift");
      assert.equal(r.window.end, t0 + 660 * S);
      assert.deepEqual(
        r.counts,
        { pq: 352, gq: 350, sq: 2, rq: 0 },
        "300 good before the restart + 50 after",
      );
      assert.equal(r.times.aptMs, 420 * S, "APT: 360 s before + 60 s after");
      assert.equal(r.times.adetMs, 240 * S, "ADET: the jam 360-600 s, across the restart");
      assert.equal(r.times.pbtMs, 660 * S, "PBT: the shift so far");
      near(r.oee, 350 / 660, "oee = PRI x GQ / PBT");
      const jam = r.losses.find((l) => l.reason === "JAM");
      assert.equal(jam?.durationMs, 240 * S, "the JAM stop keeps its reason across the restart");
      assert.equal(w.caught.length, 0, "no input refused");
    });
  });
});
