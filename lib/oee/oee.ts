/**
 * The OEE calculator as a reducer with explicit time (ARCHITECTURE rule 2): StateChanges, samples
 * with part counters, counts and order messages in; OeeReports and events out. The time model and
 * attribution rules are in the header of ./types.ts and in docs/oee.md.
 *
 * `step` updates the state it is given in place and returns it (plain JSON, bounded by the
 * config); pass a copy if the old state is still needed.
 */
import type { Plan, PlanPiece } from "../calendar/types";
import type { EpochMs, MachineSample, OeeReport, StateChange, TimeElement } from "../types";
import { TIME_ELEMENTS } from "../types";
import { type FieldError, INPUT_MAX_AGE_MS } from "../validate";
import { counterReading, counterStep, maxCounterDelta, splitCounts } from "./counter";
import { buildReport, emptyAcc, foldStop, mergeAccs, PLANNED } from "./kpi";
import {
  COUNTER_MODES,
  COUNTER_WRAPS,
  type OeeConfig,
  type OeeEvent,
  type OeeState,
  type OeeStep,
  type PendingCounts,
  type StopInfo,
  type WindowAcc,
} from "./types";

export const OEE_DEFAULTS: OeeConfig = {
  shiftWindow: true,
  orderWindow: true,
  rollingMs: 3_600_000,
  interimMs: 60_000,
  graceMs: 5_000,
  allocation: "iso",
  counterMode: "good-reject",
  goodTag: "",
  rejectTag: "",
  totalTag: "",
  reworkTag: "",
  counterWrap: "uint32",
  maxRateFactor: 3,
  idealCycleTimeS: 1,
  idealCycleTimeTag: "",
  orderTag: "",
  productTag: "",
  startupMs: 0,
  maxStops: 200,
};

/**
 * Counts waiting for time to reach them, one entry per sample or counts input; beyond this the
 * oldest is applied at once (to the windows open then, so a count may land in a window a little
 * early). 1024 covers e.g. a grace of 100 s at 10 samples/s.
 */
export const MAX_PENDING = 1024;
/** Largest increment of one `counts` input per quantity; larger ones are refused (not counted). */
export const MAX_COUNT_INCREMENT = 1_000_000;
/** Upper limit of the rolling window: 31 days. */
export const MAX_ROLLING_MS = 31 * 86_400_000;

export function initialState(): OeeState {
  return {
    until: null,
    asset: null,
    machine: null,
    stops: {},
    counters: {},
    carry: { good: 0, reject: 0, rework: 0 },
    idealCycleTimeS: 0,
    idealSource: "config",
    tagIdealCycleTimeS: null,
    currentOrder: null,
    orderTagValue: null,
    startupUntil: null,
    shift: null,
    order: null,
    rolling: [],
    pending: [],
    nextInterimMs: null,
    lateMs: 0,
  };
}

/** Checks a configuration; every error names the field and the expected form. */
export function checkOeeConfig(config: Partial<Record<keyof OeeConfig, unknown>>): FieldError[] {
  const errors: FieldError[] = [];
  const got = (v: unknown) => `, got ${JSON.stringify(v) ?? String(v)}`;
  const bool = (k: keyof OeeConfig) => {
    if (typeof config[k] !== "boolean")
      errors.push({ field: k, message: `must be true or false${got(config[k])}` });
  };
  const ms = (k: keyof OeeConfig, what: string, max = Number.MAX_SAFE_INTEGER) => {
    const v = config[k];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max)
      errors.push({ field: k, message: `must be whole milliseconds >= 0${what}${got(v)}` });
  };
  const oneOf = (k: keyof OeeConfig, values: readonly string[]) => {
    if (!values.includes(config[k] as string))
      errors.push({ field: k, message: `must be one of ${values.join(", ")}${got(config[k])}` });
  };
  const tag = (k: keyof OeeConfig) => {
    if (typeof config[k] !== "string")
      errors.push({ field: k, message: `must be a tag name or ""${got(config[k])}` });
  };
  bool("shiftWindow");
  bool("orderWindow");
  ms("rollingMs", ` and at most ${MAX_ROLLING_MS} (31 days); 0 = no rolling window`, MAX_ROLLING_MS);
  ms("interimMs", " (0 = final reports only)");
  ms("graceMs", "");
  oneOf("allocation", ["iso", "tpm"]);
  oneOf("counterMode", COUNTER_MODES);
  for (const k of [
    "goodTag",
    "rejectTag",
    "totalTag",
    "reworkTag",
    "idealCycleTimeTag",
    "orderTag",
    "productTag",
  ] as const)
    tag(k);
  oneOf("counterWrap", COUNTER_WRAPS);
  const rate = config.maxRateFactor;
  if (typeof rate !== "number" || !Number.isFinite(rate) || rate < 1)
    errors.push({ field: "maxRateFactor", message: `must be a number >= 1${got(rate)}` });
  const ideal = config.idealCycleTimeS;
  if (typeof ideal !== "number" || !Number.isFinite(ideal) || ideal <= 0)
    errors.push({ field: "idealCycleTimeS", message: `must be seconds > 0${got(ideal)}` });
  ms("startupMs", " (0 = no start-up period)");
  const maxStops = config.maxStops;
  if (typeof maxStops !== "number" || !Number.isInteger(maxStops) || maxStops < 1 || maxStops > 10_000)
    errors.push({ field: "maxStops", message: `must be a whole number 1..10000${got(maxStops)}` });
  const mode = config.counterMode;
  const named = (k: keyof OeeConfig) => typeof config[k] === "string" && (config[k] as string).trim() !== "";
  if (mode === "total-reject" || mode === "total-good") {
    const other = mode === "total-reject" ? "rejectTag" : "goodTag";
    if (!named("totalTag") && (named(other) || named("reworkTag")))
      errors.push({
        field: "totalTag",
        message: `is required in mode ${mode} when ${other} or reworkTag is set`,
      });
    if (named(mode === "total-reject" ? "goodTag" : "rejectTag"))
      errors.push({
        field: mode === "total-reject" ? "goodTag" : "rejectTag",
        message: `is not used in mode ${mode}; leave it empty`,
      });
  } else if (mode === "good-reject" && named("totalTag"))
    errors.push({ field: "totalTag", message: "is not used in mode good-reject; leave it empty" });
  const counterTags = (["goodTag", "rejectTag", "totalTag", "reworkTag"] as const).filter(named);
  const seen = new Map<string, string>();
  for (const k of counterTags) {
    const name = (config[k] as string).trim();
    const first = seen.get(name);
    if (first !== undefined) errors.push({ field: k, message: `must differ from ${first} ("${name}")` });
    else seen.set(name, k);
  }
  return errors;
}

// ---------------------------------------------------------------------------------------------

const ALL_WORK: PlanPiece = { kind: "work", start: Number.NEGATIVE_INFINITY, end: Number.POSITIVE_INFINITY };

interface Ctx {
  config: OeeConfig;
  plan: Plan | null;
  state: OeeState;
  nowMs: EpochMs;
  reports: OeeReport[];
  events: OeeEvent[];
  piece: PlanPiece | null;
  /** Something was closed or folded, or the machine left a stop: forget stops no window uses. */
  gc: boolean;
  /**
   * Stops of rolling buckets that were dropped: the only ones a bucket drop can leave unused (every
   * other way a stop loses its last user sets `gc`), so only these are checked when `gc` is unset.
   */
  dropped: string[] | null;
}

/**
 * The last plan piece looked up per plan, across steps: consecutive steps nearly always fall in the
 * same piece, and a plan's answers never change (pieces tile the time line), so this spares a
 * planAt call per step.
 */
const lastPiece = new WeakMap<Plan, PlanPiece>();

export const step: OeeStep = (config, plan, state, input, nowMs) => {
  const piece = plan === null ? null : (lastPiece.get(plan) ?? null);
  const ctx: Ctx = { config, plan, state, nowMs, reports: [], events: [], piece, gc: false, dropped: null };
  if (!Number.isFinite(nowMs)) return { state, reports: [], events: [], nextDueMs: null };
  refreshIdeal(ctx);
  advanceTo(ctx, nowMs - config.graceMs);
  switch (input.type) {
    case "state":
      onStateChange(ctx, input.change);
      break;
    case "sample":
      onSample(ctx, input.sample);
      break;
    case "counts": {
      // Whole parts within MAX_COUNT_INCREMENT only: 1e306 parts would make every KPI Infinity/NaN.
      const ok = (n: unknown) =>
        typeof n === "number" && Number.isSafeInteger(n) && n >= 0 && n <= MAX_COUNT_INCREMENT;
      const rework = input.rework ?? 0;
      if (ok(input.good) && ok(input.reject) && ok(rework) && Number.isFinite(input.ts)) {
        addCounts(ctx, Math.min(input.ts, nowMs), {
          gq: input.good,
          sq: input.reject,
          rq: rework,
          pq: input.good + input.reject + rework,
        });
      }
      break;
    }
    case "order":
      onOrder(ctx, input.action, input.orderId, input.ts, input.idealCycleTimeS, input.productId);
      break;
    case "report":
      reportAll(ctx, false);
      break;
    case "tick":
      break;
  }
  if (input.type !== "report") interimIfDue(ctx);
  if (ctx.gc) collectStops(state);
  else if (ctx.dropped !== null) collectDropped(state, ctx.dropped);
  const nextDueMs = nextDue(ctx);
  if (plan !== null && ctx.piece !== null && ctx.piece !== piece) lastPiece.set(plan, ctx.piece);
  return { state, reports: ctx.reports, events: ctx.events, nextDueMs };
};

/** An instant for a text: ISO 8601, or the number when it is no valid date. */
function iso(ms: EpochMs): string {
  const d = new Date(ms);
  return Number.isFinite(d.getTime()) ? d.toISOString() : String(ms);
}

// --- ideal cycle time and product ------------------------------------------------------------

/** PRI in force: the order's, else the tag's, else the configured one. */
function refreshIdeal(ctx: Ctx): void {
  const s = ctx.state;
  const order = s.currentOrder?.idealCycleTimeS;
  if (order !== undefined && order > 0) {
    s.idealCycleTimeS = order;
    s.idealSource = "order";
  } else if (s.tagIdealCycleTimeS !== null && s.tagIdealCycleTimeS > 0) {
    s.idealCycleTimeS = s.tagIdealCycleTimeS;
    s.idealSource = "tag";
  } else {
    s.idealCycleTimeS = ctx.config.idealCycleTimeS;
    s.idealSource = "config";
  }
  const product = s.currentOrder?.productId ?? s.tagProductId;
  if (product !== undefined) s.productId = product;
  else if (s.productId !== undefined) delete s.productId;
}

// --- time attribution ------------------------------------------------------------------------

function bucketMs(config: OeeConfig): number {
  return Math.max(1000, Math.round(config.rollingMs / 60));
}

function bucketEnd(config: OeeConfig, t: EpochMs): EpochMs {
  const b = bucketMs(config);
  return (Math.floor(t / b) + 1) * b;
}

function pieceAt(ctx: Ctx, t: EpochMs): PlanPiece {
  if (ctx.plan === null) return ALL_WORK;
  const p = ctx.piece;
  if (p !== null && p.start <= t && t < p.end) return p;
  const fresh = ctx.plan.planAt(t);
  ctx.piece = fresh;
  return fresh;
}

/**
 * The element a piece of time counts toward (header of ./types.ts): work -> the machine's;
 * planned-down -> PDOT unless the machine works (APT/AUST, a break worked through); off -> NONE
 * unless the machine works (overtime).
 */
export function elementFor(kind: PlanPiece["kind"], machine: TimeElement): TimeElement {
  if (kind === "work") return machine;
  if (machine === "APT" || machine === "AUST") return machine;
  return kind === "planned-down" ? "PDOT" : "NONE";
}

function advanceTo(ctx: Ctx, t: EpochMs): void {
  const s = ctx.state;
  if (s.until === null) return;
  while (s.until < t) {
    const u: EpochMs = s.until;
    const piece = pieceAt(ctx, u);
    syncWindows(ctx, u, piece);
    let end = piece.end > u ? Math.min(t, piece.end) : t;
    if (ctx.config.rollingMs > 0) end = Math.min(end, bucketEnd(ctx.config, u));
    const orderStart = s.order?.acc.start;
    if (orderStart !== undefined && u < orderStart) end = Math.min(end, orderStart);
    attribute(ctx, u, end, piece);
    s.until = end;
    flushPending(ctx, end);
  }
  syncWindows(ctx, s.until, pieceAt(ctx, s.until));
}

/** Close the shift when time reaches its end, open the shift and rolling bucket time is in. */
function syncWindows(ctx: Ctx, u: EpochMs, piece: PlanPiece): void {
  const s = ctx.state;
  const { config } = ctx;
  if (s.shift !== null && (u >= s.shift.end || piece.shift?.id !== s.shift.id)) closeShift(ctx, u);
  if (
    s.shift === null &&
    ctx.plan !== null &&
    config.shiftWindow &&
    piece.shift !== undefined &&
    piece.kind !== "off"
  ) {
    const sh = piece.shift;
    s.shift = { id: sh.id, name: sh.name, start: sh.start, end: sh.end, acc: emptyAcc(u) };
    ctx.events.push({
      event: "shiftStart",
      ts: u,
      text: `shift ${sh.id} started`,
      data: { shift: sh.id, name: sh.name, start: sh.start, end: sh.end },
    });
  }
  if (config.rollingMs > 0) {
    const b = bucketMs(config);
    const last = s.rolling[s.rolling.length - 1];
    if (last === undefined || Math.floor(last.start / b) !== Math.floor(u / b)) s.rolling.push(emptyAcc(u));
    // Keep the buckets that overlap (u - rollingMs, u].
    while (s.rolling.length > 1 && bucketEnd(config, s.rolling[0]!.start) <= u - config.rollingMs) {
      const gone = s.rolling.shift()!;
      for (const k in gone.stopMs) {
        ctx.dropped ??= [];
        ctx.dropped.push(k);
      }
    }
  } else if (s.rolling.length > 0) {
    s.rolling = [];
    ctx.gc = true;
  }
}

/** The accumulators of the windows open at the attributed-until instant. */
function openAccs(ctx: Ctx, u: EpochMs): WindowAcc[] {
  const s = ctx.state;
  const accs: WindowAcc[] = [];
  if (s.shift !== null) accs.push(s.shift.acc);
  if (s.order !== null && u >= s.order.acc.start) accs.push(s.order.acc);
  const bucket = s.rolling[s.rolling.length - 1];
  if (bucket !== undefined) accs.push(bucket);
  return accs;
}

function attribute(ctx: Ctx, u: EpochMs, end: EpochMs, piece: PlanPiece): void {
  const s = ctx.state;
  const d = end - u;
  const m = s.machine;
  if (d <= 0 || m === null) return;
  const el = elementFor(piece.kind, m.element);
  const stopKey =
    m.element !== "APT" && m.stopStart !== undefined && el !== "NONE" && el !== "APT"
      ? String(m.stopStart)
      : undefined;
  for (const acc of openAccs(ctx, u)) {
    addTime(acc.times, el, d);
    if (el === "NONE" || el === "APT") continue;
    if (el === "PDOT" && piece.kind === "planned-down") {
      // A break or planned downtime: its own loss, whatever the machine does (not a stop loss).
      const reason = piece.reason || PLANNED;
      acc.plannedMs[reason] = (acc.plannedMs[reason] ?? 0) + d;
    } else if (stopKey !== undefined) {
      let byElement = acc.stopMs[stopKey];
      if (byElement === undefined) {
        byElement = {};
        acc.stopMs[stopKey] = byElement;
        limitStops(ctx, acc, stopKey);
      }
      byElement[el] = (byElement[el] ?? 0) + d;
    }
  }
}

/** times[el] += d, with a named property per element (a keyed access here is the slow part). */
function addTime(times: Record<TimeElement, number>, el: TimeElement, d: number): void {
  switch (el) {
    case "APT":
      times.APT += d;
      break;
    case "AUST":
      times.AUST += d;
      break;
    case "ADET":
      times.ADET += d;
      break;
    case "ADOT":
      times.ADOT += d;
      break;
    case "PDOT":
      times.PDOT += d;
      break;
    default:
      times[el] += d;
  }
}

/** Keep at most maxStops stops per window: fold the oldest (not the current one). */
function limitStops(ctx: Ctx, acc: WindowAcc, current: string): void {
  const keys = Object.keys(acc.stopMs);
  if (keys.length <= ctx.config.maxStops) return;
  let oldest: string | undefined;
  for (const k of keys) if (k !== current && (oldest === undefined || Number(k) < Number(oldest))) oldest = k;
  if (oldest === undefined) return;
  foldStop(acc, oldest, ctx.state.stops[oldest], ctx.config.maxStops);
  ctx.gc = true;
}

/** Forget those of `keys` that no window refers to (and that are not the current stop). */
function collectDropped(s: OeeState, keys: readonly string[]): void {
  const current =
    s.machine?.stopStart !== undefined && s.machine.element !== "APT"
      ? String(s.machine.stopStart)
      : undefined;
  for (const k of keys) {
    if (k === current || !Object.hasOwn(s.stops, k)) continue;
    if (s.shift !== null && Object.hasOwn(s.shift.acc.stopMs, k)) continue;
    if (s.order !== null && Object.hasOwn(s.order.acc.stopMs, k)) continue;
    if (s.rolling.some((acc) => Object.hasOwn(acc.stopMs, k))) continue;
    delete s.stops[k];
  }
}

/** Forget stops that no window refers to (and that are not the current stop). */
function collectStops(s: OeeState): void {
  const keep = new Set<string>();
  if (s.machine?.stopStart !== undefined && s.machine.element !== "APT")
    keep.add(String(s.machine.stopStart));
  const accs: WindowAcc[] = [...s.rolling];
  if (s.shift !== null) accs.push(s.shift.acc);
  if (s.order !== null) accs.push(s.order.acc);
  for (const acc of accs) for (const k of Object.keys(acc.stopMs)) keep.add(k);
  for (const k of Object.keys(s.stops)) if (!keep.has(k)) delete s.stops[k];
}

// --- windows and reports ---------------------------------------------------------------------

function rollingId(config: OeeConfig): string {
  return `${config.rollingMs / 60_000} min`;
}

function report(
  ctx: Ctx,
  acc: WindowAcc,
  type: "shift" | "order" | "rolling",
  id: string,
  end: EpochMs,
  final: boolean,
): OeeReport {
  return buildReport(acc, ctx.state.stops, {
    asset: ctx.state.asset ?? "",
    ts: ctx.nowMs,
    window: { type, id, start: acc.start, end: Math.max(end, acc.start), final },
    allocation: ctx.config.allocation,
    idealCycleTimeS: ctx.state.idealCycleTimeS,
  });
}

function closeShift(ctx: Ctx, u: EpochMs): void {
  const s = ctx.state;
  const sh = s.shift;
  if (sh === null) return;
  const end = Math.min(u, sh.end);
  ctx.reports.push(report(ctx, sh.acc, "shift", sh.name, end, true));
  ctx.events.push({
    event: "shiftEnd",
    ts: end,
    text: `shift ${sh.id} ended`,
    data: { shift: sh.id, name: sh.name, start: sh.start, end: sh.end },
  });
  s.shift = null;
  ctx.gc = true;
}

function closeOrder(ctx: Ctx, at: EpochMs): void {
  const s = ctx.state;
  const current = s.currentOrder;
  if (current === null) return;
  if (s.order !== null) {
    // Closed before the first StateChange: no time was attributed to it, it ends where it starts.
    const end = s.until === null ? s.order.acc.start : at;
    ctx.reports.push(report(ctx, s.order.acc, "order", s.order.id, end, true));
    s.order = null;
    ctx.gc = true;
  }
  ctx.events.push({
    event: "orderEnd",
    ts: at,
    text: `order ${current.id} ended`,
    data: { orderId: current.id },
  });
  s.currentOrder = null;
  refreshIdeal(ctx);
}

function openOrder(ctx: Ctx, at: EpochMs, id: string, idealCycleTimeS?: number, productId?: string): void {
  const s = ctx.state;
  s.currentOrder = { id };
  if (idealCycleTimeS !== undefined) s.currentOrder.idealCycleTimeS = idealCycleTimeS;
  if (productId !== undefined) s.currentOrder.productId = productId;
  if (ctx.config.orderWindow) s.order = { id, acc: emptyAcc(at) };
  ctx.events.push({ event: "orderStart", ts: at, text: `order ${id} started`, data: { orderId: id } });
  refreshIdeal(ctx);
}

/** Interim (or, on request, any) reports of every open window. */
function reportAll(ctx: Ctx, final: boolean): void {
  const s = ctx.state;
  // Interim windows end where time is attributed (before the first StateChange: at their start).
  if (s.shift !== null)
    ctx.reports.push(report(ctx, s.shift.acc, "shift", s.shift.name, s.until ?? 0, final));
  if (s.order !== null) ctx.reports.push(report(ctx, s.order.acc, "order", s.order.id, s.until ?? 0, final));
  if (s.rolling.length > 0 && s.until !== null)
    ctx.reports.push(report(ctx, mergeAccs(s.rolling), "rolling", rollingId(ctx.config), s.until, false));
}

function interimIfDue(ctx: Ctx): void {
  const s = ctx.state;
  const period = ctx.config.interimMs;
  if (period <= 0) {
    s.nextInterimMs = null;
    return;
  }
  if (s.nextInterimMs === null) {
    s.nextInterimMs = ctx.nowMs + period;
    return;
  }
  if (ctx.nowMs < s.nextInterimMs) return;
  reportAll(ctx, false);
  s.nextInterimMs = ctx.nowMs + period - ((ctx.nowMs - s.nextInterimMs) % period);
}

function nextDue(ctx: Ctx): EpochMs | null {
  const s = ctx.state;
  const { config } = ctx;
  let due = Number.POSITIVE_INFINITY;
  if (s.nextInterimMs !== null && Number.isFinite(s.nextInterimMs)) due = s.nextInterimMs;
  if (s.until !== null) {
    if (ctx.plan !== null && config.shiftWindow) {
      const end = pieceAt(ctx, s.until).end + config.graceMs;
      if (Number.isFinite(end) && end < due) due = end;
    }
    if (config.rollingMs > 0) {
      const end = bucketEnd(config, s.until) + config.graceMs;
      if (Number.isFinite(end) && end < due) due = end;
    }
  }
  return Number.isFinite(due) ? due : null;
}

// --- inputs ----------------------------------------------------------------------------------

function onStateChange(ctx: Ctx, c: StateChange): void {
  const s = ctx.state;
  if (typeof c.asset === "string" && c.asset !== "") s.asset = c.asset;
  if (c.recode !== undefined) {
    // Re-code: the stop's reason for every window that holds its time (last re-code wins).
    if (c.stopStart === undefined) return;
    const info = s.stops[String(c.stopStart)];
    if (info === undefined) return;
    if (c.reason === undefined) delete info.reason;
    else info.reason = { ...c.reason };
    delete info.reasons;
    return;
  }
  if (!Number.isFinite(c.ts)) return;
  let at = Math.min(c.ts, ctx.nowMs);
  if (s.until === null) {
    // Time starts here, but never more than INPUT_MAX_AGE_MS before the clock: a bogus date (1970,
    // seconds read as ms) would otherwise make every later step catch up over decades.
    at = Math.max(at, ctx.nowMs - INPUT_MAX_AGE_MS);
    s.until = at;
    // An order window opened before the first StateChange starts here: time is attributed from
    // here only, so its elements add up to its length (docs/oee.md, Time model).
    if (s.order !== null && s.order.acc.start < at) s.order.acc.start = at;
  } else if (at >= s.until) {
    advanceTo(ctx, at);
  } else {
    const late = s.until - at;
    s.lateMs += late;
    ctx.events.push({
      event: "late",
      ts: c.ts,
      text: `state change to ${c.state} came ${late} ms after the grace period; counted from ${iso(s.until)}`,
      data: { lateMs: late, state: c.state, clampedTo: s.until },
    });
    at = s.until;
  }
  const prev = s.machine;
  const element: TimeElement =
    c.timeElement !== undefined && (TIME_ELEMENTS as readonly string[]).includes(c.timeElement)
      ? c.timeElement
      : c.stopStart !== undefined
        ? "ADET"
        : "APT";
  if (prev !== null && prev.element === "AUST" && element !== "AUST" && ctx.config.startupMs > 0)
    s.startupUntil = at + ctx.config.startupMs;
  if (element === "APT") {
    const ended = c.stopStart ?? (prev !== null && prev.element !== "APT" ? prev.stopStart : undefined);
    if (ended !== undefined && c.microStop === true) {
      const info = s.stops[String(ended)];
      if (info !== undefined) info.microStop = true;
    }
    s.machine = { element, state: c.state, since: at };
    ctx.gc = true;
  } else {
    const continuing = prev !== null && prev.element !== "APT" ? prev.stopStart : undefined;
    const stopStart = c.stopStart ?? continuing ?? at;
    const key = String(stopStart);
    let info: StopInfo | undefined = s.stops[key];
    if (info === undefined) {
      info = { element };
      s.stops[key] = info;
    }
    if (c.reason !== undefined && c.reason.code !== "") {
      // The first reason of the stop is its reason; a different one given later by a state of
      // another element is that element's reason (idle "no-order", then setup "changeover"). The
      // first reason of an element stays: its time so far was booked under it.
      if (info.reason === undefined) info.reason = { ...c.reason };
      else if (
        info.reason.code !== c.reason.code &&
        element !== info.element &&
        info.reasons?.[element] === undefined
      ) {
        info.reasons = info.reasons ?? {};
        info.reasons[element] = { ...c.reason };
      }
    }
    // The stop the machine was in may have no other user now.
    if (prev !== null && prev.element !== "APT" && prev.stopStart !== stopStart) ctx.gc = true;
    s.machine = { element, state: c.state, stopStart, since: at };
  }
  syncWindows(ctx, s.until, pieceAt(ctx, s.until));
}

function onOrder(
  ctx: Ctx,
  action: "start" | "end",
  orderId: string,
  ts: EpochMs,
  idealCycleTimeS?: number,
  productId?: string,
): void {
  const s = ctx.state;
  if (!Number.isFinite(ts) || typeof orderId !== "string" || orderId === "") return;
  const at = orderTime(ctx, ts);
  const ideal = typeof idealCycleTimeS === "number" && idealCycleTimeS > 0 ? idealCycleTimeS : undefined;
  if (action === "start") {
    if (s.currentOrder !== null && s.currentOrder.id === orderId) {
      // The same order again: new details, same window.
      if (ideal !== undefined) s.currentOrder.idealCycleTimeS = ideal;
      if (productId !== undefined) s.currentOrder.productId = productId;
      refreshIdeal(ctx);
      return;
    }
    closeOrder(ctx, at);
    openOrder(ctx, at, orderId, ideal, productId);
  } else if (s.currentOrder !== null && s.currentOrder.id === orderId) {
    closeOrder(ctx, at);
  }
}

/** An order change takes effect at its time: attribute up to it first (a late one at `until`). */
function orderTime(ctx: Ctx, ts: EpochMs): EpochMs {
  const s = ctx.state;
  const at = Math.min(ts, ctx.nowMs);
  if (s.until === null) return at;
  if (at > s.until) advanceTo(ctx, at);
  return s.until;
}

function onSample(ctx: Ctx, sample: MachineSample): void {
  const s = ctx.state;
  const { config } = ctx;
  if (!Number.isFinite(sample.ts)) return;
  if (typeof sample.asset === "string" && sample.asset !== "") s.asset = sample.asset;
  const ts = Math.min(sample.ts, ctx.nowMs);
  const values = sample.values ?? {};
  // Counts first: the parts of this sample were made under the ideal cycle time and order before it.
  readCounters(ctx, ts, values);
  const usable = (name: string): unknown => (name === "" ? undefined : counterReading(values[name]));
  const ideal = usable(config.idealCycleTimeTag);
  if (typeof ideal === "number" && Number.isFinite(ideal) && ideal > 0) s.tagIdealCycleTimeS = ideal;
  const product = usable(config.productTag);
  if (typeof product === "string" || typeof product === "number") {
    const p = String(product).trim();
    if (p === "") delete s.tagProductId;
    else s.tagProductId = p;
  }
  refreshIdeal(ctx);
  if (config.orderTag !== "" && values[config.orderTag] !== undefined) {
    const raw = usable(config.orderTag);
    if (raw === null || typeof raw === "string" || typeof raw === "number") {
      const id = raw === null ? "" : String(raw).trim();
      if (id !== (s.orderTagValue ?? "")) {
        s.orderTagValue = id;
        const at = orderTime(ctx, ts);
        closeOrder(ctx, at);
        if (id !== "") openOrder(ctx, at, id);
      }
    }
  }
}

const ROLES = ["good", "reject", "total", "rework"] as const;

const tagsByConfig = new WeakMap<OeeConfig, Record<(typeof ROLES)[number], string>>();

/** The counter tag of each role in the configured mode ("" = not read), once per config object. */
function counterTags(config: OeeConfig): Record<(typeof ROLES)[number], string> {
  let tags = tagsByConfig.get(config);
  if (tags === undefined) {
    tags = {
      good: config.counterMode === "total-reject" ? "" : config.goodTag,
      reject: config.counterMode === "total-good" ? "" : config.rejectTag,
      total: config.counterMode === "good-reject" ? "" : config.totalTag,
      rework: config.reworkTag,
    };
    tagsByConfig.set(config, tags);
  }
  return tags;
}

function readCounters(ctx: Ctx, ts: EpochMs, values: MachineSample["values"]): void {
  const s = ctx.state;
  const { config } = ctx;
  const tags = counterTags(config);
  let steps: Record<(typeof ROLES)[number], number> | undefined;
  let any = false;
  let maxDeltaTotal: number | undefined;
  for (const role of ROLES) {
    const name = tags[role];
    if (name === "" || values[name] === undefined) continue;
    const prev = s.counters[role];
    const prevValue = prev?.value;
    const maxDelta = maxCounterDelta(config.maxRateFactor, prev ? ts - prev.ts : 0, s.idealCycleTimeS);
    if (role === "total") maxDeltaTotal = maxDelta;
    const reading = counterReading(values[name]);
    const r = counterStep(prevValue, reading, config.counterWrap, maxDelta);
    if (r.outOfRange === true) outOfRange(ctx, ts, role, name, reading);
    else if (s.outOfRange !== undefined && !r.skipped) endOutOfRange(s, role);
    if (r.skipped || r.baseline === undefined) continue;
    if (prev !== undefined) {
      prev.value = r.baseline;
      prev.ts = ts;
    } else s.counters[role] = { value: r.baseline, ts };
    steps ??= { good: 0, reject: 0, total: 0, rework: 0 };
    steps[role] = r.delta;
    any = any || r.delta > 0;
    if (r.event !== null) {
      const what =
        r.event === "counterWrap"
          ? `wrapped (${config.counterWrap}): +${r.delta}`
          : r.event === "counterReset"
            ? `was reset (${prevValue} -> ${r.baseline}): counted ${r.delta}`
            : `jumped by ${r.baseline - (prevValue ?? 0)}, more than ${Math.floor(maxDelta)} plausible parts: not counted`;
      ctx.events.push({
        event: r.event,
        ts,
        text: `counter ${name} ${what}`,
        data: { tag: name, role, previous: prevValue ?? null, value: r.baseline, counted: r.delta },
      });
    }
  }
  if (!any || steps === undefined) return;
  if (maxDeltaTotal === undefined) {
    // The total is not in this sample (tags that arrive in separate samples): sub-counter steps
    // wait for it, as many as the total counter could have counted since its own last reading.
    const total = s.counters.total;
    maxDeltaTotal =
      total === undefined ? 0 : maxCounterDelta(config.maxRateFactor, ts - total.ts, s.idealCycleTimeS);
  }
  const split = splitCounts(config.counterMode, steps, s.carry, maxDeltaTotal);
  s.carry = split.carry;
  if (split.dropped > 0) {
    ctx.events.push({
      event: "counterImplausible",
      ts,
      text: `${split.dropped} parts of the sub-counters exceed the total counter ${config.totalTag}: not counted`,
      data: { tag: config.totalTag, dropped: split.dropped },
    });
  }
  if (split.pq > 0) addCounts(ctx, ts, split);
}

const RANGE_TEXT: Record<OeeConfig["counterWrap"], string> = {
  uint32: "0..4294967295",
  uint16: "0..65535",
  int32: "-2147483648..2147483647",
  none: `0..${Number.MAX_SAFE_INTEGER}`,
};

/**
 * A counter reading that is a number but no reading of the configured counter type (out of its
 * range, or not whole): not counted, reported once per streak (until a usable reading comes).
 */
function outOfRange(ctx: Ctx, ts: EpochMs, role: string, name: string, value: unknown): void {
  const s = ctx.state;
  if (s.outOfRange?.includes(role)) return;
  s.outOfRange = [...(s.outOfRange ?? []), role];
  const wrap = ctx.config.counterWrap;
  ctx.events.push({
    event: "counterImplausible",
    ts,
    text: `counter ${name} reading ${String(value)} is not a whole number in the ${wrap} range ${RANGE_TEXT[wrap]}: not counted until it is (check the counter type)`,
    data: { tag: name, role, value, counterWrap: wrap, range: RANGE_TEXT[wrap] },
  });
}

function endOutOfRange(s: OeeState, role: string): void {
  const roles = s.outOfRange;
  if (roles === undefined || !roles.includes(role)) return;
  const rest = roles.filter((r) => r !== role);
  if (rest.length > 0) s.outOfRange = rest;
  else delete s.outOfRange;
}

/** Parts counted at ts, valued with the PRI in force now; queued until time is attributed up to ts. */
function addCounts(ctx: Ctx, ts: EpochMs, c: { pq: number; gq: number; sq: number; rq: number }): void {
  const s = ctx.state;
  if (s.until === null || c.pq <= 0) return; // nothing is counted before the first StateChange
  const priMs = s.idealCycleTimeS * 1000;
  const entry: PendingCounts = {
    ts,
    pq: c.pq,
    gq: c.gq,
    sq: c.sq,
    rq: c.rq,
    idealMs: priMs * c.pq,
    goodIdealMs: priMs * c.gq,
    startupBadIdealMs: s.startupUntil !== null && ts < s.startupUntil ? priMs * (c.sq + c.rq) : 0,
  };
  if (s.productId !== undefined) entry.productId = s.productId;
  // Booked when time reaches them, so an interim report's counts and times cover the same span.
  if (ts <= s.until) {
    applyCounts(ctx, entry);
    return;
  }
  // One entry per input, never merged: two counts with different times may belong to different
  // windows (an order change or a cut between them), which is known only when time gets there.
  // Kept in time order (nearly always appended), so each is applied when time reaches it.
  let i = s.pending.length;
  while (i > 0 && s.pending[i - 1]!.ts > ts) i--;
  if (i === s.pending.length) s.pending.push(entry);
  else s.pending.splice(i, 0, entry);
  if (s.pending.length > MAX_PENDING) applyCounts(ctx, s.pending.shift()!);
}

function flushPending(ctx: Ctx, upTo: EpochMs): void {
  const s = ctx.state;
  while (s.pending.length > 0 && s.pending[0]!.ts <= upTo) applyCounts(ctx, s.pending.shift()!);
}

/** Counts go to the windows open at their time: the current shift and order, the rolling bucket holding ts. */
function applyCounts(ctx: Ctx, e: PendingCounts): void {
  const s = ctx.state;
  const accs: WindowAcc[] = [];
  if (s.shift !== null) accs.push(s.shift.acc);
  if (s.order !== null) accs.push(s.order.acc);
  if (s.rolling.length > 0) {
    const b = bucketMs(ctx.config);
    const idx = Math.floor(e.ts / b);
    const bucket =
      s.rolling.find((r) => Math.floor(r.start / b) === idx) ??
      (e.ts < s.rolling[0]!.start ? s.rolling[0]! : s.rolling[s.rolling.length - 1]!);
    accs.push(bucket);
  }
  for (const acc of accs) {
    acc.pq += e.pq;
    acc.gq += e.gq;
    acc.sq += e.sq;
    acc.rq += e.rq;
    acc.idealMs += e.idealMs;
    acc.goodIdealMs += e.goodIdealMs;
    acc.startupBadIdealMs += e.startupBadIdealMs;
    const product = e.productId;
    if (product !== undefined) {
      if (acc.productId === undefined) acc.productId = product;
      else if (acc.productId !== product) acc.productId = null;
    }
  }
}
