/**
 * One contender of the OPC UA benchmark, run as its own child process (so that the CPU and the
 * memory it reports are its own): an embedded Node-RED 4.1 runtime without HTTP, a temporary user
 * directory, only the nodes the contender needs (node-red-contrib-opcua is loaded only in its own
 * child), and the flow contender -> bench-count.
 *
 * Sequence: start Node-RED -> (contrib: send the multi-item subscribe message once the session is
 * up) -> warm-up (at least warmupS and until every variable was delivered once, at most warmupMaxS)
 * -> measurement window of `seconds` -> result over IPC -> stop Node-RED -> exit.
 *
 * IPC to the parent: { type: "progress", text }, { type: "window", phase: "start" | "end" },
 * { type: "result", result: ContenderResult }, { type: "error", error }.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { NodeMessage } from "node-red";
import { progress, runChild, send, sleep } from "./child-side";
import {
  type ContenderOptions,
  type ContenderResult,
  MB,
  type MemorySample,
  summariseMemory,
} from "./common";
import { counters } from "./count-node";
import { BenchLog, embeddedSettings } from "./embedded-red";
import { contribFlow, contribSubscribeMessage, oursFlow } from "./flows";

interface EmbeddedRed {
  init(settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  nodes: { getNode(id: string): { receive(msg: NodeMessage & Record<string, unknown>): void } | null };
}

const log = new BenchLog();

/** Waits until `check()` is true, polling every `everyMs`, at most `maxMs`; resolves with the outcome. */
async function until(check: () => boolean, maxMs: number, everyMs = 100): Promise<boolean> {
  const end = performance.now() + maxMs;
  while (!check()) {
    if (performance.now() >= end) return false;
    await sleep(everyMs);
  }
  return true;
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect) collect();
}

function memorySample(tS: number): MemorySample {
  const m = process.memoryUsage();
  return { tS, rssMB: m.rss / MB, heapUsedMB: m.heapUsed / MB };
}

/** A node directory Node-RED scans instead of its core nodes: only bench-count, via a require shim. */
function writeCountNodeDir(dir: string): void {
  // Node-RED reads the examples folder of its core node set.
  mkdirSync(join(dir, "examples"), { recursive: true });
  const module = join(__dirname, "count-node.ts");
  writeFileSync(
    join(dir, "bench-count.js"),
    `// Written by bench/support/contender.ts\nmodule.exports = require(${JSON.stringify(module)}).registerCountNode;\n`,
  );
  writeFileSync(
    join(dir, "bench-count.html"),
    '<script type="text/javascript">RED.nodes.registerType("bench-count",{category:"bench",defaults:{mode:{value:"suite"}},inputs:1,outputs:0});</script>\n',
  );
}

function nodesDirs(o: ContenderOptions): string[] {
  if (o.contender === "contrib") return [join(o.root, "node_modules", "node-red-contrib-opcua")];
  return ["asset", "opcua-endpoint", "machine-connector"].map((n) => join(o.root, "dist", "nodes", n));
}

async function main(): Promise<void> {
  const raw = process.argv[2];
  if (!raw) throw new Error("usage: contender.ts '<json ContenderOptions>'");
  const o = JSON.parse(raw) as ContenderOptions;
  const t0 = performance.now();
  const userDir = mkdtempSync(join(tmpdir(), `mfg-bench-${o.contender}-`));
  // node-red-contrib-opcua keeps its client PKI under env-paths' config folder: keep it out of $HOME.
  process.env.XDG_CONFIG_HOME = join(userDir, "xdg");
  const coreDir = join(userDir, "bench-nodes");
  writeCountNodeDir(coreDir);
  const flow = o.contender === "contrib" ? contribFlow(o) : oursFlow(o);
  writeFileSync(join(userDir, "flows.json"), JSON.stringify(flow));

  const RED = require("node-red") as EmbeddedRed;
  RED.init(
    embeddedSettings({
      userDir,
      coreNodesDir: coreDir,
      nodesDir: nodesDirs(o),
      contextStorage: { default: { module: "memory" } },
      log,
    }),
  );
  await RED.start();
  const flowStarted = performance.now();
  const startupS = (flowStarted - t0) / 1000;
  progress(`Node-RED started in ${startupS.toFixed(1)} s`);

  if (o.contender === "contrib") {
    let sessionUp = false;
    counters.onStatus = (text) => {
      if (text.includes("session active")) sessionUp = true;
    };
    const up = await until(() => sessionUp, 60_000);
    if (!up)
      throw new Error(`contrib: no "session active" within 60 s; statuses: ${counters.statuses.join(" | ")}`);
    const client = RED.nodes.getNode("contrib-client");
    if (!client) throw new Error("contrib: OpcUa-Client node not found");
    client.receive(contribSubscribeMessage(o) as NodeMessage & Record<string, unknown>);
    progress("contrib: session active, multi-item subscribe sent");
  }

  // Warm-up.
  const samples: MemorySample[] = [];
  let allItemsAfterS: number | null = null;
  const warmupMinEnd = flowStarted + o.warmupS * 1000;
  const warmupMaxEnd = flowStarted + o.warmupMaxS * 1000;
  let nextSample = performance.now();
  let nextProgress = performance.now() + 10_000;
  while (true) {
    const now = performance.now();
    if (allItemsAfterS === null && counters.perTag.size >= o.variables) {
      allItemsAfterS = (now - flowStarted) / 1000;
      progress(`${o.contender}: all ${o.variables} variables delivered after ${allItemsAfterS.toFixed(1)} s`);
    }
    if (now >= warmupMaxEnd || (now >= warmupMinEnd && allItemsAfterS !== null)) break;
    if (now >= nextSample) {
      samples.push(memorySample((now - warmupMinEnd) / 1000));
      nextSample += o.sampleEveryS * 1000;
    }
    if (now >= nextProgress) {
      progress(
        `${o.contender}: warm-up ${((now - flowStarted) / 1000).toFixed(0)} s, ${counters.perTag.size}/${o.variables} variables seen, ${counters.values} values`,
      );
      nextProgress += 10_000;
    }
    await sleep(200);
  }
  const warmupUsedS = (performance.now() - flowStarted) / 1000;

  // Measurement window.
  gc();
  const heapAfterGcStartMB = (globalThis as { gc?: unknown }).gc ? process.memoryUsage().heapUsed / MB : null;
  send({ type: "window", phase: "start" });
  counters.window++;
  counters.distinctInWindow = 0;
  const start = {
    messages: counters.messages,
    values: counters.values,
    freshValues: counters.freshValues,
    cpu: process.cpuUsage(),
    at: performance.now(),
  };
  const windowSamples: MemorySample[] = [memorySample(0)];
  const windowEnd = start.at + o.seconds * 1000;
  nextSample = start.at + o.sampleEveryS * 1000;
  nextProgress = start.at + 10_000;
  while (true) {
    const now = performance.now();
    if (now >= windowEnd) break;
    if (now >= nextSample) {
      windowSamples.push(memorySample((now - start.at) / 1000));
      nextSample += o.sampleEveryS * 1000;
    }
    if (now >= nextProgress) {
      const s = (now - start.at) / 1000;
      progress(
        `${o.contender}: ${s.toFixed(0)}/${o.seconds} s, ${((counters.values - start.values) / s).toFixed(0)} values/s, heap ${windowSamples[windowSamples.length - 1]?.heapUsedMB.toFixed(0)} MB`,
      );
      nextProgress += 10_000;
    }
    await sleep(Math.max(1, Math.min(200, windowEnd - now)));
  }
  const end = {
    messages: counters.messages,
    values: counters.values,
    freshValues: counters.freshValues,
    distinctInWindow: counters.distinctInWindow,
    cpu: process.cpuUsage(),
    at: performance.now(),
  };
  send({ type: "window", phase: "end" });
  const total = process.cpuUsage();
  windowSamples.push(memorySample((end.at - start.at) / 1000));
  gc();
  const heapAfterGcEndMB = (globalThis as { gc?: unknown }).gc ? process.memoryUsage().heapUsed / MB : null;

  const windowS = (end.at - start.at) / 1000;
  const values = end.values - start.values;
  const cpuUserS = (end.cpu.user - start.cpu.user) / 1e6;
  const cpuSystemS = (end.cpu.system - start.cpu.system) / 1e6;
  const result: ContenderResult = {
    contender: o.contender,
    windowS,
    startupS,
    warmupUsedS,
    allItemsAfterS,
    distinctTotal: counters.perTag.size,
    distinctInWindow: end.distinctInWindow,
    messages: end.messages - start.messages,
    values,
    freshValues: end.freshValues - start.freshValues,
    messagesPerS: (end.messages - start.messages) / windowS,
    valuesPerS: values / windowS,
    freshValuesPerS: (end.freshValues - start.freshValues) / windowS,
    cpuUserS,
    cpuSystemS,
    cpuPer10kValuesS: values > 0 ? ((cpuUserS + cpuSystemS) * 10_000) / values : Number.POSITIVE_INFINITY,
    cpuCores: (cpuUserS + cpuSystemS) / windowS,
    processCpuTotalS: (total.user + total.system) / 1e6,
    memory: summariseMemory(windowSamples, heapAfterGcStartMB, heapAfterGcEndMB),
    samples: [...samples, ...windowSamples],
    statuses: counters.statuses.slice(),
    logs: log.summary(),
  };
  send({ type: "result", result });

  const stopped = await Promise.race([RED.stop().then(() => true), sleep(10_000).then(() => false)]);
  if (!stopped) process.stderr.write("Node-RED did not stop within 10 s\n");
  rmSync(userDir, { recursive: true, force: true });
  // Let the IPC channel flush the result before exiting.
  await sleep(200);
  process.exit(0);
}

runChild(main, () => log.summary());
