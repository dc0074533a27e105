/**
 * The OEE benchmark's own nodes, registered only in its Node-RED child processes:
 *
 * - "bench-oee-source": the driver (oee-contender.ts) sends through it; output 1 carries the
 *   samples, output 2 the report request at the end. Sending through a node (instead of calling
 *   receive on the contender) makes Node-RED route the messages as it does in a real flow,
 *   including the copy of a message that goes to two wires.
 * - "bench-oee-sink": counts the contender's output messages and sums the parts of the final
 *   shift reports ("ours": OeeReport; "baseline": the function chain's report object); mode
 *   "events" only counts; mode "noop" does nothing (the floor contender) but answer the request.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage } from "node-red";
import type { OeeReport } from "../../lib/types";

/** Shape of the baseline's report (the second function node, see oee-flows.ts). */
export interface BaselineReport {
  shift: number;
  start: number;
  end: number;
  final: boolean;
  runMs: number;
  stopMs: number;
  good: number;
  reject: number;
  availability: number | null;
  performance: number | null;
  quality: number | null;
  oee: number | null;
}

/** Shared with the controller in the same process (one require cache). */
export const sink = {
  reports: 0,
  byKind: {} as Record<string, number>,
  events: 0,
  good: 0,
  reject: 0,
  /** Reports that answered the request at the end (msg.benchFinal), in arrival order. */
  final: [] as unknown[],
  /** Called when the first answer to the request at the end arrives. */
  onFinal: null as (() => void) | null,
};

type AnyMsg = NodeMessage & Record<string, unknown>;

interface SinkDef extends NodeDef {
  mode: "ours" | "baseline" | "events" | "noop";
}

function take(mode: "ours" | "baseline", msg: AnyMsg): void {
  sink.reports++;
  const answer = msg.benchFinal === true;
  if (mode === "ours") {
    const r = msg.payload as OeeReport;
    const key = `${r.window.type}${r.window.final ? " final" : ""}`;
    sink.byKind[key] = (sink.byKind[key] ?? 0) + 1;
    // Every instant lies in one shift (three shifts, seven days): the final shift reports plus
    // the open shift at the end hold every counted part once.
    if (r.window.type === "shift" && (r.window.final || answer)) {
      sink.good += r.counts.gq;
      sink.reject += r.counts.sq;
    }
  } else {
    const r = msg.payload as BaselineReport;
    const key = r.final ? "block final" : "block";
    sink.byKind[key] = (sink.byKind[key] ?? 0) + 1;
    if (r.final || answer) {
      sink.good += r.good;
      sink.reject += r.reject;
    }
  }
  if (answer) {
    sink.final.push(msg.payload);
    if (sink.onFinal) {
      const f = sink.onFinal;
      sink.onFinal = null;
      f();
    }
  }
}

export function registerOeeBenchNodes(RED: NodeAPI): void {
  function BenchOeeSource(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
  }
  RED.nodes.registerType("bench-oee-source", BenchOeeSource);

  function BenchOeeSink(this: Node, def: SinkDef): void {
    RED.nodes.createNode(this, def);
    const mode = def.mode;
    this.on("input", (msg: AnyMsg, _send: unknown, done: () => void) => {
      if (mode === "events") sink.events++;
      else if (mode === "noop") {
        // The floor contender: nothing but the answer to the request at the end.
        if (msg.benchFinal === true)
          take("baseline", { ...msg, payload: { final: false, good: 0, reject: 0 } });
      } else take(mode, msg);
      done();
    });
  }
  RED.nodes.registerType("bench-oee-sink", BenchOeeSink);
}
