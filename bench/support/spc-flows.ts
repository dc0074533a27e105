/**
 * The Node-RED flows of the SPC benchmark's contenders:
 *
 * ours:     source ──> mfg-spc-check ─┬─> sink "results" (SpcResult per value)
 *                                     └─> sink "alarms"  (Alarm when a rule fires or clears)
 * baseline: source ──> function "mean ± 3 sigma" ──> sink "results"
 */
import { RULE_PRESETS } from "../../lib/spc/rules";
import type { FlowNode } from "./oee-flows";
import type { RedOptions } from "./spc-common";

const TAB = { id: "bench-tab", type: "tab", label: "bench", disabled: false, info: "" };

/** Ids the driver needs. */
export const IDS = {
  source: "bench-source",
  spc: "ours-spc",
  fn: "baseline-fn",
} as const;

/**
 * The function node: Shewhart limits the way flows compute them today, from a running mean and
 * standard deviation of every value seen (sums in context, never reset), and the value flagged
 * when it is beyond ±3σ. No phase I, no frozen limits, no run rules, no moving range.
 */
export const FN_MEAN_3_SIGMA = `const x = Number(msg.payload);
const s = context.get("spc") || { n: 0, sum: 0, sumSq: 0 };
s.n += 1;
s.sum += x;
s.sumSq += x * x;
const mean = s.sum / s.n;
const sd = s.n > 1 ? Math.sqrt(Math.max(0, (s.sumSq - s.n * mean * mean) / (s.n - 1))) : 0;
context.set("spc", s);
const ucl = mean + 3 * sd;
const lcl = mean - 3 * sd;
msg.payload = { value: x, mean: mean, ucl: ucl, lcl: lcl, out: s.n > 1 && (x > ucl || x < lcl) };
return msg;
`;

export function baselineFlow(): FlowNode[] {
  return [
    TAB,
    { id: IDS.source, type: "bench-spc-source", z: TAB.id, wires: [[IDS.fn]] },
    {
      id: IDS.fn,
      type: "function",
      z: TAB.id,
      name: "mean ± 3 sigma",
      func: FN_MEAN_3_SIGMA,
      outputs: 1,
      timeout: 0,
      noerr: 0,
      initialize: "",
      finalize: "",
      libs: [],
      wires: [["bench-results"]],
    },
    { id: "bench-results", type: "bench-spc-sink", z: TAB.id, mode: "results", wires: [] },
  ];
}

export function oursFlow(o: RedOptions): FlowNode[] {
  return [
    TAB,
    { id: IDS.source, type: "bench-spc-source", z: TAB.id, wires: [[IDS.spc]] },
    {
      // The editor's defaults (nodes/spc-check/spc-check.html) but for the chart and the rules.
      id: IDS.spc,
      type: "mfg-spc-check",
      z: TAB.id,
      name: "",
      asset: "",
      characteristic: "FillVolume",
      unit: "ml",
      chart: "i-mr",
      subgroupBy: "count",
      subgroupSize: 1,
      keyProperty: "batch",
      tag: "QualityValue",
      estimator: "auto",
      constants: "exact",
      nsigmas: 3,
      limits: "estimate",
      givenMean: "",
      givenSigma: "",
      phase1Points: o.phase1Points,
      autoRevise: false,
      sampleSize: "",
      ewmaLambda: 0.2,
      ewmaL: 3,
      cusumK: 0.5,
      cusumH: 5,
      cusumHeadStart: 0,
      rules: RULE_PRESETS[o.rules].map((r) => ({ ...r })),
      lsl: "",
      usl: "",
      target: "",
      capabilityWindow: 50,
      limitSeverity: "high",
      runSeverity: "medium",
      store: "",
      wires: [["bench-results"], ["bench-alarms"]],
    },
    { id: "bench-results", type: "bench-spc-sink", z: TAB.id, mode: "results", wires: [] },
    { id: "bench-alarms", type: "bench-spc-sink", z: TAB.id, mode: "alarms", wires: [] },
  ];
}
