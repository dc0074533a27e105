/**
 * mfg-state-classifier: MachineSamples in, StateChanges out (PackML, OPC UA Machinery or rules),
 * with ISO 22400 time elements, stops, micro-stops, reasons and re-coding. Every decision is in
 * lib/state (a reducer with explicit time); this node owns the clock, the timer for the flicker
 * filter and where the state is kept (the context store, so it survives a restart).
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from "node-red";
import { checkClassifierConfig, initialState, step } from "../../lib/state/classifier";
import { SampleClock } from "../../lib/state/clock";
import type { ClassifierConfig, ClassifierInput, ClassifierState } from "../../lib/state/types";
import type { ReasonCode, StateModel } from "../../lib/types";
import {
  checkInputTime,
  type FieldError,
  formatErrors,
  makeConfigValidator,
  parseTime,
  TIME_EXPECTED,
  validate,
} from "../../lib/validate";
import type { AssetNode } from "../asset/config";
import { InputError, onInput, refuseInputs, type Send } from "../shared/errors";
import { LoadGate, PersistedState } from "../shared/persistence";
import { StatusReporter } from "../shared/status";
import { configSchema, type StateClassifierConfig } from "./config";

const parseConfig = makeConfigValidator<StateClassifierConfig>(configSchema);

/** Longest a timer waits, so a clock jump cannot postpone the flicker filter for long. */
const MAX_TIMER_MS = 60_000;

/** What is kept in the context store: the model guards against a state of another model. */
interface Persisted {
  v: 1;
  model: StateModel;
  state: ClassifierState;
}

const PAYLOAD_EXPECTED =
  'must be a MachineSample, an operator reason {reason: "code" | {code, text?}, ts?} or a re-code {recode: {reason, start, end?}}';
const REASON_EXPECTED = 'must be a reason code: non-empty text or {code: "non-empty text", text?: "text"}';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function parseReason(value: unknown, field: string): ReasonCode {
  if (typeof value === "string" && value.trim() !== "") return { code: value.trim() };
  if (isObject(value)) {
    const { code, text } = value;
    if (typeof code !== "string" || code.trim() === "")
      throw new InputError([{ field: `${field}.code`, message: "must be non-empty text" }]);
    if (text !== undefined && typeof text !== "string")
      throw new InputError([{ field: `${field}.text`, message: "must be text" }]);
    return text === undefined ? { code: code.trim() } : { code: code.trim(), text };
  }
  throw new InputError([{ field, message: REASON_EXPECTED }]);
}

function parseOptionalTime(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseTime(value);
  if (ms === undefined) throw new InputError([{ field, message: TIME_EXPECTED }]);
  return ms;
}

/**
 * The classifier input of a message, or an InputError naming the field and the expected form.
 * Times of samples and operator reasons must lie near the clock `nowMs` (checkInputTime): a
 * sample dated in the future would make every later one "older than the last".
 */
function inputOf(payload: unknown, assetPath: string | undefined, nowMs: number): ClassifierInput {
  if (!isObject(payload)) throw new InputError([{ field: "", message: PAYLOAD_EXPECTED }]);
  if ("kind" in payload) {
    const candidate = assetPath && payload.asset === undefined ? { ...payload, asset: assetPath } : payload;
    const v = validate("MachineSample", candidate);
    if (!v.ok) throw new InputError(v.errors);
    const late = checkInputTime(v.value.ts, nowMs);
    if (late) throw new InputError([late]);
    return { type: "sample", sample: v.value };
  }
  if ("recode" in payload) {
    const r = payload.recode;
    if (!isObject(r))
      throw new InputError([
        { field: "recode", message: "must be {reason, start, end?} (start and end as times)" },
      ]);
    const reason = parseReason(r.reason, "recode.reason");
    const start = parseOptionalTime(r.start, "recode.start");
    if (start === undefined)
      throw new InputError([{ field: "recode.start", message: `is required: ${TIME_EXPECTED}` }]);
    const end = parseOptionalTime(r.end, "recode.end");
    if (end !== undefined && end < start)
      throw new InputError([{ field: "recode.end", message: "must not be before recode.start" }]);
    return end === undefined ? { type: "recode", reason, start } : { type: "recode", reason, start, end };
  }
  if ("reason" in payload) {
    const reason = parseReason(payload.reason, "reason");
    const ts = parseOptionalTime(payload.ts, "ts");
    const late = ts === undefined ? null : checkInputTime(ts, nowMs);
    if (late) throw new InputError([late]);
    return ts === undefined ? { type: "reason", reason } : { type: "reason", reason, ts };
  }
  throw new InputError([{ field: "", message: PAYLOAD_EXPECTED }]);
}

function isState(v: unknown): v is ClassifierState {
  return (
    isObject(v) &&
    (v.current === null || isObject(v.current)) &&
    (v.candidate === null || isObject(v.candidate)) &&
    Array.isArray(v.stops) &&
    (v.lastTs === null || typeof v.lastTs === "number")
  );
}

function clock(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export = (RED: NodeAPI) => {
  function StateClassifierNode(this: Node, def: NodeDef & Partial<StateClassifierConfig>) {
    RED.nodes.createNode(this, def);
    const status = new StatusReporter(this);
    const parsed = parseConfig({ ...def });
    let problem: string | undefined;
    let settings: StateClassifierConfig | undefined;
    let config: ClassifierConfig | undefined;
    let assetNode: AssetNode | null = null;
    if (!parsed.ok) problem = formatErrors(parsed.errors, "config");
    else {
      settings = parsed.value;
      config = {
        model: settings.model,
        stateTag: settings.stateTag.trim(),
        modeTag: settings.modeTag.trim(),
        rules: settings.rules,
        defaultState: settings.defaultState,
        timeElements: settings.timeElements,
        minDurationMs: settings.minDurationMs,
        microStopMs: settings.microStopMs,
        reasonTag: settings.reasonTag.trim(),
        historySize: settings.historySize,
      };
      const errors: FieldError[] = checkClassifierConfig(config);
      if (errors.length > 0) problem = formatErrors(errors, "config");
      else if (settings.asset) {
        assetNode = RED.nodes.getNode(settings.asset) as AssetNode | null;
        if (!assetNode) problem = RED._("state-classifier.errors.noAsset");
        else if (assetNode.problem) problem = assetNode.problem;
      }
    }
    if (problem || !config || !settings) {
      refuseInputs(this, status, problem ?? "invalid configuration", RED._("state-classifier.status.config"));
      return;
    }
    const cfg: ClassifierConfig = config;
    const model = cfg.model;
    const persist = new PersistedState<Persisted | undefined>(this, "classifier", { store: settings.store });
    let state: ClassifierState = initialState();
    let timer: NodeJS.Timeout | undefined;
    let closed = false;

    // The status text of the last (state, element, since, problem): translating it costs more than
    // classifying a sample (tens of microseconds), and it changes only with the state. The
    // translation of each (problem, state, element) is kept with a placeholder for the time, so a
    // new state costs a string replace; bounded by the model's states x elements x 2.
    const TIME_SLOT = "\u0000time\u0000";
    const templates = new Map<string, string>();
    let shown: { cur: ClassifierState["current"]; problem: boolean; text: string } | undefined;
    const statusText = (cur: NonNullable<ClassifierState["current"]>, problem: boolean): string => {
      if (
        shown?.cur &&
        shown.problem === problem &&
        shown.cur.state === cur.state &&
        shown.cur.timeElement === cur.timeElement &&
        shown.cur.since === cur.since
      )
        return shown.text;
      const key = `${problem ? 1 : 0}\u0000${cur.state}\u0000${cur.timeElement}`;
      let template = templates.get(key);
      if (template === undefined) {
        const subs = { state: cur.state, element: cur.timeElement, time: TIME_SLOT };
        template = problem
          ? RED._("state-classifier.status.stateUnusable", subs)
          : RED._("state-classifier.status.state", subs);
        templates.set(key, template);
      }
      const text = template.split(TIME_SLOT).join(clock(cur.since));
      shown = { cur, problem, text };
      return text;
    };

    const showStatus = () => {
      const cur = state.current;
      if (!cur) {
        if (state.problem) status.set("warning", RED._("state-classifier.status.unusable"));
        else status.set("idle", RED._("state-classifier.status.waiting"));
        return;
      }
      const problem = Boolean(state.problem);
      status.set(problem ? "warning" : "ok", statusText(cur, problem));
    };

    const nextDue = (s: ClassifierState): number | null =>
      s.candidate ? s.candidate.since + cfg.minDurationMs : null;

    // Inputs and ticks run one after the other, after the stored state is loaded: an input that
    // arrives while loading waits for it, in its order; once loaded, each runs at once.
    const gate = new LoadGate();
    // The flicker filter runs on the samples' clock (lib/state/clock.ts): samples that arrive late
    // must not find every waiting state due at once.
    const sampleClock = new SampleClock();

    /** Due time the timer is armed for (kept while it does not change: no re-arming per sample). */
    let armedDue: number | null = null;
    const arm = (due: number | null) => {
      if (timer !== undefined && due === armedDue && !closed) return;
      if (timer) clearTimeout(timer);
      timer = undefined;
      armedDue = due;
      if (due === null || closed) return;
      timer = setTimeout(
        () => {
          timer = undefined;
          const tick = () => {
            if (!closed) apply({ type: "tick" }, (m) => this.send(m), sampleClock.now(Date.now()));
          };
          try {
            const pending = gate.run(tick);
            if (pending) pending.catch((err: Error) => this.error(err.message));
          } catch (err) {
            this.error((err as Error).message);
          }
        },
        Math.min(MAX_TIMER_MS, Math.max(0, due - sampleClock.now(Date.now()))),
      );
    };

    const apply = (input: ClassifierInput, send: Send, nowMs = Date.now()) => {
      const r = step(cfg, state, input, nowMs);
      // A sample that was used (not ignored as older than the last) sets the sample clock.
      if (input.type === "sample" && r.state.lastTs === input.sample.ts)
        sampleClock.observe(input.sample.ts, nowMs);
      state = r.state;
      persist.schedule({ v: 1, model, state });
      for (const w of r.warnings) this.warn(w);
      if (r.changes.length > 0) {
        // copies: a flow that edits a payload must not reach into the kept state
        const out: NodeMessage[] = r.changes.map((c) => ({ topic: c.asset, payload: structuredClone(c) }));
        send([out]);
      }
      showStatus();
      arm(r.nextDueMs);
    };

    status.set("busy", RED._("state-classifier.status.loading"));
    const loaded = persist
      .load()
      .then(
        (stored) => {
          if (closed) return;
          if (stored !== undefined && stored !== null) {
            if (isObject(stored) && stored.model === model && isState(stored.state)) state = stored.state;
            else this.warn(RED._("state-classifier.errors.storedIgnored"));
          }
          showStatus();
          arm(nextDue(state));
        },
        (err: Error) => {
          this.warn(RED._("state-classifier.errors.loadFailed", { error: err.message }));
          showStatus();
        },
      )
      .then(() => gate.open());

    onInput(this, status, (msg: NodeMessageInFlow, send) =>
      gate.run(() => {
        const nowMs = Date.now();
        apply(inputOf(msg.payload, assetNode?.path, nowMs), send, nowMs);
      }),
    );

    this.on("close", (_removed: boolean, done: () => void) => {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      status.close();
      loaded
        .then(() => persist.flush())
        .catch((err: Error) => this.warn(RED._("state-classifier.errors.saveFailed", { error: err.message })))
        .finally(() => done());
    });
  }
  RED.nodes.registerType("mfg-state-classifier", StateClassifierNode);
};
