/**
 * ISO 22400-2 KPIs of one window from its accumulators (STANDARDS.md 1.1, clause 6 via [ISO-ODP]),
 * Nakajima's six big losses (1.2) and TEEP (1.3). Pure arithmetic on plain JSON.
 */
import type { EpochMs, OeeLoss, OeeReport, OeeWindowType, SixBigLosses, TimeElement } from "../types";
import { TIME_ELEMENTS } from "../types";
import type { StopInfo, WindowAcc } from "./types";

export const UNASSIGNED = "unassigned";
/** Reason of folded stops once the folded table itself is full. */
export const OTHER = "(other)";
/** Reason of planned downtime without a name. */
export const PLANNED = "planned downtime";

const SEP = "\u0000";

export function emptyTimes(): Record<TimeElement, number> {
  return { APT: 0, AUST: 0, ADET: 0, ADOT: 0, PDOT: 0, NONE: 0 };
}

export function emptyAcc(start: EpochMs): WindowAcc {
  return {
    start,
    times: emptyTimes(),
    microStopMs: 0,
    microAdetMs: 0,
    pq: 0,
    gq: 0,
    sq: 0,
    rq: 0,
    idealMs: 0,
    goodIdealMs: 0,
    startupBadIdealMs: 0,
    stopMs: {},
    folded: {},
    plannedMs: {},
  };
}

/** The reason code a stop's time in `element` is booked under. */
export function stopReason(info: StopInfo | undefined, element: TimeElement): string {
  const code = info?.reasons?.[element]?.code ?? info?.reason?.code;
  return code === undefined || code === "" ? UNASSIGNED : code;
}

function isMicro(info: StopInfo | undefined, element: string): boolean {
  return info?.microStop === true && (element === "ADET" || element === "ADOT");
}

/**
 * Move the stop `key` out of `acc.stopMs` into the folded totals (reason per element, one event
 * each), keeping its micro-stop time. Folded stops keep the reason they had when folded.
 */
export function foldStop(acc: WindowAcc, key: string, info: StopInfo | undefined, maxFolded: number): void {
  const byElement = acc.stopMs[key];
  if (byElement === undefined) return;
  for (const [element, ms] of Object.entries(byElement)) {
    if (ms === undefined || ms <= 0) continue;
    let k = stopReason(info, element as TimeElement) + SEP + element;
    if (acc.folded[k] === undefined && Object.keys(acc.folded).length >= maxFolded) k = OTHER + SEP + element;
    const f = acc.folded[k] ?? { ms: 0, events: 0 };
    f.ms += ms;
    f.events += 1;
    acc.folded[k] = f;
    if (isMicro(info, element)) {
      acc.microStopMs += ms;
      if (element === "ADET") acc.microAdetMs += ms;
    }
  }
  delete acc.stopMs[key];
}

/** One accumulator summing several (rolling buckets); start = the earliest start. */
export function mergeAccs(accs: readonly WindowAcc[]): WindowAcc {
  const out = emptyAcc(accs.length > 0 ? Math.min(...accs.map((a) => a.start)) : 0);
  for (const a of accs) {
    for (const el of TIME_ELEMENTS) out.times[el] += a.times[el];
    out.microStopMs += a.microStopMs;
    out.microAdetMs += a.microAdetMs;
    out.pq += a.pq;
    out.gq += a.gq;
    out.sq += a.sq;
    out.rq += a.rq;
    out.idealMs += a.idealMs;
    out.goodIdealMs += a.goodIdealMs;
    out.startupBadIdealMs += a.startupBadIdealMs;
    for (const [key, byElement] of Object.entries(a.stopMs)) {
      const target = out.stopMs[key] ?? {};
      for (const [el, ms] of Object.entries(byElement)) {
        const e = el as TimeElement;
        target[e] = (target[e] ?? 0) + (ms ?? 0);
      }
      out.stopMs[key] = target;
    }
    for (const [k, f] of Object.entries(a.folded)) {
      const t = out.folded[k] ?? { ms: 0, events: 0 };
      t.ms += f.ms;
      t.events += f.events;
      out.folded[k] = t;
    }
    for (const [k, ms] of Object.entries(a.plannedMs)) out.plannedMs[k] = (out.plannedMs[k] ?? 0) + ms;
    if (a.productId !== undefined) {
      if (out.productId === undefined) out.productId = a.productId;
      else if (out.productId !== a.productId) out.productId = null;
    }
  }
  return out;
}

const ELEMENT_ORDER: Record<string, number> = { APT: 0, AUST: 1, ADET: 2, ADOT: 3, PDOT: 4, NONE: 5 };

/**
 * Losses by reason: the stops' time per (reason or "unassigned", element) with the number of
 * stops, plus folded stops, plus planned downtime (breaks) as element PDOT; longest first.
 * Together they cover POT - APT exactly.
 */
export function lossesOf(acc: WindowAcc, stops: Record<string, StopInfo>): OeeLoss[] {
  const table = new Map<string, { ms: number; events: number }>();
  const add = (reason: string, element: string, ms: number, events: number) => {
    if (ms <= 0) return;
    const k = reason + SEP + element;
    const t = table.get(k) ?? { ms: 0, events: 0 };
    t.ms += ms;
    t.events += events;
    table.set(k, t);
  };
  for (const [key, byElement] of Object.entries(acc.stopMs)) {
    const info = stops[key];
    for (const [el, ms] of Object.entries(byElement))
      add(stopReason(info, el as TimeElement), el, ms ?? 0, 1);
  }
  for (const [k, f] of Object.entries(acc.folded)) {
    const [reason = OTHER, el = "ADET"] = k.split(SEP);
    add(reason, el, f.ms, f.events);
  }
  for (const [reason, ms] of Object.entries(acc.plannedMs)) add(reason || PLANNED, "PDOT", ms, 0);
  const losses: OeeLoss[] = [];
  for (const [k, t] of table) {
    const [reason = UNASSIGNED, el = "ADET"] = k.split(SEP);
    const loss: OeeLoss = { reason, timeElement: el as TimeElement, durationMs: t.ms };
    if (t.events > 0) loss.events = t.events;
    losses.push(loss);
  }
  losses.sort(
    (a, b) =>
      b.durationMs - a.durationMs ||
      (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0) ||
      (ELEMENT_ORDER[a.timeElement] ?? 9) - (ELEMENT_ORDER[b.timeElement] ?? 9),
  );
  return losses;
}

/** Micro-stop time of a window, ms: folded stops plus the stops still kept, split by element. */
export function microStopsOf(
  acc: WindowAcc,
  stops: Record<string, StopInfo>,
): { adet: number; adot: number } {
  let adet = acc.microAdetMs;
  let adot = acc.microStopMs - acc.microAdetMs;
  for (const [key, byElement] of Object.entries(acc.stopMs)) {
    const info = stops[key];
    if (info?.microStop !== true) continue;
    adet += byElement.ADET ?? 0;
    adot += byElement.ADOT ?? 0;
  }
  return { adet, adot };
}

export interface ReportOptions {
  asset: string;
  /** When the report is made. */
  ts: EpochMs;
  window: { type: OeeWindowType; id?: string; start: EpochMs; end: EpochMs; final: boolean };
  allocation: "iso" | "tpm";
  /** The ideal cycle time in force, s (reported when no part was counted). */
  idealCycleTimeS: number;
}

// Rounding noise of sums of PRI x parts (ms) below this is zero.
const EPS_MS = 1e-6;

/**
 * The OeeReport of one window.
 * - POT = APT + AUST + ADET + ADOT + PDOT; PBT = POT - PDOT (ISO 22400-2 clause 5).
 * - availability = APT / PBT; effectiveness (performance) = sum(PRI x PQ) / APT, not clamped
 *   (ISO: "can exceed 100 %"); quality = sum(PRI x GQ) / sum(PRI x PQ) (= GQ / PQ when one PRI
 *   was in force); OEE = sum(PRI x GQ) / PBT = A x P x Q exactly. Null when the denominator is 0.
 * - allocation "tpm" (Nakajima, STANDARDS 1.2 point 5): micro-stops count as run time for
 *   availability and as a performance loss: A = (APT + micro) / PBT, P = ideal / (APT + micro).
 * - TEEP = fully productive time / all time = OEE x PBT / window length (STANDARDS 1.3: Nakajima's
 *   planned production time, "all time - planned downtime", is ISO's PBT).
 */
export function buildReport(acc: WindowAcc, stops: Record<string, StopInfo>, o: ReportOptions): OeeReport {
  const t = acc.times;
  const potMs = t.APT + t.AUST + t.ADET + t.ADOT + t.PDOT;
  const pbtMs = potMs - t.PDOT;
  const allMs = Math.max(0, o.window.end - o.window.start);
  const micro = microStopsOf(acc, stops);
  const microStopMs = micro.adet + micro.adot;
  const runMs = o.allocation === "tpm" ? t.APT + microStopMs : t.APT;
  const availability = pbtMs > 0 ? runMs / pbtMs : null;
  const performance = runMs > 0 ? acc.idealMs / runMs : null;
  const quality = acc.pq > 0 && acc.idealMs > 0 ? acc.goodIdealMs / acc.idealMs : null;
  const oee = pbtMs > 0 ? acc.goodIdealMs / pbtMs : null;
  const teep = allMs > 0 ? acc.goodIdealMs / allMs : null;
  let defectsMs = acc.idealMs - acc.goodIdealMs - acc.startupBadIdealMs;
  if (defectsMs < 0 && defectsMs > -EPS_MS) defectsMs = 0;
  const sixBigLosses: SixBigLosses = {
    breakdownsMs: t.ADET - micro.adet,
    setupMs: t.AUST,
    minorStopsMs: micro.adet + t.ADOT,
    reducedSpeedMs: t.APT - acc.idealMs,
    defectsMs,
    reducedYieldMs: acc.startupBadIdealMs,
    fullyProductiveMs: acc.goodIdealMs,
  };
  const report: OeeReport = {
    kind: "OeeReport",
    asset: o.asset,
    ts: o.ts,
    window: { ...o.window },
    availability,
    performance,
    quality,
    oee,
    teep,
    times: {
      potMs,
      pdotMs: t.PDOT,
      pbtMs,
      aptMs: t.APT,
      austMs: t.AUST,
      adetMs: t.ADET,
      adotMs: t.ADOT,
      allMs,
      microStopMs,
    },
    counts: { pq: acc.pq, gq: acc.gq, sq: acc.sq, rq: acc.rq },
    idealCycleTimeS: acc.pq > 0 ? acc.idealMs / acc.pq / 1000 : o.idealCycleTimeS,
    losses: lossesOf(acc, stops),
    allocation: o.allocation,
    sixBigLosses,
  };
  if (typeof acc.productId === "string") report.productId = acc.productId;
  return report;
}
