/**
 * What the OEE benchmark's processes share (bench/oee.ts and bench/support/oee-contender.ts):
 * the contenders, the options a contender child gets and the result it sends back over IPC.
 */

/**
 * - "baseline": two function nodes (state to run/stop, then accumulators and KPIs per 8 h block);
 * - "ours": mfg-state-classifier + mfg-oee-calculator (+ mfg-shift-calendar, mfg-asset), memory context;
 * - "ours-file": the same with the file-backed context store (localfilesystem, cache + flush);
 * - "floor": Node-RED's own cost of ours' flow shape: the samples to two nodes that do nothing
 *   (routing, the copy for the second wire, done), plus the generator and the driver.
 */
export const OEE_CONTENDERS = ["baseline", "ours", "ours-file", "floor"] as const;
export type OeeContenderName = (typeof OEE_CONTENDERS)[number];

export interface OeeContenderOptions {
  contender: OeeContenderName;
  /** Project root (where dist/ and node_modules/ are). */
  root: string;
  samples: number;
  seed: number;
  /** Epoch ms of the first sample (simulated time). */
  epochMs: number;
  /** Simulated time between samples, ms. */
  periodMs: number;
  /** Most samples injected and not yet completed by the contender's last node. */
  inflight: number;
  /** Heap after a forced GC at every samples/checkpoints (and at 0 and 100 %). */
  checkpoints: number;
  /** OEE calculator graceMs (ours): must exceed inflight x periodMs, see docs/benchmarks.md. */
  graceMs: number;
  /** OEE calculator rollingMs and interimMs (ours). */
  rollingMs: number;
  interimMs: number;
  idealCycleTimeS: number;
  meanRunS: number;
  asset: string;
}

export interface HeapPoint {
  /** Samples injected when measured. */
  samples: number;
  /** Percent of all samples. */
  percent: number;
  /** heapUsed and RSS right after a forced full GC, MB. */
  heapMB: number;
  rssMB: number;
}

/** Parts counted by a contender: sum over final shift reports plus the report asked for at the end. */
export interface Parts {
  good: number;
  reject: number;
}

export interface OeeContenderResult {
  contender: OeeContenderName;
  samples: number;
  /** Wall seconds from the first injected sample until the final report arrived, measuring pauses excluded. */
  seconds: number;
  samplesPerS: number;
  /** process.cpuUsage() (user + system) over the same span, s. */
  cpuS: number;
  cpuSPer100k: number;
  /** CPU s per wall s (1.0 = one core busy). */
  cpuCores: number;
  /** Time spent in the measuring pauses (drain wait not included: it is part of the run), s. */
  pausedS: number;
  heap: HeapPoint[];
  /** Output messages of the contender: reports (by window type and final flag for ours). */
  reports: number;
  reportsByKind: Record<string, number>;
  /** ours: event messages (shift/order start and end, counter resets). */
  events: number;
  parts: Parts;
  /** The report(s) the request at the end produced (shift window first), for the figures. */
  finalReports: unknown[];
  /** Inputs that ended with done(err), by node. */
  errors: number;
  errorSamples: string[];
  /** Seconds from process start until Node-RED ran the flow. */
  startupS: number;
  logs: string[];
}
