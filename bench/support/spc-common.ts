/**
 * What the SPC benchmark's processes share (bench/spc.ts, bench/support/spc-inprocess.ts and
 * bench/support/spc-contender.ts): the options each child gets and the results it sends back
 * over IPC.
 */
import { RULE_IDS, type RuleId } from "../../lib/spc/types";
import type { StreamOptions, StreamTruth } from "./spc-values";

/** The rule ids the cross-check counts, in report order: Nelson 1-8 and the MR chart's limit. */
export const NELSON_IDS: readonly RuleId[] = RULE_IDS.filter(
  (id) => id.startsWith("nelson-") || id === "dispersion-1",
);

export interface HeapPoint {
  /** Values processed when measured. */
  values: number;
  percent: number;
  /** heapUsed and RSS right after a forced full GC, MB. */
  heapMB: number;
  rssMB: number;
  /** JSON size of ours-capability's SpcState (the verify part), bytes. */
  stateBytes?: number;
}

// ---------------------------------------------------------------------------------------------
// In-process.

export interface InprocessOptions {
  /** Project root. */
  root: string;
  /** "verify": all contenders side by side, compared, not timed; "time": one contender, timed. */
  part: "verify" | "time";
  /** lib/spc compiled in dist/ ("dist") or the TypeScript sources through tsx ("src"). */
  lib: "dist" | "src";
  contender?: InprocessContender;
  round?: number;
  stream: StreamOptions;
  samples: number;
  phase1Points: number;
  /** Values the naive charts keep (>= 15, the longest Nelson window); "naive" rescans them all. */
  window: number;
  /** Spec limits of the capability variant, in sigmas of the stream around its mean. */
  specSigmas: number;
  /** Rolling capability window of the capability variant, points. */
  capabilityWindow: number;
  /** Heap after a forced GC at every 1/checkpoints of the verify part. */
  checkpoints: number;
}

/**
 * The in-process contenders: the naive chart rescanning its window qcc-style ("naive"), the naive
 * chart slicing only the last points each rule needs ("naive-tail"), ours without spec limits,
 * ours with spec limits and a rolling capability window.
 */
export const INPROCESS_CONTENDERS = ["naive", "naive-tail", "ours", "ours-capability"] as const;
export type InprocessContender = (typeof INPROCESS_CONTENDERS)[number];

/** One timed run of one contender (its own child process). */
export interface InprocessRun {
  contender: InprocessContender;
  round: number;
  seconds: number;
  samplesPerS: number;
  /** Phase-II violations per rule id counted in the run. */
  violations: Record<string, number>;
  /** heapUsed after a forced GC before the run (values generated) and after it (the chart alive), MB. */
  heapStartMB: number;
  heapEndMB: number;
  /** JSON size of the chart's state at the end, bytes. */
  stateBytes: number;
  /** Ours: the last SpcResult. */
  lastResult: unknown;
}

export interface CrossCheck {
  /** Phase-II (seq, rule) pairs flagged, per rule, by each contender. */
  counts: Record<InprocessContender, Record<string, number>>;
  /** Phase-II points with at least one violation (ours). */
  pointsFlagged: number;
  phase2Points: number;
  /** The first points whose rules differ from the naive chart's, at most 20; empty = identical. */
  differences: string[];
  identical: boolean;
  /** Limits: ours (from the SpcLimits at the end of phase I) and the naive's own estimate. */
  limits: { ours: Record<string, number | null>; naive: Record<string, number>; maxRelDiff: number };
}

export interface VerifyResult {
  crossCheck: CrossCheck;
  /** Heap after GC during the verify part (all four charts alive) and ours-capability's state size. */
  heap: HeapPoint[];
  /** JSON.stringify(state).length at the end, bytes. */
  stateBytes: { ours: number; "ours-capability": number };
  rules: string[];
  truth: StreamTruth;
}

export interface InprocessResult {
  samples: number;
  verify: VerifyResult;
  rounds: InprocessRun[];
  /** Median samples/s over the rounds, per contender. */
  median: Record<InprocessContender, number>;
  /** Median over the rounds of ours/naive within each round, and of the other pairs. */
  ratio: number;
  ratioCapability: number;
  ratioTail: number;
  ratioCapabilityTail: number;
  /** The timed runs' violation counts equal the verify part's. */
  countsAgree: boolean;
}

// ---------------------------------------------------------------------------------------------
// Through Node-RED.

/**
 * - "baseline": one function node, running mean and SD of every value seen, flags beyond ±3σ;
 * - "ours": mfg-spc-check, I-MR, phase I of `phase1Points`, Nelson (or WE) rules, memory context;
 * - "ours-file": the same with the file-backed context store (localfilesystem, cache + flush).
 */
export const RED_CONTENDERS = ["baseline", "ours", "ours-file"] as const;
export type RedContender = (typeof RED_CONTENDERS)[number];

export interface RedOptions {
  contender: RedContender;
  root: string;
  stream: StreamOptions;
  messages: number;
  inflight: number;
  checkpoints: number;
  phase1Points: number;
  /** Rule preset of ours (lib/spc/rules.ts RULE_PRESETS). */
  rules: "nelson" | "western-electric";
}

export interface RedResult {
  contender: RedContender;
  messages: number;
  /** Wall seconds from the first injected message until every message was completed and delivered. */
  seconds: number;
  messagesPerS: number;
  cpuS: number;
  cpuSPer100k: number;
  cpuCores: number;
  pausedS: number;
  heap: HeapPoint[];
  /** Messages that reached the sink of output 1 (results, and ours' SpcLimits); alarms: of output 2 (ours). */
  delivered: number;
  alarms: number;
  /** ours: violations per rule id in the results; baseline: values flagged "out". */
  flagged: Record<string, number>;
  /** Inputs that ended with done(err). */
  errors: number;
  errorSamples: string[];
  startupS: number;
  logs: string[];
  /** The last message on output 1, for the report. */
  last: unknown;
}
