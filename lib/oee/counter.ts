/**
 * Part counters from PLC tags: cumulative readings to part increments. A counter that resets
 * (order change, power cycle) or wraps (UInt32 overflow) must never give a negative or absurd
 * count; an implausible jump (a wrong tag, a glitch) is not counted but reported.
 *
 * Plausibility limit for one step: maxDelta = maxRateFactor x elapsed / PRI + 10 parts, i.e. the
 * parts the machine could make at maxRateFactor times its ideal rate, plus a margin of 10.
 */
import type { TagValue } from "../types";
import type { CounterMode, CounterWrap } from "./types";

export type CounterEventKind = "counterReset" | "counterWrap" | "counterImplausible";

/** Value range and modulus of each counter type; int32 counts as 32-bit two's complement. */
export const COUNTER_RANGES: Record<CounterWrap, { min: number; max: number; modulus: number }> = {
  uint32: { min: 0, max: 2 ** 32 - 1, modulus: 2 ** 32 },
  uint16: { min: 0, max: 2 ** 16 - 1, modulus: 2 ** 16 },
  int32: { min: -(2 ** 31), max: 2 ** 31 - 1, modulus: 2 ** 32 },
  none: { min: 0, max: Number.MAX_SAFE_INTEGER, modulus: 0 },
};

export interface CounterStepResult {
  /** Parts counted by this reading (>= 0, an integer). */
  delta: number;
  event: CounterEventKind | null;
  /** The baseline to keep: the reading (normalised), or the old baseline when the reading was skipped. */
  baseline: number | undefined;
  /** The reading was not usable (not a finite integer in the counter's range): nothing changed. */
  skipped: boolean;
  /**
   * Set when the reading was skipped because it is a number but not a reading of this counter
   * type (outside its range, or not whole): a misconfigured tag or type, worth reporting.
   */
  outOfRange?: true;
}

/**
 * A reading as an unsigned value in the counter's range, or undefined when it is not usable:
 * not a number, not finite, not an integer, or outside the range (negative for unsigned types).
 * int32 readings are mapped to 0..2^32-1 (two's complement), so -1 -> 0 is a wrap of +1.
 */
export function normaliseReading(cur: unknown, wrap: CounterWrap): number | undefined {
  if (typeof cur !== "number" || !Number.isInteger(cur)) return undefined;
  const r = COUNTER_RANGES[wrap];
  if (cur < r.min || cur > r.max) return undefined;
  return cur < 0 ? cur + r.modulus : cur;
}

/**
 * One counter reading against the previous one (normalised, undefined = none yet).
 * - First reading: the baseline, nothing counted.
 * - cur >= prev: cur - prev, unless above maxDelta: then implausible, 0, re-baselined.
 * - cur < prev: a wrap when the counter came down from the upper half of its range
 *   (prev - cur > modulus / 2) and the wrapped step (cur + modulus - prev) is <= maxDelta;
 *   otherwise a reset: the parts counted since the reset (cur) when cur <= maxDelta, else 0.
 * - An unusable reading is skipped: delta 0, baseline kept, no event (`outOfRange` when it is a
 *   number that is not a reading of this counter type).
 */
export function counterStep(
  prev: number | undefined,
  cur: unknown,
  wrap: CounterWrap,
  maxDelta: number,
): CounterStepResult {
  const v = normaliseReading(cur, wrap);
  if (v === undefined) {
    if (typeof cur === "number" && Number.isFinite(cur))
      return { delta: 0, event: null, baseline: prev, skipped: true, outOfRange: true };
    return { delta: 0, event: null, baseline: prev, skipped: true };
  }
  if (prev === undefined) return { delta: 0, event: null, baseline: v, skipped: false };
  if (v >= prev) {
    const step = v - prev;
    if (step > maxDelta) return { delta: 0, event: "counterImplausible", baseline: v, skipped: false };
    return { delta: step, event: null, baseline: v, skipped: false };
  }
  const modulus = COUNTER_RANGES[wrap].modulus;
  // Wrap or reset: a counter that wraps steps down only after passing its maximum, so between two
  // readings it moved forward by the wrapped step. When that step would be more than half the
  // range (prev - cur <= modulus / 2), a reset (to 0 or a small value, by the PLC or an operator)
  // is the likely cause, not half a counter range of parts: the half-range rule of serial number
  // arithmetic (RFC 1982, section 3.2). Plausibility alone cannot tell them apart after a long
  // stop, when maxDelta grows beyond the whole range (a UInt16 reset 1100 -> 0 after 4 h is not
  // +64436 parts).
  if (modulus > 0 && prev - v > modulus / 2) {
    const wrapped = v + modulus - prev;
    if (wrapped <= maxDelta) return { delta: wrapped, event: "counterWrap", baseline: v, skipped: false };
  }
  return { delta: v <= maxDelta ? v : 0, event: "counterReset", baseline: v, skipped: false };
}

/** Parts the machine could make in elapsedMs at maxRateFactor x its ideal rate, plus 10. */
export function maxCounterDelta(maxRateFactor: number, elapsedMs: number, idealCycleTimeS: number): number {
  const cycles = idealCycleTimeS > 0 ? Math.max(0, elapsedMs) / (idealCycleTimeS * 1000) : 0;
  return maxRateFactor * cycles + 10;
}

/**
 * The raw reading of a counter tag, or undefined when the tag is missing, stale or of Bad quality
 * (Uncertain quality is used). The numeric checks are counterStep's.
 */
export function counterReading(tv: TagValue | undefined): unknown {
  if (tv === undefined || tv.stale === true) return undefined;
  if (typeof tv.quality === "string" && tv.quality !== "Good" && /^bad/i.test(tv.quality)) return undefined;
  return tv.value;
}

/** Part increments of one sample, ISO 22400 quantities: PQ = GQ + SQ + RQ. */
export interface PartCounts {
  pq: number;
  gq: number;
  sq: number;
  rq: number;
}

export interface SplitResult extends PartCounts {
  carry: { good: number; reject: number; rework: number };
  /** Sub-counter steps that could not be matched by the total and were dropped (more than maxDelta). */
  dropped: number;
}

/**
 * Steps of one sample's counters to PQ/GQ/SQ/RQ. Rework parts are produced but not good.
 * - good-reject: PQ = good + reject + rework.
 * - total-reject: PQ = total; scrap and rework are taken out of the total, GQ = the rest.
 * - total-good: PQ = total; good and rework are taken out of the total, SQ = the rest.
 * In the total modes GQ is never negative: sub-counter steps larger than the total step are
 * counted as far as the total allows and the rest is carried to the next samples (counters
 * updated in different PLC cycles, or tags that arrive in separate samples); a carry above
 * maxDelta (the caller passes the parts the total counter could have counted since its own last
 * reading) is dropped and reported.
 */
export function splitCounts(
  mode: CounterMode,
  step: { good: number; reject: number; total: number; rework: number },
  carry: { good: number; reject: number; rework: number },
  maxDelta: number,
): SplitResult {
  if (mode === "good-reject") {
    return {
      gq: step.good,
      sq: step.reject,
      rq: step.rework,
      pq: step.good + step.reject + step.rework,
      // Nothing is carried in this mode: the carry stays as it is (no copy per sample).
      carry,
      dropped: 0,
    };
  }
  const total = step.total;
  const first = mode === "total-reject" ? step.reject + carry.reject : step.good + carry.good;
  const rework = step.rework + carry.rework;
  const firstTaken = Math.min(first, total);
  const reworkTaken = Math.min(rework, total - firstTaken);
  let firstLeft = first - firstTaken;
  let reworkLeft = rework - reworkTaken;
  let dropped = 0;
  if (firstLeft + reworkLeft > maxDelta) {
    dropped = firstLeft + reworkLeft;
    firstLeft = 0;
    reworkLeft = 0;
  }
  if (mode === "total-reject") {
    return {
      pq: total,
      sq: firstTaken,
      rq: reworkTaken,
      gq: total - firstTaken - reworkTaken,
      carry: { good: 0, reject: firstLeft, rework: reworkLeft },
      dropped,
    };
  }
  return {
    pq: total,
    gq: firstTaken,
    rq: reworkTaken,
    sq: total - firstTaken - reworkTaken,
    carry: { good: firstLeft, reject: 0, rework: reworkLeft },
    dropped,
  };
}
