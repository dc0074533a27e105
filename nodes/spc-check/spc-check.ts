/**
 * mfg-spc-check: control charts, run rules and capability for one quality characteristic
 * (STANDARDS.md 3). The node reads the input, turns it into an SpcInput (lib/spc/input.ts) and
 * calls the reducer lib/spc/spc.ts `step` with the clock (ARCHITECTURE rule 2); it keeps the
 * reducer state in the context store (rule 7), so phase-II limits survive a restart, and sends
 * results, limits and alarms.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from "node-red";
import { spcInputOf } from "../../lib/spc/input";
import {
  checkSpcConfig,
  clearedAlarmsOf,
  compileSpc,
  initialSpcState,
  restoreSpcState,
  SpcRefused,
  type SpcSetup,
  type SpcState,
  step,
} from "../../lib/spc/spc";
import type { SpcConfig, SpcInput, SpcStepResult } from "../../lib/spc/types";
import type { SpcLimits, SpcResult } from "../../lib/types";
import { formatErrors, makeConfigValidator } from "../../lib/validate";
import type { AssetNode } from "../asset/config";
import { InputError, onInput, refuseInputs, type Send } from "../shared/errors";
import { LoadGate, PersistedState, RestorePoint } from "../shared/persistence";
import { type StatusKind, StatusReporter } from "../shared/status";
import { configSchema, type SpcCheckConfig, spcConfigOf } from "./config";

const parseConfig = makeConfigValidator<SpcCheckConfig>(configSchema);

/** Context key of the reducer state. */
const STATE_KEY = "spc";
/** The status shows the latest point at most this often (its text is built only then). */
const STATUS_EVERY_MS = 250;

interface Setup {
  config: SpcCheckConfig;
  spc: SpcConfig;
  compiled: SpcSetup;
  /** Path of the configured asset, or undefined. */
  asset: string | undefined;
}

/** A number for the status: 6 significant digits, trailing zeros dropped ("74.0143", "0.0125"). */
function short(value: number | null | undefined): string {
  if (value === null || value === undefined) return "–";
  if (!Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(6)));
}

export = (RED: NodeAPI) => {
  function SpcCheckNode(this: Node, def: NodeDef & Partial<SpcCheckConfig>) {
    RED.nodes.createNode(this, def);
    const status = new StatusReporter(this);
    const setup = resolve(def);
    if (typeof setup === "string") {
      refuseInputs(this, status, setup, RED._("spc-check.status.config"));
      return;
    }
    const { config, spc, compiled, asset } = setup;
    const topic = asset ?? spc.characteristic;
    const unit = config.unit.trim();
    const persisted = new PersistedState<SpcState>(this, STATE_KEY, { store: config.store });
    let state: SpcState = initialSpcState(compiled);
    /** Inputs wait, in order, until the stored state is loaded (ARCHITECTURE rule 7). */
    const gate = new LoadGate();
    /** The state before a step that throws (the reducer updates it in place). */
    const restorePoint = new RestorePoint<SpcState, SpcInput>(
      (s, input, nowMs) => step(compiled, s, input, nowMs).state,
      state,
    );
    const keyProperty = config.keyProperty.trim() || "batch";

    // ---- status: the latest point against its limits (or the limits a command set). Building
    // the text (RED._, number formatting) costs more than a reducer step, so it is built at most
    // once per STATUS_EVERY_MS whatever the kind (a change of kind too): at once when none was
    // built in the last interval, else when the interval ends, for the latest point then.
    let latest: SpcResult | SpcLimits | null = null;
    let statusTimer: NodeJS.Timeout | undefined;
    /** A point arrived while the interval ran: build the status when it ends. */
    let dirty = false;
    // Attribute charts count (no measurement unit); CUSUM plots sums in sigma units.
    const valueUnit = compiled.attribute || spc.chart === "cusum" ? "" : unit;
    const kindOf = (r: SpcResult | SpcLimits): StatusKind => {
      if (r.kind === "SpcLimits") return r.phase === "I" ? "busy" : "ok";
      if (r.violations.length > 0) return "warning";
      // The point that ended phase I is shown against the limits estimated with it.
      return r.phase === "I" && state.phase === "I" ? "busy" : "ok";
    };
    /** CUSUM: the sum that fired (or the larger one) in sigma units, "C− 7.5". */
    const cusumSum = (r: SpcResult): string => {
      const c = r.cusum;
      if (!c) return short(r.value);
      const fired = (id: string) => r.violations.some((v) => v.rule === id);
      const lower = fired("cusum-lower") || (!fired("cusum-upper") && -c.lower > c.upper);
      return lower ? `C− ${short(-c.lower)}` : `C+ ${short(c.upper)}`;
    };
    const buildStatus = () => {
      const r = latest;
      if (!r) {
        status.set("idle", RED._("spc-check.status.waiting"));
        return;
      }
      const kind = kindOf(r);
      const cusum = r.kind === "SpcResult" && spc.chart === "cusum";
      const value =
        r.kind === "SpcLimits"
          ? "–"
          : cusum
            ? RED._("spc-check.status.cusum", { sum: cusumSum(r), h: short(spc.cusumH) })
            : valueUnit
              ? `${short(r.value)} ${valueUnit}`
              : short(r.value);
      let text: string;
      if (r.kind === "SpcResult" && kind === "warning")
        text = RED._("spc-check.status.violation", {
          value,
          rules: r.violations.map((v) => v.rule).join(", "),
        });
      else if (kind === "busy") {
        const done = Math.min(state.phase1.length, spc.phase1Points);
        text = RED._("spc-check.status.phase1", { done, total: spc.phase1Points, value });
      } else if (r.kind === "SpcLimits")
        text = RED._("spc-check.status.limits", { reason: r.reason, ucl: short(r.ucl), lcl: short(r.lcl) });
      else if (cusum) text = value;
      else text = RED._("spc-check.status.inControl", { value, ucl: short(r.ucl), lcl: short(r.lcl) });
      status.set(kind, text);
    };
    const intervalEnded = () => {
      statusTimer = undefined;
      if (!dirty) return;
      dirty = false;
      buildStatus();
      statusTimer = setTimeout(intervalEnded, STATUS_EVERY_MS);
    };
    /** An input was refused since the last status built. */
    let afterRefusal = false;
    const show = (r: SpcResult | SpcLimits) => {
      latest = r;
      if (statusTimer) {
        dirty = true;
        return;
      }
      buildStatus();
      // Inputs that waited for the stored state run together, and a refusal among them turns the
      // status red only after them (the promise's rejection): built again once more at the end
      // of the interval, so the status shows the last input.
      dirty = afterRefusal;
      afterRefusal = false;
      statusTimer = setTimeout(intervalEnded, STATUS_EVERY_MS);
    };
    /** A refused input: its red status (onInput) stays until the next accepted point. */
    const refused = () => {
      if (statusTimer) clearTimeout(statusTimer);
      statusTimer = undefined;
      dirty = false;
      afterRefusal = true;
    };

    const output = (result: SpcStepResult<SpcState>, send: Send, msgid: string | undefined) => {
      for (const notice of result.notices) this.warn(notice.text);
      const { results, limits, alarms } = result;
      if (results.length === 0 && limits.length === 0 && alarms.length === 0) return;
      const first: NodeMessage[] = [];
      for (const r of results) first.push(message(r, msgid));
      for (const l of limits) first.push(message(l, msgid));
      const second: NodeMessage[] = [];
      for (const a of alarms) second.push(withId({ topic: a.asset ?? topic, payload: a }, msgid));
      send([
        first.length === 0 ? null : first.length === 1 ? (first[0] as NodeMessage) : first,
        second.length === 0 ? null : second.length === 1 ? (second[0] as NodeMessage) : second,
      ]);
      // The last point, or the limits a command set.
      const last = results[results.length - 1] ?? limits[limits.length - 1];
      if (last) show(last);
    };
    /**
     * A new message: a result of an input keeps the request's _msgid (as the other nodes of the
     * suite do) and nothing else of it.
     */
    const message = (payload: SpcResult | SpcLimits, msgid: string | undefined): NodeMessage => {
      // The reducer shares one frozen empty array among the results where no rule fired; a
      // message leaving the node carries its own, which the flow may change.
      if (payload.kind === "SpcResult" && payload.violations.length === 0) payload.violations = [];
      return withId({ topic: payload.asset ?? topic, payload }, msgid);
    };
    const withId = (msg: NodeMessage, msgid: string | undefined): NodeMessage => {
      if (msgid !== undefined) msg._msgid = msgid;
      return msg;
    };

    /**
     * One reducer step at `nowMs`. A refused input (SpcRefused) changed nothing; should the step
     * throw anything else, the state is the one before it (rebuilt from the restore point).
     */
    const run = (input: SpcInput, send: Send, nowMs: number, msgid: string | undefined) => {
      let result: SpcStepResult<SpcState>;
      try {
        result = step(compiled, state, input, nowMs);
      } catch (err) {
        if (err instanceof SpcRefused) throw new InputError(err.errors);
        state = restorePoint.restore();
        schedule();
        throw err;
      }
      state = result.state;
      restorePoint.stepped(state, input, nowMs);
      schedule();
      output(result, send, msgid);
    };
    // A stored chart that could not be read (e.g. a store that is briefly unavailable) is not
    // overwritten: this run charts without persisting until Node-RED restarts.
    let persist = true;
    const schedule = () => {
      if (persist) persisted.schedule(state);
    };

    const handle = (msg: NodeMessageInFlow, send: Send) => {
      const nowMs = Date.now();
      let key: unknown;
      if (spc.subgroupBy === "key") key = RED.util.getMessageProperty(msg, keyProperty);
      const r = spcInputOf(
        msg.payload,
        {
          chart: spc.chart,
          tag: config.tag.trim(),
          key,
          keyField: `msg.${keyProperty}`,
          sampleSize: spc.sampleSize,
        },
        nowMs,
      );
      if (!r.ok) throw new InputError(r.errors);
      if (!r.input) return;
      run(r.input, send, nowMs, msg._msgid);
    };

    onInput(this, status, (msg, send) =>
      gate.run(() => {
        try {
          handle(msg, send);
        } catch (err) {
          refused();
          throw err;
        }
      }),
    );

    // The cleared alarms of a discarded stored state wait for the end of the flows' start.
    let orphans: NodeMessage[] = [];
    let flowsStarted = false;
    const sendOrphans = () => {
      if (!flowsStarted || orphans.length === 0) return;
      this.send([null, orphans.length === 1 ? (orphans[0] as NodeMessage) : orphans]);
      orphans = [];
    };
    const onFlowsStarted = () => {
      flowsStarted = true;
      sendOrphans();
    };
    RED.events.once("flows:started", onFlowsStarted);

    const loaded = persisted
      .load()
      .then(
        (stored) => {
          if (stored === undefined || stored === null) return;
          // A chart stored with a configuration of another shape (chart, subgroups, phase I,
          // given limits) is not continued: a new phase I starts. Changed rules keep the limits.
          const restored = restoreSpcState(compiled, stored);
          if (restored) {
            state = restored;
            return;
          }
          this.warn(RED._("spc-check.errors.changed"));
          // Its active alarm episodes end here: "cleared" on output 2 (once the flows have
          // started, so the wired nodes exist), and the fresh state is stored so a restart does
          // not send them again.
          const cleared = clearedAlarmsOf(compiled, stored, Date.now());
          if (cleared.length > 0) {
            orphans = cleared.map((a): NodeMessage => ({ topic: a.asset ?? topic, payload: a }));
            sendOrphans();
          }
          persisted.schedule(state);
        },
        (err: Error) => {
          persist = false;
          this.error(RED._("spc-check.errors.load", { error: err.message }));
        },
      )
      .then(() => {
        restorePoint.reset(state);
        gate.open();
      });
    buildStatus();

    this.on("close", (removed: boolean, done: () => void) => {
      RED.events.removeListener("flows:started", onFlowsStarted);
      loaded
        .then(() => {
          if (statusTimer) clearTimeout(statusTimer);
          statusTimer = undefined;
          status.close();
          // A deleted node leaves no chart behind; a stopped or redeployed one keeps its limits.
          if (!persist) return undefined;
          return removed ? persisted.clear() : persisted.flush();
        })
        .catch((err: Error) => this.error(RED._("spc-check.errors.save", { error: err.message })))
        .finally(() => done());
    });
  }

  /** The checked configuration, or the problem naming the field. */
  function resolve(def: NodeDef & Partial<SpcCheckConfig>): Setup | string {
    const parsed = parseConfig({ ...def });
    if (!parsed.ok) return formatErrors(parsed.errors, "config");
    const config = parsed.value;
    let asset: string | undefined;
    if (config.asset) {
      const assetNode = RED.nodes.getNode(config.asset) as AssetNode | null;
      if (!assetNode) return RED._("spc-check.errors.noAsset");
      if (!assetNode.path) return assetNode.problem ?? RED._("spc-check.errors.noAsset");
      asset = assetNode.path;
    }
    const spc = spcConfigOf(config, asset ?? null);
    if (!spc.ok) return formatErrors(spc.errors, "config");
    const problems = checkSpcConfig(spc.value);
    if (problems.length > 0) return formatErrors(problems, "config");
    let compiled: SpcSetup;
    try {
      compiled = compileSpc(spc.value);
    } catch (err) {
      return `config: ${(err as Error).message}`;
    }
    return { config, spc: spc.value, compiled, asset };
  }

  RED.nodes.registerType("mfg-spc-check", SpcCheckNode);
};
