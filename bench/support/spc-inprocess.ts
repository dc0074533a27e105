/**
 * The in-process part of the SPC benchmark (no Node-RED): lib/spc's reducer against the naive
 * charts (spc-naive.ts) over the same individual values (spc-values.ts, generated into a
 * Float64Array before anything is timed). Run as a child process (bench/spc.ts starts it, with
 * --expose-gc) in one of two parts:
 *
 * - "verify" (not timed): the naive chart (rescan), the naive chart (tail), ours (I-MR, Nelson
 *   rules, no spec limits) and ours with spec limits and a rolling capability window get every
 *   value in turn; each point's phase-II rules must be the same for all four (compared as they
 *   come, nothing kept per point); the limits ours estimated are compared with the naive's; the
 *   heap after a forced GC and the JSON size of ours' state at every 1/checkpoints.
 * - "time": one contender, a warm-up over the first tenth of the values (at most 100,000) with a
 *   throwaway chart, then one fresh chart over all values, timed (a fresh process per run, so the
 *   JIT has seen only this contender's code, as in a flow with one chart): samples/s, the
 *   violations counted per rule (the parent compares them with the verify part's), the heap after
 *   a forced GC before and after with the chart alive, and the JSON size of its state.
 *
 * IPC to the parent: { type: "progress", text }, { type: "result", result }, { type: "error", error }.
 */

import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { SpcConfig } from "../../lib/spc/types";
import type { SpcLimits, SpcResult } from "../../lib/types";
import { progress, runChild, send } from "./child-side";
import {
  type CrossCheck,
  type HeapPoint,
  INPROCESS_CONTENDERS,
  type InprocessContender,
  type InprocessOptions,
  type InprocessRun,
  NELSON_IDS,
  type VerifyResult,
} from "./spc-common";
import { estimate, NaiveIndividualsChart } from "./spc-naive";
import { generateValues, type StreamTruth } from "./spc-values";

const MB = 1024 * 1024;
/** Simulated time of the first value; values are 1 s apart. */
const EPOCH_MS = Date.UTC(2030, 0, 7);

type SpcModule = typeof import("../../lib/spc/spc");
type RulesModule = typeof import("../../lib/spc/rules");

/**
 * lib/spc as the options say: "dist" = the JavaScript tsc compiled into dist/lib/spc (what users
 * run), "src" = the TypeScript sources through tsx (its CommonJS transform reads every imported
 * function through a getter, a few % slower).
 */
let spc: SpcModule;
let rulesModule: RulesModule;

function loadLib(o: InprocessOptions): void {
  const dir = o.lib === "dist" ? join(o.root, "dist", "lib", "spc") : join(o.root, "lib", "spc");
  spc = require(join(dir, "spc")) as SpcModule;
  rulesModule = require(join(dir, "rules")) as RulesModule;
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error("run with --expose-gc");
  collect();
}

interface Ours {
  config: SpcConfig;
  capabilityConfig: SpcConfig;
  rules: string[];
}

function load(o: InprocessOptions): Ours {
  const preset = rulesModule.RULE_PRESETS.nelson;
  for (const r of preset) {
    if (r.length !== undefined || r.count !== undefined || r.sigmas !== undefined)
      throw new Error(`RULE_PRESETS.nelson overrides the defaults of ${r.id}; the naive chart has Nelson's`);
  }
  const rules = preset.filter((r) => r.enabled).map((r) => r.id);
  const unknown = rules.filter((id) => !(NELSON_IDS as readonly string[]).includes(id));
  if (unknown.length > 0) throw new Error(`RULE_PRESETS.nelson has rules the naive chart lacks: ${unknown}`);
  const config: SpcConfig = {
    characteristic: "FillVolume",
    chart: "i-mr",
    subgroupBy: "count",
    subgroupSize: 1,
    estimator: "mrbar-d2",
    constants: "exact",
    nsigmas: 3,
    limits: "estimate",
    givenMean: null,
    givenSigma: null,
    phase1Points: o.phase1Points,
    autoRevise: false,
    sampleSize: null,
    ewmaLambda: 0.2,
    ewmaL: 3,
    cusumK: 0.5,
    cusumH: 5,
    cusumHeadStart: 0,
    rules: preset.map((r) => ({ ...r })),
    lsl: null,
    usl: null,
    target: null,
    capabilityWindow: 0,
    limitSeverity: "high",
    runSeverity: "medium",
    asset: "bench/area/line1/filler",
    source: "spc:FillVolume",
  };
  const capabilityConfig: SpcConfig = {
    ...config,
    lsl: o.stream.mean - o.specSigmas * o.stream.sigma,
    usl: o.stream.mean + o.specSigmas * o.stream.sigma,
    capabilityWindow: o.capabilityWindow,
  };
  for (const c of [config, capabilityConfig]) {
    const errors = spc.checkSpcConfig(c);
    if (errors.length > 0) throw new Error(`checkSpcConfig: ${JSON.stringify(errors)}`);
  }
  return { config, capabilityConfig, rules };
}

const ruleIndex = (rule: string): number => {
  const i = (NELSON_IDS as readonly string[]).indexOf(rule);
  return i >= 0 ? i : 15;
};

function emptyCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const id of NELSON_IDS) counts[id] = 0;
  return counts;
}

/** The chart as a function from value index to the rules of that point; both ours and the naive. */
interface Runner {
  /** Adds value i; returns the rules of its point when it is a phase-II point, else null. */
  add(i: number, x: number): string[] | null;
  state(): unknown;
  limits(): SpcLimits | null;
}

function oursRunner(config: SpcConfig): Runner {
  const setup = spc.compileSpc(config);
  const state = spc.initialSpcState(setup);
  let limits: SpcLimits | null = null;
  let lastSeq: number | null = null;
  const rules: string[] = [];
  return {
    add(i, x) {
      const ts = EPOCH_MS + i * 1000;
      const out = spc.step(setup, state, { type: "values", values: [x], ts }, ts);
      if (out.limits.length > 0 && limits === null) limits = out.limits[0] as SpcLimits;
      if (out.results.length !== 1) throw new Error(`value ${i}: ${out.results.length} results, expected 1`);
      const r = out.results[0] as SpcResult;
      if (lastSeq !== null && r.seq !== lastSeq + 1)
        throw new Error(`value ${i}: seq ${r.seq} after ${lastSeq}`);
      lastSeq = r.seq;
      if (r.phase !== "II") return null;
      rules.length = 0;
      for (const v of r.violations) rules.push(v.rule);
      return rules;
    },
    state: () => state,
    limits: () => limits,
  };
}

function naiveRunner(
  o: InprocessOptions,
  rules: string[],
  mode: "rescan" | "tail",
): Runner & { chart: NaiveIndividualsChart } {
  const chart = new NaiveIndividualsChart(o.phase1Points, o.window, new Set(rules), mode);
  return {
    chart,
    add(_i, x) {
      const phase2 = chart.limits !== null;
      const fired = chart.add(x);
      return phase2 ? fired : null;
    },
    state: () => ({ window: chart.window, phase1: chart.phase1, limits: chart.limits, seq: chart.seq }),
    limits: () => null,
  };
}

/** The rules of one point as a canonical string ("nelson-2,nelson-6"), in NELSON_IDS order. */
function canonical(rules: readonly string[]): string {
  if (rules.length === 0) return "";
  return [...rules].sort((a, b) => ruleIndex(a) - ruleIndex(b) || a.localeCompare(b)).join(",");
}

function relDiff(a: number | null | undefined, b: number): number {
  if (a === null || a === undefined) return Number.POSITIVE_INFINITY;
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
}

/** The "verify" part: the four charts side by side, value by value. */
function verify(o: InprocessOptions, ours: Ours, values: Float64Array, truth: StreamTruth): VerifyResult {
  const heap: HeapPoint[] = [];
  const naive = naiveRunner(o, ours.rules, "rescan");
  const runners: Record<InprocessContender, Runner> = {
    naive,
    "naive-tail": naiveRunner(o, ours.rules, "tail"),
    ours: oursRunner(ours.config),
    "ours-capability": oursRunner(ours.capabilityConfig),
  };
  const measure = (n: number) => {
    gc();
    const m = process.memoryUsage();
    heap.push({
      values: n,
      percent: (100 * n) / o.samples,
      heapMB: m.heapUsed / MB,
      rssMB: m.rss / MB,
      stateBytes: JSON.stringify(runners["ours-capability"].state()).length,
    });
  };
  measure(0);
  const checkpoints = new Set<number>();
  for (let k = 1; k <= o.checkpoints; k++) checkpoints.add(Math.round((o.samples * k) / o.checkpoints));
  // Each point's rules are compared as they come (nothing kept per point, so the heap figures are
  // the charts'): the (seq, rule) pairs of every contender must equal the naive chart's.
  const counts = {} as Record<InprocessContender, Record<string, number>>;
  const firstPhase2 = {} as Record<InprocessContender, number>;
  const pairsFlagged = {} as Record<InprocessContender, number>;
  for (const c of INPROCESS_CONTENDERS) {
    counts[c] = emptyCounts();
    firstPhase2[c] = -1;
    pairsFlagged[c] = 0;
  }
  const diffs: string[] = [];
  let differing = 0;
  let phase2 = 0;
  let flaggedPoints = 0;
  const v0 = performance.now();
  for (let i = 0; i < o.samples; i++) {
    const x = values[i] as number;
    let reference = "";
    for (const c of INPROCESS_CONTENDERS) {
      const rules = runners[c].add(i, x);
      if (rules === null) continue;
      if (firstPhase2[c] < 0) firstPhase2[c] = i;
      pairsFlagged[c] += rules.length;
      for (const r of rules) counts[c][r] = (counts[c][r] ?? 0) + 1;
      const key = canonical(rules);
      if (c === "naive") reference = key;
      else if (key !== reference) {
        differing++;
        if (diffs.length < 20) diffs.push(`value ${i + 1}: naive [${reference}], ${c} [${key}]`);
      }
      if (c === "ours") {
        phase2++;
        if (rules.length > 0) flaggedPoints++;
      }
    }
    if (checkpoints.has(i + 1)) measure(i + 1);
  }
  progress(`verification pass: ${((performance.now() - v0) / 1000).toFixed(1)} s`);
  for (const c of INPROCESS_CONTENDERS) {
    if (firstPhase2[c] !== firstPhase2.naive)
      throw new Error(
        `phase II starts at value ${firstPhase2[c] + 1} in ${c}, ${firstPhase2.naive + 1} in naive`,
      );
  }
  const oursLimits = runners.ours.limits();
  const naiveLimits = naive.chart.limits ?? estimate([]);
  const limitPairs: Array<[string, number | null | undefined, number]> = [
    ["cl", oursLimits?.cl, naiveLimits.cl],
    ["ucl", oursLimits?.ucl, naiveLimits.ucl],
    ["lcl", oursLimits?.lcl, naiveLimits.lcl],
    ["sigma", oursLimits?.sigma, naiveLimits.sigma],
    ["mr cl", oursLimits?.dispersion?.cl, naiveLimits.mrBar],
    ["mr ucl", oursLimits?.dispersion?.ucl, naiveLimits.mrUcl],
  ];
  const maxRelDiff = Math.max(...limitPairs.map(([, a, b]) => relDiff(a, b)));
  if (differing > diffs.length) diffs.push(`... ${differing - diffs.length} more differences`);
  const crossCheck: CrossCheck = {
    counts,
    pointsFlagged: flaggedPoints,
    phase2Points: phase2,
    differences: diffs,
    identical: diffs.length === 0 && maxRelDiff <= 1e-12,
    limits: {
      ours: Object.fromEntries(limitPairs.map(([k, a]) => [k, a ?? null])),
      naive: Object.fromEntries(limitPairs.map(([k, , b]) => [k, b])),
      maxRelDiff,
    },
  };
  progress(
    `cross-check: ${crossCheck.identical ? "identical" : "DIFFERENT"} (${INPROCESS_CONTENDERS.map((c) => `${pairsFlagged[c]} ${c}`).join(", ")} (seq, rule) pairs; limits max rel diff ${maxRelDiff.toExponential(1)})`,
  );
  return {
    crossCheck,
    heap,
    stateBytes: {
      ours: JSON.stringify(runners.ours.state()).length,
      "ours-capability": JSON.stringify(runners["ours-capability"].state()).length,
    },
    rules: ours.rules,
    truth,
  };
}

/** Runs one contender's fresh chart over `count` values; returns the seconds and what it kept. */
function runOnce(
  o: InprocessOptions,
  ours: Ours,
  contender: InprocessContender,
  values: Float64Array,
  count: number,
  violations: Record<string, number>,
): { seconds: number; kept: unknown; lastResult: unknown } {
  if (contender === "naive" || contender === "naive-tail") {
    const mode = contender === "naive" ? "rescan" : "tail";
    const chart = new NaiveIndividualsChart(o.phase1Points, o.window, new Set(ours.rules), mode);
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      const fired = chart.add(values[i] as number);
      for (const r of fired) violations[r] = (violations[r] ?? 0) + 1;
    }
    const seconds = (performance.now() - start) / 1000;
    return {
      seconds,
      kept: { window: chart.window, phase1: chart.phase1, limits: chart.limits, seq: chart.seq },
      lastResult: null,
    };
  }
  const setup = spc.compileSpc(contender === "ours" ? ours.config : ours.capabilityConfig);
  const state = spc.initialSpcState(setup);
  let lastResult: unknown = null;
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const ts = EPOCH_MS + i * 1000;
    const out = spc.step(setup, state, { type: "values", values: [values[i] as number], ts }, ts);
    const results = out.results;
    for (let k = 0; k < results.length; k++) {
      const r = results[k] as SpcResult;
      if (r.phase !== "II") continue;
      for (const v of r.violations) violations[v.rule] = (violations[v.rule] ?? 0) + 1;
    }
    if (i === count - 1) lastResult = results[0];
  }
  const seconds = (performance.now() - start) / 1000;
  return { seconds, kept: state, lastResult };
}

/**
 * The "time" part: one contender; a warm-up over the first tenth of the values (at most 100,000)
 * with a throwaway chart, then one fresh chart over every value, timed.
 */
function time(o: InprocessOptions, ours: Ours, values: Float64Array): InprocessRun {
  const contender = o.contender;
  if (!contender) throw new Error("the time part needs a contender");
  runOnce(o, ours, contender, values, Math.min(100_000, Math.ceil(o.samples / 10)), emptyCounts());
  gc();
  const heapStartMB = process.memoryUsage().heapUsed / MB;
  const violations = emptyCounts();
  const { seconds, kept, lastResult } = runOnce(o, ours, contender, values, o.samples, violations);
  gc();
  const heapEndMB = process.memoryUsage().heapUsed / MB;
  return {
    contender,
    round: o.round ?? 0,
    seconds,
    samplesPerS: o.samples / seconds,
    violations,
    heapStartMB,
    heapEndMB,
    stateBytes: JSON.stringify(kept).length,
    lastResult,
  };
}

async function main(): Promise<void> {
  const raw = process.argv[2];
  if (!raw) throw new Error("usage: spc-inprocess.ts '<json InprocessOptions>'");
  const o = JSON.parse(raw) as InprocessOptions;
  loadLib(o);
  const ours = load(o);
  const t0 = performance.now();
  const { values, truth } = generateValues(o.stream, o.samples);
  if (o.part === "verify") {
    progress(
      `lib/spc from ${o.lib === "dist" ? "dist/lib/spc (compiled)" : "lib/spc (sources, tsx)"}; rules: ${ours.rules.join(", ")}`,
    );
    progress(
      `${o.samples} values generated in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${truth.specialPoints} in special-cause episodes (${JSON.stringify(truth.episodes)})`,
    );
    send({ type: "result", result: verify(o, ours, values, truth) });
  } else {
    send({ type: "result", result: time(o, ours, values) });
  }
  setTimeout(() => process.exit(0), 200);
}

runChild(main);
