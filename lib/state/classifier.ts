/**
 * The state classifier: MachineSamples in, machine states and their ISO 22400-2 time elements out,
 * as a pure reducer with explicit time (ARCHITECTURE rule 2). The node calls
 * `step(config, state, input, nowMs)` for every input and with `{type: "tick"}` at `nextDueMs`.
 *
 * - Models: PackML StateCurrent (packml.ts), OPC UA Machinery item state and operation mode
 *   (machinery.ts), ordered rules on tags (rules.ts).
 * - Time elements: the model's default table, overridden per state by `config.timeElements`;
 *   "inherit" keeps the element of the state before (ADOT when there is none).
 * - Flicker filter: a different state must hold for `minDurationMs` before it is accepted; the
 *   change is then dated when the state began.
 * - Stops: a stop is the whole episode from leaving an APT state until returning to one; its start
 *   is its identity. Its reason is the first non-empty reason seen during it (reason tag, else the
 *   matching rule's fixed reason), or what an operator gives later (re-code). Each StateChange of
 *   the stop carries its own state's reason when that state has one (idle "no-order", then setup
 *   "changeover"), else the stop's reason.
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
import { STATE_MODELS, TIME_ELEMENTS } from "../types";
import { type FieldError, INPUT_MAX_AHEAD_MS } from "../validate";
import {
  MACHINERY_ELEMENTS,
  MACHINERY_ITEM_STATES,
  MACHINERY_STATES,
  machineryItemState,
  machineryMode,
} from "./machinery";
import { PACKML_ELEMENTS, PACKML_STATES, packmlState } from "./packml";
import { evaluateRules, NUMERIC_OPS, SIMPLE_ELEMENTS, VALUE_OPS } from "./rules";
import {
  type ClassifierConfig,
  type ClassifierInput,
  type ClassifierResult,
  type ClassifierState,
  CONDITION_OPS,
  type ElementChoice,
  SIMPLE_STATES,
  type StopRecord,
} from "./types";

export { MACHINERY_ELEMENTS, MACHINERY_STATES } from "./machinery";
export { PACKML_ELEMENTS, PACKML_STATES } from "./packml";
export { SIMPLE_ELEMENTS } from "./rules";

/** Default element tables by model (STANDARDS.md 1.1 and 2.1; see packml.ts, machinery.ts, rules.ts). */
export const DEFAULT_ELEMENTS: Readonly<Record<StateModel, Readonly<Record<string, ElementChoice>>>> = {
  packml: PACKML_ELEMENTS,
  simple: SIMPLE_ELEMENTS,
  machinery: MACHINERY_ELEMENTS,
};

/** The state names a model can give (the keys `timeElements` accepts). */
export function statesOf(model: StateModel): readonly string[] {
  if (model === "packml") return PACKML_STATES;
  if (model === "simple") return SIMPLE_STATES;
  return MACHINERY_STATES;
}

/** Sensible defaults of every config field (the node's editor uses the same values). */
export const DEFAULT_CONFIG: Readonly<ClassifierConfig> = {
  model: "packml",
  stateTag: "StateCurrent",
  modeTag: "",
  rules: [],
  defaultState: "idle",
  timeElements: {},
  minDurationMs: 2000,
  microStopMs: 120_000,
  reasonTag: "",
  historySize: 500,
};

export function initialState(): ClassifierState {
  return {
    current: null,
    candidate: null,
    stops: [],
    lastTs: null,
    asset: null,
    values: {},
    problem: null,
  };
}

/** The element of `state`, `before` being the element of the state before it (for "inherit"). */
export function elementOf(config: ClassifierConfig, state: string, before: TimeElement | null): TimeElement {
  const choice = Object.hasOwn(config.timeElements, state)
    ? config.timeElements[state]
    : DEFAULT_ELEMENTS[config.model][state];
  if (choice === "inherit" || choice === undefined) return before ?? "ADOT";
  return choice;
}

// ---------------------------------------------------------------------------------------------
// Configuration check

const ELEMENT_CHOICES: readonly string[] = [...TIME_ELEMENTS, "inherit"];

function isNonEmptyString(v: unknown): v is string {
  return typeof v === "string" && v.trim() !== "";
}

/** Everything wrong with a configuration, each naming the field ("rules.0.when.1.value"). */
export function checkClassifierConfig(config: ClassifierConfig): FieldError[] {
  const errors: FieldError[] = [];
  const err = (field: string, message: string): void => {
    errors.push({ field, message });
  };
  const model = config.model;
  if (!(STATE_MODELS as readonly string[]).includes(model)) {
    err("model", `must be one of ${STATE_MODELS.join(", ")}`);
    return errors;
  }
  if (model !== "simple" && !isNonEmptyString(config.stateTag))
    err("stateTag", `is required for the ${model} model (the tag that holds the state)`);
  if (typeof config.modeTag !== "string") err("modeTag", "must be a tag name or empty");
  if (typeof config.reasonTag !== "string") err("reasonTag", "must be a tag name or empty");
  if (model === "simple") {
    if (!(SIMPLE_STATES as readonly string[]).includes(config.defaultState))
      err("defaultState", `must be one of ${SIMPLE_STATES.join(", ")}`);
    if (!Array.isArray(config.rules)) err("rules", "must be a list of rules");
    else
      config.rules.forEach((rule, i) => {
        checkRule(rule, `rules.${i}`, err);
      });
  }
  if (typeof config.timeElements !== "object" || config.timeElements === null) {
    err("timeElements", "must be an object of state: element");
  } else {
    const states = statesOf(model);
    for (const [state, choice] of Object.entries(config.timeElements)) {
      if (!states.includes(state))
        err(`timeElements.${state}`, `is not a state of the ${model} model (${states.join(", ")})`);
      else if (!ELEMENT_CHOICES.includes(choice as string))
        err(`timeElements.${state}`, `must be one of ${ELEMENT_CHOICES.join(", ")}`);
    }
  }
  if (!(Number.isFinite(config.minDurationMs) && config.minDurationMs >= 0))
    err("minDurationMs", "must be a number of ms >= 0");
  if (!(Number.isFinite(config.microStopMs) && config.microStopMs >= 0))
    err("microStopMs", "must be a number of ms >= 0");
  if (!(Number.isInteger(config.historySize) && config.historySize >= 1))
    err("historySize", "must be an integer >= 1");
  return errors;
}

function checkRule(rule: unknown, at: string, err: (field: string, message: string) => void): void {
  if (typeof rule !== "object" || rule === null) {
    err(at, "must be a rule {state, when, reason?}");
    return;
  }
  const r = rule as Record<string, unknown>;
  if (!(SIMPLE_STATES as readonly unknown[]).includes(r.state))
    err(`${at}.state`, `must be one of ${SIMPLE_STATES.join(", ")}`);
  if (r.reason !== undefined && typeof r.reason !== "string") err(`${at}.reason`, "must be text");
  if (!Array.isArray(r.when)) {
    err(`${at}.when`, "must be a list of conditions {tag, op, value?}");
    return;
  }
  r.when.forEach((c: unknown, j: number) => {
    const cat = `${at}.when.${j}`;
    if (typeof c !== "object" || c === null) {
      err(cat, "must be a condition {tag, op, value?}");
      return;
    }
    const cond = c as Record<string, unknown>;
    if (!isNonEmptyString(cond.tag)) err(`${cat}.tag`, "must be a tag name");
    if (!(CONDITION_OPS as readonly unknown[]).includes(cond.op)) {
      err(`${cat}.op`, `must be one of ${CONDITION_OPS.join(", ")}`);
      return;
    }
    const v = cond.value;
    if ((NUMERIC_OPS as readonly unknown[]).includes(cond.op)) {
      if (!(typeof v === "number" && Number.isFinite(v)))
        err(`${cat}.value`, `must be a number for ${cond.op}`);
    } else if ((VALUE_OPS as readonly unknown[]).includes(cond.op)) {
      const typed =
        (typeof v === "number" && Number.isFinite(v)) || typeof v === "string" || typeof v === "boolean";
      if (!typed) err(`${cat}.value`, `must be a number, text or boolean for ${cond.op}`);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// The reducer

const APT: TimeElement = "APT";
const DELAY_ELEMENTS: readonly TimeElement[] = ["ADET", "ADOT"];

/** What is known about one accepted or candidate state. */
interface Observed {
  state: string;
  stateCode?: number;
  since: EpochMs;
  reason?: ReasonCode;
}

/** One step's working copy: the state is copied on write, so the caller's state is never changed. */
interface Work {
  config: ClassifierConfig;
  s: ClassifierState;
  nowMs: EpochMs;
  changes: StateChange[];
  warnings: string[];
  stopsCopied: boolean;
  valuesCopied: boolean;
}

function iso(ms: EpochMs): string {
  const d = new Date(ms);
  return Number.isFinite(d.getTime()) ? d.toISOString() : String(ms);
}

function setStop(w: Work, index: number, stop: StopRecord): void {
  if (!w.stopsCopied) {
    w.s.stops = w.s.stops.slice();
    w.stopsCopied = true;
  }
  w.s.stops[index] = stop;
}

function pushStop(w: Work, stop: StopRecord): void {
  const keep = Math.max(1, w.config.historySize);
  const stops = [...w.s.stops, stop];
  w.s.stops = stops.length > keep ? stops.slice(stops.length - keep) : stops;
  w.stopsCopied = true;
}

/** Index of the stop in progress (the last one, without an end), or -1. */
function openStopIndex(s: ClassifierState): number {
  const i = s.stops.length - 1;
  const last = s.stops[i];
  return last && last.end === undefined ? i : -1;
}

function baseChange(w: Work, ts: EpochMs, state: string, stateCode: number | undefined): StateChange {
  const change: StateChange = {
    kind: "StateChange",
    asset: w.s.asset ?? "",
    ts,
    model: w.config.model,
    state,
    previousState: null,
    previousDurationMs: 0,
  };
  if (stateCode !== undefined) change.stateCode = stateCode;
  return change;
}

/** A re-code message: the stop keeps its identity (start), state and element, and gets `reason`. */
function emitRecode(w: Work, stop: StopRecord, previous: ReasonCode | undefined): void {
  const change = baseChange(w, w.nowMs, stop.state, stop.stateCode);
  change.previousState = stop.state;
  change.timeElement = stop.timeElement;
  if (stop.reason) change.reason = stop.reason;
  change.stopStart = stop.start;
  change.recode = { previousReason: previous ?? null };
  w.changes.push(change);
}

/** Give stop `index` a reason and send a re-code message for it. */
function recodeStop(w: Work, index: number, reason: ReasonCode): void {
  const stop = w.s.stops[index] as StopRecord;
  const previous = stop.reason;
  const updated: StopRecord = { ...stop, reason };
  setStop(w, index, updated);
  const cur = w.s.current;
  if (index === openStopIndex(w.s) && cur && cur.timeElement !== APT) w.s.current = { ...cur, reason };
  emitRecode(w, updated, previous);
}

/** A reason seen during the stop in progress: it becomes the stop's reason if it has none yet. */
function lateReason(w: Work, reason: ReasonCode): void {
  const i = openStopIndex(w.s);
  if (i < 0 || (w.s.stops[i] as StopRecord).reason) return;
  recodeStop(w, i, reason);
}

/** Accept `next` as the current state from `next.since` and emit its StateChange. */
function accept(w: Work, next: Observed): void {
  const { config, s } = w;
  const cur = s.current;
  const element = elementOf(config, next.state, cur?.timeElement ?? null);
  const change = baseChange(w, next.since, next.state, next.stateCode);
  change.previousState = cur?.state ?? null;
  change.previousDurationMs = cur ? Math.max(0, next.since - cur.since) : 0;
  change.timeElement = element;
  const open = openStopIndex(s);
  if (element !== APT) {
    let stop: StopRecord;
    if (open >= 0) {
      const before = s.stops[open] as StopRecord;
      const elements = before.elements ?? [before.timeElement];
      stop = { ...before, elements: elements.includes(element) ? elements : [...elements, element] };
      if (!stop.reason && next.reason) stop.reason = next.reason;
      setStop(w, open, stop);
    } else {
      stop = { start: next.since, state: next.state, timeElement: element, elements: [element] };
      if (next.stateCode !== undefined) stop.stateCode = next.stateCode;
      if (next.reason) stop.reason = next.reason;
      pushStop(w, stop);
    }
    change.stopStart = stop.start;
    // The state's own reason (reason tag or matching rule) when it has one, else the stop's first
    // reason: consumers book each element of the stop to the reason of its own state.
    const reason = next.reason ?? stop.reason;
    if (reason) change.reason = reason;
    s.current = { state: next.state, timeElement: element, since: next.since };
    if (reason) s.current.reason = reason;
  } else {
    if (open >= 0) {
      const before = s.stops[open] as StopRecord;
      const ended: StopRecord = { ...before, end: next.since };
      setStop(w, open, ended);
      const duration = Math.max(0, next.since - before.start);
      const elements = before.elements ?? [before.timeElement];
      change.stopDurationMs = duration;
      change.microStop = duration < config.microStopMs && elements.every((e) => DELAY_ELEMENTS.includes(e));
    }
    s.current = { state: next.state, timeElement: element, since: next.since };
  }
  if (next.stateCode !== undefined) s.current.stateCode = next.stateCode;
  s.candidate = null;
  w.changes.push(change);
}

/** Accept the waiting candidate when it has held for minDurationMs by `t`. */
function acceptDueCandidate(w: Work, t: EpochMs): void {
  const c = w.s.candidate;
  if (c && t >= c.since + w.config.minDurationMs) accept(w, c);
}

const tagsByConfig = new WeakMap<ClassifierConfig, readonly string[]>();

/** Tags the model reads (computed once per config object). */
function readTags(config: ClassifierConfig): readonly string[] {
  const known = tagsByConfig.get(config);
  if (known) return known;
  const tags: string[] = [];
  if (config.model === "simple") {
    for (const rule of config.rules) for (const c of rule.when) tags.push(c.tag);
  } else {
    tags.push(config.stateTag);
    if (config.model === "machinery" && config.modeTag !== "") tags.push(config.modeTag);
  }
  if (config.reasonTag !== "") tags.push(config.reasonTag);
  const unique = [...new Set(tags)];
  tagsByConfig.set(config, unique);
  return unique;
}

type Unusable = "Bad quality" | "stale";

/**
 * Take the usable values of the tags the model reads into the remembered values: a tag that is
 * not in the sample keeps its last value (samples may hold only what changed); one with Bad
 * quality or stale loses it. Returns why tags of this sample were unusable.
 */
function remember(w: Work, sample: MachineSample): ReadonlyMap<string, Unusable> {
  // Runs for every sample: the remembered values are copied only when one of them changes (the
  // caller's state is never changed), and the map of unusable tags is made only when there is one.
  let why: Map<string, Unusable> | undefined;
  const given = sample.values;
  for (const tag of readTags(w.config)) {
    if (!Object.hasOwn(given, tag)) continue;
    const v = given[tag];
    if (!v) continue;
    if (w.s.values === undefined) copyValues(w);
    const kept = w.s.values as Record<string, TagScalar>;
    const bad = v.quality !== "Good" && /^bad/i.test(v.quality);
    if (bad || v.stale === true) {
      why ??= new Map();
      why.set(tag, bad ? "Bad quality" : "stale");
      if (Object.hasOwn(kept, tag)) delete copyValues(w)[tag];
    } else if (!Object.hasOwn(kept, tag) || kept[tag] !== v.value) {
      copyValues(w)[tag] = v.value;
    }
  }
  return why ?? NONE_UNUSABLE;
}

const NONE_UNUSABLE: ReadonlyMap<string, Unusable> = new Map();

/** The step's own copy of the remembered values (made on the first write). */
function copyValues(w: Work): Record<string, TagScalar> {
  if (!w.valuesCopied) {
    w.s.values = { ...(w.s.values ?? {}) };
    w.valuesCopied = true;
  }
  return w.s.values as Record<string, TagScalar>;
}

function unusable(tag: string, why: ReadonlyMap<string, Unusable>): string {
  const w = why.get(tag);
  if (w === "Bad quality") return `tag "${tag}" has Bad quality`;
  if (w === "stale") return `tag "${tag}" is stale`;
  return `tag "${tag}" is missing`;
}

/**
 * A classification, or why there is none; `absent` when the only cause is that tags are not
 * known because no usable value has arrived (no news within a streak of unusable samples).
 */
type Classified =
  | { ok: true; obs: Omit<Observed, "since">; ruleReason?: string }
  | { ok: false; problem: string; absent?: boolean };

function classify(
  config: ClassifierConfig,
  values: Record<string, TagScalar>,
  why: ReadonlyMap<string, Unusable>,
): Classified {
  const known = (tag: string) => Object.hasOwn(values, tag);
  if (config.model === "simple") {
    const out = evaluateRules(config.rules, config.defaultState, values);
    if (!out.decided)
      return {
        ok: false,
        problem: `rules cannot be decided: ${out.unknownTags.map((t) => unusable(t, why)).join(", ")}`,
        absent: out.unknownTags.every((t) => !why.has(t)),
      };
    return out.reason === undefined
      ? { ok: true, obs: { state: out.state } }
      : { ok: true, obs: { state: out.state }, ruleReason: out.reason };
  }
  const stateTag = config.stateTag;
  if (!known(stateTag))
    return { ok: false, problem: `state unknown: ${unusable(stateTag, why)}`, absent: !why.has(stateTag) };
  const raw = values[stateTag] as TagScalar;
  if (config.model === "packml") {
    const p = packmlState(raw);
    if (!p)
      return {
        ok: false,
        problem: `tag "${stateTag}" = ${JSON.stringify(raw)} is not a PackML state (0..17 or a state name)`,
      };
    return { ok: true, obs: { state: p.state, stateCode: p.code } };
  }
  const item = machineryItemState(raw);
  if (!item)
    return {
      ok: false,
      problem: `tag "${stateTag}" = ${JSON.stringify(raw)} is not a MachineryItemState (0..3 or ${MACHINERY_ITEM_STATES.join(", ")})`,
    };
  if (config.modeTag === "") return { ok: true, obs: { state: item } };
  if (!known(config.modeTag))
    return { ok: false, problem: `operation mode unknown: ${unusable(config.modeTag, why)}` };
  const modeRaw = values[config.modeTag] as TagScalar;
  const mode = machineryMode(modeRaw);
  if (!mode)
    return {
      ok: false,
      problem: `tag "${config.modeTag}" = ${JSON.stringify(modeRaw)} is not a MachineryOperationMode (0..3 or None, Maintenance, Setup, Processing)`,
    };
  return { ok: true, obs: { state: `${item}/${mode}` } };
}

/** The reason code a reason tag value gives: text or a non-zero number; null, "", 0 and booleans give none. */
export function reasonFromValue(v: TagScalar | undefined): ReasonCode | undefined {
  if (typeof v === "number") return Number.isFinite(v) && v !== 0 ? { code: String(v) } : undefined;
  if (typeof v === "string" && v.trim() !== "") return { code: v.trim() };
  return undefined;
}

function onSample(w: Work, sample: MachineSample): void {
  const { config, s } = w;
  // A sample dated after the clock would make every later sample "older than the last one".
  if (sample.ts > w.nowMs + INPUT_MAX_AHEAD_MS) {
    w.warnings.push(`sample at ${iso(sample.ts)} lies in the future (now ${iso(w.nowMs)}): ignored`);
    return;
  }
  if (s.lastTs !== null && sample.ts < s.lastTs) {
    w.warnings.push(`sample at ${iso(sample.ts)} is older than the last one (${iso(s.lastTs)}): ignored`);
    return;
  }
  s.asset = sample.asset;
  acceptDueCandidate(w, sample.ts);
  s.lastTs = sample.ts;
  const why = remember(w, sample);
  const values = s.values ?? {};
  const c = classify(config, values, why);
  if (!c.ok) {
    // Warned once per streak of unusable samples; again only when something new went wrong
    // (a tag that is merely still absent is no news).
    const inStreak = s.problem !== null && s.problem !== undefined;
    if (!inStreak || (c.problem !== s.problem && !c.absent)) {
      w.warnings.push(`${c.problem}: the state stays as it is`);
      s.problem = c.problem;
    }
    return;
  }
  s.problem = null;
  const tagReason = config.reasonTag === "" ? undefined : reasonFromValue(values[config.reasonTag]);
  const reason = tagReason ?? (c.ruleReason === undefined ? undefined : { code: c.ruleReason });
  // Built field by field: an object spread here was the costliest line of a step.
  const obs: Observed = { state: c.obs.state, since: sample.ts };
  if (c.obs.stateCode !== undefined) obs.stateCode = c.obs.stateCode;
  if (c.obs.reason !== undefined) obs.reason = c.obs.reason;
  const cur = s.current;
  if (!cur) {
    if (reason) obs.reason = reason;
    accept(w, obs);
    return;
  }
  if (obs.state === cur.state) {
    s.candidate = null;
    if (reason && cur.timeElement !== APT) lateReason(w, reason);
    return;
  }
  const element = elementOf(config, obs.state, cur.timeElement);
  const stopReason = element !== APT ? reason : undefined;
  if (stopReason && cur.timeElement !== APT) lateReason(w, stopReason);
  const waiting = s.candidate;
  if (waiting && waiting.state === obs.state) {
    if (!waiting.reason && stopReason) s.candidate = { ...waiting, reason: stopReason };
  } else {
    s.candidate = { state: obs.state, since: obs.since };
    if (obs.stateCode !== undefined) s.candidate.stateCode = obs.stateCode;
    if (stopReason) s.candidate.reason = stopReason;
  }
  if (config.minDurationMs <= 0) accept(w, s.candidate as Observed);
  else acceptDueCandidate(w, sample.ts);
}

/** Index of the stop containing `t` (start <= t < end; a stop in progress has no end), or -1. */
function stopAt(s: ClassifierState, t: EpochMs): number {
  for (let i = s.stops.length - 1; i >= 0; i--) {
    const stop = s.stops[i] as StopRecord;
    if (stop.start <= t && (stop.end === undefined || t < stop.end)) return i;
  }
  return -1;
}

function onReason(w: Work, reason: ReasonCode, ts: EpochMs | undefined): void {
  const i = ts === undefined ? w.s.stops.length - 1 : stopAt(w.s, ts);
  if (i < 0) {
    w.warnings.push(
      ts === undefined
        ? "reason ignored: no stop is remembered"
        : `reason ignored: no remembered stop contains ${iso(ts)}`,
    );
    return;
  }
  recodeStop(w, i, reason);
}

function onRecode(w: Work, reason: ReasonCode, start: EpochMs, end: EpochMs | undefined): void {
  const until = end ?? start;
  if (until < start) {
    w.warnings.push(`re-code ignored: end ${iso(until)} is before start ${iso(start)}`);
    return;
  }
  let found = 0;
  w.s.stops.forEach((stop, i) => {
    const overlaps =
      until === start
        ? stop.start <= start && (stop.end === undefined || start < stop.end)
        : stop.start < until && (stop.end === undefined || start < stop.end);
    if (!overlaps) return;
    found++;
    recodeStop(w, i, reason);
  });
  if (found === 0)
    w.warnings.push(
      until === start
        ? `re-code ignored: no remembered stop contains ${iso(start)}`
        : `re-code ignored: no remembered stop overlaps ${iso(start)} .. ${iso(until)}`,
    );
}

/** One reducer step. Never changes `state`; returns the next state, the changes and warnings. */
export function step(
  config: ClassifierConfig,
  state: ClassifierState,
  input: ClassifierInput,
  nowMs: EpochMs,
): ClassifierResult {
  const w: Work = {
    config,
    s: { ...state },
    nowMs,
    changes: [],
    warnings: [],
    stopsCopied: false,
    valuesCopied: false,
  };
  switch (input.type) {
    case "sample":
      onSample(w, input.sample);
      break;
    case "reason":
      onReason(w, input.reason, input.ts);
      break;
    case "recode":
      onRecode(w, input.reason, input.start, input.end);
      break;
    case "tick":
      acceptDueCandidate(w, nowMs);
      break;
  }
  const c = w.s.candidate;
  return {
    state: w.s,
    changes: w.changes,
    warnings: w.warnings,
    nextDueMs: c ? c.since + config.minDurationMs : null,
  };
}
