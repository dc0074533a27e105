/**
 * The message contract of the suite: every suite message carries one of these objects in
 * `msg.payload` and the asset path in `msg.topic`. The same contract exists as JSON Schemas in
 * `lib/schemas/` (checked against these types by the compiler) and is documented in
 * `docs/messages.md`.
 *
 * Conventions: times are epoch milliseconds (`ts`, `start`, `end`); inputs may give ISO 8601
 * strings with a zone offset, which validation converts to epoch ms. Ratios are 0..1 (ISO 22400
 * effectiveness may exceed 1). Units are in field names (`durationMs`, `idealCycleTimeS`).
 */

/** Epoch milliseconds (UTC). */
export type EpochMs = number;

/** The discriminator of every suite message: `payload.kind`. */
export const MESSAGE_KINDS = [
  "MachineSample",
  "StateChange",
  "OeeReport",
  "SpcResult",
  "SpcLimits",
  "HealthReport",
  "Alarm",
  "ProductionOrder",
  "Confirmation",
] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** A tag value as the source delivered it. */
export type TagScalar = number | boolean | string | null;

/** One tag of a machine sample with its source quality (OPC UA status code). */
export interface TagValue {
  value: TagScalar;
  /** Status code name as OPC UA gives it: "Good", "Uncertain…", "Bad…". */
  quality: string;
  /** The 32-bit OPC UA status code, when the source gave one. */
  qualityCode?: number;
  /** Source timestamp, when the source gave one. */
  sourceTs?: EpochMs;
  unit?: string;
  /** True when this tag received nothing for longer than its watchdog limit. */
  stale?: boolean;
}

/** Machine tag values at one instant (made by `mfg-machine-connector`). */
export interface MachineSample {
  kind: "MachineSample";
  /** ISA-95 asset path site/area/line[/cell]/machine. */
  asset: string;
  ts: EpochMs;
  values: Record<string, TagValue>;
  /** True when any value is older than its watchdog limit: never show it as current. */
  stale: boolean;
}

/** The state models the classifier knows. */
export const STATE_MODELS = ["packml", "simple", "machinery"] as const;
export type StateModel = (typeof STATE_MODELS)[number];

/** ISO 22400-2 time elements a state counts toward (STANDARDS.md 1.1). */
export const TIME_ELEMENTS = ["APT", "AUST", "ADET", "ADOT", "PDOT", "NONE"] as const;
export type TimeElement = (typeof TIME_ELEMENTS)[number];

export interface ReasonCode {
  code: string;
  text?: string;
}

/** A change of machine state (made by `mfg-state-classifier`). */
export interface StateChange {
  kind: "StateChange";
  asset: string;
  ts: EpochMs;
  model: StateModel;
  /** State name, e.g. PackML "Execute" or simple "run". */
  state: string;
  /** State number where the model has one (PackML StateCurrent). */
  stateCode?: number;
  previousState: string | null;
  /** How long the previous state lasted, ms (0 for the first state). */
  previousDurationMs: number;
  /** The ISO 22400 time element this state counts toward. */
  timeElement?: TimeElement;
  reason?: ReasonCode;
  /**
   * Start of the stop this state belongs to, when the state is not production (APT). A stop is
   * the whole episode from leaving production to returning to it, whatever states it passes
   * through; its start time is its identity (the OEE calculator books losses by it).
   */
  stopStart?: EpochMs;
  /** On the change that returns to production: how long the stop that just ended lasted, ms. */
  stopDurationMs?: number;
  /** On the change that returns to production: the stop that just ended was shorter than the micro-stop threshold. */
  microStop?: boolean;
  /**
   * Present when this message re-codes a past or current stop instead of reporting a new state:
   * the stop that started at `stopStart` now has `reason`. `state`, `timeElement` and `stopStart`
   * are the stop's; `ts` is when the re-code was made.
   */
  recode?: { previousReason: ReasonCode | null };
}

export const OEE_WINDOW_TYPES = ["shift", "order", "rolling"] as const;
export type OeeWindowType = (typeof OEE_WINDOW_TYPES)[number];

/** ISO 22400-2 times of one window, ms (STANDARDS.md 1.1). */
export interface OeeTimes {
  /** Planned operation time. */
  potMs: number;
  /** Planned down time. */
  pdotMs: number;
  /** Planned busy time = POT - PDOT. */
  pbtMs: number;
  /** Actual production time. */
  aptMs: number;
  /** Actual unit setup time. */
  austMs: number;
  /** Actual unit delay time (failures, minor stops). */
  adetMs: number;
  /** Actual unit down time (available, no order executing). */
  adotMs: number;
  /** Length of the window (calendar time), for TEEP. */
  allMs?: number;
  /** Time of micro-stops (stops shorter than the classifier's threshold), inside adetMs and adotMs. */
  microStopMs?: number;
}

/** Nakajima's six big losses as time, ms (STANDARDS.md 1.2); with the fully productive time they add up to PBT. */
export interface SixBigLosses {
  /** (1) Breakdowns: ADET that is not micro-stops. */
  breakdownsMs: number;
  /** (2) Setup and adjustments: AUST. */
  setupMs: number;
  /** (3) Idling and minor stops: micro-stops plus ADOT. */
  minorStopsMs: number;
  /** (4) Reduced speed: APT minus the ideal time of all parts (negative when faster than ideal). */
  reducedSpeedMs: number;
  /** (5) Process defects: ideal time of scrap and rework outside start-up. */
  defectsMs: number;
  /** (6) Reduced yield: ideal time of scrap and rework in the start-up period after a setup. */
  reducedYieldMs: number;
  /** Fully productive time: ideal time of good parts (= OEE x PBT). */
  fullyProductiveMs: number;
}

export interface OeeCounts {
  /** Produced quantity. */
  pq: number;
  /** Good quantity. */
  gq: number;
  /** Scrap quantity. */
  sq: number;
  /** Rework quantity. */
  rq?: number;
}

export interface OeeLoss {
  reason: string;
  timeElement: TimeElement;
  durationMs: number;
  /** Number of stop events with this reason. */
  events?: number;
}

/** ISO 22400 KPIs of one window (made by `mfg-oee-calculator`). */
export interface OeeReport {
  kind: "OeeReport";
  asset: string;
  ts: EpochMs;
  window: {
    type: OeeWindowType;
    /** Shift name, order id or rolling length. */
    id?: string;
    start: EpochMs;
    end: EpochMs;
    /** True for the last report of a closed window. */
    final: boolean;
  };
  /** APT / PBT; null when PBT = 0. */
  availability: number | null;
  /** ISO "effectiveness" PRI x PQ / APT; may exceed 1; null when APT = 0. */
  performance: number | null;
  /**
   * GQ / PQ; null when PQ = 0. With several products of different PRI in the window it is weighted
   * by ideal time, sum(PRI x GQ) / sum(PRI x PQ), so that A x P x Q = OEE exactly.
   */
  quality: number | null;
  /** availability x performance x quality = PRI x GQ / PBT; null when PBT = 0. */
  oee: number | null;
  /** OEE x PBT / all time = fully productive time / all time (TPM construct, STANDARDS 1.3: Nakajima's planned production time is ISO's PBT; not ISO 22400); null when not computed. */
  teep?: number | null;
  times: OeeTimes;
  counts: OeeCounts;
  /** Planned run time per item (ideal cycle time), seconds. */
  idealCycleTimeS: number;
  losses: OeeLoss[];
  /**
   * How micro-stops count: "iso" (ISO 22400-2: in ADET, they lower availability) or "tpm"
   * (Nakajima: a performance loss). Times and OEE are the same either way.
   */
  allocation?: "iso" | "tpm";
  sixBigLosses?: SixBigLosses;
  /** Product of the window when there was one product, e.g. from the order. */
  productId?: string;
}

export const SPC_CHARTS = ["xbar-r", "xbar-s", "i-mr", "p", "np", "c", "u", "ewma", "cusum"] as const;
export type SpcChart = (typeof SPC_CHARTS)[number];

export interface SpcViolation {
  /**
   * Rule id: "we-1".."we-4" (Western Electric), "nelson-1".."nelson-8" (Nelson 1984),
   * "dispersion-1" (R, S or MR chart beyond its limits), "ewma", "cusum-upper", "cusum-lower".
   */
  rule: string;
  text: string;
  /** Sequence numbers of the points involved, oldest first. */
  points: number[];
}

export interface SpcCapability {
  cp: number | null;
  cpk: number | null;
  cpm: number | null;
  pp: number | null;
  ppk: number | null;
  sigmaWithin: number | null;
  sigmaOverall: number | null;
  /** The within-subgroup sigma estimator: "rbar-d2", "sbar-c4", "mrbar-d2" or "sd-c4". */
  estimator: string;
  /** One-sided indices: (USL − mean)/3σ and (mean − LSL)/3σ, within and overall. */
  cpu?: number | null;
  cpl?: number | null;
  ppu?: number | null;
  ppl?: number | null;
  ppm?: number | null;
  /** Grand mean and number of single values the indices were computed from. */
  mean?: number;
  values?: number;
  lsl?: number | null;
  usl?: number | null;
  target?: number | null;
  /** Expected fractions (0..1) below LSL and above USL, normal model with the within sigma (as qcc). */
  expectedBelowLsl?: number | null;
  expectedAboveUsl?: number | null;
}

/** One charted point (made by `mfg-spc-check`). */
export interface SpcResult {
  kind: "SpcResult";
  characteristic: string;
  asset?: string;
  ts: EpochMs;
  chart: SpcChart;
  /** Sequence number of the point on the chart. */
  seq: number;
  /** The plotted statistic: the value, subgroup mean, proportion, count, EWMA or CUSUM (C+) value. */
  value: number;
  /** Subgroup or sample size, where the chart has one. */
  n?: number;
  cl: number | null;
  ucl: number | null;
  lcl: number | null;
  /** Sigma of the plotted statistic at this point (zone width: C = cl ± 1 sigma, B ± 2, A ± 3). */
  sigma?: number | null;
  /** EWMA and CUSUM: the observed value or subgroup mean the statistic was computed from. */
  raw?: number;
  /** CUSUM: the upper and lower sums in sigma units (lower as a number <= 0, as qcc reports it). */
  cusum?: { upper: number; lower: number };
  /** The subgroup key, when subgroups are formed by a message property. */
  key?: string;
  /** The companion chart (R, S or MR) where there is one. */
  dispersion?: { value: number | null; cl: number | null; ucl: number | null; lcl: number | null };
  phase: "I" | "II";
  violations: SpcViolation[];
  capability?: SpcCapability;
}

export const SPC_LIMIT_REASONS = [
  "estimated",
  "revised",
  "excluded",
  "frozen",
  "given",
  "rebaseline",
] as const;
export type SpcLimitReason = (typeof SPC_LIMIT_REASONS)[number];

/**
 * The control limits of a chart, sent whenever they are set or change (made by `mfg-spc-check`):
 * estimated at the end of phase I, revised or with points excluded on command, frozen early,
 * given, or cleared for a new phase I (`rebaseline`). The audit trail of a chart's limits.
 */
export interface SpcLimits {
  kind: "SpcLimits";
  characteristic: string;
  asset?: string;
  ts: EpochMs;
  chart: SpcChart;
  reason: SpcLimitReason;
  /** "II" once limits are set; "I" after a rebaseline (limits null until phase I ends). */
  phase: "I" | "II";
  /** Process level: grand mean (variables), p̄ (p, np), c̄ (c) or ū (u); null after a rebaseline. */
  center: number | null;
  /** Sigma of single values (variables charts); null for attribute charts. */
  sigma: number | null;
  /** Within sigma estimator (variables charts). */
  estimator?: string;
  /** Limits at the nominal subgroup or sample size `n` (attribute limits vary with n). */
  cl: number | null;
  ucl: number | null;
  lcl: number | null;
  n?: number;
  dispersion?: { cl: number | null; ucl: number | null; lcl: number | null };
  /** Phase-I points the limits were estimated from: first and last seq, count, and those left out. */
  fromSeq?: number;
  toSeq?: number;
  points: number;
  excluded: number[];
  /** Rule violations of the phase-I points against these limits (to review before revising). */
  outOfControl: SpcViolation[];
  /** Capability of the phase-I data (as qcc processCapability), when spec limits are set. */
  capability?: SpcCapability;
  /** 0 for the first estimate, +1 with every revision, exclusion or new baseline. */
  revision: number;
}

export const SEVERITY_ZONES = ["A", "B", "C", "D"] as const;
export type SeverityZone = (typeof SEVERITY_ZONES)[number];

export const RUL_STATUSES = ["estimated", "insufficient-data", "not-degrading"] as const;
export type RulStatus = (typeof RUL_STATUSES)[number];

/** Health of one asset (made by `mfg-maintenance-predictor`). */
export interface HealthReport {
  kind: "HealthReport";
  asset: string;
  ts: EpochMs;
  /** 1 = as new, 0 = at the failure threshold. */
  health: number;
  /** 0 = like the learned baseline; larger = more unusual. */
  anomalyScore: number;
  /** Vibration severity zone (ISO 10816), null when no vibration signal. */
  zone: SeverityZone | null;
  /** "learning" while the baseline is learned, then "monitoring". */
  mode: "learning" | "monitoring";
  remainingLife: {
    status: RulStatus;
    /** Estimated remaining useful life, present only when status is "estimated". */
    valueMs?: number;
    lowerMs?: number;
    upperMs?: number;
    /** Coverage of the interval, e.g. 0.9. */
    confidence?: number;
  };
  signals?: Record<string, { value: number; zScore?: number }>;
}

export const ALARM_SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
export type AlarmSeverity = (typeof ALARM_SEVERITIES)[number];

/** An alarm raised by SPC, maintenance or escalation. */
export interface Alarm {
  kind: "Alarm";
  /** Stable id: the same condition keeps the same id until it clears. */
  id: string;
  asset?: string;
  ts: EpochMs;
  severity: AlarmSeverity;
  /** What raised it, e.g. "spc:fill-volume" or a node id. */
  source: string;
  text: string;
  /** Escalation tier, 0 = first. */
  level: number;
  state: "active" | "cleared";
  acknowledged: boolean;
  acknowledgedBy?: string;
  acknowledgedAt?: EpochMs;
  /** Machine-readable details: rule, points, recommendation, work order. */
  data?: Record<string, unknown>;
}

/** ISA-95 request states (B2MML RequestState, STANDARDS.md 5.1). */
export const ORDER_STATES = [
  "Forecast",
  "Released",
  "Cancelled",
  "Ready",
  "Running",
  "Completed",
  "Aborted",
  "Held",
  "Paused",
  "Closed",
  "Other",
] as const;
export type OrderState = (typeof ORDER_STATES)[number];

/** A production order (ISA-95 ProductionRequest, flattened to one segment). */
export interface ProductionOrder {
  kind: "ProductionOrder";
  /** Order id (ProductionRequest ID; SAP ManufacturingOrder). */
  orderId: string;
  /** Operation / segment (SAP ManufacturingOrderOperation, e.g. "0010"). */
  operation?: string;
  /** Asset path the order is dispatched to. */
  asset?: string;
  /** Material / product id (MaterialProducedRequirement MaterialDefinitionID). */
  productId: string;
  description?: string;
  plannedQuantity: number;
  unit: string;
  /** Planned run time per item, seconds (ISO 22400 PRI). */
  idealCycleTimeS?: number;
  plannedStart?: EpochMs;
  plannedEnd?: EpochMs;
  priority?: number;
  state: OrderState;
  ts: EpochMs;
}

/** A confirmation of produced quantities for an order (ISA-95 ProductionResponse). */
export interface Confirmation {
  kind: "Confirmation";
  orderId: string;
  operation?: string;
  asset?: string;
  ts: EpochMs;
  good: number;
  scrap: number;
  rework?: number;
  unit: string;
  start: EpochMs;
  end: EpochMs;
  setupMs?: number;
  processingMs?: number;
  /** True for the final confirmation of the order or operation. */
  final: boolean;
  /** Idempotency key (SAP ExternalSystemConfirmation): a retried confirmation keeps it. */
  idempotencyKey: string;
}

export interface MessageByKind {
  MachineSample: MachineSample;
  StateChange: StateChange;
  OeeReport: OeeReport;
  SpcResult: SpcResult;
  SpcLimits: SpcLimits;
  HealthReport: HealthReport;
  Alarm: Alarm;
  ProductionOrder: ProductionOrder;
  Confirmation: Confirmation;
}

export type SuiteMessage = MessageByKind[MessageKind];
