/**
 * mfg-oee-calculator: ISO 22400-2 OEE per shift, per order and rolling (STANDARDS.md 1). The
 * node reads the input, turns it into an OeeInput and calls the reducer lib/oee/oee.ts `step`
 * with the clock (ARCHITECTURE rule 2); it owns the one timer the reducer asks for, keeps the
 * reducer state in the context store (rule 7) and sends reports and events.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from "node-red";
import type { Plan } from "../../lib/calendar/types";
import { oeeInputOf } from "../../lib/oee/input";
import { checkOeeConfig, initialState, step } from "../../lib/oee/oee";
import type { OeeConfig, OeeInput, OeeResult, OeeState } from "../../lib/oee/types";
import type { OeeReport, OeeWindowType } from "../../lib/types";
import { formatErrors, makeConfigValidator } from "../../lib/validate";
import type { AssetNode } from "../asset/config";
import { InputError, onInput, refuseInputs, type Send } from "../shared/errors";
import { LoadGate, PersistedState, RestorePoint } from "../shared/persistence";
import { StatusReporter } from "../shared/status";
import type { ShiftCalendarNode } from "../shift-calendar/config";
import { configSchema, type OeeCalculatorConfig, oeeConfigOf } from "./config";

const parseConfig = makeConfigValidator<OeeCalculatorConfig>(configSchema);

/** The reducer's timer is never armed closer than this (a burst of due times costs one step). */
const MIN_TIMER_MS = 50;
/** Longest single wait: a far due time is re-checked, so a clock jump cannot postpone it for long. */
const MAX_TIMER_MS = 60_000;
/** Context key of the reducer state. */
const STATE_KEY = "oee";

interface Setup {
  config: OeeCalculatorConfig;
  oee: OeeConfig;
  plan: Plan | null;
  /** Path of the configured asset, or undefined. */
  asset: string | undefined;
}

/** "71.2%" / "88%"; "–" when the KPI is undefined (PBT, APT or PQ = 0). */
function percent(value: number | null, digits: number): string {
  return value === null ? "–" : `${(value * 100).toFixed(digits)}%`;
}

export = (RED: NodeAPI) => {
  function OeeCalculatorNode(this: Node, def: NodeDef & Partial<OeeCalculatorConfig>) {
    RED.nodes.createNode(this, def);
    const node = this;
    const status = new StatusReporter(this);
    const setup = resolve(def);
    if (typeof setup === "string") {
      refuseInputs(this, status, setup, RED._("oee-calculator.status.config"));
      return;
    }
    const { config, oee, plan, asset } = setup;
    const persisted = new PersistedState<OeeState>(this, STATE_KEY, { store: config.store });
    let state: OeeState = initialState();
    let timer: NodeJS.Timeout | undefined;
    let dueMs: number | null = null;
    let closed = false;
    /** Inputs wait, in order, until the stored state is loaded (ARCHITECTURE rule 7). */
    const gate = new LoadGate();
    /** The state before a step that throws (the reducer updates it in place). */
    const restorePoint = new RestorePoint<OeeState, OeeInput>(
      (s, input, nowMs) => step(oee, plan, s, input, nowMs).state,
      state,
    );
    /** The last report of each window type, for the status. */
    const latest: Partial<Record<OeeWindowType, OeeReport>> = {};

    // The status text of the last report or machine state shown: translating it costs more than a
    // reducer step, and it changes only with a new report or state.
    let shown: { of: OeeReport | string; text: string } | undefined;
    const showStatus = () => {
      const report = latest.shift ?? latest.rolling ?? latest.order;
      if (!state.machine) {
        status.set("warning", RED._("oee-calculator.status.noState"));
        return;
      }
      const of = report ?? state.machine.state;
      if (shown?.of !== of) {
        const text = report
          ? RED._("oee-calculator.status.figures", {
              oee: percent(report.oee, 1),
              a: percent(report.availability, 0),
              p: percent(report.performance, 0),
              q: percent(report.quality, 0),
            })
          : RED._("oee-calculator.status.state", { state: state.machine.state });
        shown = { of, text };
      }
      status.set("ok", shown.text);
    };

    const output = (result: OeeResult, send: Send, request?: NodeMessageInFlow) => {
      if (result.reports.length === 0 && result.events.length === 0) return;
      const reports: NodeMessage[] = result.reports.map((report) => {
        if (!report.asset && asset) report.asset = asset;
        latest[report.window.type] = report;
        // A report asked for by a message keeps that message's properties (e.g. http in/response).
        return { ...(request ?? {}), topic: report.asset, payload: report };
      });
      const topic = state.asset ?? asset ?? "";
      const events: NodeMessage[] = result.events.map((event) => ({ topic, payload: event }));
      if (reports.length > 0 || events.length > 0)
        send([reports.length > 0 ? reports : null, events.length > 0 ? events : null]);
    };

    const arm = (due: number | null) => {
      // An armed timer for the same due time stays (no re-arming on every input).
      if (timer !== undefined && due === dueMs && !closed) return;
      if (timer) clearTimeout(timer);
      timer = undefined;
      dueMs = due;
      if (due === null || closed) return;
      timer = setTimeout(onTimer, Math.min(MAX_TIMER_MS, Math.max(MIN_TIMER_MS, due - Date.now())));
    };

    /**
     * One reducer step at `nowMs`. Inputs are checked before, so a refused input never reaches the
     * state; should the step throw anyway, the state is the one before it (the reducer updates it
     * in place, so it is rebuilt from the restore point).
     */
    const run = (input: OeeInput, send: Send, request?: NodeMessageInFlow, nowMs = Date.now()) => {
      let result: OeeResult;
      try {
        result = step(oee, plan, state, input, nowMs);
      } catch (err) {
        state = restorePoint.restore();
        persisted.schedule(state);
        throw err;
      }
      state = result.state;
      restorePoint.stepped(state, input, nowMs);
      persisted.schedule(state);
      output(result, send, request);
      arm(result.nextDueMs);
      showStatus();
    };

    function onTimer() {
      timer = undefined;
      if (closed || dueMs === null) return;
      if (Date.now() < dueMs) {
        arm(dueMs);
        return;
      }
      try {
        run({ type: "tick" }, (m) => node.send(m));
      } catch (err) {
        // Not re-armed: the next input does that.
        dueMs = null;
        node.error(RED._("oee-calculator.errors.tick", { error: (err as Error).message }));
        status.set("error", (err as Error).message);
      }
    }

    const handle = (msg: NodeMessageInFlow, send: Send) => {
      const nowMs = Date.now();
      const r = oeeInputOf(msg.payload, msg.topic, asset ?? state.asset ?? undefined, nowMs);
      if (!r.ok) throw new InputError(r.errors);
      if (!r.input) return;
      run(r.input, send, r.input.type === "report" ? msg : undefined, nowMs);
    };

    onInput(this, status, (msg, send) => gate.run(() => handle(msg, send)));

    const loaded = persisted
      .load()
      .then(
        (stored) => {
          // Fields a newer reducer added since the state was stored get their initial values.
          if (typeof stored === "object" && stored !== null && !Array.isArray(stored))
            state = { ...initialState(), ...stored };
        },
        (err: Error) => node.error(RED._("oee-calculator.errors.load", { error: err.message })),
      )
      .then(() => {
        if (state.asset === null && asset) state.asset = asset;
        restorePoint.reset(state);
        gate.open();
        // Catch up with the clock: final reports of windows that ended while Node-RED was down.
        try {
          run({ type: "tick" }, (m) => node.send(m));
        } catch (err) {
          node.error(RED._("oee-calculator.errors.tick", { error: (err as Error).message }));
        }
      });
    showStatus();

    this.on("close", (removed: boolean, done: () => void) => {
      loaded
        .then(() => {
          closed = true;
          if (timer) clearTimeout(timer);
          timer = undefined;
          status.close();
          // A deleted node leaves no state behind; a stopped or redeployed one keeps its figures.
          return removed ? persisted.clear() : persisted.flush();
        })
        .catch((err: Error) => node.error(RED._("oee-calculator.errors.save", { error: err.message })))
        .finally(() => done());
    });
  }

  /** The checked configuration, or the problem naming the field. */
  function resolve(def: NodeDef & Partial<OeeCalculatorConfig>): Setup | string {
    const parsed = parseConfig({ ...def });
    if (!parsed.ok) return formatErrors(parsed.errors, "config");
    const config = parsed.value;
    const oee = oeeConfigOf(config);
    const problems = checkOeeConfig(oee);
    if (problems.length > 0) return formatErrors(problems, "config");
    let asset: string | undefined;
    if (config.asset) {
      const assetNode = RED.nodes.getNode(config.asset) as AssetNode | null;
      if (!assetNode) return RED._("oee-calculator.errors.noAsset");
      if (!assetNode.path) return assetNode.problem ?? RED._("oee-calculator.errors.noAsset");
      asset = assetNode.path;
    }
    let plan: Plan | null = null;
    if (config.calendar) {
      const calendar = RED.nodes.getNode(config.calendar) as ShiftCalendarNode | null;
      if (!calendar) return RED._("oee-calculator.errors.noCalendar");
      if (calendar.problem || !calendar.plan)
        return calendar.problem ?? RED._("oee-calculator.errors.noCalendar");
      plan = calendar.plan;
    }
    return { config, oee, plan, asset };
  }

  RED.nodes.registerType("mfg-oee-calculator", OeeCalculatorNode);
};
