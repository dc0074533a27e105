/**
 * The counting node both contenders deliver into: type "bench-count", registered only in the
 * benchmark's Node-RED child processes. It does the same small amount of work per delivered tag
 * value for both contenders (one Map lookup), so that the figures compare the connectors.
 *
 * mode "suite":   msg.payload is a MachineSample; every entry of msg.payload.values is one value.
 * mode "contrib": node-red-contrib-opcua's subscription output; msg.topic is the NodeId and
 *                 msg.payload the DataValue (one value per message).
 * mode "status":  a contender's status/event output; the last messages are kept for the report.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage } from "node-red";

interface Entry {
  /** Last value delivered for the variable. */
  v: unknown;
  /** Window in which it was last delivered. */
  w: number;
}

/** Counters shared with the child's controller (same module instance: one require cache). */
export const counters = {
  messages: 0,
  values: 0,
  freshValues: 0,
  distinctInWindow: 0,
  /** Incremented at the start of the measurement window (distinctInWindow restarts). */
  window: 0,
  perTag: new Map<string, Entry>(),
  statuses: [] as string[],
  /** Called once per delivered message (the controller uses it to notice the first delivery). */
  onFirst: null as (() => void) | null,
  /** Called with each status message's text. */
  onStatus: null as ((text: string) => void) | null,
};

const MAX_STATUSES = 20;

function count(name: string, v: unknown): void {
  counters.values++;
  const e = counters.perTag.get(name);
  if (e === undefined) {
    counters.perTag.set(name, { v, w: counters.window });
    counters.freshValues++;
    counters.distinctInWindow++;
    return;
  }
  if (e.v !== v) {
    e.v = v;
    counters.freshValues++;
  }
  if (e.w !== counters.window) {
    e.w = counters.window;
    counters.distinctInWindow++;
  }
}

interface CountDef extends NodeDef {
  mode: "suite" | "contrib" | "status";
}

type AnyMsg = NodeMessage & Record<string, unknown>;

function countSuite(msg: AnyMsg): void {
  const payload = msg.payload as { values?: Record<string, { value?: unknown }> } | undefined;
  const values = payload?.values;
  if (!values) return;
  for (const name in values) count(name, values[name]?.value);
}

function countContrib(msg: AnyMsg): void {
  const payload = msg.payload as { value?: { value?: unknown } } | undefined;
  count(String(msg.topic), payload?.value?.value);
}

function keepStatus(msg: AnyMsg): void {
  let text: string;
  try {
    text = JSON.stringify(msg.payload ?? msg.status ?? msg);
  } catch {
    text = String(msg.payload);
  }
  counters.statuses.push(`${new Date().toISOString()} ${text.slice(0, 300)}`);
  counters.onStatus?.(text);
  if (counters.statuses.length > MAX_STATUSES) counters.statuses.shift();
}

export function registerCountNode(RED: NodeAPI): void {
  function BenchCount(this: Node, def: CountDef): void {
    RED.nodes.createNode(this, def);
    const mode = def.mode;
    this.on("input", (msg: AnyMsg, _send: unknown, done: () => void) => {
      if (mode === "status") {
        keepStatus(msg);
      } else if (mode === "contrib" && msg.topic === "subscriptionId") {
        // contrib's announcement of the subscription it created, not a value
      } else {
        counters.messages++;
        if (mode === "suite") countSuite(msg);
        else countContrib(msg);
        if (counters.onFirst) {
          const first = counters.onFirst;
          counters.onFirst = null;
          first();
        }
      }
      done();
    });
  }
  RED.nodes.registerType("bench-count", BenchCount);
}
