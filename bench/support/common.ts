/**
 * What the benchmark's processes share: option and result shapes exchanged over IPC, the
 * variable naming of the benchmark server and the small statistics the report needs.
 */

export interface ServerOptions {
  port: number;
  variables: number;
  tickMs: number;
  /** How the variables change: "pull" (value derived from the tick number when sampled) or "push" (timer writes). */
  update: "pull" | "push";
}

export interface ServerStats {
  /** process.cpuUsage() of the server process, microseconds since it started. */
  cpuUserUs: number;
  cpuSystemUs: number;
  rssBytes: number;
  /** Ticks done and variable values changed since the start. */
  ticks: number;
  changes: number;
  /** Wall clock of the reading, ms since the epoch. */
  atMs: number;
  sessions: number;
  subscriptions: number;
}

/** Width of the variable number in its NodeId: V00000 for up to 100,000 variables. */
export function nodeIdWidth(variables: number): number {
  return Math.max(5, String(variables - 1).length);
}

/** The string NodeId identifier of variable `i`, e.g. "V00042" (NodeId ns=1;s=V00042). */
export function variableName(i: number, variables: number): string {
  return `V${String(i).padStart(nodeIdWidth(variables), "0")}`;
}

/** Server limits raised above what `variables` items on one subscription need. */
export function serverLimits(variables: number) {
  const items = Math.max(100_000, variables * 4);
  const perCall = Math.max(10_000, variables);
  return {
    maxSessions: 20,
    maxSubscriptions: 100,
    maxSubscriptionsPerSession: 10,
    maxMonitoredItems: items,
    maxMonitoredItemsPerSubscription: items,
    maxMonitoredItemsQueueSize: 60_000,
    operationLimits: {
      maxMonitoredItemsPerCall: perCall,
      maxNodesPerRead: perCall,
      maxNodesPerBrowse: perCall,
      maxNodesPerRegisterNodes: perCall,
    },
    /** Subscription.maxNotificationPerPublishHighLimit (node-opcua's default is 1000). */
    maxNotificationsPerPublish: Math.max(1000, variables),
  };
}

export type ContenderName = "contrib" | "ours";

export interface ContenderOptions {
  contender: ContenderName;
  /** Project root (where dist/ and node_modules/ are). */
  root: string;
  endpointUrl: string;
  variables: number;
  samplingIntervalMs: number;
  publishingIntervalMs: number;
  queueSize: number;
  /** Warm-up lasts at least this long and until every variable was delivered once... */
  warmupS: number;
  /** ...but never longer than this. */
  warmupMaxS: number;
  /** Length of the measurement window. */
  seconds: number;
  /** Memory is sampled this often (also during the warm-up). */
  sampleEveryS: number;
}

export interface MemorySample {
  /** Seconds since the start of the measurement window (negative during the warm-up). */
  tS: number;
  rssMB: number;
  heapUsedMB: number;
}

export interface MemorySummary {
  rssStartMB: number;
  rssEndMB: number;
  rssMaxMB: number;
  heapStartMB: number;
  heapEndMB: number;
  heapMaxMB: number;
  /** Least-squares slope over the window's samples. */
  rssSlopeMBPerMin: number;
  heapSlopeMBPerMin: number;
  /** heapUsed right after a forced full GC at the window's start and end (null without --expose-gc). */
  heapAfterGcStartMB: number | null;
  heapAfterGcEndMB: number | null;
}

export interface ContenderResult {
  contender: ContenderName;
  /** Measured window length, seconds (wall clock). */
  windowS: number;
  /** Seconds from process start until Node-RED ran the flow, and the warm-up actually used. */
  startupS: number;
  warmupUsedS: number;
  /** Seconds after the flow started until every variable had been delivered at least once (null: never). */
  allItemsAfterS: number | null;
  /** Distinct variables delivered since the start, and within the window. */
  distinctTotal: number;
  distinctInWindow: number;
  /** Counts within the window. */
  messages: number;
  values: number;
  /** Values that differ from the previous value delivered for the same variable. */
  freshValues: number;
  messagesPerS: number;
  valuesPerS: number;
  freshValuesPerS: number;
  /** process.cpuUsage() over the window, seconds. */
  cpuUserS: number;
  cpuSystemS: number;
  /** CPU seconds (user+system) per 10,000 delivered values within the window. */
  cpuPer10kValuesS: number;
  /** CPU seconds over the window per wall second (1.0 = one core busy). */
  cpuCores: number;
  /** CPU the child used from its start to the end of the window (startup, warm-up, window). */
  processCpuTotalS: number;
  memory: MemorySummary;
  samples: MemorySample[];
  /** Last status messages the contender emitted and its warnings/errors (bounded). */
  statuses: string[];
  logs: string[];
}

/** Least-squares slope of y over x; 0 for fewer than two points. */
export function slope(xs: number[], ys: number[]): number {
  const n = Math.min(xs.length, ys.length);
  if (n < 2) return 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += xs[i]!;
    sy += ys[i]!;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    num += dx * (ys[i]! - my);
    den += dx * dx;
  }
  return den === 0 ? 0 : num / den;
}

export function summariseMemory(
  window: MemorySample[],
  heapAfterGcStartMB: number | null,
  heapAfterGcEndMB: number | null,
): MemorySummary {
  const first = window[0];
  const last = window[window.length - 1];
  const minutes = window.map((s) => s.tS / 60);
  return {
    rssStartMB: first?.rssMB ?? 0,
    rssEndMB: last?.rssMB ?? 0,
    rssMaxMB: Math.max(0, ...window.map((s) => s.rssMB)),
    heapStartMB: first?.heapUsedMB ?? 0,
    heapEndMB: last?.heapUsedMB ?? 0,
    heapMaxMB: Math.max(0, ...window.map((s) => s.heapUsedMB)),
    rssSlopeMBPerMin: slope(
      minutes,
      window.map((s) => s.rssMB),
    ),
    heapSlopeMBPerMin: slope(
      minutes,
      window.map((s) => s.heapUsedMB),
    ),
    heapAfterGcStartMB,
    heapAfterGcEndMB,
  };
}

export const MB = 1024 * 1024;
