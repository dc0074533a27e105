/**
 * The SPC reducer (ARCHITECTURE rule 2): measured values, attribute counts and commands in;
 * SpcResult (one per charted point), SpcLimits (whenever the limits are set or change), Alarm
 * (rule episodes in phase II) and notices out. Pure: no clock reads, no timers, no I/O.
 *
 * Semantics (docs/spc.md has the formulas and sources):
 * - points are numbered seq = 1, 2, 3, … for the life of the chart (a rebaseline does not restart
 *   them), as the 1-based numbering of qcc and spc-vectors.json;
 * - phase I (limits "estimate"): the first `phase1Points` points; each gets provisional limits from
 *   the phase-I points so far (running sums, O(1) per point) and no rule check; at the last one the
 *   limits are estimated (estimate.ts estimateProcess, qcc R/qcc.R), with `autoRevise` the points
 *   beyond either chart's limits are left out and the limits estimated again (at most
 *   MAX_REVISIONS rounds), then the rules, the EWMA and the CUSUM are replayed over the kept
 *   phase-I points in order (qcc evaluates phase-I points against the trial limits), which gives
 *   SpcLimits.outOfControl;
 * - phase II: limits frozen, every point checked by the rules (Shewhart charts) or by its EWMA /
 *   CUSUM signal; alarms per rule episode;
 * - commands: revise, exclude, freeze, rebaseline, limits, flush (lib/spc/types.ts SPC_COMMANDS).
 *
 * `step` updates the state it is given in place (plain JSON, bounded by the configuration) and
 * throws SpcRefused before any change when an input is refused.
 */
import type { Alarm, AlarmSeverity, EpochMs, SpcChart, SpcLimits, SpcResult, SpcViolation } from "../types";
import { ALARM_SEVERITIES, SPC_CHARTS } from "../types";
import { type FieldError, formatErrors, got } from "../validate";
import {
  addToWindow,
  type CapabilityWindow,
  capabilityOf,
  newCapabilityWindow,
  windowCapability,
} from "./capability";
import { c4, d2 } from "./constants";
import { countStats, estimateProcess, overallSd, plotted, pointLimits, subgroupStats } from "./estimate";
import {
  type CompiledRules,
  checkPoint,
  checkRules,
  compileRules,
  initialRuleState,
  NO_VIOLATIONS,
  RULES,
  type RuleState,
  ruleStateMatches,
} from "./rules";
import {
  ATTRIBUTE_CHARTS,
  CONSTANTS_TABLES,
  type ConstantsTable,
  MAX_MAGNITUDE,
  MAX_REVISIONS,
  MAX_SUBGROUP_R,
  MAX_SUBGROUP_S,
  MIN_U_SIZE,
  type PointLimits,
  type ProcessEstimate,
  type RuleId,
  type RulePoint,
  SIGMA_ESTIMATORS,
  type SigmaEstimator,
  type SpcCommand,
  type SpcConfig,
  type SpcInput,
  type SpcNotice,
  type SpcStepResult,
  SUBGROUP_MODES,
  type SubgroupStats,
} from "./types";

/** Most phase-I points (the phase-I SubgroupStats are kept until a rebaseline). */
export const MAX_PHASE1_POINTS = 1000;
/** Largest rolling capability window, in points. */
export const MAX_CAPABILITY_WINDOW = 10_000;
/** Most points named by a CUSUM violation (the last ones of the run). */
export const MAX_CUSUM_POINTS = 50;
/** Version of the SpcState layout. */
export const SPC_STATE_VERSION = 1;

// ---------------------------------------------------------------------------------------------
// Errors.

/**
 * An input refused for a reason the message parser cannot see (the chart's phase, its
 * configuration, its phase-I points). Thrown by `step` before any change to the state.
 */
export class SpcRefused extends Error {
  errors: FieldError[];
  constructor(errors: FieldError[]) {
    super(formatErrors(errors, "payload"));
    this.name = "SpcRefused";
    this.errors = errors;
  }
}

function refuse(field: string, message: string): never {
  throw new SpcRefused([{ field, message }]);
}

// ---------------------------------------------------------------------------------------------
// Configuration.

const isAttributeChart = (chart: unknown): boolean =>
  (ATTRIBUTE_CHARTS as readonly unknown[]).includes(chart);
const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const integer = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);
// Module-local copies of the imported constants read per point (a plain load whatever the module
// format; an import binding may be a getter).
const MAX = MAX_MAGNITUDE;
const NO_RULE_FIRED = NO_VIOLATIONS;

/** A number the charts take: finite, |v| <= MAX_MAGNITUDE (1e100). */
const bounded = (v: unknown): v is number => finite(v) && Math.abs(v) <= MAX;
/** A count or the n of a p, np or c chart: a safe integer (<= 2^53 − 1). */
const safeCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
/** The n of a u chart: MIN_U_SIZE (1e-9) to 2^53 − 1 units inspected. */
const uSize = (v: unknown): v is number => finite(v) && v >= MIN_U_SIZE && v <= Number.MAX_SAFE_INTEGER;
const MAGNITUDE = "at most 1e100 in magnitude";
const U_SIZE = `a number of units inspected from ${MIN_U_SIZE} to 2^53 − 1`;
const SAFE_N = "a whole number from 1 to 2^53 − 1";

/**
 * Checks a configuration; every error names the field ("phase1Points", "rules[2].length", …; the
 * node prefixes "config.") and the expected form. Fields a chart does not use are not checked
 * (the EWMA parameters of a p chart, the sample size of an X̄ chart).
 */
export function checkSpcConfig(config: SpcConfig): FieldError[] {
  const errors: FieldError[] = [];
  const c = config as unknown as Record<string, unknown>;
  const err = (field: string, message: string) =>
    errors.push({ field, message: `${message}${got(c[field])}` });
  if (typeof config !== "object" || config === null) return [{ field: "", message: "must be an object" }];

  if (typeof c.characteristic !== "string" || c.characteristic.trim() === "")
    err("characteristic", "must be the name of the quality characteristic, a non-empty string");
  const chart = c.chart;
  const chartOk = (SPC_CHARTS as readonly unknown[]).includes(chart);
  if (!chartOk) err("chart", `must be one of ${SPC_CHARTS.join(", ")}`);
  const attribute = isAttributeChart(chart);
  const variables = chartOk && !attribute;
  if (!(SUBGROUP_MODES as readonly unknown[]).includes(c.subgroupBy))
    err("subgroupBy", `must be one of ${SUBGROUP_MODES.join(", ")}`);
  if (!(SIGMA_ESTIMATORS as readonly unknown[]).includes(c.estimator))
    err("estimator", `must be one of ${SIGMA_ESTIMATORS.join(", ")}`);
  if (!(CONSTANTS_TABLES as readonly unknown[]).includes(c.constants))
    err("constants", `must be one of ${CONSTANTS_TABLES.join(", ")}`);

  // Subgroup size, subgrouping and estimator against the chart.
  if (variables) {
    const size = c.subgroupSize;
    const estimator = c.estimator;
    const rangeBased = chart === "xbar-r" || estimator === "rbar-d2";
    const max = rangeBased ? MAX_SUBGROUP_R : MAX_SUBGROUP_S;
    let sizeOk = true;
    if (chart === "i-mr") {
      if (size !== 1) {
        err("subgroupSize", "must be 1 for an i-mr chart (individuals)");
        sizeOk = false;
      }
    } else if (chart === "xbar-r" || chart === "xbar-s") {
      if (!integer(size) || size < 2 || size > max) {
        err(
          "subgroupSize",
          `must be a whole number 2..${max} for an ${chart} chart${rangeBased && chart !== "xbar-r" ? " with the rbar-d2 estimator" : ""}`,
        );
        sizeOk = false;
      }
    } else if (!integer(size) || size < 1 || size > max) {
      err("subgroupSize", `must be a whole number 1..${max} for an ${chart} chart (1 = individuals)`);
      sizeOk = false;
    }
    if (sizeOk) {
      const subgrouped = (size as number) >= 2;
      if (subgrouped && (estimator === "mrbar-d2" || estimator === "sd-c4"))
        err(
          "estimator",
          "must be rbar-d2 or sbar-c4 for subgroups (mrbar-d2 and sd-c4 estimate sigma from individual values)",
        );
      if (!subgrouped && (estimator === "rbar-d2" || estimator === "sbar-c4"))
        err(
          "estimator",
          "must be mrbar-d2 or sd-c4 for individual values (rbar-d2 and sbar-c4 need subgroups of 2 or more)",
        );
      if (!subgrouped && (c.subgroupBy === "key" || c.subgroupBy === "array"))
        err("subgroupBy", 'must be "count" for individual values (key and array form subgroups)');
    }
  } else if (attribute) {
    const size = c.sampleSize;
    if (size !== null) {
      if (chart === "u" ? !uSize(size) : !(safeCount(size) && size >= 1))
        err("sampleSize", `must be null (each input gives its size) or ${chart === "u" ? U_SIZE : SAFE_N}`);
    }
  }

  if (!integer(c.phase1Points) || c.phase1Points < 2 || c.phase1Points > MAX_PHASE1_POINTS)
    err("phase1Points", `must be a whole number of points 2..${MAX_PHASE1_POINTS}`);
  if (!finite(c.nsigmas) || c.nsigmas < 1 || c.nsigmas > 6) err("nsigmas", "must be a number of sigmas 1..6");
  if (typeof c.autoRevise !== "boolean") err("autoRevise", "must be true or false");

  if (c.limits !== "estimate" && c.limits !== "given") err("limits", 'must be "estimate" or "given"');
  else if (c.limits === "given") {
    const mean = c.givenMean;
    if (!bounded(mean)) err("givenMean", `must be a finite number with given limits, ${MAGNITUDE}`);
    else if ((chart === "p" || chart === "np") && !(mean > 0 && mean < 1))
      err("givenMean", "must be the fraction nonconforming p̄, between 0 and 1 (exclusive)");
    else if ((chart === "c" || chart === "u") && !(mean > 0))
      err("givenMean", "must be a count > 0 (c̄ or ū)");
    if (variables && !(bounded(c.givenSigma) && c.givenSigma > 0))
      err(
        "givenSigma",
        `must be the sigma of single values, a number > 0 and ${MAGNITUDE}, with given limits`,
      );
  }

  if (chart === "ewma") {
    if (!finite(c.ewmaLambda) || c.ewmaLambda <= 0 || c.ewmaLambda > 1)
      err("ewmaLambda", "must be a weight 0 < λ <= 1 (typically 0.05..0.25)");
    if (!bounded(c.ewmaL) || c.ewmaL <= 0)
      err("ewmaL", `must be a limit width in sigmas > 0 (typically 2.7..3), ${MAGNITUDE}`);
  }
  if (chart === "cusum") {
    if (!bounded(c.cusumK) || c.cusumK < 0)
      err("cusumK", `must be a reference value in sigmas >= 0 (typically 0.5), ${MAGNITUDE}`);
    const hOk = bounded(c.cusumH) && c.cusumH > 0;
    if (!hOk) err("cusumH", `must be a decision interval in sigmas > 0 (typically 4 or 5), ${MAGNITUDE}`);
    const hs = c.cusumHeadStart;
    if (!finite(hs) || hs < 0 || (hOk && hs > (c.cusumH as number)))
      err("cusumHeadStart", "must be a head start in sigmas from 0 to cusumH (0 = none, h/2 = FIR)");
  }

  // Specification limits and target.
  const spec = (k: "lsl" | "usl" | "target") => {
    const v = c[k];
    if (v !== null && !bounded(v)) {
      err(k, `must be a finite number (${MAGNITUDE}) or null`);
      return undefined;
    }
    return v as number | null;
  };
  const lsl = spec("lsl");
  const usl = spec("usl");
  const target = spec("target");
  if (finite(lsl) && finite(usl) && !(lsl < usl)) err("usl", `must be greater than lsl (${lsl})`);
  if (finite(target)) {
    if (finite(lsl) && target < lsl) err("target", `must not be below lsl (${lsl})`);
    else if (finite(usl) && target > usl) err("target", `must not be above usl (${usl})`);
  }
  const w = c.capabilityWindow;
  if (!integer(w) || (w !== 0 && (w < 2 || w > MAX_CAPABILITY_WINDOW)))
    err("capabilityWindow", `must be 0 (none) or a whole number of points 2..${MAX_CAPABILITY_WINDOW}`);

  if (!Array.isArray(c.rules)) err("rules", "must be an array of rules");
  else errors.push(...checkRules(c.rules as SpcConfig["rules"]));
  for (const k of ["limitSeverity", "runSeverity"] as const)
    if (!(ALARM_SEVERITIES as readonly unknown[]).includes(c[k]))
      err(k, `must be one of ${ALARM_SEVERITIES.join(", ")}`);
  if (c.asset !== null && (typeof c.asset !== "string" || c.asset === ""))
    err("asset", "must be an asset path or null");
  if (typeof c.source !== "string" || c.source === "")
    err("source", 'must be a non-empty string, e.g. "spc:FillVolume"');
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Setup: everything per-point code needs, computed once.

const SHEWHART = 0;
const EWMA = 1;
const CUSUM = 2;

/** The companion chart's statistic: none, range (X̄-R), SD (X̄-S), moving range (I-MR). */
const DISP_NONE = 0;
const DISP_RANGE = 1;
const DISP_SD = 2;
const DISP_MR = 3;

export interface SpcSetup {
  config: SpcConfig;
  chart: SpcChart;
  /** p, np, c, u. */
  attribute: boolean;
  /** Variables chart whose points are single values (i-mr; ewma/cusum with subgroupSize 1). */
  individuals: boolean;
  /** Variables chart whose points are subgroups of 2 or more values (one-value subgroups dropped). */
  subgrouped: boolean;
  /** 0 Shewhart, 1 EWMA, 2 CUSUM. */
  kind: number;
  /** Companion chart: 0 none, 1 range, 2 SD, 3 moving range. */
  dispersion: number;
  /** Largest subgroup an "array" input may give (25 with d2/d3, 100 otherwise). */
  maxN: number;
  table: ConstantsTable;
  estimator: SigmaEstimator;
  nsigmas: number;
  rules: CompiledRules;
  /** Rule severities by rule id (limit rules vs run rules). */
  severity: Record<string, AlarmSeverity>;
  /** Spec limits for capability (variables charts with lsl or usl). */
  spec: { lsl: number | null; usl: number | null; target: number | null } | null;
  /** Rolling capability on every SpcResult (spec set and capabilityWindow > 0). */
  window: number;
  /** Points phase I needs at least before limits can be estimated (freeze, revise, exclude). */
  minPoints: number;
  /** Given process estimate (config limits "given"), or null. */
  given: ProcessEstimate | null;
  lambda: number;
  ewmaL: number;
  /** √(λ/(2 − λ)) and (1 − λ)². */
  ewmaFactor: number;
  ewmaDecay2: number;
  k: number;
  h: number;
  headStart: number;
  /** Fingerprint of the fields that shape the state (restoreSpcState). */
  key: string;
  /** Last limits computed, per process estimate object and n (constant n: one computation). */
  cache: { est: ProcessEstimate | null; n: number; lim: PointLimits | null };
}

/**
 * The usual within sigma estimator of a chart (STANDARDS.md 3.2): R̄/d2 for X̄-R, s̄/c4 for X̄-S,
 * MR̄/d2 for I-MR, and for EWMA and CUSUM R̄/d2 with subgroups (n >= 2), MR̄/d2 with single
 * values. Attribute charts have none (the reducer ignores it; R̄/d2 is returned).
 */
export function usualEstimator(chart: SpcChart, subgroupSize: number): SigmaEstimator {
  switch (chart) {
    case "xbar-s":
      return "sbar-c4";
    case "i-mr":
      return "mrbar-d2";
    case "ewma":
    case "cusum":
      return subgroupSize >= 2 ? "rbar-d2" : "mrbar-d2";
    default:
      return "rbar-d2";
  }
}

/** The setup of a configuration that passed checkSpcConfig. */
export function compileSpc(config: SpcConfig): SpcSetup {
  const chart = config.chart;
  const attribute = isAttributeChart(chart);
  const kind = chart === "ewma" ? EWMA : chart === "cusum" ? CUSUM : SHEWHART;
  const subgrouped = !attribute && chart !== "i-mr" && config.subgroupSize >= 2;
  const individuals = !attribute && !subgrouped;
  const dispersion =
    chart === "xbar-r" ? DISP_RANGE : chart === "xbar-s" ? DISP_SD : chart === "i-mr" ? DISP_MR : DISP_NONE;
  const rangeBased = chart === "xbar-r" || config.estimator === "rbar-d2";
  const rules = compileRules(kind === SHEWHART ? config.rules : []);
  const severity: Record<string, AlarmSeverity> = {
    ewma: config.limitSeverity,
    "cusum-upper": config.limitSeverity,
    "cusum-lower": config.limitSeverity,
  };
  for (const id of Object.keys(RULES) as RuleId[])
    severity[id] = RULES[id].limitRule ? config.limitSeverity : config.runSeverity;
  const specSet = !attribute && (config.lsl !== null || config.usl !== null);
  const spec = specSet ? { lsl: config.lsl, usl: config.usl, target: config.target } : null;
  const given: ProcessEstimate | null =
    config.limits === "given" && config.givenMean !== null
      ? { center: config.givenMean, sigma: attribute ? null : config.givenSigma }
      : null;
  const lambda = config.ewmaLambda;
  const key = JSON.stringify([
    SPC_STATE_VERSION,
    chart,
    config.subgroupBy,
    config.subgroupSize,
    config.estimator,
    config.constants,
    config.limits,
    config.phase1Points,
    // Not the spec limits nor the capability window: adding or changing them keeps the chart's
    // limits (restoreSpcState restarts the window when its size changed).
    // Given limits edited in the configuration take effect (a "limits" command's stay in the state).
    config.limits === "given" ? [config.givenMean, attribute ? null : config.givenSigma] : null,
  ]);
  return {
    config,
    chart,
    attribute,
    individuals,
    subgrouped,
    kind,
    dispersion,
    maxN: rangeBased ? MAX_SUBGROUP_R : MAX_SUBGROUP_S,
    table: config.constants,
    estimator: config.estimator,
    nsigmas: config.nsigmas,
    rules,
    severity,
    spec,
    window: spec ? config.capabilityWindow : 0,
    minPoints: attribute || subgrouped ? 1 : 2,
    given,
    lambda,
    ewmaL: config.ewmaL,
    ewmaFactor: Math.sqrt(lambda / (2 - lambda)),
    ewmaDecay2: (1 - lambda) * (1 - lambda),
    k: config.cusumK,
    h: config.cusumH,
    headStart: config.cusumHeadStart,
    key,
    cache: { est: null, n: Number.NaN, lim: null },
  };
}

// ---------------------------------------------------------------------------------------------
// State.

/** Running sums of the phase-I points, for the provisional limits (O(1) per point). */
export interface Phase1Sums {
  /** Points. */
  m: number;
  /** Σn and Σsum (values or counts). */
  sumN: number;
  sumSum: number;
  /** rbar-d2: Σ R_i/d2(n_i); sbar-c4: Σ s_i/c4(n_i); over `sigK` points with n >= 2. */
  sig: number;
  sigK: number;
  /** mrbar-d2: Σ|x_i − x_{i−1}| over `mrK` moving ranges; `prev` the last value. */
  mr: number;
  mrK: number;
  prev: number | null;
  /** sd-c4: Welford mean and sum of squared deviations of the values. */
  wMean: number;
  wM2: number;
}

/** An alarm episode in progress: the rule fired at the last point. */
export interface ActiveAlarm {
  rule: string;
  id: string;
  /** First point of the episode. */
  seq: number;
  severity: AlarmSeverity;
  /** The violation text at the first point. */
  text: string;
}

/**
 * Everything the reducer remembers: plain JSON (kept in the Node-RED context store, restored with
 * JSON.parse), bounded by the configuration: at most phase1Points SubgroupStats, the open
 * subgroup's values (at most subgroupSize), the rules ring, the CUSUM ring (50 seqs), the
 * capability window (capabilityWindow points) and the active alarms (one per rule).
 */
export interface SpcState {
  version: number;
  /** SpcSetup.key of the configuration this state was made for. */
  key: string;
  /** Seq of the last charted point (0 = none yet). */
  seq: number;
  /** "I" until limits are estimated or given. */
  phase: "I" | "II";
  /** The process estimate the limits come from; null in phase I. */
  est: ProcessEstimate | null;
  /** Where `est` comes from. */
  source: "estimated" | "given" | null;
  /** Config limits "given": the SpcLimits "given" was sent (at the first point). */
  announced: boolean;
  /** Revision of the last SpcLimits sent (−1 = none yet). */
  revision: number;
  /** Phase-I points, kept until a rebaseline (revise and exclude re-estimate from them). */
  phase1: SubgroupStats[];
  /** Phase-I seqs left out of the estimate, ascending. */
  excluded: number[];
  /** Provisional sums of phase I. */
  sums: Phase1Sums;
  /** The open subgroup (subgroupBy "count" with n >= 2, or "key"). */
  open: { values: number[]; key: string | null; ts: EpochMs } | null;
  /** The last charted value of an individuals chart (moving range); null after a (re)baseline. */
  last: number | null;
  /** Source timestamp of the last MachineSample value taken (a resend is skipped). */
  lastSourceTs: EpochMs | null;
  /** EWMA z and the number of points since z0 (i of the time-varying limits). */
  ewmaZ: number;
  ewmaI: number;
  /** CUSUM sums C+ and C− (sigma units), the points in a row each has been > 0, and a ring of seqs. */
  cusumHi: number;
  cusumLo: number;
  cusumNHi: number;
  cusumNLo: number;
  cusumCount: number;
  cusumSeqs: number[];
  rules: RuleState;
  active: ActiveAlarm[];
  window: CapabilityWindow | null;
}

function emptySums(): Phase1Sums {
  return { m: 0, sumN: 0, sumSum: 0, sig: 0, sigK: 0, mr: 0, mrK: 0, prev: null, wMean: 0, wM2: 0 };
}

export function initialSpcState(setup: SpcSetup): SpcState {
  const given = setup.given;
  return {
    version: SPC_STATE_VERSION,
    key: setup.key,
    seq: 0,
    phase: given ? "II" : "I",
    est: given ? { ...given } : null,
    source: given ? "given" : null,
    announced: false,
    revision: -1,
    phase1: [],
    excluded: [],
    sums: emptySums(),
    open: null,
    last: null,
    lastSourceTs: null,
    ewmaZ: given ? given.center : 0,
    ewmaI: 0,
    cusumHi: setup.headStart,
    cusumLo: setup.headStart,
    cusumNHi: 0,
    cusumNLo: 0,
    cusumCount: 0,
    cusumSeqs: setup.kind === CUSUM ? new Array<number>(MAX_CUSUM_POINTS).fill(0) : [],
    rules: initialRuleState(setup.rules),
    active: [],
    window: setup.window > 0 ? newCapabilityWindow(setup.window) : null,
  };
}

/**
 * A stored state (e.g. restored from the context store) to continue with, or null when it was
 * not made by this reducer for a configuration of the same shape (chart, subgrouping, estimator,
 * constants, phase I, given limits): then start with initialSpcState. Rules switched on or off
 * or re-parameterised keep the limits and the phase: only the run-rule state starts afresh (an
 * alarm of a rule no longer on clears at the next point). Spec limits or a capability window
 * added, changed or removed keep the limits and the phase too: a window of another size (or one
 * switched on or off) restarts empty.
 */
export function restoreSpcState(setup: SpcSetup, stored: unknown): SpcState | null {
  if (typeof stored !== "object" || stored === null || Array.isArray(stored)) return null;
  const s = stored as Partial<SpcState>;
  const fits =
    s.version === SPC_STATE_VERSION &&
    s.key === setup.key &&
    Array.isArray(s.phase1) &&
    Array.isArray(s.excluded) &&
    Array.isArray(s.active) &&
    typeof s.sums === "object" &&
    s.rules !== undefined &&
    // Numbers where the charts compute: a state stored before the input bounds may hold null
    // where an overflow put Infinity (JSON); it is not continued.
    (s.est === null || (typeof s.est === "object" && usableStored(setup, s.est))) &&
    finite(s.ewmaZ) &&
    finite(s.cusumHi) &&
    finite(s.cusumLo);
  if (!fits) return null;
  const state = stored as SpcState;
  if (!ruleStateMatches(setup.rules, state.rules)) state.rules = initialRuleState(setup.rules);
  const w = state.window as CapabilityWindow | null | undefined;
  const keep = setup.window > 0 && typeof w === "object" && w !== null && w.size === setup.window;
  if (!keep) state.window = setup.window > 0 ? newCapabilityWindow(setup.window) : null;
  return state;
}

/** A stored estimate: numbers where numbers belong, and usable (bounded). */
function usableStored(setup: SpcSetup, est: ProcessEstimate): boolean {
  return finite(est.center) && (setup.attribute || finite(est.sigma)) && usable(setup, est);
}

// ---------------------------------------------------------------------------------------------
// The step.

type Phase = "I" | "II";

interface Ctx {
  setup: SpcSetup;
  state: SpcState;
  out: SpcStepResult<SpcState>;
}

/**
 * What a step produced nothing of (results, limits, alarms, notices): one shared frozen empty
 * array (it serializes as []); `add` puts a new array in its place at the first entry. Callers
 * must not push into a step's lists (copy them first).
 */
const NONE: never[] = Object.freeze([]) as unknown as never[];

function add<T>(list: T[], item: T): T[] {
  if (list === (NONE as T[])) return [item];
  list.push(item);
  return list;
}

/**
 * One input: values (charted as points when a subgroup completes), a count (one point of an
 * attribute chart) or a command. Updates `state` in place and returns what it produced (lists it
 * produced nothing of are shared frozen empty arrays); throws SpcRefused before any change when
 * the input is refused. `nowMs` dates a command without ts.
 *
 * Where it refuses (every `refuse` in this module; nothing else throws): the checks of the input
 * and of the command (onValues, onCount, onCommand, checkReestimate, and reestimate for freeze,
 * revise and exclude) run before any change; the end of phase I (phaseOnePoint) computes and
 * checks its estimate before any change; the backstop of a point (its statistic and limits finite:
 * phaseOnePoint, evaluate, limitsAt, notCharted) runs before that point changes anything (a
 * subgroup stays open, lastSourceTs is set after the points). For an input of several points, a
 * backstop at a later point would keep the earlier ones; it cannot fire, there or in a replay:
 * inputs are bounded (MAX_MAGNITUDE, safe integer counts, MIN_U_SIZE), estimates are usable only
 * when bounded (`usable`, MAX_ESTIMATE; restored states likewise), and the CUSUM saturates
 * (CUSUM_Z_MAX, CUSUM_SUM_MAX), so every statistic and limit is finite; the backstops guard against
 * a hole in that argument.
 */
export function step(
  setup: SpcSetup,
  state: SpcState,
  input: SpcInput,
  nowMs: number,
): SpcStepResult<SpcState> {
  const out: SpcStepResult<SpcState> = { state, results: NONE, limits: NONE, alarms: NONE, notices: NONE };
  const ctx: Ctx = { setup, state, out };
  switch (input.type) {
    case "values":
      onValues(ctx, input.values, finite(input.ts) ? input.ts : nowMs, input.key, input.sourceTs);
      break;
    case "count":
      onCount(ctx, input.count, input.size, finite(input.ts) ? input.ts : nowMs);
      break;
    case "command":
      onCommand(ctx, input, finite(input.ts) ? input.ts : nowMs);
      break;
    default:
      refuse("", `is not an SPC input${got((input as { type?: unknown }).type)}`);
  }
  return out;
}

function onValues(
  ctx: Ctx,
  values: number[],
  ts: EpochMs,
  key: string | undefined,
  sourceTs?: EpochMs,
): void {
  const { setup, state } = ctx;
  // Refusals first: nothing changes before them.
  if (setup.attribute)
    refuse("", `must be a count {count, n} for a ${setup.chart} chart, not measured values`);
  if (!Array.isArray(values) || values.length === 0)
    refuse("value", "must be a number or a non-empty array of numbers");
  for (let i = 0; i < values.length; i++)
    if (!bounded(values[i]))
      refuse(
        values.length === 1 ? "value" : `value[${i}]`,
        `must be a finite number, ${MAGNITUDE}${got(values[i])}`,
      );
  const mode = setup.config.subgroupBy;
  if (mode === "key" && setup.subgrouped) {
    if (typeof key !== "string")
      refuse("key", "is required: subgroups are formed by key (a string or number)");
  } else if (mode === "array" && setup.subgrouped) {
    if (values.length < 2)
      refuse(
        "value",
        `must be an array of at least 2 values: each array is one subgroup of the ${setup.chart} chart`,
      );
    if (values.length > setup.maxN)
      refuse(
        "value",
        `must be an array of at most ${setup.maxN} values (one subgroup), got ${values.length}`,
      );
  }
  // The same MachineSample measurement sent again (connector snapshots): nothing new.
  if (sourceTs !== undefined && sourceTs === state.lastSourceTs) return;

  if (setup.individuals) {
    for (let i = 0; i < values.length; i++) chartIndividual(ctx, values[i]!, ts);
  } else if (mode === "array") {
    // Each array is one subgroup; a key the input carries (e.g. a batch id) names it.
    chart(ctx, subgroupStats(values, state.seq + 1, ts, key));
  } else addToSubgroups(ctx, values, ts, mode === "key" ? (key as string) : null);
  // Taken (after the points, so a refused point leaves it as it was).
  if (sourceTs !== undefined) state.lastSourceTs = sourceTs;
}

/** subgroupBy "count" or "key": the values join the open subgroup, which closes when full. */
function addToSubgroups(ctx: Ctx, values: number[], ts: EpochMs, k: string | null): void {
  const { setup, state } = ctx;
  const size = setup.config.subgroupSize;
  if (k !== null && state.open !== null && state.open.key !== k) closeOpen(ctx);
  for (let i = 0; i < values.length; i++) {
    let open = state.open;
    if (open === null) {
      open = { values: [], key: k, ts };
      state.open = open;
    }
    open.values.push(values[i]!);
    open.ts = ts;
    if (open.values.length >= size) closeOpen(ctx);
  }
}

/** Charts the open subgroup (a one-value subgroup of an X̄ chart is dropped with a notice). */
function closeOpen(ctx: Ctx): void {
  const { state } = ctx;
  const open = state.open;
  if (open === null) return;
  if (open.values.length < 2) {
    state.open = null;
    const notice: SpcNotice = {
      type: "subgroup-too-small",
      text: `a subgroup of ${open.values.length} value${open.values.length === 1 ? "" : "s"}${open.key !== null ? ` (key "${open.key}")` : ""} was dropped: an X̄ chart needs at least 2 values per subgroup`,
    };
    if (open.key !== null) notice.key = open.key;
    ctx.out.notices = add(ctx.out.notices, notice);
    return;
  }
  chart(ctx, subgroupStats(open.values, state.seq + 1, open.ts, open.key ?? undefined));
  // Closed once charted (a refused point leaves it open).
  state.open = null;
}

function onCount(ctx: Ctx, count: number, size: number | null, ts: EpochMs): void {
  const { setup, state } = ctx;
  const chartName = setup.chart;
  if (!setup.attribute)
    refuse("count", `is for attribute charts (p, np, c, u); a ${chartName} chart takes measured values`);
  if (!safeCount(count)) refuse("count", `must be a whole number from 0 to 2^53 − 1${got(count)}`);
  const configured = setup.config.sampleSize;
  if (configured !== null && size !== null && size !== configured)
    refuse("n", `must be the configured sample size ${configured} (or left out)${got(size)}`);
  if (chartName === "c" && configured === null && size !== null && size !== 1)
    refuse(
      "n",
      `must be 1 or left out: a c chart counts nonconformities in one inspection unit of constant size (a u chart takes varying sizes)${got(size)}`,
    );
  let n = size ?? configured;
  if (n === null && chartName === "c") n = 1;
  if (n === null)
    refuse(
      "n",
      `is required: the ${chartName} chart has no sampleSize configured, so each count needs its sample size`,
    );
  if (chartName === "u" ? !uSize(n) : !(safeCount(n) && n >= 1))
    refuse("n", `must be ${chartName === "u" ? U_SIZE : SAFE_N}${got(n)}`);
  if ((chartName === "p" || chartName === "np") && count > n)
    refuse(
      "count",
      `must not exceed the sample size ${n} (nonconforming units of ${n} inspected)${got(count)}`,
    );
  chart(ctx, countStats(count, n, state.seq + 1, ts));
}

/**
 * The statistics of a phase-II individual value: phase II reads a point's SubgroupStats but keeps
 * none (the capability window copies the numbers), so one scratch object serves every point.
 */
const SCRATCH: SubgroupStats = { seq: 0, ts: 0, n: 1, mean: 0, range: 0, sd: 0, ss: 0, sum: 0 };

/** One single value of an individuals chart (the I-MR hot path: no allocation for the statistics in phase II). */
function chartIndividual(ctx: Ctx, x: number, ts: EpochMs): void {
  const seq = ctx.state.seq + 1;
  if (ctx.state.phase === "I") {
    chart(ctx, { seq, ts, n: 1, mean: x, range: 0, sd: 0, ss: 0, sum: x });
    return;
  }
  const s = SCRATCH;
  s.seq = seq;
  s.ts = ts;
  s.mean = x;
  s.sum = x;
  chart(ctx, s);
}

/** Charts one point: phase I (provisional, possibly the end of phase I) or phase II. */
function chart(ctx: Ctx, s: SubgroupStats): void {
  const { setup, state, out } = ctx;
  const prev = state.last;
  if (state.phase === "I") {
    phaseOnePoint(ctx, s, prev);
    return;
  }
  // evaluate refuses (the backstop) before any change; the point is charted from here on.
  const r = evaluate(setup, state, s, prev, "II");
  state.seq = s.seq;
  if (setup.individuals) state.last = s.mean;
  if (!state.announced && state.source === "given") {
    state.announced = true;
    out.limits = add(out.limits, givenLimits(ctx, s.ts));
  }
  if (state.window !== null) withCapability(setup, state, s, r);
  out.results = add(out.results, r);
  if (r.violations.length > 0 || state.active.length > 0) alarms(ctx, r);
}

function withCapability(setup: SpcSetup, state: SpcState, s: SubgroupStats, r: SpcResult): void {
  const win = state.window!;
  addToWindow(win, s, setup.table);
  const cap = windowCapability(win, setup.estimator, setup.spec!, setup.table);
  if (cap !== null) r.capability = cap;
}

// ---------------------------------------------------------------------------------------------
// Limits.

/**
 * The backstop of a point (finding it needs a hole in the input bounds, see `step`): a statistic
 * or limit that is not a finite number is refused before the point changes anything.
 */
function notCharted(setup: SpcSetup, what: string, x: number | null): never {
  refuse(
    setup.attribute ? "count" : "value",
    `gives a ${what} of ${x}, not a finite number: the point cannot be charted`,
  );
}

function finiteLimits(lim: PointLimits): boolean {
  const d = lim.dispersion;
  return (
    Number.isFinite(lim.cl) &&
    Number.isFinite(lim.ucl) &&
    Number.isFinite(lim.lcl) &&
    Number.isFinite(lim.sigma) &&
    (d === undefined || (Number.isFinite(d.cl) && Number.isFinite(d.ucl) && Number.isFinite(d.lcl)))
  );
}

/**
 * The Shewhart limits of a point at n (the last computation is reused for the same estimate and
 * n; the cache lives in the setup, not in the state). Refuses limits that are not finite.
 */
function limitsAt(setup: SpcSetup, est: ProcessEstimate, n: number): PointLimits {
  const cache = setup.cache;
  if (cache.est === est && cache.n === n && cache.lim !== null) return cache.lim;
  const lim = pointLimits(setup.chart, est, n, setup.nsigmas, setup.table);
  if (!finiteLimits(lim)) notCharted(setup, "control limit", lim.ucl);
  cache.est = est;
  cache.n = n;
  cache.lim = lim;
  return lim;
}

// Scratch objects for checkPoint (it does not keep them): no allocation per point.
const RULE_POINT: RulePoint = { seq: 0, value: 0, cl: 0, sigma: 0, ucl: null, lcl: null, dispersion: null };
const RULE_DISPERSION: { value: number; ucl: number | null; lcl: number | null } = {
  value: 0,
  ucl: null,
  lcl: null,
};

function newResult(setup: SpcSetup, s: SubgroupStats, value: number, phase: Phase): SpcResult {
  const config = setup.config;
  const r: SpcResult = {
    kind: "SpcResult",
    characteristic: config.characteristic,
    ts: s.ts,
    chart: setup.chart,
    seq: s.seq,
    value,
    n: s.n,
    cl: null,
    ucl: null,
    lcl: null,
    sigma: null,
    phase,
    // Shared and frozen: replaced when a rule fires.
    violations: NO_RULE_FIRED,
  };
  if (config.asset !== null) r.asset = config.asset;
  if (s.key !== undefined) r.key = s.key;
  return r;
}

/** A result's Shewhart limits. */
function setLimits(r: SpcResult, lim: PointLimits | null): void {
  if (lim === null) return;
  r.cl = lim.cl;
  r.ucl = lim.ucl;
  r.lcl = lim.lcl;
  r.sigma = lim.sigma;
}

/** SpcResult.dispersion: the companion chart's value and limits (null while there are none). */
function dispersionOf(value: number | null, lim: PointLimits | null): NonNullable<SpcResult["dispersion"]> {
  const dl = lim?.dispersion;
  return dl ? { value, cl: dl.cl, ucl: dl.ucl, lcl: dl.lcl } : { value, cl: null, ucl: null, lcl: null };
}

/** The companion chart's value of a point: range, SD or moving range (null for the first value). */
function dispersionValue(setup: SpcSetup, s: SubgroupStats, prev: number | null): number | null {
  switch (setup.dispersion) {
    case DISP_RANGE:
      return s.range;
    case DISP_SD:
      return s.sd;
    case DISP_MR:
      return prev === null ? null : Math.abs(s.mean - prev);
    default:
      return null;
  }
}

/**
 * A point against the limits in force (state.est), with the rules (Shewhart charts), the EWMA or
 * the CUSUM updated in the state: phase II and the phase-I replay. `prev` is the previous value of
 * an individuals chart (moving range). Refuses (the backstop) before it changes the state.
 */
function evaluate(
  setup: SpcSetup,
  state: SpcState,
  s: SubgroupStats,
  prev: number | null,
  phase: Phase,
): SpcResult {
  if (setup.kind === EWMA) return evaluateEwma(setup, state, s, phase);
  if (setup.kind === CUSUM) return evaluateCusum(setup, state, s, phase);
  const lim = limitsAt(setup, state.est!, s.n);
  const value = setup.attribute ? plotted(setup.chart, s) : s.mean;
  if (!Number.isFinite(value)) notCharted(setup, "plotted value", value);
  const dv = setup.dispersion !== DISP_NONE ? dispersionValue(setup, s, prev) : null;
  if (dv !== null && !Number.isFinite(dv)) notCharted(setup, "range", dv);
  const r = newResult(setup, s, value, phase);
  setLimits(r, lim);
  const point = RULE_POINT;
  point.seq = s.seq;
  point.value = value;
  point.cl = lim.cl;
  point.sigma = lim.sigma;
  point.ucl = lim.ucl;
  point.lcl = lim.lcl;
  point.dispersion = null;
  if (setup.dispersion !== DISP_NONE) {
    r.dispersion = dispersionOf(dv, lim);
    const dl = lim.dispersion;
    if (dv !== null && dl) {
      const d = RULE_DISPERSION;
      d.value = dv;
      d.ucl = dl.ucl;
      d.lcl = dl.lcl;
      point.dispersion = d;
    }
  }
  const v = checkPoint(setup.rules, state.rules, point);
  if (v.length > 0) r.violations = v;
  return r;
}

/** σ/√n of the raw statistic (sigma of single values over √n). */
function rawSigma(est: ProcessEstimate, n: number): number {
  return (est.sigma ?? 0) / Math.sqrt(n);
}

/**
 * EWMA (STANDARDS.md 3.2, qcc R/ewma.R): z_i = λ·x̄_i + (1 − λ)·z_{i−1}, z_0 = center; limits
 * center ± L·(σ/√n_i)·√(λ/(2 − λ)·[1 − (1 − λ)^(2i)]), i counted from z_0.
 */
function evaluateEwma(setup: SpcSetup, state: SpcState, s: SubgroupStats, phase: Phase): SpcResult {
  const est = state.est!;
  const lambda = setup.lambda;
  const raw = s.mean;
  const i = state.ewmaI + 1;
  const z = lambda * raw + (1 - lambda) * state.ewmaZ;
  const sigmaZ = rawSigma(est, s.n) * setup.ewmaFactor * Math.sqrt(1 - setup.ewmaDecay2 ** i);
  const half = setup.ewmaL * sigmaZ;
  const ucl = est.center + half;
  const lcl = est.center - half;
  if (!Number.isFinite(z)) notCharted(setup, "EWMA", z);
  if (!(Number.isFinite(ucl) && Number.isFinite(lcl))) notCharted(setup, "control limit", ucl);
  state.ewmaI = i;
  state.ewmaZ = z;
  const r = newResult(setup, s, z, phase);
  r.cl = est.center;
  r.ucl = ucl;
  r.lcl = lcl;
  r.sigma = sigmaZ;
  r.raw = raw;
  if (z > ucl || z < lcl)
    r.violations = [
      {
        rule: "ewma",
        text: `EWMA beyond its control limits (λ = ${setup.lambda}, L = ${setup.ewmaL})`,
        points: [s.seq],
      },
    ];
  return r;
}

/**
 * Largest standardized value z a CUSUM adds, and largest sum: the sums saturate there instead of
 * overflowing to Infinity (reached only when σ̂ is some 1e-150 of the distance of a value from the
 * centre; both are far beyond any decision interval h, so the signal is the same).
 */
const CUSUM_Z_MAX = 1e250;
const CUSUM_SUM_MAX = 1e300;

/**
 * Tabular CUSUM, standardized (STANDARDS.md 3.2, qcc R/cusum.R): z_i = (x̄_i − center)/(σ/√n_i),
 * C+_i = max(0, C+_{i−1} + z_i − k), C−_i = max(0, C−_{i−1} − z_i − k), signal when C > h, no
 * reset after a signal. Shift estimate (Montgomery; STANDARDS.md 3.2): center ± (k + C/N)·σ/√n,
 * N = periods in a row with C > 0.
 */
function evaluateCusum(setup: SpcSetup, state: SpcState, s: SubgroupStats, phase: Phase): SpcResult {
  const est = state.est!;
  const center = est.center;
  const raw = s.mean;
  const sd = rawSigma(est, s.n);
  const k = setup.k;
  const h = setup.h;
  // σ̂ = 0 (all phase-I values equal): a value off the centre adds h + k + 1 (it signals at once).
  const z0 = sd > 0 ? (raw - center) / sd : raw > center ? h + k + 1 : raw < center ? -(h + k + 1) : 0;
  const z = Math.min(CUSUM_Z_MAX, Math.max(-CUSUM_Z_MAX, z0));
  const hi = Math.min(CUSUM_SUM_MAX, Math.max(0, state.cusumHi + z - k));
  const lo = Math.min(CUSUM_SUM_MAX, Math.max(0, state.cusumLo - z - k));
  if (!(Number.isFinite(hi) && Number.isFinite(lo))) notCharted(setup, "CUSUM sum", hi);
  state.cusumHi = hi;
  state.cusumLo = lo;
  state.cusumNHi = hi > 0 ? state.cusumNHi + 1 : 0;
  state.cusumNLo = lo > 0 ? state.cusumNLo + 1 : 0;
  const ring = state.cusumSeqs;
  ring[state.cusumCount % MAX_CUSUM_POINTS] = s.seq;
  state.cusumCount++;
  const r = newResult(setup, s, hi, phase);
  r.cl = 0;
  r.ucl = h;
  r.lcl = -h;
  r.sigma = null;
  r.raw = raw;
  r.cusum = { upper: hi, lower: lo === 0 ? 0 : -lo };
  if (hi > h || lo > h) {
    const v: SpcViolation[] = [];
    if (hi > h) {
      const shift = center + (k + hi / state.cusumNHi) * sd;
      v.push({
        rule: "cusum-upper",
        text: `CUSUM upper sum ${fmt(hi)} > h = ${h}: the mean has shifted up, to about ${fmt(shift)}`,
        points: cusumPoints(state, state.cusumNHi),
      });
    }
    if (lo > h) {
      const shift = center - (k + lo / state.cusumNLo) * sd;
      v.push({
        rule: "cusum-lower",
        text: `CUSUM lower sum ${fmt(lo)} > h = ${h}: the mean has shifted down, to about ${fmt(shift)}`,
        points: cusumPoints(state, state.cusumNLo),
      });
    }
    r.violations = v;
  }
  return r;
}

/** The last `count` (at most MAX_CUSUM_POINTS) seqs fed to the CUSUM, oldest first. */
function cusumPoints(state: SpcState, count: number): number[] {
  const m = Math.min(count, MAX_CUSUM_POINTS, state.cusumCount);
  const out = new Array<number>(m);
  const end = state.cusumCount;
  for (let j = 0; j < m; j++) out[j] = state.cusumSeqs[(end - m + j) % MAX_CUSUM_POINTS]!;
  return out;
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6)));
}

// ---------------------------------------------------------------------------------------------
// Phase I.

function addToSums(setup: SpcSetup, sums: Phase1Sums, s: SubgroupStats): void {
  sums.m++;
  sums.sumN += s.n;
  sums.sumSum += s.sum;
  if (setup.attribute) return;
  switch (setup.estimator) {
    case "rbar-d2":
      if (s.n >= 2) {
        sums.sig += s.range / d2(s.n, setup.table);
        sums.sigK++;
      }
      break;
    case "sbar-c4":
      if (s.n >= 2) {
        sums.sig += s.sd / c4(s.n);
        sums.sigK++;
      }
      break;
    case "mrbar-d2":
      if (sums.prev !== null) {
        sums.mr += Math.abs(s.mean - sums.prev);
        sums.mrK++;
      }
      sums.prev = s.mean;
      break;
    case "sd-c4": {
      const d = s.mean - sums.wMean;
      sums.wMean += d / sums.m;
      sums.wM2 += d * (s.mean - sums.wMean);
      break;
    }
  }
}

function copySums(from: Phase1Sums, to: Phase1Sums): void {
  to.m = from.m;
  to.sumN = from.sumN;
  to.sumSum = from.sumSum;
  to.sig = from.sig;
  to.sigK = from.sigK;
  to.mr = from.mr;
  to.mrK = from.mrK;
  to.prev = from.prev;
  to.wMean = from.wMean;
  to.wM2 = from.wM2;
}

/** The phase-I sums with the new point, checked before they replace the state's (scratch). */
const NEXT_SUMS: Phase1Sums = emptySums();

/** The estimate from the phase-I sums (the same formulas as estimateProcess); null until there is one. */
function provisional(setup: SpcSetup, sums: Phase1Sums): ProcessEstimate | null {
  if (sums.m === 0) return null;
  if (setup.attribute)
    return { center: setup.chart === "c" ? sums.sumSum / sums.m : sums.sumSum / sums.sumN, sigma: null };
  let sigma: number | null = null;
  switch (setup.estimator) {
    case "rbar-d2":
    case "sbar-c4":
      sigma = sums.sigK > 0 ? sums.sig / sums.sigK : null;
      break;
    case "mrbar-d2":
      sigma = sums.mrK > 0 ? sums.mr / sums.mrK / d2(2, setup.table) : null;
      break;
    case "sd-c4":
      sigma = sums.m >= 2 ? Math.sqrt(Math.max(0, sums.wM2) / (sums.m - 1)) / c4(sums.m) : null;
      break;
  }
  return sigma === null ? null : { center: sums.sumSum / sums.sumN, sigma };
}

/**
 * A phase-I point: provisional limits, no rules, no alarms; the last one ends phase I. Everything
 * that may refuse the point (the estimate at the end of phase I; the backstop) is computed and
 * checked before the point changes anything.
 */
function phaseOnePoint(ctx: Ctx, s: SubgroupStats, prev: number | null): void {
  const { setup, state, out } = ctx;
  if (state.phase1.length + 1 >= setup.config.phase1Points) {
    const kept = keptPoints(state);
    kept.push(s);
    const est = reestimate(
      setup,
      kept,
      setup.attribute ? "count" : "value",
      `ends phase I, but the ${kept.length} phase-I points are too few for an estimate`,
    );
    state.seq = s.seq;
    if (setup.individuals) state.last = s.mean;
    state.phase1.push(s);
    addToSums(setup, state.sums, s);
    estimateAndReplay(ctx, "estimated", s.ts, setup.config.autoRevise ? MAX_REVISIONS : 0, s, kept, est);
    return;
  }
  const sums = NEXT_SUMS;
  copySums(state.sums, sums);
  addToSums(setup, sums, s);
  const est = provisional(setup, sums);
  const lim = est === null ? null : pointLimits(setup.chart, est, s.n, setup.nsigmas, setup.table);
  const value = setup.attribute ? plotted(setup.chart, s) : s.mean;
  const dv = setup.dispersion !== DISP_NONE ? dispersionValue(setup, s, prev) : null;
  if (!Number.isFinite(value)) notCharted(setup, "plotted value", value);
  if (dv !== null && !Number.isFinite(dv)) notCharted(setup, "range", dv);
  if (lim !== null && !finiteLimits(lim)) notCharted(setup, "control limit", lim.ucl);
  state.seq = s.seq;
  if (setup.individuals) state.last = s.mean;
  state.phase1.push(s);
  copySums(sums, state.sums);
  const r = newResult(setup, s, value, "I");
  if (setup.kind !== SHEWHART) r.raw = s.mean;
  setLimits(r, lim);
  if (setup.dispersion !== DISP_NONE) r.dispersion = dispersionOf(dv, lim);
  if (state.window !== null) withCapability(setup, state, s, r);
  out.results = add(out.results, r);
}

/** The phase-I points not left out, in order (a new array). */
function keptPoints(state: SpcState): SubgroupStats[] {
  if (state.excluded.length === 0) return state.phase1.slice();
  const out: SubgroupStats[] = [];
  for (const p of state.phase1) if (!isExcluded(state, p.seq)) out.push(p);
  return out;
}

function isExcluded(state: SpcState, seq: number): boolean {
  const ex = state.excluded;
  let lo = 0;
  let hi = ex.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = ex[mid]!;
    if (v === seq) return true;
    if (v < seq) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/**
 * Largest centre and sigma of a usable estimate: its limits (centre ± 6σ/√n with n >= 1e-9) and
 * the EWMA's stay finite. Estimates from bounded inputs are far below it.
 */
const MAX_ESTIMATE = 1e200;

/** An estimate usable for limits: bounded, and for variables charts with a sigma. */
function usable(setup: SpcSetup, est: ProcessEstimate | null): boolean {
  if (est === null || !(Math.abs(est.center) <= MAX_ESTIMATE)) return false;
  return setup.attribute || (est.sigma !== null && est.sigma >= 0 && est.sigma <= MAX_ESTIMATE);
}

/**
 * The estimate from `points` (phase-I points), or SpcRefused on `field`: `tooFew` when there are
 * too few for an estimate, else naming the estimate that would give no finite limits.
 */
function reestimate(
  setup: SpcSetup,
  points: readonly SubgroupStats[],
  field: string,
  tooFew: string,
): ProcessEstimate {
  const est =
    points.length < setup.minPoints
      ? null
      : estimateProcess(setup.chart, setup.estimator, points, setup.table);
  if (est !== null && usable(setup, est)) return est;
  return refuse(
    field,
    est === null
      ? tooFew
      : `would give limits that are not finite numbers: the estimate of ${points.length} phase-I points is centre ${est.center}, sigma ${est.sigma}`,
  );
}

/**
 * The kept points beyond the limits of `est` (strictly): the plotted statistic beyond its Shewhart
 * limits (EWMA and CUSUM: the raw statistic beyond its X̄ limits), or the range, SD or moving
 * range beyond the companion chart's limits (moving ranges between consecutive kept points).
 */
function beyondPoints(setup: SpcSetup, kept: readonly SubgroupStats[], est: ProcessEstimate): number[] {
  const out: number[] = [];
  let prev: number | null = null;
  for (const p of kept) {
    const lim = pointLimits(setup.chart, est, p.n, setup.nsigmas, setup.table);
    const value = plotted(setup.chart, p);
    let beyond = value > lim.ucl || value < lim.lcl;
    const dl = lim.dispersion;
    if (!beyond && dl && setup.dispersion !== DISP_NONE) {
      const dv = dispersionValue(setup, p, prev);
      beyond = dv !== null && (dv > dl.ucl || dv < dl.lcl);
    }
    if (beyond) out.push(p.seq);
    prev = p.mean;
  }
  return out;
}

function addExcluded(state: SpcState, seqs: readonly number[]): void {
  const set = new Set(state.excluded);
  for (const q of seqs) set.add(q);
  state.excluded = [...set].sort((a, b) => a - b);
}

/** The rules, the EWMA (z = centre, i = 0) and the CUSUM (head start, ring cleared) from a fresh start. */
function resetCharts(setup: SpcSetup, state: SpcState): void {
  const center = state.est ? state.est.center : 0;
  state.rules = initialRuleState(setup.rules);
  state.ewmaZ = center;
  state.ewmaI = 0;
  state.cusumHi = setup.headStart;
  state.cusumLo = setup.headStart;
  state.cusumNHi = 0;
  state.cusumNLo = 0;
  state.cusumCount = 0;
  if (state.cusumSeqs.length > 0) state.cusumSeqs.fill(0);
}

/**
 * The rules, the EWMA and the CUSUM from a fresh start over the kept phase-I points against the
 * limits in force: the violations of phase I (SpcLimits.outOfControl, one entry per rule per
 * point) and the result of the last kept point. The points were charted (bounded) and the
 * estimate is usable, so evaluate does not refuse here.
 */
function replay(setup: SpcSetup, state: SpcState): { outOfControl: SpcViolation[]; last: SpcResult | null } {
  resetCharts(setup, state);
  const outOfControl: SpcViolation[] = [];
  let prev: number | null = null;
  let last: SpcResult | null = null;
  for (const p of state.phase1) {
    if (isExcluded(state, p.seq)) continue;
    last = evaluate(setup, state, p, prev, "I");
    for (const v of last.violations) outOfControl.push(v);
    prev = p.mean;
  }
  return { outOfControl, last };
}

/**
 * Sets the limits from `est` of the `kept` phase-I points (checked by the caller), with automatic
 * revision rounds when asked, replays the charts and sends the SpcLimits. The state's est, phase
 * and source are set. A replay for a command after phase-II points keeps the outOfControl of the
 * replay, then starts the rules, the EWMA and the CUSUM afresh, so no run, window or sum of phase
 * I joins the next phase-II point; at the end of phase I (no phase-II point yet) the replayed
 * state carries on into phase II, as qcc evaluates one series.
 */
function estimateAndReplay(
  ctx: Ctx,
  reason: "estimated" | "frozen" | "revised" | "excluded",
  ts: EpochMs,
  rounds: number,
  current: SubgroupStats | null,
  keptPoints: SubgroupStats[],
  estimate: ProcessEstimate,
): void {
  const { setup, state, out } = ctx;
  let kept = keptPoints;
  let est = estimate;
  for (let round = 0; round < rounds; round++) {
    const beyond = beyondPoints(setup, kept, est);
    if (beyond.length === 0) break;
    const drop = new Set(beyond);
    const left = kept.filter((p) => !drop.has(p.seq));
    if (left.length < setup.minPoints) break;
    const next = estimateProcess(setup.chart, setup.estimator, left, setup.table);
    if (next === null || !usable(setup, next)) break;
    addExcluded(state, beyond);
    kept = left;
    est = next;
  }
  const phaseTwoPoints = state.phase1.length > 0 && state.seq > state.phase1[state.phase1.length - 1]!.seq;
  state.est = est;
  state.phase = "II";
  state.source = "estimated";
  const { outOfControl, last } = replay(setup, state);
  if (phaseTwoPoints) resetCharts(setup, state);
  if (current !== null) {
    // The point that ended phase I: its result against the final limits.
    let r: SpcResult;
    if (last !== null && last.seq === current.seq) r = last;
    else r = excludedResult(setup, state, current);
    if (state.window !== null) withCapability(setup, state, current, r);
    out.results = add(out.results, r);
  }
  out.limits = add(out.limits, estimatedLimits(ctx, reason, ts, kept, outOfControl));
}

/**
 * The result of a phase-I point left out of the estimate (the last one, when auto-revision drops
 * it): its statistic against the final limits, not checked by the rules, not in the EWMA/CUSUM
 * (whose current statistic it shows).
 */
function excludedResult(setup: SpcSetup, state: SpcState, s: SubgroupStats): SpcResult {
  const est = state.est!;
  if (setup.kind === SHEWHART) {
    const lim = pointLimits(setup.chart, est, s.n, setup.nsigmas, setup.table);
    const r = newResult(setup, s, plotted(setup.chart, s), "I");
    setLimits(r, lim);
    if (setup.dispersion !== DISP_NONE) {
      const prevIdx = state.phase1.length - 2;
      const prev = prevIdx >= 0 ? state.phase1[prevIdx]!.mean : null;
      r.dispersion = dispersionOf(dispersionValue(setup, s, prev), lim);
    }
    return r;
  }
  if (setup.kind === EWMA) {
    const i = Math.max(1, state.ewmaI);
    const sigmaZ = rawSigma(est, s.n) * setup.ewmaFactor * Math.sqrt(1 - setup.ewmaDecay2 ** i);
    const r = newResult(setup, s, state.ewmaZ, "I");
    r.cl = est.center;
    r.ucl = est.center + setup.ewmaL * sigmaZ;
    r.lcl = est.center - setup.ewmaL * sigmaZ;
    r.sigma = sigmaZ;
    r.raw = s.mean;
    return r;
  }
  const r = newResult(setup, s, state.cusumHi, "I");
  r.cl = 0;
  r.ucl = setup.h;
  r.lcl = -setup.h;
  r.raw = s.mean;
  r.cusum = { upper: state.cusumHi, lower: state.cusumLo === 0 ? 0 : -state.cusumLo };
  return r;
}

// ---------------------------------------------------------------------------------------------
// SpcLimits.

function nominalN(setup: SpcSetup): number | null {
  if (!setup.attribute) return setup.config.subgroupSize;
  if (setup.chart === "c") return setup.config.sampleSize ?? 1;
  return setup.config.sampleSize;
}

function baseLimits(ctx: Ctx, reason: SpcLimits["reason"], ts: EpochMs): SpcLimits {
  const { setup, state } = ctx;
  const config = setup.config;
  state.revision++;
  const est = state.est;
  const l: SpcLimits = {
    kind: "SpcLimits",
    characteristic: config.characteristic,
    ts,
    chart: setup.chart,
    reason,
    phase: est === null ? "I" : "II",
    center: est ? est.center : null,
    sigma: est && !setup.attribute ? est.sigma : null,
    cl: null,
    ucl: null,
    lcl: null,
    points: 0,
    excluded: [],
    outOfControl: [],
    revision: state.revision,
  };
  if (config.asset !== null) l.asset = config.asset;
  if (!setup.attribute) l.estimator = setup.estimator;
  const n = nominalN(setup);
  if (n !== null) l.n = n;
  if (est === null) {
    if (setup.dispersion !== DISP_NONE) l.dispersion = { cl: null, ucl: null, lcl: null };
    return l;
  }
  if (setup.kind === EWMA) {
    // Steady-state EWMA limits (the bracket of the time-varying limits → 1).
    const half = setup.ewmaL * rawSigma(est, n ?? 1) * setup.ewmaFactor;
    l.cl = est.center;
    l.ucl = est.center + half;
    l.lcl = est.center - half;
  } else if (setup.kind === CUSUM) {
    l.cl = 0;
    l.ucl = setup.h;
    l.lcl = -setup.h;
  } else if (n !== null) {
    const lim = pointLimits(setup.chart, est, n, setup.nsigmas, setup.table);
    l.cl = lim.cl;
    l.ucl = lim.ucl;
    l.lcl = lim.lcl;
    if (setup.dispersion !== DISP_NONE) {
      const dl = lim.dispersion;
      l.dispersion = { cl: dl ? dl.cl : null, ucl: dl ? dl.ucl : null, lcl: dl ? dl.lcl : null };
    }
  } else if (setup.chart !== "np") {
    // p and u with sample sizes per input: the limits vary per point (see each SpcResult).
    l.cl = est.center;
  }
  return l;
}

function estimatedLimits(
  ctx: Ctx,
  reason: SpcLimits["reason"],
  ts: EpochMs,
  kept: readonly SubgroupStats[],
  outOfControl: SpcViolation[],
): SpcLimits {
  const { setup, state } = ctx;
  const l = baseLimits(ctx, reason, ts);
  const phase1 = state.phase1;
  if (phase1.length > 0) {
    l.fromSeq = phase1[0]!.seq;
    l.toSeq = phase1[phase1.length - 1]!.seq;
  }
  l.points = kept.length;
  l.excluded = state.excluded.slice();
  l.outOfControl = outOfControl;
  if (setup.spec !== null && state.est !== null) {
    let values = 0;
    for (const p of kept) values += p.n;
    l.capability = capabilityOf(
      state.est.center,
      state.est.sigma,
      overallSd(kept),
      values,
      setup.spec.lsl,
      setup.spec.usl,
      setup.spec.target,
      setup.estimator,
    );
  }
  return l;
}

function givenLimits(ctx: Ctx, ts: EpochMs): SpcLimits {
  return baseLimits(ctx, "given", ts);
}

// ---------------------------------------------------------------------------------------------
// Alarms.

function alarmBase(
  setup: SpcSetup,
  id: string,
  ts: EpochMs,
  severity: AlarmSeverity,
  text: string,
  state: "active" | "cleared",
): Alarm {
  const config = setup.config;
  const a: Alarm = {
    kind: "Alarm",
    id,
    ts,
    severity,
    source: config.source,
    text,
    level: 0,
    state,
    acknowledged: false,
  };
  if (config.asset !== null) a.asset = config.asset;
  return a;
}

function alarmData(setup: SpcSetup, rule: string, r: SpcResult, points: number[]): Record<string, unknown> {
  return {
    rule,
    chart: setup.chart,
    characteristic: setup.config.characteristic,
    seq: r.seq,
    value: r.value,
    cl: r.cl,
    ucl: r.ucl,
    lcl: r.lcl,
    points,
  };
}

/**
 * Alarm episodes of a phase-II point: a rule that fires after a point where it did not starts an
 * episode (state "active", id source:rule:seq); while it keeps firing nothing new; at the first
 * point where it does not fire the same id is sent with state "cleared".
 */
function alarms(ctx: Ctx, r: SpcResult): void {
  const { setup, state, out } = ctx;
  const active = state.active;
  const v = r.violations;
  const characteristic = setup.config.characteristic;
  let kept = 0;
  for (let j = 0; j < active.length; j++) {
    const a = active[j]!;
    let still = false;
    for (let i = 0; i < v.length; i++) if (v[i]!.rule === a.rule) still = true;
    if (still) {
      active[kept++] = a;
      continue;
    }
    const alarm = alarmBase(
      setup,
      a.id,
      r.ts,
      a.severity,
      `${characteristic}: ${a.text} (from point ${a.seq}) cleared at point ${r.seq}`,
      "cleared",
    );
    alarm.data = alarmData(setup, a.rule, r, []);
    out.alarms = add(out.alarms, alarm);
  }
  active.length = kept;
  for (let i = 0; i < v.length; i++) {
    const violation = v[i]!;
    let known = false;
    for (let j = 0; j < active.length; j++) if (active[j]!.rule === violation.rule) known = true;
    if (known) continue;
    const id = `${setup.config.source}:${violation.rule}:${r.seq}`;
    const severity = setup.severity[violation.rule] ?? setup.config.runSeverity;
    active.push({ rule: violation.rule, id, seq: r.seq, severity, text: violation.text });
    const alarm = alarmBase(
      setup,
      id,
      r.ts,
      severity,
      `${characteristic}: ${violation.text} at point ${r.seq}`,
      "active",
    );
    alarm.data = alarmData(setup, violation.rule, r, violation.points);
    out.alarms = add(out.alarms, alarm);
  }
}

/** Clears every active alarm (a command changed the limits or the baseline). */
function clearAlarms(ctx: Ctx, ts: EpochMs, command: SpcCommand): void {
  const { setup, state, out } = ctx;
  const characteristic = setup.config.characteristic;
  for (const a of state.active) {
    const alarm = alarmBase(
      setup,
      a.id,
      ts,
      a.severity,
      `${characteristic}: ${a.text} (from point ${a.seq}) cleared by the ${command} command`,
      "cleared",
    );
    alarm.data = { rule: a.rule, chart: setup.chart, characteristic, seq: a.seq, command };
    out.alarms = add(out.alarms, alarm);
  }
  state.active = [];
}

/** Most entries of a stored active list read by clearedAlarmsOf (a state has one per rule). */
const MAX_STORED_ACTIVE = 100;

/**
 * The "cleared" Alarms of a stored state that is being discarded (restoreSpcState gave null, e.g.
 * the configuration changed shape and a new phase I starts): one per entry of its `active` list,
 * so no alarm episode stays active at its receiver for ever. Tolerant of junk: [] when `stored` has
 * no readable `active` list; an entry without a string `id` and `rule` is skipped, an id repeated
 * is cleared once. Dated `nowMs`, with the source, asset, characteristic and chart of `setup` (the
 * configuration in force); severity and text the entry's when it has them.
 */
export function clearedAlarmsOf(setup: SpcSetup, stored: unknown, nowMs: number): Alarm[] {
  if (typeof stored !== "object" || stored === null || Array.isArray(stored)) return [];
  const active = (stored as { active?: unknown }).active;
  if (!Array.isArray(active)) return [];
  const characteristic = setup.config.characteristic;
  const out: Alarm[] = [];
  const seen = new Set<string>();
  for (const entry of active.slice(0, MAX_STORED_ACTIVE)) {
    if (typeof entry !== "object" || entry === null) continue;
    const a = entry as Partial<Record<keyof ActiveAlarm, unknown>>;
    const { id, rule } = a;
    if (typeof id !== "string" || id === "" || typeof rule !== "string" || rule === "" || seen.has(id))
      continue;
    seen.add(id);
    const severity = (ALARM_SEVERITIES as readonly unknown[]).includes(a.severity)
      ? (a.severity as AlarmSeverity)
      : (setup.severity[rule] ?? setup.config.runSeverity);
    const seq = Number.isSafeInteger(a.seq) && (a.seq as number) >= 1 ? (a.seq as number) : null;
    const what = typeof a.text === "string" && a.text !== "" ? a.text : rule;
    const alarm = alarmBase(
      setup,
      id,
      nowMs,
      severity,
      `${characteristic}: ${what}${seq !== null ? ` (from point ${seq})` : ""} cleared: the configuration changed, the chart starts a new phase I`,
      "cleared",
    );
    alarm.data = { rule, chart: setup.chart, characteristic, seq, reason: "configuration changed" };
    out.push(alarm);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Commands.

type CommandInput = Extract<SpcInput, { type: "command" }>;

function onCommand(ctx: Ctx, input: CommandInput, ts: EpochMs): void {
  const { setup, state } = ctx;
  switch (input.command) {
    case "flush":
      closeOpen(ctx);
      return;
    case "freeze": {
      if (state.phase !== "I")
        refuse("command", "freeze ends phase I, but phase I has ended (limits are set)");
      const kept = keptPoints(state);
      const est = reestimate(
        setup,
        kept,
        "command",
        `freeze needs at least ${setup.minPoints === 1 ? "1 point" : `${setup.minPoints} points`}${setup.subgrouped ? " (subgroups of 2 or more values)" : ""} in phase I, got ${state.phase1.length}`,
      );
      const rounds = setup.config.autoRevise ? MAX_REVISIONS : 0;
      estimateAndReplay(ctx, "frozen", ts, rounds, null, kept, est);
      return;
    }
    case "revise": {
      checkReestimate(ctx, "revise");
      const kept = keptPoints(state);
      const beyond = beyondPoints(setup, kept, state.est!);
      const drop = new Set(beyond);
      const left = kept.filter((p) => !drop.has(p.seq));
      const est = reestimate(
        setup,
        left,
        "command",
        `revise would leave ${left.length} phase-I points, too few for an estimate`,
      );
      clearAlarms(ctx, ts, "revise");
      addExcluded(state, beyond);
      estimateAndReplay(ctx, "revised", ts, 0, null, left, est);
      return;
    }
    case "exclude": {
      checkReestimate(ctx, "exclude");
      const points = input.points;
      if (!Array.isArray(points) || points.length === 0)
        refuse("points", "must be a non-empty array of phase-I point numbers (seq)");
      const seqs = new Set(state.phase1.map((p) => p.seq));
      const missing = points.filter((q) => !seqs.has(q));
      if (missing.length > 0)
        refuse(
          "points",
          `must be phase-I points (seq ${state.phase1[0]!.seq}..${state.phase1[state.phase1.length - 1]!.seq}), got ${missing.slice(0, 10).join(", ")}`,
        );
      const drop = new Set(points);
      const left = keptPoints(state).filter((p) => !drop.has(p.seq));
      const est = reestimate(
        setup,
        left,
        "points",
        `would leave ${left.length} phase-I points, too few for an estimate`,
      );
      clearAlarms(ctx, ts, "exclude");
      addExcluded(state, points);
      estimateAndReplay(ctx, "excluded", ts, 0, null, left, est);
      return;
    }
    case "rebaseline": {
      clearAlarms(ctx, ts, "rebaseline");
      // The open subgroup's values belong to the old process: dropped, with a notice.
      const open = state.open;
      if (open !== null) {
        state.open = null;
        const n = open.values.length;
        const notice: SpcNotice = {
          type: "subgroup-dropped",
          text: `rebaseline: the ${n} value${n === 1 ? "" : "s"} of the open subgroup${open.key !== null ? ` (key "${open.key}")` : ""} ${n === 1 ? "was" : "were"} dropped: ${n === 1 ? "it belongs" : "they belong"} to the old process`,
          values: n,
        };
        if (open.key !== null) notice.key = open.key;
        ctx.out.notices = add(ctx.out.notices, notice);
      }
      state.phase = "I";
      state.est = null;
      state.source = null;
      state.phase1 = [];
      state.excluded = [];
      state.sums = emptySums();
      state.last = null;
      resetCharts(setup, state);
      if (state.window !== null) state.window = newCapabilityWindow(setup.window);
      ctx.out.limits = add(ctx.out.limits, baseLimits(ctx, "rebaseline", ts));
      return;
    }
    case "limits": {
      const mean = input.mean;
      const sigma = input.sigma;
      const chartName = setup.chart;
      if (!bounded(mean))
        refuse("mean", `is required: the process level to use from now on, ${MAGNITUDE}${got(mean)}`);
      if ((chartName === "p" || chartName === "np") && !(mean > 0 && mean < 1))
        refuse("mean", `must be the fraction nonconforming p̄, between 0 and 1 (exclusive)${got(mean)}`);
      if ((chartName === "c" || chartName === "u") && !(mean > 0))
        refuse("mean", `must be a count > 0 (c̄ or ū)${got(mean)}`);
      if (!setup.attribute && !(bounded(sigma) && sigma > 0))
        refuse("sigma", `is required: the sigma of single values, a number > 0, ${MAGNITUDE}${got(sigma)}`);
      clearAlarms(ctx, ts, "limits");
      state.est = { center: mean, sigma: setup.attribute ? null : (sigma as number) };
      state.phase = "II";
      state.source = "given";
      state.announced = true;
      state.phase1 = [];
      state.excluded = [];
      state.sums = emptySums();
      resetCharts(setup, state);
      ctx.out.limits = add(ctx.out.limits, givenLimits(ctx, ts));
      return;
    }
    default:
      refuse(
        "command",
        `must be one of revise, exclude, freeze, rebaseline, limits, flush${got(input.command)}`,
      );
  }
}

/** revise and exclude re-estimate from the phase-I points: only once limits were estimated from them. */
function checkReestimate(ctx: Ctx, command: "revise" | "exclude"): void {
  const { state } = ctx;
  if (state.source === "given")
    refuse(
      "command",
      `${command} re-estimates the limits from phase I, but the limits are given (rebaseline to estimate them)`,
    );
  if (state.phase === "I" || state.est === null)
    refuse(
      "command",
      `${command} needs limits estimated from phase I; phase I has ${state.phase1.length} points so far`,
    );
}
