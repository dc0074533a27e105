/**
 * Contract of the OEE calculator (lib/oee): ISO 22400-2 time model and KPIs (STANDARDS.md 1),
 * as a reducer with explicit time (ARCHITECTURE rule 2). Pure: no clock reads, no timers, no I/O.
 *
 * Time attribution ("every millisecond of planned busy time in exactly one time element"):
 * the reducer keeps one attributed-until instant `until`. Advancing to t cuts [until, t) at every
 * plan boundary (Plan.planAt) and rolling-bucket boundary; each piece gets exactly one element:
 *   - plan "work": the machine's element (APT, AUST, ADET, ADOT or PDOT for a planned-stop state);
 *   - plan "planned-down" (break, planned downtime): PDOT, unless the machine works through it
 *     (element APT or AUST), which then counts as that element;
 *   - plan "off" (no shift): NONE (outside POT), unless the machine works (APT or AUST): overtime,
 *     counted as that element.
 * With no calendar every instant is "work" and there are no shift windows.
 * Every step advances time to the watermark `nowMs - graceMs`, so a state change that arrives up
 * to graceMs late (the classifier dates a change when it began) is still attributed exactly;
 * later ones are clamped to `until` and counted in `lateMs`.
 */
import type { Plan } from "../calendar/types";
import type { EpochMs, MachineSample, OeeReport, ReasonCode, StateChange, TimeElement } from "../types";

/** How a part counter wraps. */
export const COUNTER_WRAPS = ["uint32", "uint16", "int32", "none"] as const;
export type CounterWrap = (typeof COUNTER_WRAPS)[number];

/** Which counters the samples carry. */
export const COUNTER_MODES = ["good-reject", "total-reject", "total-good"] as const;
export type CounterMode = (typeof COUNTER_MODES)[number];

export interface OeeConfig {
  /** Report windows. */
  shiftWindow: boolean;
  orderWindow: boolean;
  /** Rolling window length, ms; 0 = no rolling window. */
  rollingMs: number;
  /** Interim report period for open windows, ms; 0 = only final reports (and on request). */
  interimMs: number;
  /** Lateness allowed for state changes and counts, ms (watermark = now - graceMs). */
  graceMs: number;
  /** Micro-stops as ISO availability loss ("iso") or Nakajima performance loss ("tpm"). */
  allocation: "iso" | "tpm";
  counterMode: CounterMode;
  /** Tag names in MachineSample.values ("" = not used by the mode). */
  goodTag: string;
  rejectTag: string;
  totalTag: string;
  /** Rework counter tag ("" = none); rework parts are not good. */
  reworkTag: string;
  counterWrap: CounterWrap;
  /**
   * A counter step larger than this many ideal cycles of the elapsed time (plus 10 parts) is
   * implausible: not counted, re-baselined, reported.
   */
  maxRateFactor: number;
  /** Ideal cycle time (ISO 22400 PRI), s: the default when neither the order nor the tag gives one. */
  idealCycleTimeS: number;
  /** Tag with the ideal cycle time in s ("" = none). */
  idealCycleTimeTag: string;
  /** Tag with the order id: a change closes the order window and opens a new one ("" = none). */
  orderTag: string;
  /** Tag with the product id ("" = none). */
  productTag: string;
  /** Rejects within this time after a setup (AUST) ends count as reduced yield (loss 6); 0 = none. */
  startupMs: number;
  /** Stops remembered per window for losses by reason; older ones are folded. */
  maxStops: number;
}

/** Accumulators of one window: plain JSON. */
export interface WindowAcc {
  start: EpochMs;
  /** ms per time element (NONE = outside planned operation time). */
  times: Record<TimeElement, number>;
  /**
   * ms of micro-stops (ADET + ADOT) of FOLDED stops only; the micro-stop time of the stops still in
   * `stopMs` is read from them (their flag may be set after the time was booked).
   */
  microStopMs: number;
  /** The ADET part of `microStopMs`. */
  microAdetMs: number;
  pq: number;
  gq: number;
  sq: number;
  rq: number;
  /** Sum of PRI x produced parts, ms (ideal time of all parts). */
  idealMs: number;
  /** Sum of PRI x good parts, ms. */
  goodIdealMs: number;
  /** Ideal time of scrap and rework made in a start-up period, ms. */
  startupBadIdealMs: number;
  /** ms per stop key (the stop's start, as a string) and element. */
  stopMs: Record<string, Partial<Record<TimeElement, number>>>;
  /** Losses of stops folded when maxStops was exceeded: "reason\u0000element" -> {ms, events}. */
  folded: Record<string, { ms: number; events: number }>;
  /** ms per planned-downtime reason (breaks etc.). */
  plannedMs: Record<string, number>;
  /** Product of the counted parts: absent = none yet, a string = one product, null = several. */
  productId?: string | null;
}

/** What the reducer knows about a stop (key: its start, as a string). */
export interface StopInfo {
  /** The stop's reason: the first one given in the stop, or the last re-code. */
  reason?: ReasonCode;
  /**
   * A different reason given later in the same stop for another element (e.g. idle "no-order",
   * then setup "changeover"); it wins for that element (the first one per element, not the
   * element that began the stop). A re-code clears these.
   */
  reasons?: Partial<Record<TimeElement, ReasonCode>>;
  /** Element of the state that began the stop. */
  element: TimeElement;
  /** Set by the change that returned to production (StateChange.microStop). */
  microStop?: boolean;
}

/** Counts dated after `until`: applied when time gets there (one entry per input, in time order). */
export interface PendingCounts {
  ts: EpochMs;
  pq: number;
  gq: number;
  sq: number;
  rq: number;
  idealMs: number;
  goodIdealMs: number;
  startupBadIdealMs: number;
  productId?: string;
}

export interface OeeState {
  /** Time is attributed up to here (null until the first StateChange). */
  until: EpochMs | null;
  asset: string | null;
  /** The machine's current element and stop (from the last StateChange). */
  machine: { element: TimeElement; state: string; stopStart?: EpochMs; since: EpochMs } | null;
  /** Known stops: key (start ms as string) -> reason and micro-stop flag. */
  stops: Record<string, StopInfo>;
  /** Counter baselines by role ("good", "reject", "total", "rework"): last accepted reading. */
  counters: Record<string, { value: number; ts: EpochMs } | undefined>;
  /**
   * Total modes: steps of the sub-counters (good, reject, rework) not yet matched by the total
   * counter; counted when the total catches up.
   */
  carry: { good: number; reject: number; rework: number };
  /** The ideal cycle time in force, s. */
  idealCycleTimeS: number;
  /** Where the ideal cycle time came from. */
  idealSource: "config" | "tag" | "order";
  /** Last valid value of the ideal cycle time tag, s. */
  tagIdealCycleTimeS: number | null;
  /** Product in force (order, else product tag). */
  productId?: string;
  tagProductId?: string;
  /** The order in force (from an order input or the order tag), whether or not order windows are on. */
  currentOrder: { id: string; idealCycleTimeS?: number; productId?: string } | null;
  /** Last value of the order tag ("" = none). */
  orderTagValue: string | null;
  /** End of the start-up period after the last setup, or null. */
  startupUntil: EpochMs | null;
  shift: { id: string; name: string; start: EpochMs; end: EpochMs; acc: WindowAcc } | null;
  order: { id: string; acc: WindowAcc } | null;
  /** Rolling buckets, oldest first. */
  rolling: WindowAcc[];
  /** Counts waiting for time to reach them, oldest first (bounded by MAX_PENDING). */
  pending: PendingCounts[];
  /** Counter roles whose last reading was out of the counter type's range (reported once per streak). */
  outOfRange?: string[];
  /** Next interim report time. */
  nextInterimMs: EpochMs | null;
  /** Diagnostics: ms of state changes clamped because they came later than the grace period. */
  lateMs: number;
}

export type OeeInput =
  | { type: "state"; change: StateChange }
  | { type: "sample"; sample: MachineSample }
  /** Count increments (e.g. from a quality station), not counter readings. */
  | { type: "counts"; ts: EpochMs; good: number; reject: number; rework?: number }
  | {
      type: "order";
      action: "start" | "end";
      orderId: string;
      ts: EpochMs;
      idealCycleTimeS?: number;
      productId?: string;
    }
  /** Report every open window now (interim). */
  | { type: "report" }
  | { type: "tick" };

/** Something the user should know that is not an error: counter reset, wrap, implausible step, late data. */
export interface OeeEvent {
  event:
    | "counterReset"
    | "counterWrap"
    | "counterImplausible"
    | "late"
    | "orderStart"
    | "orderEnd"
    | "shiftStart"
    | "shiftEnd";
  ts: EpochMs;
  text: string;
  data?: Record<string, unknown>;
}

export interface OeeResult {
  state: OeeState;
  reports: OeeReport[];
  events: OeeEvent[];
  /** When the node must call step with a tick (interim report, window end + grace), or null. */
  nextDueMs: EpochMs | null;
}

/** Signature of the reducer (lib/oee/oee.ts). `plan` is null when no calendar is configured. */
export type OeeStep = (
  config: OeeConfig,
  plan: Plan | null,
  state: OeeState,
  input: OeeInput,
  nowMs: EpochMs,
) => OeeResult;
