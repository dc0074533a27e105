/**
 * Benchmark: OPC UA subscription throughput of mfg-machine-connector against node-red-contrib-opcua.
 *
 * One OPC UA server (own child process, 127.0.0.1, `--variables` Double variables, each changing
 * every `--tickMs`), then each contender in its own child process (embedded Node-RED 4.1, flow
 * contender -> counting node) subscribing to every variable on one session, one after the other
 * against the same server in the same run. Prints delivered messages/s and values/s, CPU seconds per
 * 10,000 delivered values and memory, the ratios ours/contrib, and writes everything as JSON to
 * bench/results/opcua-connector-<timestamp>.json. See docs/benchmarks.md.
 *
 *   npm run bench:opcua -- --seconds 60            both contenders, 60 s windows
 *   npm run bench:opcua -- --seconds 0 --minutes 10   only the long memory run of ours
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { freePort } from "../scripts/services";
import { type Child, type ChildMessage, startChild } from "./support/children";
import { parseOptions } from "./support/cli";
import type {
  ContenderName,
  ContenderOptions,
  ContenderResult,
  ServerOptions,
  ServerStats,
} from "./support/common";
import { f, g, machineInfo, table } from "./support/format";

const ROOT = join(__dirname, "..");
const SUPPORT = join(__dirname, "support");

interface Options {
  seconds: number;
  minutes: number;
  variables: number;
  tickMs: number;
  samplingMs: number;
  publishingMs: number;
  queueSize: number;
  warmup: number;
  warmupMax: number;
  sampleEvery: number;
  only: ContenderName | "";
  update: "pull" | "push";
}

const DEFAULTS: Options = {
  seconds: 60,
  minutes: 0,
  variables: 10_000,
  tickMs: 100,
  samplingMs: 100,
  publishingMs: 100,
  queueSize: 1,
  warmup: 15,
  warmupMax: 120,
  sampleEvery: 2,
  only: "",
  update: "pull",
};

const HELP = `usage: npm run bench:opcua -- [options]
  --seconds D       measurement window per contender, s (default 60; 0 = no comparison)
  --minutes M       afterwards, a long run of ours only over M minutes for memory (default 0 = none)
  --variables N     server variables, all subscribed (default 10000)
  --tickMs T        every variable changes every T ms (default 100)
  --samplingMs S    sampling interval of every monitored item (default 100)
  --publishingMs P  publishing interval of the subscription (default 100)
  --queueSize Q     monitored item queue size of ours (contrib fixes it at 1; default 1)
  --warmup W        warm-up at least W s and until every variable was delivered once (default 15)
  --warmupMax X     ... but at most X s (default 120)
  --sampleEvery E   memory sample period, s (default 2; the long run uses max(E, 5))
  --only NAME       run only "contrib" or "ours"
  --update MODE     "pull" (default): a variable's value is derived from the tick number when the server
                    samples it; "push": a server timer writes all variables every tick`;

function parseArgs(argv: string[]): Options {
  const o = parseOptions(argv, DEFAULTS, HELP, { only: ["", "contrib", "ours"], update: ["pull", "push"] });
  if (o.variables < 1 || !Number.isInteger(o.variables))
    throw new Error("--variables must be a positive integer");
  if (o.tickMs < 10) throw new Error("--tickMs must be at least 10");
  if (o.sampleEvery < 0.5) throw new Error("--sampleEvery must be at least 0.5");
  if (o.seconds === 0 && o.minutes === 0) throw new Error("nothing to do: --seconds 0 and --minutes 0");
  return o;
}

function oursAvailable(): string | null {
  for (const n of ["machine-connector", "opcua-endpoint", "asset"]) {
    const file = join(ROOT, "dist", "nodes", n, `${n}.js`);
    if (!existsSync(file)) return `${file} does not exist (run npm run build)`;
  }
  return null;
}

async function serverStats(server: Child): Promise<ServerStats> {
  const reply = server.next("stats", 10_000);
  server.send({ type: "stats" });
  return (await reply).stats as ServerStats;
}

function serverWindow(a: ServerStats, b: ServerStats) {
  const wallS = (b.atMs - a.atMs) / 1000;
  const cpuS = (b.cpuUserUs - a.cpuUserUs + b.cpuSystemUs - a.cpuSystemUs) / 1e6;
  return {
    wallS,
    cpuS,
    cpuCores: wallS > 0 ? cpuS / wallS : 0,
    offeredChangesPerS: wallS > 0 ? (b.changes - a.changes) / wallS : 0,
    ticksPerS: wallS > 0 ? (b.ticks - a.ticks) / wallS : 0,
    rssMB: b.rssBytes / (1024 * 1024),
  };
}
type ServerWindow = ReturnType<typeof serverWindow>;

interface Run {
  result: ContenderResult;
  server: ServerWindow;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the previous contender's subscriptions are gone from the server (so that their
 * sampling does not load it); a session that was not closed stays until its timeout, idle.
 */
async function waitNoSubscriptions(server: Child, maxMs: number): Promise<ServerStats> {
  const end = Date.now() + maxMs;
  let stats = await serverStats(server);
  while (stats.subscriptions > 0 && Date.now() < end) {
    await sleep(1000);
    stats = await serverStats(server);
  }
  return stats;
}

async function runContender(
  server: Child,
  name: ContenderName,
  endpointUrl: string,
  o: Options,
  seconds: number,
  sampleEvery: number,
): Promise<Run> {
  const before = await waitNoSubscriptions(server, 120_000);
  if (before.subscriptions > 0) {
    console.warn(
      `warning: the server still has ${before.subscriptions} subscription(s) before ${name} starts`,
    );
  }
  if (before.sessions > 0) {
    console.log(
      `  note: ${before.sessions} earlier session(s) not closed by their client, idle until their timeout`,
    );
  }
  const options: ContenderOptions = {
    contender: name,
    root: ROOT,
    endpointUrl,
    variables: o.variables,
    samplingIntervalMs: o.samplingMs,
    publishingIntervalMs: o.publishingMs,
    queueSize: o.queueSize,
    warmupS: o.warmup,
    warmupMaxS: o.warmupMax,
    seconds,
    sampleEveryS: sampleEvery,
  };
  console.log(`\n== ${name}: ${seconds} s window after a warm-up of ${o.warmup}..${o.warmupMax} s`);
  const child = startChild(name, join(SUPPORT, "contender.ts"), options, {
    nodeArgs: ["--expose-gc"],
    echo: true,
  });
  let windowStart: Promise<ServerStats> | undefined;
  let windowEnd: Promise<ServerStats> | undefined;
  const off = child.onMessage((m: ChildMessage) => {
    if (m.type === "progress") console.log(`  ${String(m.text)}`);
    if (m.type === "window" && m.phase === "start") windowStart = serverStats(server);
    if (m.type === "window" && m.phase === "end") windowEnd = serverStats(server);
  });
  try {
    const timeoutMs = (120 + o.warmupMax + seconds + 60) * 1000;
    const message = await child.next("result", timeoutMs);
    const result = message.result as ContenderResult;
    if (!windowStart || !windowEnd) throw new Error(`${name}: the window was not reported`);
    const s = serverWindow(await windowStart, await windowEnd);
    return { result, server: s };
  } finally {
    off();
    await child.stop(15_000);
  }
}

function report(runs: Partial<Record<ContenderName, Run>>, label: (n: ContenderName) => string): string {
  const header = [
    "contender",
    "offered/s",
    "msgs/s",
    "values/s",
    "fresh/s",
    "distinct",
    "CPU s/10k",
    "CPU cores",
    "CPU s total",
    "RSS MB start/end/max",
    "heap MB start/end/max",
    "heap MB/min",
    "gc heap MB s/e",
    "server cores",
    "server RSS MB",
  ];
  const rows = [header];
  for (const name of ["contrib", "ours"] as const) {
    const run = runs[name];
    if (!run) continue;
    const r = run.result;
    const m = r.memory;
    rows.push([
      label(name),
      f(run.server.offeredChangesPerS),
      f(r.messagesPerS),
      f(r.valuesPerS),
      f(r.freshValuesPerS),
      `${r.distinctInWindow}/${r.distinctTotal}`,
      f(r.cpuPer10kValuesS, 4),
      f(r.cpuCores, 2),
      f(r.processCpuTotalS, 1),
      `${f(m.rssStartMB)}/${f(m.rssEndMB)}/${f(m.rssMaxMB)}`,
      `${f(m.heapStartMB)}/${f(m.heapEndMB)}/${f(m.heapMaxMB)}`,
      f(m.heapSlopeMBPerMin, 2),
      `${f(m.heapAfterGcStartMB, 1)}/${f(m.heapAfterGcEndMB, 1)}`,
      f(run.server.cpuCores, 2),
      f(run.server.rssMB),
    ]);
  }
  return table(rows);
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const startedAt = new Date();
  const unavailable = oursAvailable();
  const names: ContenderName[] = [];
  if (o.seconds > 0) {
    if (o.only !== "ours") names.push("contrib");
    if (o.only !== "contrib") {
      if (unavailable) {
        if (o.only === "ours") throw new Error(`ours is not available: ${unavailable}`);
        console.warn(`warning: skipping ours: ${unavailable}`);
      } else names.push("ours");
    }
  }
  if (o.minutes > 0 && unavailable) throw new Error(`the long run needs ours: ${unavailable}`);

  const machine = machineInfo();

  const port = await freePort();
  const serverOptions: ServerOptions = { port, variables: o.variables, tickMs: o.tickMs, update: o.update };
  console.log(
    `starting the OPC UA server: ${o.variables} variables changing every ${o.tickMs} ms (${o.update})`,
  );
  const server = startChild("server", join(SUPPORT, "opcua-server.ts"), serverOptions, { echo: true });
  try {
    const ready = await server.next("ready", 180_000);
    const endpointUrl = String(ready.endpointUrl);
    console.log(`server ready at ${endpointUrl}`);
    await sleep(2000);
    const idleA = await serverStats(server);
    await sleep(5000);
    const idle = serverWindow(idleA, await serverStats(server));
    console.log(
      `server without clients: ${f(idle.cpuCores, 2)} cores, ${f(idle.offeredChangesPerS)} changes/s offered`,
    );

    const runs: Partial<Record<ContenderName, Run>> = {};
    for (const name of names) {
      runs[name] = await runContender(server, name, endpointUrl, o, o.seconds, o.sampleEvery);
    }
    let longRun: Run | undefined;
    if (o.minutes > 0) {
      longRun = await runContender(
        server,
        "ours",
        endpointUrl,
        o,
        o.minutes * 60,
        Math.max(o.sampleEvery, 5),
      );
    }

    const label = (n: ContenderName) =>
      n === "contrib" ? "node-red-contrib-opcua 0.2.354" : "mfg-machine-connector";
    console.log(
      `\nOPC UA connector benchmark: ${o.variables} variables, tick ${o.tickMs} ms (${o.update}), sampling ${o.samplingMs} ms, publishing ${o.publishingMs} ms`,
    );
    let ratios:
      | {
          valuesPerS: number;
          freshValuesPerS: number;
          messagesPerS: number;
          cpuPer10kValues: number;
          rssEnd: number;
        }
      | undefined;
    if (Object.keys(runs).length > 0) {
      console.log(`\n${report(runs, label)}`);
      const c = runs.contrib?.result;
      const u = runs.ours?.result;
      if (c && u) {
        ratios = {
          valuesPerS: u.valuesPerS / c.valuesPerS,
          freshValuesPerS: u.freshValuesPerS / c.freshValuesPerS,
          messagesPerS: u.messagesPerS / c.messagesPerS,
          cpuPer10kValues: u.cpuPer10kValuesS / c.cpuPer10kValuesS,
          rssEnd: u.memory.rssEndMB / c.memory.rssEndMB,
        };
        console.log(
          `\nours/contrib: values/s ${g(ratios.valuesPerS)}x, fresh values/s ${g(ratios.freshValuesPerS)}x, messages/s ${g(ratios.messagesPerS)}x, CPU per 10k values ${g(ratios.cpuPer10kValues)}x, RSS at end ${g(ratios.rssEnd)}x`,
        );
        console.log(
          `goal (>= 2x delivered values/s at no more CPU per value): ${ratios.freshValuesPerS >= 2 && ratios.cpuPer10kValues <= 1 ? "met" : "NOT met"}`,
        );
      }
    }
    if (longRun) {
      const m = longRun.result.memory;
      console.log(
        `\nlong run of ours, ${f(longRun.result.windowS / 60, 1)} min:\n${report({ ours: longRun }, label)}`,
      );
      console.log(
        `RSS slope ${f(m.rssSlopeMBPerMin, 2)} MB/min, heap slope ${f(m.heapSlopeMBPerMin, 2)} MB/min, heap after full GC ${f(m.heapAfterGcStartMB, 1)} -> ${f(m.heapAfterGcEndMB, 1)} MB`,
      );
    }
    for (const [name, run] of Object.entries({
      ...runs,
      ...(longRun ? { "ours (long run)": longRun } : {}),
    })) {
      if (run.result.distinctTotal < o.variables) {
        console.warn(
          `warning: ${name} delivered only ${run.result.distinctTotal} of ${o.variables} variables`,
        );
      }
      if (run.result.logs.length > 0) {
        console.log(`\n${name} logged:\n  ${run.result.logs.slice(0, 10).join("\n  ")}`);
      }
    }

    const dir = join(ROOT, "bench", "results");
    mkdirSync(dir, { recursive: true });
    const stamp = startedAt.toISOString().replace(/[:.]/g, "-");
    const file = join(dir, `opcua-connector-${stamp}.json`);
    writeFileSync(
      file,
      `${JSON.stringify(
        {
          benchmark: "opcua-connector",
          startedAt: startedAt.toISOString(),
          machine: { ...machine, loadAverageAtEnd: os.loadavg() },
          options: o,
          server: { idle, node_opcua: "2.182.2" },
          runs,
          ratios,
          longRun,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`\nwritten ${file}`);
  } finally {
    await server.stop(10_000);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
