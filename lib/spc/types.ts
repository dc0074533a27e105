/**
 * Contract of statistical process control (lib/spc): Shewhart, EWMA and CUSUM control charts,
 * Western Electric and Nelson run rules, capability (STANDARDS.md 3), as a reducer with explicit
 * time (ARCHITECTURE rule 2). Pure: no clock reads, no timers, no I/O.
 *
 * Modules and who calls what:
 * - constants.ts  d2, d3, c4 exact to double precision (n = 2..25; c4 to 100) and qcc 3.0's tables;
 * - estimate.ts   sigma estimators over subgroup statistics, process level, the limits of a point;
 * - capability.ts Cp, Cpk, Cpm, Pp, Ppk, the normal CDF, the rolling capability window;
 * - rules.ts      the run rules, one point at a time, constant work per point;
 * - spc.ts        the reducer: subgrouping, phase I / phase II, EWMA, CUSUM, commands, alarms;
 * - input.ts      what a message means (a value, an array, a MachineSample tag, a count, a command).
 */
import type { Alarm, AlarmSeverity, EpochMs, SpcChart, SpcLimits, SpcResult } from "../types";

// ---------------------------------------------------------------------------------------------
// Charts, estimators, constants.

export const VARIABLE_CHARTS = ["xbar-r", "xbar-s", "i-mr", "ewma", "cusum"] as const;
export const ATTRIBUTE_CHARTS = ["p", "np", "c", "u"] as const;
export type AttributeChart = (typeof ATTRIBUTE_CHARTS)[number];

/**
 * Within sigma estimator of single values (STANDARDS.md 3.2, 3.4):
 * - "rbar-d2": mean of R_i/d2(n_i) (= R̄/d2 for constant n; qcc "UWAVE-R");
 * - "sbar-c4": mean of s_i/c4(n_i) (= s̄/c4 for constant n; qcc "UWAVE-SD");
 * - "mrbar-d2": MR̄/d2(2), moving ranges of span 2 between consecutive individual values;
 * - "sd-c4": s/c4(m), the sample SD of the m individual values (qcc individuals "SD").
 */
export const SIGMA_ESTIMATORS = ["rbar-d2", "sbar-c4", "mrbar-d2", "sd-c4"] as const;
export type SigmaEstimator = (typeof SIGMA_ESTIMATORS)[number];

/**
 * Which table of d2 and d3 to use: "exact" (double precision, the default) or "qcc" (qcc 3.0's
 * 3-decimal d2 and 7-decimal d3, to reproduce the reference software to the digit).
 * c4 is exact in both (qcc computes it from the gamma function).
 */
export const CONSTANTS_TABLES = ["exact", "qcc"] as const;
export type ConstantsTable = (typeof CONSTANTS_TABLES)[number];

/** Largest subgroup size: d2/d3 are tabulated to 25 (R charts), c4 to 100 (S charts). */
export const MAX_SUBGROUP_R = 25;
export const MAX_SUBGROUP_S = 100;

/**
 * Largest magnitude of a number the charts take (measured values, given and commanded means and
 * sigmas, spec limits): |x| <= 1e100. Far beyond any physical measurement, and small enough that
 * sums of squares of 10,000 points of 100 values (about 1e206) stay finite, so every statistic,
 * limit and capability of a chart is a finite number (a JSON round trip keeps it).
 */
export const MAX_MAGNITUDE = 1e100;
/**
 * Smallest sample size n of a u chart (units inspected): 1e-9, so ū/n and c/n stay finite. Counts
 * and the n of p, np and c charts are safe integers (<= Number.MAX_SAFE_INTEGER, 2^53 − 1); so is
 * the largest n of a u chart.
 */
export const MIN_U_SIZE = 1e-9;

// ---------------------------------------------------------------------------------------------
// Run rules.

export const RULE_IDS = [
  "we-1",
  "we-2",
  "we-3",
  "we-4",
  "nelson-1",
  "nelson-2",
  "nelson-3",
  "nelson-4",
  "nelson-5",
  "nelson-6",
  "nelson-7",
  "nelson-8",
  "dispersion-1",
] as const;
export type RuleId = (typeof RULE_IDS)[number];

/**
 * What a rule tests; each RuleId is one test with default parameters (rules.ts RULES):
 * - "beyond-limits": one point outside the control limits (we-1, nelson-1, dispersion-1 on the
 *   companion R/S/MR chart);
 * - "k-of-m-beyond": `count` of `length` consecutive points beyond `sigmas` on the same side, the
 *   point itself beyond (we-2, nelson-5: 2 of 3 beyond 2σ; we-3, nelson-6: 4 of 5 beyond 1σ);
 * - "run-same-side": `length` points in a row strictly on one side of the centre line (we-4: 8,
 *   nelson-2: 9);
 * - "trend": `length` points in a row strictly increasing or decreasing (nelson-3: 6);
 * - "alternating": `length` points in a row alternating up and down (nelson-4: 14);
 * - "run-within": `length` points in a row within `sigmas` of the centre line, inclusive
 *   (nelson-7: 15 within 1σ);
 * - "run-outside": `length` points in a row beyond `sigmas` with points on both sides among them
 *   (nelson-8: 8 beyond 1σ).
 * Once a run is complete, every further point that continues it fires again (as qcc).
 */
export type RuleTest =
  | "beyond-limits"
  | "k-of-m-beyond"
  | "run-same-side"
  | "trend"
  | "alternating"
  | "run-within"
  | "run-outside";

/** A rule as configured: switched on or off, parameters overriding the rule's defaults. */
export interface RuleSetting {
  id: RuleId;
  enabled: boolean;
  /** Points in the run or in the window. */
  length?: number;
  /** k-of-m rules: points of the window that must be beyond. */
  count?: number;
  /** Zone boundary in sigmas of the plotted statistic. */
  sigmas?: number;
}

/** One point as the rules see it (rules.ts `checkPoint`). */
export interface RulePoint {
  seq: number;
  /** The plotted statistic. */
  value: number;
  cl: number;
  /** Sigma of the plotted statistic at this point (> 0). */
  sigma: number;
  ucl: number | null;
  lcl: number | null;
  /** The companion chart's value and limits (dispersion-1), when there is one. */
  dispersion?: { value: number; ucl: number | null; lcl: number | null } | null;
}

// ---------------------------------------------------------------------------------------------
// Subgroups and limits.

/**
 * Statistics of one subgroup, i.e. one point of the chart: constant size whatever n, so phase I
 * and the capability window keep these and never the single values.
 * Attribute charts: `n` is the sample size (units inspected), `sum` the count (nonconforming
 * units or nonconformities); mean, range, sd and ss are 0.
 */
export interface SubgroupStats {
  seq: number;
  ts: EpochMs;
  /** Values in the subgroup (variables) or sample size (attributes). */
  n: number;
  /** Variables: subgroup mean. Attributes: 0. */
  mean: number;
  /** Variables: max − min (0 for n = 1). */
  range: number;
  /** Variables: sample SD, n − 1 denominator (0 for n = 1). */
  sd: number;
  /** Variables: Σ(x − mean)², for the overall SD (0 for n = 1). */
  ss: number;
  /** Attributes: the count. Variables: Σx (= n · mean). */
  sum: number;
  key?: string;
}

/** The process level and spread the limits come from (estimated in phase I, or given). */
export interface ProcessEstimate {
  /** Grand mean X̿ (weighted by n, STANDARDS.md 3.2 "unequal sizes"), x̄, p̄, c̄ or ū. */
  center: number;
  /** Sigma of single values (variables); null for attribute charts. */
  sigma: number | null;
}

/** The limits of one point (estimate.ts `pointLimits`), at its own n. */
export interface PointLimits {
  cl: number;
  ucl: number;
  /** Floored at 0 for R, S, MR, p, np, c and u. */
  lcl: number;
  /** Sigma of the plotted statistic (σ/√n, √(p̄(1−p̄)/n), ...). */
  sigma: number;
  /** R, S or MR chart limits at this n, when the chart has a companion. */
  dispersion?: { cl: number; ucl: number; lcl: number };
}

// ---------------------------------------------------------------------------------------------
// The reducer.

export const SUBGROUP_MODES = ["count", "array", "key"] as const;
/**
 * How single values form subgroups: "count" = consecutive values, `subgroupSize` at a time (an
 * array carries several consecutive values); "array" = each message's array is one subgroup (its
 * length may vary); "key" = values with the same key (e.g. a batch id) form a subgroup, which closes
 * when the key changes, on a "flush" command, or when it reaches `subgroupSize`.
 */
export type SubgroupMode = (typeof SUBGROUP_MODES)[number];

export interface SpcConfig {
  /** Name of the quality characteristic, e.g. "FillVolume". */
  characteristic: string;
  chart: SpcChart;
  subgroupBy: SubgroupMode;
  /** n for subgroupBy "count" (1 = individuals), the most values for "key". */
  subgroupSize: number;
  /** Within sigma estimator (variables charts; ignored for attributes). */
  estimator: SigmaEstimator;
  constants: ConstantsTable;
  /** Width of Shewhart limits in sigmas (L), normally 3. */
  nsigmas: number;
  /** "estimate" from phase I, or "given" (givenMean, givenSigma). */
  limits: "estimate" | "given";
  /** Given process level: mean of single values, p̄ (p, np), c̄ (c) or ū (u). */
  givenMean: number | null;
  /** Given sigma of single values (variables charts). */
  givenSigma: number | null;
  /** Points (subgroups) of phase I, from which limits are estimated (2..1000). */
  phase1Points: number;
  /**
   * At the end of phase I, leave out the points beyond the limits and estimate again, until none
   * is beyond (at most MAX_REVISIONS rounds). Off: the limits stand until a "revise" command.
   */
  autoRevise: boolean;
  /** Attribute charts: constant sample size; null = each input gives it. */
  sampleSize: number | null;
  /** EWMA weight λ (0 < λ <= 1) and limit width L in sigmas. */
  ewmaLambda: number;
  ewmaL: number;
  /** CUSUM reference value k and decision interval h in sigma units; head start (FIR) in sigma units, 0 = none. */
  cusumK: number;
  cusumH: number;
  cusumHeadStart: number;
  rules: RuleSetting[];
  lsl: number | null;
  usl: number | null;
  /** Target for Cpm; null = (LSL + USL)/2 when both are set. */
  target: number | null;
  /** Points (subgroups) in the rolling capability window of every SpcResult (0 = none). */
  capabilityWindow: number;
  /** Alarm severity of points beyond the limits and EWMA/CUSUM signals. */
  limitSeverity: AlarmSeverity;
  /** Alarm severity of the other run rules. */
  runSeverity: AlarmSeverity;
  /** Asset path of the results and alarms, or null. */
  asset: string | null;
  /** Alarm source, e.g. "spc:FillVolume". */
  source: string;
}

/** Rounds of an automatic revision at the end of phase I. */
export const MAX_REVISIONS = 5;

export const SPC_COMMANDS = ["revise", "exclude", "freeze", "rebaseline", "limits", "flush"] as const;
/**
 * - "revise": leave out the phase-I points beyond the limits (either chart) and estimate again;
 * - "exclude": leave out the phase-I points `points` (seq) and estimate again;
 * - "freeze": end phase I now with the points so far (at least 2);
 * - "rebaseline": a new phase I starts with the next point (limits cleared);
 * - "limits": use the given `mean` (and `sigma` for variables charts) from now on;
 * - "flush": close the open subgroup (subgroupBy "key" or "count") and chart it.
 */
export type SpcCommand = (typeof SPC_COMMANDS)[number];

export type SpcInput =
  /**
   * Single measurements, in order; `key` for subgroupBy "key". `sourceTs`: the source timestamp of
   * a MachineSample tag; a value with the same sourceTs as the last one charted is the same
   * measurement sent again (connector snapshots) and is skipped.
   */
  | { type: "values"; values: number[]; ts: EpochMs; key?: string; sourceTs?: EpochMs }
  /** Attribute charts: a count of nonconforming units (p, np) or nonconformities (c, u) in `size` units. */
  | { type: "count"; count: number; size: number | null; ts: EpochMs }
  | { type: "command"; command: SpcCommand; points?: number[]; mean?: number; sigma?: number; ts: EpochMs };

/**
 * Something the node should log (not an error of the input): "subgroup-too-small" a one-value
 * subgroup dropped; "subgroup-dropped" the values of the open subgroup dropped by a rebaseline
 * (they belong to the old process), `values` of them.
 */
export interface SpcNotice {
  type: "subgroup-too-small" | "subgroup-dropped";
  text: string;
  key?: string;
  /** "subgroup-dropped": how many values were dropped. */
  values?: number;
}

/** What one reducer step produced (spc.ts `step`); the state is updated in place. */
export interface SpcStepResult<S> {
  state: S;
  /** One per point completed by the input, in order. */
  results: SpcResult[];
  /** New or changed limits (end of phase I, revise, exclude, freeze, limits, rebaseline). */
  limits: SpcLimits[];
  /** Rule alarms that became active or cleared at this step. */
  alarms: Alarm[];
  notices: SpcNotice[];
}
