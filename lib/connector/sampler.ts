/**
 * The machine connector's state with explicit time (ARCHITECTURE rule 2): readings in, MachineSamples
 * and watchdog events out. The node owns the clock, the timer and the connection; everything a
 * user could question (what is stale, what is emitted, when) is decided here.
 *
 * Output modes:
 * - "change": one MachineSample per batch of readings that arrived together (one OPC UA publish
 *   response, one MQTT message), holding the tags that changed; a tag that goes stale is emitted
 *   at once, marked stale.
 * - "snapshot": one MachineSample of every tag per interval, with its last value and stale flag.
 *
 * Watchdog: a tag with `staleMs` > 0 that receives nothing for longer than that, or the whole
 * connector when no tag receives anything for `staleAfterMs`, or a lost connection, marks values
 * stale. A stale value stays stale until its tag receives data again; it is never shown as current.
 */
import type { MachineSample, TagScalar, TagValue } from "../types";
import { convertRead, extractPath, parsePayload, passesDeadband } from "./convert";
import type { Tag } from "./tags";

export const OUTPUT_MODES = ["change", "snapshot"] as const;
export type OutputMode = (typeof OUTPUT_MODES)[number];

export interface SamplerOptions {
  asset: string;
  tags: readonly Tag[];
  output: OutputMode;
  /** Snapshot period, ms. */
  intervalMs: number;
  /** Watchdog limit of the whole connector, ms; 0 = off. */
  staleAfterMs: number;
  /** Apply tag deadbands here (MQTT); OPC UA servers apply them themselves. */
  clientDeadband: boolean;
}

/** One value as it arrived, before conversion. */
export interface Reading {
  /** Index into `SamplerOptions.tags`. */
  tag: number;
  raw: unknown;
  /** OPC UA status code name; "Good" for sources that give none. */
  quality: string;
  qualityCode?: number;
  sourceTs?: number;
}

/** Events for the connector's status output (tag names are capped at MAX_EVENT_TAGS). */
export type SamplerEvent =
  | { event: "stale"; reason: "watchdog" | "disconnected"; count: number; tags: string[]; detail?: string }
  | { event: "fresh"; count: number; tags: string[] }
  | { event: "conversion"; tag: string; status: string; raw: string };

export const MAX_EVENT_TAGS = 100;

export interface SamplerOutput {
  sample?: MachineSample;
  events: SamplerEvent[];
}

/** Status shown for a tag that has never received a value (OPC 10000-4 7.34). */
export const NO_VALUE_YET = "BadWaitingForInitialData";

export interface SamplerState {
  readonly options: SamplerOptions;
  values: Array<TagValue | undefined>;
  lastSeen: number[];
  stale: boolean[];
  staleCount: number;
  lastAny: number;
  /** The connector-wide watchdog fired and nothing arrived since. */
  silent: boolean;
  nextSnapshot: number;
  /** Tags whose last conversion failed (reported once per failure streak). */
  badConversion: boolean[];
}

export function createSampler(options: SamplerOptions, now: number): SamplerState {
  const n = options.tags.length;
  return {
    options,
    values: new Array<TagValue | undefined>(n).fill(undefined),
    lastSeen: new Array<number>(n).fill(now),
    stale: new Array<boolean>(n).fill(false),
    staleCount: 0,
    lastAny: now,
    silent: false,
    nextSnapshot: now + options.intervalMs,
    badConversion: new Array<boolean>(n).fill(false),
  };
}

function names(state: SamplerState, indexes: number[]): string[] {
  return indexes.slice(0, MAX_EVENT_TAGS).map((i) => state.options.tags[i]?.name ?? String(i));
}

function tagValueOf(state: SamplerState, i: number): TagValue {
  const v = state.values[i];
  const tag = state.options.tags[i] as Tag;
  const out: TagValue = v ? { ...v } : { value: null, quality: NO_VALUE_YET };
  if (!v && tag.unit !== "") out.unit = tag.unit;
  if (state.stale[i]) out.stale = true;
  return out;
}

function sampleOf(state: SamplerState, indexes: Iterable<number>, now: number): MachineSample {
  const values: Record<string, TagValue> = {};
  let stale = false;
  for (const i of indexes) {
    const tag = state.options.tags[i] as Tag;
    values[tag.name] = tagValueOf(state, i);
    if (state.stale[i]) stale = true;
  }
  return { kind: "MachineSample", asset: state.options.asset, ts: now, values, stale };
}

function markStale(state: SamplerState, indexes: number[]): number[] {
  const newly: number[] = [];
  for (const i of indexes) {
    if (state.stale[i]) continue;
    state.stale[i] = true;
    state.staleCount++;
    newly.push(i);
  }
  return newly;
}

function rawText(raw: unknown): string {
  let text: string;
  try {
    text = typeof raw === "string" ? raw : (JSON.stringify(raw) ?? String(raw));
  } catch {
    text = String(raw);
  }
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/**
 * The readings one MQTT message carries for the tags subscribed to its topic (`indexes`): the
 * value at each tag's JSON path; a path the payload lacks gives no reading (the tag keeps its value).
 */
export function readingsFromMessage(
  text: string,
  indexes: readonly number[],
  tags: readonly Tag[],
): Reading[] {
  const payload = parsePayload(text);
  const readings: Reading[] = [];
  for (const i of indexes) {
    const tag = tags[i];
    if (!tag) continue;
    const raw = extractPath(payload, tag.path);
    if (raw !== undefined) readings.push({ tag: i, raw, quality: "Good" });
  }
  return readings;
}

/** Readings that arrived together. */
export function applyReadings(state: SamplerState, readings: readonly Reading[], now: number): SamplerOutput {
  const { tags, output, clientDeadband } = state.options;
  const events: SamplerEvent[] = [];
  const changed = new Set<number>();
  const freshened: number[] = [];
  if (readings.length > 0) {
    state.lastAny = now;
    state.silent = false;
  }
  for (const r of readings) {
    const tag = tags[r.tag];
    if (!tag) continue;
    state.lastSeen[r.tag] = now;
    const wasStale = state.stale[r.tag] === true;
    if (wasStale) {
      state.stale[r.tag] = false;
      state.staleCount--;
      freshened.push(r.tag);
    }
    const converted = convertRead(r.raw, tag);
    let value: TagScalar;
    let quality = r.quality;
    if (converted.ok) {
      value = converted.value;
      state.badConversion[r.tag] = false;
    } else {
      value = null;
      quality = converted.status;
      if (!state.badConversion[r.tag])
        events.push({ event: "conversion", tag: tag.name, status: converted.status, raw: rawText(r.raw) });
      state.badConversion[r.tag] = true;
    }
    const last = state.values[r.tag];
    if (
      clientDeadband &&
      !wasStale &&
      last !== undefined &&
      last.quality === quality &&
      !passesDeadband(last.value, value, tag.deadband)
    )
      continue;
    const tv: TagValue = { value, quality };
    if (r.qualityCode !== undefined) tv.qualityCode = r.qualityCode;
    if (r.sourceTs !== undefined) tv.sourceTs = r.sourceTs;
    if (tag.unit !== "") tv.unit = tag.unit;
    state.values[r.tag] = tv;
    changed.add(r.tag);
  }
  if (freshened.length > 0)
    events.push({ event: "fresh", count: freshened.length, tags: names(state, freshened) });
  const out: SamplerOutput = { events };
  if (output === "change" && changed.size > 0) out.sample = sampleOf(state, changed, now);
  return out;
}

/** Timer tick: watchdog limits and the snapshot period. */
export function tick(state: SamplerState, now: number): SamplerOutput {
  const { tags, staleAfterMs, output, intervalMs } = state.options;
  const events: SamplerEvent[] = [];
  const expired: number[] = [];
  if (staleAfterMs > 0 && !state.silent && now - state.lastAny > staleAfterMs) {
    state.silent = true;
    for (let i = 0; i < tags.length; i++) expired.push(i);
  } else {
    for (let i = 0; i < tags.length; i++) {
      const limit = (tags[i] as Tag).staleMs;
      if (limit > 0 && !state.stale[i] && now - (state.lastSeen[i] as number) > limit) expired.push(i);
    }
  }
  const newly = markStale(state, expired);
  if (newly.length > 0)
    events.push({ event: "stale", reason: "watchdog", count: newly.length, tags: names(state, newly) });
  const out: SamplerOutput = { events };
  if (output === "snapshot") {
    if (now >= state.nextSnapshot) {
      out.sample = sampleOf(state, tags.keys(), now);
      // Keep the period without drift; skip periods missed while the process was busy.
      state.nextSnapshot += Math.max(1, Math.ceil((now - state.nextSnapshot + 1) / intervalMs)) * intervalMs;
    }
  } else if (newly.length > 0) {
    out.sample = sampleOf(state, newly, now);
  }
  return out;
}

/** The connection is lost: every value is stale at once, not after the watchdog limit. */
export function linkDown(state: SamplerState, detail: string | undefined, now: number): SamplerOutput {
  const all = [...state.options.tags.keys()];
  const newly = markStale(state, all);
  const out: SamplerOutput = { events: [] };
  if (newly.length === 0) return out;
  const event: SamplerEvent = {
    event: "stale",
    reason: "disconnected",
    count: newly.length,
    tags: names(state, newly),
  };
  if (detail) event.detail = detail;
  out.events.push(event);
  if (state.options.output === "change") out.sample = sampleOf(state, newly, now);
  return out;
}

/** The connection is back: the connector-wide watchdog counts from now. */
export function linkUp(state: SamplerState, now: number): void {
  state.lastAny = now;
  state.silent = false;
}

/** When `tick` next has something to do; undefined when nothing is due ever (no limits, change mode). */
export function nextDue(state: SamplerState): number | undefined {
  const { tags, staleAfterMs, output } = state.options;
  let due = output === "snapshot" ? state.nextSnapshot : Number.POSITIVE_INFINITY;
  if (staleAfterMs > 0 && !state.silent) due = Math.min(due, state.lastAny + staleAfterMs + 1);
  for (let i = 0; i < tags.length; i++) {
    const limit = (tags[i] as Tag).staleMs;
    if (limit > 0 && !state.stale[i]) due = Math.min(due, (state.lastSeen[i] as number) + limit + 1);
  }
  return Number.isFinite(due) ? due : undefined;
}

/** Counts for the node's status text. */
export function summary(state: SamplerState): { tags: number; stale: number; bad: number; waiting: number } {
  let bad = 0;
  let waiting = 0;
  for (const v of state.values) {
    if (!v) waiting++;
    else if (v.quality.startsWith("Bad")) bad++;
  }
  return { tags: state.options.tags.length, stale: state.staleCount, bad, waiting };
}
