/**
 * One contender of the OEE benchmark, run as its own child process (so that the CPU and the
 * memory it reports are its own): an embedded Node-RED 4.1 runtime without HTTP, a temporary user
 * directory, the core function node, the bench nodes and (ours) the suite's nodes from dist/.
 *
 * Sequence: start Node-RED -> settle 1 s -> heap after GC (0 %) -> install the simulated clock ->
 * push `samples` synthetic samples through the bench source, never more than `inflight` not yet
 * completed by the contender's last node(s), pausing at every checkpoint to let the flow drain and
 * measure the heap after a forced GC -> advance the clock past the last sample plus graceMs and
 * ask for a report (source output 2) -> stop timing when the first answer arrives -> heap after GC
 * (100 %) -> result over IPC -> stop Node-RED -> exit.
 *
 * Simulated time: the samples are 1 s apart from a fixed epoch, far faster than real time. Both
 * suite nodes read the clock with Date.now() (the OEE reducer attributes time up to now - graceMs
 * on every step, exactly as in a live plant), so once the flow runs, Date.now() returns the
 * timestamp of the newest sample injected (after the last one: that plus graceMs). Timers and
 * the measurements (performance.now, process.cpuUsage) keep real time; the suite's
 * StatusReporter captured the real Date.now when the nodes were built, so its rate limit stays in
 * real time. The function chain reads no clock.
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
import type { HeapPoint, OeeContenderOptions, OeeContenderResult } from "./oee-common";
import { baselineFlow, floorFlow, IDS, oursFlow } from "./oee-flows";
import { sink } from "./oee-nodes";
import { SampleGenerator } from "./oee-samples";

interface CompleteEvent {
  msg: NodeMessage & { payload?: { kind?: unknown }; topic?: unknown };
  error?: unknown;
  node: { id: string };
}

const log = new BenchLog();

async function main(): Promise<void> {
  const raw = process.argv[2];
  if (!raw) throw new Error("usage: oee-contender.ts '<json OeeContenderOptions>'");
  const o = JSON.parse(raw) as OeeContenderOptions;
  const ours = o.contender === "ours" || o.contender === "ours-file";
  const floor = o.contender === "floor";
  const t0 = performance.now();
  const userDir = mkdtempSync(join(tmpdir(), `mfg-bench-oee-${o.contender}-`));
  const coreDir = join(userDir, "bench-nodes");
  writeCoreNodeDir(coreDir, {
    name: "bench-oee",
    module: join(__dirname, "oee-nodes.ts"),
    exportName: "registerOeeBenchNodes",
    html: 'RED.nodes.registerType("bench-oee-source",{category:"bench",defaults:{},inputs:0,outputs:2});RED.nodes.registerType("bench-oee-sink",{category:"bench",defaults:{mode:{value:"ours"}},inputs:1,outputs:0});',
  });
  writeFileSync(
    join(userDir, "flows.json"),
    JSON.stringify(ours ? oursFlow(o) : floor ? floorFlow() : baselineFlow(o)),
  );

  const RED = require("node-red") as EmbeddedRed<CompleteEvent, Array<NodeMessage | null>>;
  RED.init(
    embeddedSettings({
      userDir,
      coreNodesDir: coreDir,
      nodesDir: ours
        ? ["asset", "shift-calendar", "state-classifier", "oee-calculator"].map((n) =>
            join(o.root, "dist", "nodes", n),
          )
        : [],
      contextStorage:
        o.contender === "ours-file"
          ? { default: { module: "localfilesystem" } }
          : { default: { module: "memory" } },
      log,
    }),
  );
  const source = await startRuntime(RED, IDS.source);
  const startupS = (performance.now() - t0) / 1000;
  // The contender's nodes; the samples are done when the first two (ours, floor) or the second
  // (baseline) completed them.
  const [first, last] = ours
    ? [IDS.classifier, IDS.oee]
    : floor
      ? [IDS.noopA, IDS.noopB]
      : [IDS.fnState, IDS.fnOee];
  for (const id of [first, last]) {
    if (!RED.nodes.getNode(id)) throw new Error(`node ${id} is not running (see the log lines above)`);
  }
  progress(`Node-RED started in ${startupS.toFixed(1)} s`);

  // Completions of samples by the contender's last node(s): a sample is done when every node it
  // reaches has called done() for it (ours: the classifier and the OEE node; floor: both no-op
  // nodes; baseline: the second function node). Errors are counted and kept.
  let clsDone = 0;
  let oeeDone = 0;
  let errors = 0;
  const errorSamples: string[] = [];
  RED.hooks.add("onComplete.bench", (e: CompleteEvent) => {
    if (e.error !== undefined && e.error !== null) {
      errors++;
      if (errorSamples.length < 10) errorSamples.push(`${e.node.id}: ${String(e.error)}`.slice(0, 300));
    }
    const id = e.node.id;
    if (id === first) clsDone++;
    else if (id === last && e.msg.payload?.kind === "MachineSample") oeeDone++;
  });
  const completed = ours || floor ? () => Math.min(clsDone, oeeDone) : () => oeeDone;

  // Settle: let the nodes load their (empty) stored state.
  await sleep(1000);
  const heap: HeapPoint[] = [];
  const measureHeap = (samples: number) => {
    gc();
    const m = process.memoryUsage();
    heap.push({ samples, percent: (100 * samples) / o.samples, heapMB: m.heapUsed / MB, rssMB: m.rss / MB });
  };
  measureHeap(0);

  const realNow = Date.now;
  let simNow = o.epochMs;
  Date.now = () => simNow;

  const gen = new SampleGenerator({
    seed: o.seed,
    epochMs: o.epochMs,
    periodMs: o.periodMs,
    asset: o.asset,
    idealCycleTimeS: o.idealCycleTimeS,
    meanRunS: o.meanRunS,
  });
  const checkpoints = new Set<number>();
  for (let k = 1; k < o.checkpoints; k++) checkpoints.add(Math.round((o.samples * k) / o.checkpoints));
  const progressEvery = Math.max(1, Math.round(o.samples / 10));

  let injected = 0;
  let pausedMs = 0;
  let pausedCpuUs = 0;
  /** Waits until every injected sample is completed (bounded), then a few turns for what they sent. */
  const drain = async (what: string) => {
    const end = performance.now() + 120_000;
    while (injected - completed() > 0) {
      if (performance.now() > end)
        throw new Error(`${what}: ${injected - completed()} samples still in flight after 120 s`);
      await turn();
    }
    for (let i = 0; i < 5; i++) await turn();
  };

  const cpu0 = process.cpuUsage();
  const start = performance.now();
  while (injected < o.samples) {
    if (checkpoints.has(injected) && heap[heap.length - 1]?.samples !== injected) {
      await drain(`checkpoint ${injected}`);
      const p0 = performance.now();
      const c0 = process.cpuUsage();
      measureHeap(injected);
      const c1 = process.cpuUsage(c0);
      pausedCpuUs += c1.user + c1.system;
      pausedMs += performance.now() - p0;
    }
    let room = o.inflight - (injected - completed());
    while (room > 0 && injected < o.samples) {
      const sample = gen.next();
      simNow = sample.ts;
      source.send([{ topic: o.asset, payload: sample }, null]);
      injected++;
      room--;
      if (injected % progressEvery === 0) {
        const s = (performance.now() - start - pausedMs) / 1000;
        progress(
          `${o.contender}: ${injected}/${o.samples} samples, ${(injected / s).toFixed(0)} samples/s, heap ${(process.memoryUsage().heapUsed / MB).toFixed(0)} MB`,
        );
      }
      if (checkpoints.has(injected) || injected === 1) break;
    }
    // The first sample alone: ours counts no parts before its first StateChange reached the OEE
    // node, which it would not see in time if 63 more samples were already queued behind it.
    if (injected === 1) await drain("first sample");
    await turn();
  }

  // The end: everything processed, the clock past the last sample and the grace period, a report asked for.
  await drain("end");
  simNow = gen.truth.samples > 0 ? o.epochMs + gen.truth.samples * o.periodMs + o.graceMs : o.epochMs;
  const answered = new Promise<void>((resolve) => {
    sink.onFinal = resolve;
  });
  source.send([null, { topic: "report", benchFinal: true } as NodeMessage]);
  const gotIt = await Promise.race([answered.then(() => true), sleep(60_000).then(() => false)]);
  const end = performance.now();
  const cpu = process.cpuUsage(cpu0);
  if (!gotIt) throw new Error("no report within 60 s of the request at the end");
  // The other answers of the same request (ours: one per open window) are a few turns behind.
  await sleep(200);
  const seconds = (end - start - pausedMs) / 1000;
  const cpuS = (cpu.user + cpu.system - pausedCpuUs) / 1e6;
  measureHeap(o.samples);
  Date.now = realNow;

  const result: OeeContenderResult = {
    contender: o.contender,
    samples: o.samples,
    seconds,
    samplesPerS: o.samples / seconds,
    cpuS,
    cpuSPer100k: (cpuS * 100_000) / o.samples,
    cpuCores: cpuS / seconds,
    pausedS: pausedMs / 1000,
    heap,
    reports: sink.reports,
    reportsByKind: { ...sink.byKind },
    events: sink.events,
    parts: { good: sink.good, reject: sink.reject },
    finalReports: sink.final.slice(0, 5),
    errors,
    errorSamples,
    startupS,
    logs: log.summary(),
  };
  send({ type: "result", result, truth: gen.truth });

  const stopped = await Promise.race([RED.stop().then(() => true), sleep(20_000).then(() => false)]);
  if (!stopped) process.stderr.write("Node-RED did not stop within 20 s\n");
  rmSync(userDir, { recursive: true, force: true });
  await sleep(200);
  process.exit(0);
}

runChild(main, () => log.summary());
