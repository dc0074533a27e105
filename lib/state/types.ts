/**
 * Contract of the state classifier (lib/state): a reducer with explicit time
 * (ARCHITECTURE rule 2): `step(config, state, input, nowMs) -> { state, changes, ... }`.
 * Pure: no clock reads, no timers, no I/O. The node owns the clock and calls `step` with
 * `{ type: "tick" }` at `nextDueMs`.
 */
import type {
  EpochMs,
  MachineSample,
  ReasonCode,
  StateChange,
  StateModel,
  TagScalar,
  TimeElement,
} from "../types";

/** States of the rule ("simple") model. */
export const SIMPLE_STATES = ["run", "idle", "down", "setup", "starved", "blocked", "planned"] as const;
export type SimpleState = (typeof SIMPLE_STATES)[number];

/** Structured condition operators (no eval of user text). */
export const CONDITION_OPS = [
  "==",
  "!=",
  ">",
  ">=",
  "<",
  "<=",
  "true",
  "false",
  "empty",
  "notEmpty",
] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];

/** tag <op> value; "true"/"false"/"empty"/"notEmpty" take no value. */
export interface Condition {
  tag: string;
  op: ConditionOp;
  value?: number | string | boolean;
}

/** The first rule whose conditions ALL hold decides the state. */
export interface Rule {
  state: SimpleState;
  when: Condition[];
  /** Fixed reason code of this rule's state, e.g. "no-bottles" (a reason tag wins over it). */
  reason?: string;
}

/** An element, or "inherit": keep the element of the state before (PackML acting states after a stop). */
export type ElementChoice = TimeElement | "inherit";

export interface ClassifierConfig {
  model: StateModel;
  /** packml: the StateCurrent tag (0..17); machinery: MachineryItemState tag (0..3 or its name). */
  stateTag: string;
  /** machinery: MachineryOperationMode tag (0..3 or its name). Unused otherwise ("" = none). */
  modeTag: string;
  /** simple model: ordered rules; the first that matches wins. */
  rules: Rule[];
  /** simple model: the state when no rule matches. */
  defaultState: SimpleState;
  /** Per-state overrides of the default time element mapping, keyed by state name. */
  timeElements: Record<string, ElementChoice>;
  /** A new state must hold this long before it is accepted (flicker filter); the change is dated when it began. */
  minDurationMs: number;
  /** Stops shorter than this are micro-stops. */
  microStopMs: number;
  /** Tag whose non-empty value is the reason code of a stop ("" = none). */
  reasonTag: string;
  /** Stops remembered for re-coding (bounded history). */
  historySize: number;
}

/** A stop remembered for re-coding. */
export interface StopRecord {
  start: EpochMs;
  /** undefined while the stop lasts. */
  end?: EpochMs;
  /** The state that began the stop and its element. */
  state: string;
  stateCode?: number;
  timeElement: TimeElement;
  reason?: ReasonCode;
  /** Every element the stop passed through (a micro-stop has only ADET/ADOT). */
  elements?: TimeElement[];
}

/** Reducer state: plain JSON (persisted in the context store). */
export interface ClassifierState {
  /** The accepted state, null before the first sample. */
  current: {
    state: string;
    stateCode?: number;
    timeElement: TimeElement;
    since: EpochMs;
    reason?: ReasonCode;
  } | null;
  /** A different state seen but not yet held for minDurationMs. */
  candidate: { state: string; stateCode?: number; since: EpochMs; reason?: ReasonCode } | null;
  /** Recent stops, newest last, at most historySize. */
  stops: StopRecord[];
  /** Timestamp of the last sample used. */
  lastTs: EpochMs | null;
  /** Asset path of the last sample (re-codes carry it). */
  asset: string | null;
  /**
   * Last usable value of each tag the model reads (state, mode, rule and reason tags): samples
   * that hold only the tags that changed are read together with these. A tag last received Bad
   * or stale has no entry.
   */
  values?: Record<string, TagScalar>;
  /** Why the last samples could not be classified (warned once per streak), null when they could. */
  problem?: string | null;
}

export type ClassifierInput =
  | { type: "sample"; sample: MachineSample }
  /** Operator reason for the stop containing `ts` (default: the current or last stop). */
  | { type: "reason"; reason: ReasonCode; ts?: EpochMs }
  /** Re-code every remembered stop that overlaps [start, end) (end default: start, i.e. the stop containing start). */
  | { type: "recode"; reason: ReasonCode; start: EpochMs; end?: EpochMs }
  | { type: "tick" };

export interface ClassifierResult {
  state: ClassifierState;
  /** New states and re-codes, in time order. */
  changes: StateChange[];
  /** Human-readable notes (unknown PackML number, tag missing, nothing to re-code...). */
  warnings: string[];
  /** When the node must call step with a tick (a candidate waiting for minDurationMs), or null. */
  nextDueMs: EpochMs | null;
}
