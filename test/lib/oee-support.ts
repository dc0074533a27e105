/**
 * Helpers for the lib/oee tests: a small hand-written Plan (a stand-in for lib/calendar in unit
 * tests), message builders, a seeded PRNG and a runner that feeds inputs in time order.
 */
import type { Plan, PlanPiece, ShiftInstance } from "../../lib/calendar/types";
import { initialState, OEE_DEFAULTS, step } from "../../lib/oee/oee";
import type { OeeConfig, OeeEvent, OeeInput, OeeState } from "../../lib/oee/types";
import type { MachineSample, OeeReport, ReasonCode, StateChange, TimeElement } from "../../lib/types";

export const MIN = 60_000;
export const ASSET = "plant/area/line1/filler";

/** Epoch ms of a Berlin wall-clock time on Monday 2026-03-02 (CET = UTC+1): "06:00", "08:16:30". */
export function berlin(hhmmss: string, dayOffset = 0): number {
  const [h = 0, m = 0, s = 0] = hhmmss.split(":").map(Number);
  return Date.UTC(2026, 2, 2 + dayOffset, h - 1, m, s);
}

export interface StandInShift {
  id: string;
  name: string;
  start: number;
  end: number;
  breaks?: Array<{ name: string; start: number; end: number }>;
}

/** A Plan from explicit shift occurrences (no time zone logic): pieces tile the time line. */
export function standInPlan(shifts: StandInShift[]): Plan {
  const sorted = [...shifts].sort((a, b) => a.start - b.start);
  const instance = (s: StandInShift): ShiftInstance => ({
    id: s.id,
    name: s.name,
    start: s.start,
    end: s.end,
  });
  return {
    timeZone: "Europe/Berlin",
    planAt(ms: number): PlanPiece {
      const s = sorted.find((x) => x.start <= ms && ms < x.end);
      if (s === undefined) {
        const before = sorted.filter((x) => x.end <= ms).map((x) => x.end);
        const after = sorted.filter((x) => x.start > ms).map((x) => x.start);
        return {
          kind: "off",
          start: before.length > 0 ? Math.max(...before) : ms - 365 * 86_400_000,
          end: after.length > 0 ? Math.min(...after) : ms + 365 * 86_400_000,
        };
      }
      const breaks = [...(s.breaks ?? [])].sort((a, b) => a.start - b.start);
      const inBreak = breaks.find((b) => b.start <= ms && ms < b.end);
      if (inBreak !== undefined)
        return {
          kind: "planned-down",
          start: inBreak.start,
          end: inBreak.end,
          shift: instance(s),
          reason: inBreak.name,
        };
      const prevEnd = breaks.filter((b) => b.end <= ms).map((b) => b.end);
      const nextStart = breaks.filter((b) => b.start > ms).map((b) => b.start);
      return {
        kind: "work",
        start: Math.max(s.start, ...prevEnd),
        end: Math.min(s.end, ...nextStart),
        shift: instance(s),
      };
    },
    shiftsBetween(from: number, to: number): ShiftInstance[] {
      return sorted.filter((s) => s.start < to && s.end > from).map(instance);
    },
  };
}

/** The worked example's shift: Early 06:00-14:00 with Breakfast 10:00-10:30 (Berlin). */
export function earlyShiftPlan(): Plan {
  return standInPlan([
    {
      id: "2026-03-02 Early",
      name: "Early",
      start: berlin("06:00"),
      end: berlin("14:00"),
      breaks: [{ name: "Breakfast", start: berlin("10:00"), end: berlin("10:30") }],
    },
  ]);
}

export function config(over: Partial<OeeConfig> = {}): OeeConfig {
  return {
    ...OEE_DEFAULTS,
    rollingMs: 0,
    interimMs: 0,
    graceMs: 0,
    goodTag: "good",
    rejectTag: "reject",
    ...over,
  };
}

export interface ChangeOptions {
  stopStart?: number;
  reason?: string;
  microStop?: boolean;
  recode?: boolean;
}

export function change(
  ts: number,
  state: string,
  timeElement: TimeElement,
  o: ChangeOptions = {},
): StateChange {
  const c: StateChange = {
    kind: "StateChange",
    asset: ASSET,
    ts,
    model: "simple",
    state,
    previousState: null,
    previousDurationMs: 0,
    timeElement,
  };
  if (o.stopStart !== undefined) c.stopStart = o.stopStart;
  if (o.reason !== undefined) c.reason = { code: o.reason } as ReasonCode;
  if (o.microStop !== undefined) c.microStop = o.microStop;
  if (o.recode) c.recode = { previousReason: null };
  return c;
}

export function sample(
  ts: number,
  values: Record<string, number | string | null>,
  quality: Record<string, string> = {},
): MachineSample {
  const out: MachineSample = { kind: "MachineSample", asset: ASSET, ts, values: {}, stale: false };
  for (const [k, v] of Object.entries(values)) out.values[k] = { value: v, quality: quality[k] ?? "Good" };
  return out;
}

export interface Timed {
  now: number;
  input: OeeInput;
}

export const at = (now: number, input: OeeInput): Timed => ({ now, input });
export const stateAt = (c: StateChange): Timed => at(c.ts, { type: "state", change: c });
export const sampleAt = (s: MachineSample): Timed => at(s.ts, { type: "sample", sample: s });
export const tickAt = (now: number): Timed => at(now, { type: "tick" });

export interface Run {
  state: OeeState;
  reports: OeeReport[];
  events: OeeEvent[];
  nextDue: Array<number | null>;
}

/** Feed the inputs in the order given (each at its `now`). */
export function run(
  cfg: OeeConfig,
  plan: Plan | null,
  inputs: readonly Timed[],
  state = initialState(),
): Run {
  const out: Run = { state, reports: [], events: [], nextDue: [] };
  for (const { now, input } of inputs) {
    const r = step(cfg, plan, out.state, input, now);
    out.state = r.state;
    out.reports.push(...r.reports);
    out.events.push(...r.events);
    out.nextDue.push(r.nextDueMs);
  }
  return out;
}

/** mulberry32: a small seeded PRNG, so random tests are repeatable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** |a - b| <= tol * max(1, |b|). */
export function near(actual: number | null | undefined, expected: number, tol: number, what: string): void {
  if (
    actual === null ||
    actual === undefined ||
    !(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)))
  )
    throw new Error(`${what}: expected ${expected} (tolerance ${tol}), got ${actual}`);
}

export function findReport(
  reports: readonly OeeReport[],
  type: "shift" | "order" | "rolling",
  id: string | undefined,
  final: boolean,
): OeeReport {
  const r = reports.filter(
    (x) => x.window.type === type && (id === undefined || x.window.id === id) && x.window.final === final,
  );
  const last = r[r.length - 1];
  if (last === undefined) throw new Error(`no ${final ? "final" : "interim"} ${type} report ${id ?? ""}`);
  return last;
}

/** The inputs of docs/oee.md "Worked example", in time order, each processed at its own time. */
export function workedExampleInputs(): Timed[] {
  const t = berlin;
  const counters = (ts: number, good: number, reject: number) => sampleAt(sample(ts, { good, reject }));
  return [
    tickAt(t("05:59")),
    at(t("06:00"), {
      type: "order",
      action: "start",
      orderId: "A-100",
      ts: t("06:00"),
      idealCycleTimeS: 30,
      productId: "A",
    }),
    counters(t("06:00"), 1000, 50),
    stateAt(change(t("06:00"), "run", "APT")),
    counters(t("07:10"), 1133, 53),
    stateAt(change(t("07:10"), "down", "ADET", { stopStart: t("07:10"), reason: "motor-overload" })),
    stateAt(change(t("07:30"), "run", "APT")),
    counters(t("08:15"), 1218, 56),
    stateAt(change(t("08:15"), "down", "ADET", { stopStart: t("08:15"), reason: "jam" })),
    stateAt(change(t("08:16:30"), "run", "APT", { microStop: true })),
    counters(t("09:05"), 1312, 58),
    stateAt(change(t("09:05"), "down", "ADET", { stopStart: t("09:05"), reason: "jam" })),
    stateAt(change(t("09:06:30"), "run", "APT", { microStop: true })),
    counters(t("10:00"), 1415, 61),
    stateAt(change(t("10:00"), "idle", "ADOT", { stopStart: t("10:00") })),
    stateAt(change(t("10:30"), "run", "APT")),
    counters(t("10:45"), 1428, 62),
    at(t("10:45"), { type: "order", action: "end", orderId: "A-100", ts: t("10:45") }),
    stateAt(change(t("10:45"), "idle", "ADOT", { stopStart: t("10:45"), reason: "no-order" })),
    counters(t("11:00"), 0, 0), // the PLC resets its counters at the order change
    at(t("11:00"), {
      type: "order",
      action: "start",
      orderId: "B-200",
      ts: t("11:00"),
      idealCycleTimeS: 20,
      productId: "B",
    }),
    stateAt(change(t("11:00"), "setup", "AUST", { stopStart: t("10:45"), reason: "changeover" })),
    stateAt(change(t("11:25"), "run", "APT")),
    counters(t("11:30"), 10, 4),
    counters(t("12:30"), 185, 7),
    counters(t("13:30"), 360, 9),
    counters(t("13:59:30"), 420, 10),
    tickAt(t("14:00")),
    at(t("14:00"), { type: "report" }),
  ];
}
