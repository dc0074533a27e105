/**
 * The SPC benchmark's own nodes, registered only in its Node-RED child processes:
 *
 * - "bench-spc-source": the driver (spc-contender.ts) sends the measurements through it, so that
 *   Node-RED routes them as in a real flow;
 * - "bench-spc-sink": the counting node at the end of each flow, the same small work for both
 *   contenders: counts the messages; mode "results" also counts the flags each carries (ours:
 *   `payload.violations` of a phase-II SpcResult, per rule; the function node: `payload.out`) and keeps the
 *   last payload; mode "alarms" only counts (ours' second output).
 *
 * (count-node.ts is the connector benchmarks' counting node: it counts tag values per variable,
 * which an SPC result does not have.)
 */
import type { Node, NodeAPI, NodeDef, NodeMessage } from "node-red";

/** Shared with the driver in the same process (one require cache). */
export const sink = {
  delivered: 0,
  alarms: 0,
  flagged: {} as Record<string, number>,
  last: null as unknown,
};

type AnyMsg = NodeMessage & Record<string, unknown>;

interface SinkDef extends NodeDef {
  mode: "results" | "alarms";
}

interface Payload {
  kind?: unknown;
  phase?: unknown;
  violations?: Array<{ rule: string }>;
  out?: unknown;
}

function take(payload: Payload | undefined): void {
  sink.delivered++;
  sink.last = payload;
  if (!payload) return;
  if (payload.kind === "SpcResult") {
    if (payload.phase !== "II" || !Array.isArray(payload.violations)) return;
    for (const v of payload.violations) sink.flagged[v.rule] = (sink.flagged[v.rule] ?? 0) + 1;
  } else if (payload.out === true) {
    sink.flagged.out = (sink.flagged.out ?? 0) + 1;
  }
}

export function registerSpcBenchNodes(RED: NodeAPI): void {
  function BenchSpcSource(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
  }
  RED.nodes.registerType("bench-spc-source", BenchSpcSource);

  function BenchSpcSink(this: Node, def: SinkDef): void {
    RED.nodes.createNode(this, def);
    const alarms = def.mode === "alarms";
    this.on("input", (msg: AnyMsg, _send: unknown, done: () => void) => {
      if (alarms) sink.alarms++;
      else take(msg.payload as Payload | undefined);
      done();
    });
  }
  RED.nodes.registerType("bench-spc-sink", BenchSpcSink);
}
