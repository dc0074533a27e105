/**
 * The Node-RED flows of the OEE benchmark's contenders.
 *
 * ours:     source ─┬─> mfg-state-classifier ──> mfg-oee-calculator ─┬─> sink (reports)
 *                   └──────────────────────────> (same node)          └─> sink (events)
 *           (the report request at the end goes from the source's 2nd output to the OEE node)
 * baseline: source ──> function "state" ──> function "oee" ──> sink (reports)
 *           (the report request goes to function "oee")
 *
 * Both get the same samples and the same shift plan: three 8 h shifts starting 06:00, 14:00 and
 * 22:00 UTC, seven days a week, no breaks (the baseline knows nothing else).
 */
import type { OeeContenderOptions } from "./oee-common";

export type FlowNode = Record<string, unknown> & { id: string; type: string };

const TAB = { id: "bench-tab", type: "tab", label: "bench", disabled: false, info: "" };

/** Ids the controller needs. */
export const IDS = {
  source: "bench-source",
  classifier: "ours-classifier",
  oee: "ours-oee",
  fnState: "baseline-state",
  fnOee: "baseline-oee",
  noopA: "floor-a",
  noopB: "floor-b",
} as const;

const SHIFT_PLAN = [
  { name: "Early", start: "06:00", end: "14:00" },
  { name: "Late", start: "14:00", end: "22:00" },
  { name: "Night", start: "22:00", end: "06:00" },
];

/** First function node: PackML StateCurrent to run/stop, the sample passed on. */
export const FN_STATE = `// PackML StateCurrent 6 = Execute: running; every other state: stopped.
const sc = msg.payload.values.StateCurrent;
msg.state = sc !== undefined && sc.value === 6 ? "run" : "stop";
return msg;
`;

/**
 * Second function node: run and stop time, good and reject deltas per 8 h block in context; a
 * report when a block ends and when asked (msg.topic "report"). What a user would write.
 */
export function fnOee(idealCycleTimeS: number): string {
  return `const SHIFT_MS = 8 * 3600000;
const OFFSET_MS = 6 * 3600000; // blocks start at 06:00, 14:00 and 22:00 UTC
const IDEAL_MS = ${idealCycleTimeS * 1000};
let s = context.get("oee");
if (s === undefined) {
  s = { shift: null, start: 0, lastTs: null, lastState: null, runMs: 0, stopMs: 0,
        good: 0, reject: 0, lastGood: null, lastReject: null };
}
function report(final, end) {
  const total = s.good + s.reject;
  const planned = s.runMs + s.stopMs;
  const a = planned > 0 ? s.runMs / planned : null;
  const p = s.runMs > 0 ? (IDEAL_MS * total) / s.runMs : null;
  const q = total > 0 ? s.good / total : null;
  return { shift: s.shift, start: s.start, end: end, final: final, runMs: s.runMs, stopMs: s.stopMs,
           good: s.good, reject: s.reject, availability: a, performance: p, quality: q,
           oee: a !== null && p !== null && q !== null ? a * p * q : null };
}
function add(ms) {
  if (s.lastState === "run") s.runMs += ms;
  else s.stopMs += ms;
}
if (msg.topic === "report") {
  msg.payload = report(false, s.lastTs);
  return msg;
}
const ts = msg.payload.ts;
const v = msg.payload.values;
let out = null;
const block = Math.floor((ts - OFFSET_MS) / SHIFT_MS);
if (s.shift === null) {
  s.shift = block;
  s.start = block * SHIFT_MS + OFFSET_MS;
}
if (s.lastTs !== null) {
  // the time since the last sample counts in the last sample's state, cut at the block end
  let from = s.lastTs;
  if (block !== s.shift) {
    const boundary = (s.shift + 1) * SHIFT_MS + OFFSET_MS;
    add(boundary - from);
    out = { topic: "oee", payload: report(true, boundary) };
    s.shift = block;
    s.start = block * SHIFT_MS + OFFSET_MS;
    s.runMs = 0; s.stopMs = 0; s.good = 0; s.reject = 0;
    from = s.start;
  }
  add(ts - from);
}
// naive counters: the increase since the last sample; a lower value is a reset, counted from 0
const good = v.GoodCount.value;
const reject = v.RejectCount.value;
if (s.lastGood !== null) s.good += good >= s.lastGood ? good - s.lastGood : good;
if (s.lastReject !== null) s.reject += reject >= s.lastReject ? reject - s.lastReject : reject;
s.lastGood = good;
s.lastReject = reject;
s.lastTs = ts;
s.lastState = msg.state;
context.set("oee", s);
return out;
`;
}

function functionNode(id: string, name: string, func: string, wires: string[][]): FlowNode {
  return {
    id,
    type: "function",
    z: TAB.id,
    name,
    func,
    outputs: 1,
    timeout: 0,
    noerr: 0,
    initialize: "",
    finalize: "",
    libs: [],
    wires,
  };
}

export function baselineFlow(o: OeeContenderOptions): FlowNode[] {
  return [
    TAB,
    { id: IDS.source, type: "bench-oee-source", z: TAB.id, wires: [[IDS.fnState], [IDS.fnOee]] },
    functionNode(IDS.fnState, "state", FN_STATE, [[IDS.fnOee]]),
    functionNode(IDS.fnOee, "oee", fnOee(o.idealCycleTimeS), [["bench-reports"]]),
    { id: "bench-reports", type: "bench-oee-sink", z: TAB.id, mode: "baseline", wires: [] },
  ];
}

export function oursFlow(o: OeeContenderOptions): FlowNode[] {
  const [site, area, line, machine] = o.asset.split("/");
  return [
    TAB,
    {
      id: "ours-asset",
      type: "mfg-asset",
      site,
      area,
      line,
      cell: "",
      machine,
      description: "",
    },
    {
      id: "ours-calendar",
      type: "mfg-shift-calendar",
      name: "3 shifts",
      timeZone: "UTC",
      shifts: SHIFT_PLAN.map((s) => ({ ...s, days: [1, 2, 3, 4, 5, 6, 7], breaks: [] })),
      holidays: [],
      exceptions: [],
      plannedDowntime: [],
    },
    {
      id: IDS.source,
      type: "bench-oee-source",
      z: TAB.id,
      wires: [[IDS.classifier, IDS.oee], [IDS.oee]],
    },
    {
      id: IDS.classifier,
      type: "mfg-state-classifier",
      z: TAB.id,
      name: "",
      asset: "ours-asset",
      model: "packml",
      stateTag: "StateCurrent",
      modeTag: "",
      rules: [],
      defaultState: "idle",
      timeElements: {},
      minDurationMs: 0,
      microStopMs: 120_000,
      reasonTag: "Fault",
      historySize: 500,
      store: "",
      wires: [[IDS.oee]],
    },
    {
      id: IDS.oee,
      type: "mfg-oee-calculator",
      z: TAB.id,
      name: "",
      asset: "ours-asset",
      calendar: "ours-calendar",
      store: "",
      shiftWindow: true,
      orderWindow: true,
      rollingMs: o.rollingMs,
      interimMs: o.interimMs,
      graceMs: o.graceMs,
      allocation: "iso",
      counterMode: "good-reject",
      goodTag: "GoodCount",
      rejectTag: "RejectCount",
      totalTag: "",
      reworkTag: "",
      counterWrap: "uint32",
      maxRateFactor: 5,
      idealCycleTimeS: o.idealCycleTimeS,
      idealCycleTimeTag: "",
      orderTag: "OrderId",
      productTag: "",
      startupMs: 0,
      maxStops: 2000,
      wires: [["bench-reports"], ["bench-events"]],
    },
    { id: "bench-reports", type: "bench-oee-sink", z: TAB.id, mode: "ours", wires: [] },
    { id: "bench-events", type: "bench-oee-sink", z: TAB.id, mode: "events", wires: [] },
  ];
}

/** Node-RED's cost of ours' flow shape: source ─┬─> no-op A, └─> no-op B (a copy), nothing else. */
export function floorFlow(): FlowNode[] {
  return [
    TAB,
    { id: IDS.source, type: "bench-oee-source", z: TAB.id, wires: [[IDS.noopA, IDS.noopB], [IDS.noopB]] },
    { id: IDS.noopA, type: "bench-oee-sink", z: TAB.id, mode: "noop", wires: [] },
    { id: IDS.noopB, type: "bench-oee-sink", z: TAB.id, mode: "noop", wires: [] },
  ];
}
