/**
 * One contender of the SPC benchmark through Node-RED, run as its own child process (so that the
 * CPU and the heap it reports are its own): an embedded Node-RED 4.1 runtime without HTTP, a
 * temporary user directory, the core function node, the bench nodes (spc-nodes.ts) and, for ours,
 * mfg-spc-check from dist/; the memory context store ("ours-file": the file-backed one).
 *
 * Sequence: start Node-RED -> settle 1 s -> heap after GC (0 %) -> push `messages` measurements
 * (spc-values.ts, msg.payload = the value) through the bench source, never more than `inflight`
 * not yet completed by the contender's node, pausing at every checkpoint to let the flow drain and
 * measure the heap after a forced GC -> drain (every message completed and its output delivered)
 * -> stop timing -> heap after GC (100 %) -> result over IPC -> stop Node-RED -> exit.
 *
 * IPC to the parent: { type: "progress", text }, { type: "result", result }, { type: "error", error }.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { NodeMessage } from "node-red";
import { progress, runChild, send, sleep } from "./child-side";
import {
  BenchLog,
  type EmbeddedRed,
  embeddedSettings,
  gc,
  MB,
  startRuntime,
  turn,
  writeCoreNodeDir,
} from "./embedded-red";
import type { HeapPoint, RedOptions, RedResult } from "./spc-common";
import { baselineFlow, IDS, oursFlow } from "./spc-flows";
import { sink } from "./spc-nodes";
import { ValueStream } from "./spc-values";

interface CompleteEvent {
  error?: unknown;
  node: { id: string };
}

const log = new BenchLog();

async function main(): Promise<void> {
  const raw = process.argv[2];
  if (!raw) throw new Error("usage: spc-contender.ts '<json RedOptions>'");
  const o = JSON.parse(raw) as RedOptions;
  const ours = o.contender !== "baseline";
  const t0 = performance.now();
  const userDir = mkdtempSync(join(tmpdir(), `mfg-bench-spc-${o.contender}-`));
  const coreDir = join(userDir, "bench-nodes");
  writeCoreNodeDir(coreDir, {
    name: "bench-spc",
    module: join(__dirname, "spc-nodes.ts"),
    exportName: "registerSpcBenchNodes",
    html: 'RED.nodes.registerType("bench-spc-source",{category:"bench",defaults:{},inputs:0,outputs:1});RED.nodes.registerType("bench-spc-sink",{category:"bench",defaults:{mode:{value:"results"}},inputs:1,outputs:0});',
  });
  writeFileSync(join(userDir, "flows.json"), JSON.stringify(ours ? oursFlow(o) : baselineFlow()));

  const RED = require("node-red") as EmbeddedRed<CompleteEvent, NodeMessage>;
  RED.init(
    embeddedSettings({
      userDir,
      coreNodesDir: coreDir,
      nodesDir: ours ? [join(o.root, "dist", "nodes", "spc-check")] : [],
      contextStorage:
        o.contender === "ours-file"
          ? { default: { module: "localfilesystem" } }
          : { default: { module: "memory" } },
      log,
    }),
  );
  const source = await startRuntime(RED, IDS.source);
  const startupS = (performance.now() - t0) / 1000;
  const node = ours ? IDS.spc : IDS.fn;
  if (!RED.nodes.getNode(node)) throw new Error(`node ${node} is not running (see the log lines above)`);
  progress(`Node-RED started in ${startupS.toFixed(1)} s`);

  let completed = 0;
  let errors = 0;
  const errorSamples: string[] = [];
  RED.hooks.add("onComplete.bench", (e: CompleteEvent) => {
    if (e.node.id !== node) return;
    completed++;
    if (e.error !== undefined && e.error !== null) {
      errors++;
      if (errorSamples.length < 10) errorSamples.push(String(e.error).slice(0, 300));
    }
  });

  // Settle: let the node load its (empty) stored state.
  await sleep(1000);
  const heap: HeapPoint[] = [];
  const measureHeap = (n: number) => {
    gc();
    const m = process.memoryUsage();
    heap.push({ values: n, percent: (100 * n) / o.messages, heapMB: m.heapUsed / MB, rssMB: m.rss / MB });
  };
  measureHeap(0);

  const stream = new ValueStream(o.stream);
  const checkpoints = new Set<number>();
  for (let k = 1; k < o.checkpoints; k++) checkpoints.add(Math.round((o.messages * k) / o.checkpoints));
  const progressEvery = Math.max(1, Math.round(o.messages / 5));
  let injected = 0;
  let pausedMs = 0;
  let pausedCpuUs = 0;
  /** Waits until every injected message is completed and its output delivered (bounded). */
  const drain = async (what: string) => {
    const end = performance.now() + 120_000;
    while (completed < injected) {
      if (performance.now() > end)
        throw new Error(`${what}: ${injected - completed} messages still in flight after 120 s`);
      await turn();
    }
    // The outputs of the last completed messages are a few turns behind; wait until none arrives.
    let seen = -1;
    for (let i = 0; i < 1000 && sink.delivered !== seen; i++) {
      seen = sink.delivered;
      for (let k = 0; k < 3; k++) await turn();
    }
  };

  const cpu0 = process.cpuUsage();
  const start = performance.now();
  while (injected < o.messages) {
    if (checkpoints.has(injected) && heap[heap.length - 1]?.values !== injected) {
      await drain(`checkpoint ${injected}`);
      const p0 = performance.now();
      const c0 = process.cpuUsage();
      measureHeap(injected);
      const c1 = process.cpuUsage(c0);
      pausedCpuUs += c1.user + c1.system;
      pausedMs += performance.now() - p0;
    }
    let room = o.inflight - (injected - completed);
    while (room > 0 && injected < o.messages) {
      source.send({ topic: "FillVolume", payload: stream.next() });
      injected++;
      room--;
      if (injected % progressEvery === 0) {
        const s = (performance.now() - start - pausedMs) / 1000;
        progress(
          `${o.contender}: ${injected}/${o.messages} messages, ${(injected / s).toFixed(0)} messages/s, heap ${(process.memoryUsage().heapUsed / MB).toFixed(0)} MB`,
        );
      }
      if (checkpoints.has(injected)) break;
    }
    await turn();
  }
  await drain("end");
  const end = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const seconds = (end - start - pausedMs) / 1000;
  const cpuS = (cpu.user + cpu.system - pausedCpuUs) / 1e6;
  measureHeap(o.messages);

  const result: RedResult = {
    contender: o.contender,
    messages: o.messages,
    seconds,
    messagesPerS: o.messages / seconds,
    cpuS,
    cpuSPer100k: (cpuS * 100_000) / o.messages,
    cpuCores: cpuS / seconds,
    pausedS: pausedMs / 1000,
    heap,
    delivered: sink.delivered,
    alarms: sink.alarms,
    flagged: { ...sink.flagged },
    errors,
    errorSamples,
    startupS,
    logs: log.summary(),
    last: sink.last,
  };
  send({ type: "result", result });

  const stopped = await Promise.race([RED.stop().then(() => true), sleep(20_000).then(() => false)]);
  if (!stopped) process.stderr.write("Node-RED did not stop within 20 s\n");
  rmSync(userDir, { recursive: true, force: true });
  await sleep(200);
  process.exit(0);
}

runChild(main, () => log.summary());
