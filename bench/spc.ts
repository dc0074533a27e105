/**
 * Benchmark: statistical process control of individual measurements (I-MR chart, the eight Nelson
 * rules), in the same run:
 *
 * 1. In-process (bench/support/spc-inprocess.ts, no Node-RED): lib/spc's reducer against a naive
 *    implementation that rescans a window of the last values for every rule on every sample (and
 *    a leaner one that slices only the last points each rule needs; bench/support/spc-naive.ts),
 *    over the same deterministic values (bench/support/spc-values.ts). A verify child runs all of
 *    them side by side: they must flag exactly the same (seq, rule) pairs in phase II, or the
 *    benchmark fails (exit 1): that is what makes the comparison fair. Then every timed run in its
 *    own child: samples/s (median of the rounds), ours/naive, heap after GC, the state's JSON size;
 *    ours also with spec limits and a rolling capability window.
 * 2. Through Node-RED (bench/support/spc-contender.ts, one child process per contender, embedded
 *    Node-RED 4.1): mfg-spc-check against a function node computing mean ± 3 sigma of every value
 *    seen; messages/s, CPU s per 100k messages, heap after GC.
 *
 * Prints tables and the ratios; writes everything as JSON to bench/results/spc-<timestamp>.json.
 * See docs/benchmarks.md.
 *
 *   npm run bench:spc                                   2,000,000 values in-process, 200,000 messages through Node-RED
 *   npm run bench:spc -- --file                         also ours with the file context store
 *   npm run bench:spc -- --only inprocess --rounds 5 --window 50
 */

import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { RULE_PRESETS } from "../lib/spc/rules";
import { startChild } from "./support/children";
import { parseOptions } from "./support/cli";
import { f, g, machineInfo, table, thousands } from "./support/format";
import {
  INPROCESS_CONTENDERS,
  type InprocessContender,
  type InprocessOptions,
  type InprocessResult,
  type InprocessRun,
  RED_CONTENDERS,
  type RedContender,
  type RedOptions,
  type RedResult,
  type VerifyResult,
} from "./support/spc-common";
import { NaiveIndividualsChart } from "./support/spc-naive";
import { type StreamOptions, ValueStream } from "./support/spc-values";

const ROOT = join(__dirname, "..");
const SUPPORT = join(__dirname, "support");

interface Options {
  samples: number;
  messages: number;
  rounds: number;
  window: number;
  phasePoints: number;
  seed: number;
  specSigmas: number;
  capabilityWindow: number;
  checkpoints: number;
  inflight: number;
  rules: "nelson" | "western-electric";
  lib: "dist" | "src";
  file: boolean;
  only: "" | "inprocess" | "node-red";
  profile: boolean;
}

const DEFAULTS: Options = {
  samples: 2_000_000,
  messages: 200_000,
  rounds: 3,
  window: 15,
  phasePoints: 25,
  seed: 1,
  specSigmas: 4,
  capabilityWindow: 100,
  checkpoints: 4,
  inflight: 64,
  rules: "nelson",
  lib: "dist",
  file: false,
  only: "",
  profile: false,
};

const HELP = `usage: npm run bench:spc -- [options]
  --samples N          values through the reducer in-process, per contender and round (default 2000000)
  --messages M         messages through Node-RED per contender and round (default 200000)
  --rounds R           rounds of every part; the median counts (default 3)
  --window W           values the naive chart keeps and rescans per sample (default 15, the longest rule)
  --phasePoints P      points of phase I, from which the limits are estimated (default 25)
  --seed S             seed of the value generator (default 1)
  --specSigmas K       capability variant: LSL/USL at mean -/+ K sigma of the process (default 4)
  --capabilityWindow C capability variant: points in the rolling capability window (default 100)
  --checkpoints C      heap after a forced GC at every 1/C of the values (default 4)
  --inflight K         Node-RED: most messages injected and not yet completed (default 64)
  --rules NAME         Node-RED: ours' rule preset, nelson or western-electric (default nelson)
  --lib dist|src       in-process: lib/spc compiled in dist/ (default, build first) or the sources through tsx
  --file               Node-RED: also run ours with the file-backed context store ("ours-file")
  --only PART          run only inprocess or node-red
  --profile            a V8 CPU profile of every child in bench/results/spc-profiles-<time>/`;

function parseArgs(argv: string[]): Options {
  const o = parseOptions(argv, DEFAULTS, HELP, {
    only: ["", "inprocess", "node-red"],
    rules: ["nelson", "western-electric"],
  });
  for (const k of ["samples", "messages", "rounds", "checkpoints", "inflight", "phasePoints"] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 1) throw new Error(`--${k} must be a positive integer`);
  }
  if (!Number.isInteger(o.window) || o.window < 15) throw new Error("--window must be an integer >= 15");
  if (o.phasePoints < 2 || o.samples <= o.phasePoints || o.messages <= o.phasePoints)
    throw new Error("--samples and --messages must exceed --phasePoints (>= 2)");
  if (!(o.specSigmas > 0)) throw new Error("--specSigmas must be > 0");
  return o;
}

const streamOptions = (o: Options): StreamOptions => ({
  seed: o.seed,
  mean: 10,
  sigma: 0.05,
  decimals: 3,
  inControl: Math.max(100, o.phasePoints * 2),
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

function profileArgs(dir: string | null, name: string): string[] {
  return dir
    ? ["--cpu-prof", "--cpu-prof-dir", dir, "--cpu-prof-name", `${name}-${Date.now()}.cpuprofile`]
    : [];
}

// ---------------------------------------------------------------------------------------------
// In-process.

/** One in-process child: the verify part, or one timed run of one contender. */
async function inprocessChild(
  o: Options,
  part: InprocessOptions["part"],
  contender: InprocessContender | undefined,
  round: number,
  profileDir: string | null,
): Promise<unknown> {
  const options: InprocessOptions = {
    root: ROOT,
    part,
    lib: o.lib,
    contender,
    round,
    stream: streamOptions(o),
    samples: o.samples,
    phase1Points: o.phasePoints,
    window: o.window,
    specSigmas: o.specSigmas,
    capabilityWindow: o.capabilityWindow,
    checkpoints: o.checkpoints,
  };
  const name = contender ?? part;
  const child = startChild(name, join(SUPPORT, "spc-inprocess.ts"), options, {
    nodeArgs: ["--expose-gc", ...profileArgs(part === "time" ? profileDir : null, name)],
    echo: true,
  });
  const off = child.onMessage((m) => {
    if (m.type === "progress") console.log(`  ${String(m.text)}`);
  });
  try {
    // Generous: 20 µs per value (the verify part: for each of the four contenders) and start-up.
    const timeoutMs = 120_000 + o.samples * 0.02 * (part === "verify" ? 4 : 1) * (o.window / 15);
    const message = await child.next("result", timeoutMs);
    for (let i = 0; i < 300 && !child.exited; i++) await new Promise((r) => setTimeout(r, 100));
    return message.result;
  } finally {
    off();
    await child.stop(30_000);
  }
}

async function inprocess(o: Options, profileDir: string | null): Promise<InprocessResult> {
  console.log(`\n== in-process: ${thousands(o.samples)} values; verify, then ${o.rounds} timed round(s)`);
  const verify = (await inprocessChild(o, "verify", undefined, 0, null)) as VerifyResult;
  const rounds: InprocessRun[] = [];
  let countsAgree = true;
  for (let round = 0; round < o.rounds; round++) {
    const order = round % 2 === 0 ? INPROCESS_CONTENDERS : [...INPROCESS_CONTENDERS].reverse();
    for (const contender of order) {
      const run = (await inprocessChild(o, "time", contender, round, profileDir)) as InprocessRun;
      rounds.push(run);
      const expected = verify.crossCheck.counts[contender];
      for (const id of Object.keys({ ...expected, ...run.violations })) {
        if ((expected[id] ?? 0) !== (run.violations[id] ?? 0)) {
          countsAgree = false;
          console.error(
            `  round ${round + 1}, ${contender}: ${run.violations[id] ?? 0} ${id} violations, ${expected[id] ?? 0} in the verify part`,
          );
        }
      }
      console.log(
        `  round ${round + 1}/${o.rounds} ${contender}: ${thousands(run.samplesPerS)} samples/s (${f(run.seconds, 2)} s), heap after GC ${f(run.heapStartMB, 1)} -> ${f(run.heapEndMB, 1)} MB, load ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(" ")}`,
      );
    }
  }
  const rate = (c: InprocessContender) => rounds.filter((r) => r.contender === c).map((r) => r.samplesPerS);
  const perRound = (c: InprocessContender, base: InprocessContender) =>
    median(
      rounds
        .filter((r) => r.contender === c)
        .map(
          (r) =>
            r.samplesPerS /
            (rounds.find((n) => n.contender === base && n.round === r.round)?.samplesPerS ?? 1),
        ),
    );
  return {
    samples: o.samples,
    verify,
    rounds,
    median: {
      naive: median(rate("naive")),
      "naive-tail": median(rate("naive-tail")),
      ours: median(rate("ours")),
      "ours-capability": median(rate("ours-capability")),
    },
    ratio: perRound("ours", "naive"),
    ratioCapability: perRound("ours-capability", "naive"),
    ratioTail: perRound("ours", "naive-tail"),
    ratioCapabilityTail: perRound("ours-capability", "naive-tail"),
    countsAgree,
  };
}

const INPROCESS_LABEL = (o: Options): Record<InprocessContender, string> => ({
  naive: `naive: rescan a window of ${o.window} per sample (qcc-style)`,
  "naive-tail": "naive: slice the last points each rule needs",
  ours: "ours: lib/spc step, no spec limits",
  "ours-capability": `ours: with LSL/USL, capability over ${o.capabilityWindow} points`,
});

function reportInprocess(o: Options, r: InprocessResult): void {
  const v = r.verify;
  const c = v.crossCheck;
  console.log(
    `\nIn-process, I-MR, rules ${v.rules.join(", ")}, phase I ${o.phasePoints} points, ${thousands(r.samples)} values (${thousands(c.phase2Points)} in phase II, ${f((100 * v.truth.specialPoints) / v.truth.values, 1)} % in special-cause episodes), each run its own process, median of ${o.rounds} round(s):\n`,
  );
  const label = INPROCESS_LABEL(o);
  const rows = [
    [
      "contender",
      "samples/s",
      "µs/sample",
      "all rounds samples/s",
      "heap MB after GC end",
      "state JSON bytes",
    ],
  ];
  for (const name of INPROCESS_CONTENDERS) {
    const runs = r.rounds.filter((x) => x.contender === name);
    const last = runs[runs.length - 1];
    rows.push([
      label[name],
      thousands(r.median[name]),
      f(1e6 / r.median[name], 3),
      runs.map((x) => thousands(x.samplesPerS)).join(" / "),
      last ? `${f(last.heapStartMB, 1)} -> ${f(last.heapEndMB, 1)}` : "-",
      last ? thousands(last.stateBytes) : "-",
    ]);
  }
  console.log(table(rows));
  console.log(
    `\nours/naive: ${g(r.ratio)}x (with capability: ${g(r.ratioCapability)}x); ours/naive-tail: ${g(r.ratioTail)}x (with capability: ${g(r.ratioCapabilityTail)}x); medians of the rounds' ratios`,
  );
  console.log(
    `goal (>= 1,000,000 samples/s in-process): ${r.median.ours >= 1_000_000 ? "met" : "NOT met"} (${thousands(r.median.ours)})`,
  );
  const ruleRows = [["rule", ...INPROCESS_CONTENDERS]];
  const ids = new Set<string>([...v.rules, ...INPROCESS_CONTENDERS.flatMap((n) => Object.keys(c.counts[n]))]);
  for (const id of ids)
    ruleRows.push([id, ...INPROCESS_CONTENDERS.map((n) => thousands(c.counts[n][id] ?? 0))]);
  console.log(`\nphase-II violations per rule (${thousands(c.pointsFlagged)} points with at least one):\n`);
  console.log(table(ruleRows));
  console.log(
    `\ncross-check: ${c.identical ? "IDENTICAL (seq, rule) pairs" : "DIFFERENT"}${r.countsAgree ? ", every timed run counted the same" : ", TIMED RUNS COUNTED OTHERWISE"}; limits ours vs naive max relative difference ${c.limits.maxRelDiff.toExponential(2)} (cl ${f(c.limits.naive.cl, 6)}, ucl ${f(c.limits.naive.ucl, 6)}, lcl ${f(c.limits.naive.lcl, 6)}, sigma ${f(c.limits.naive.sigma, 6)})`,
  );
  for (const d of c.differences) console.log(`  ${d}`);
  console.log(
    `verify part, heap after GC with all four charts alive: ${v.heap.map((h) => f(h.heapMB, 1)).join(" / ")} MB at ${v.heap.map((h) => `${f(h.percent)} %`).join(" / ")}; ours-capability state JSON ${v.heap.map((h) => h.stateBytes ?? "-").join(" / ")} bytes; at the end ours ${thousands(v.stateBytes.ours)} bytes, ours-capability ${thousands(v.stateBytes["ours-capability"])} bytes`,
  );
}

// ---------------------------------------------------------------------------------------------
// Through Node-RED.

const LABEL: Record<RedContender, string> = {
  baseline: "function node: mean ± 3 sigma",
  ours: "mfg-spc-check (I-MR)",
  "ours-file": "mfg-spc-check, file context store",
};

async function runRed(name: RedContender, o: Options, profileDir: string | null): Promise<RedResult> {
  const options: RedOptions = {
    contender: name,
    root: ROOT,
    stream: streamOptions(o),
    messages: o.messages,
    inflight: o.inflight,
    checkpoints: o.checkpoints,
    phase1Points: o.phasePoints,
    rules: o.rules,
  };
  console.log(`\n== ${name}: ${thousands(o.messages)} messages`);
  const child = startChild(name, join(SUPPORT, "spc-contender.ts"), options, {
    nodeArgs: ["--expose-gc", ...profileArgs(profileDir, name)],
    echo: true,
  });
  const off = child.onMessage((m) => {
    if (m.type === "progress") console.log(`  ${String(m.text)}`);
  });
  try {
    const message = await child.next("result", 180_000 + o.messages * 2);
    for (let i = 0; i < 300 && !child.exited; i++) await new Promise((r) => setTimeout(r, 100));
    return message.result as RedResult;
  } finally {
    off();
    await child.stop(30_000);
  }
}

interface RedSummary {
  runs: Partial<Record<RedContender, RedResult>>;
  all: Partial<Record<RedContender, RedResult[]>>;
  ratios?: { messagesPerS: number; cpuPer100k: number; perRound: number[] };
  /** Phase-II violations per rule of the naive chart over the same messages (rules "nelson"). */
  expected?: Record<string, number>;
  consistent?: boolean;
}

async function nodeRed(o: Options, profileDir: string | null): Promise<RedSummary> {
  const names: RedContender[] = ["baseline", "ours", ...(o.file ? (["ours-file"] as const) : [])];
  const all: Partial<Record<RedContender, RedResult[]>> = {};
  for (let round = 0; round < o.rounds; round++) {
    if (o.rounds > 1) console.log(`\n# Node-RED round ${round + 1}/${o.rounds}`);
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const r = await runRed(name, o, profileDir);
      all[name] ??= [];
      all[name].push(r);
      console.log(
        `  ${name}: ${thousands(r.messagesPerS)} messages/s, ${f(r.cpuSPer100k, 2)} CPU s/100k, heap after GC ${r.heap.map((h) => f(h.heapMB, 1)).join("/")} MB, load ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(" ")}`,
      );
    }
  }
  const runs: Partial<Record<RedContender, RedResult>> = {};
  for (const name of names) {
    const rs = all[name]!;
    const m = median(rs.map((r) => r.messagesPerS));
    runs[name] = rs.find((r) => r.messagesPerS === m)!;
  }
  const summary: RedSummary = { runs, all };
  const bs = all.baseline;
  const us = all.ours;
  if (bs && us) {
    const perRound = bs.map((b, i) => us[i]!.messagesPerS / b.messagesPerS);
    summary.ratios = {
      messagesPerS: median(perRound),
      cpuPer100k: median(bs.map((b, i) => us[i]!.cpuSPer100k / b.cpuSPer100k)),
      perRound,
    };
  }
  // The naive chart over the same messages: ours in Node-RED must flag the same rules as often.
  if (o.rules === "nelson" && runs.ours) {
    const rules = RULE_PRESETS.nelson.filter((r) => r.enabled).map((r) => r.id as string);
    const chart = new NaiveIndividualsChart(o.phasePoints, 15, new Set(rules));
    const stream = new ValueStream(streamOptions(o));
    const expected: Record<string, number> = {};
    for (let i = 0; i < o.messages; i++) {
      for (const rule of chart.add(stream.next())) expected[rule] = (expected[rule] ?? 0) + 1;
    }
    const flagged = runs.ours.flagged;
    summary.expected = expected;
    summary.consistent = Object.keys({ ...expected, ...flagged }).every(
      (id) => (expected[id] ?? 0) === (flagged[id] ?? 0),
    );
  }
  return summary;
}

function reportRed(o: Options, s: RedSummary): void {
  console.log(
    `\nThrough Node-RED: ${thousands(o.messages)} messages, in flight <= ${o.inflight}, ours I-MR with ${o.rules} rules and phase I of ${o.phasePoints}${o.rounds > 1 ? `, median of ${o.rounds} rounds` : ""}:\n`,
  );
  const rows = [
    [
      "contender",
      "messages/s",
      "s",
      "CPU s/100k",
      "CPU cores",
      "heap MB after GC at 0/.../100 %",
      "RSS MB end",
      "delivered",
      "alarms",
      "flagged",
      "errors",
    ],
  ];
  for (const name of RED_CONTENDERS) {
    const r = s.runs[name];
    if (!r) continue;
    rows.push([
      LABEL[name],
      thousands(r.messagesPerS),
      f(r.seconds, 1),
      f(r.cpuSPer100k, 2),
      f(r.cpuCores, 2),
      r.heap.map((h) => f(h.heapMB, 1)).join("/"),
      f(r.heap[r.heap.length - 1]?.rssMB),
      thousands(r.delivered),
      thousands(r.alarms),
      thousands(Object.values(r.flagged).reduce((a, b) => a + b, 0)),
      String(r.errors),
    ]);
  }
  console.log(table(rows));
  for (const name of RED_CONTENDERS) {
    const rs = s.all[name];
    if (rs && rs.length > 1)
      console.log(
        `  ${name} all rounds: ${rs.map((r) => `${thousands(r.messagesPerS)} (${f(r.cpuSPer100k, 2)})`).join(", ")} messages/s (CPU s/100k)`,
      );
  }
  if (s.ratios)
    console.log(
      `\nours/function node: messages/s ${g(s.ratios.messagesPerS)}x${s.ratios.perRound.length > 1 ? ` (per round ${s.ratios.perRound.map(g).join(", ")})` : ""}, CPU per message ${g(s.ratios.cpuPer100k)}x`,
    );
  if (s.runs.ours) console.log(`ours flagged (phase II, per rule): ${JSON.stringify(s.runs.ours.flagged)}`);
  if (s.expected)
    console.log(
      `naive chart over the same ${thousands(o.messages)} values: ${JSON.stringify(s.expected)}: ${s.consistent ? "the same" : "DIFFERENT"}`,
    );
  if (s.runs.baseline) console.log(`function node flagged "out": ${s.runs.baseline.flagged.out ?? 0}`);
  for (const name of RED_CONTENDERS) {
    const r = s.runs[name];
    if (!r) continue;
    if (r.errors > 0)
      console.warn(`warning: ${name}: ${r.errors} inputs failed: ${r.errorSamples.join(" | ")}`);
    if (r.logs.length > 0) console.log(`${name} logged:\n  ${r.logs.slice(0, 10).join("\n  ")}`);
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, "-");
  const machine = machineInfo();
  if (o.only !== "inprocess") {
    const file = join(ROOT, "dist", "nodes", "spc-check", "spc-check.js");
    if (!existsSync(file)) throw new Error(`${file} does not exist (run npx tsx scripts/build.ts)`);
  }
  if (o.only !== "node-red" && o.lib === "dist") {
    const file = join(ROOT, "dist", "lib", "spc", "spc.js");
    if (!existsSync(file))
      throw new Error(`${file} does not exist (run npx tsx scripts/build.ts, or use --lib src)`);
  }
  const profileDir = o.profile ? join(ROOT, "bench", "results", `spc-profiles-${stamp}`) : null;
  if (profileDir) mkdirSync(profileDir, { recursive: true });

  let inproc: InprocessResult | undefined;
  let red: RedSummary | undefined;
  if (o.only !== "node-red") inproc = await inprocess(o, profileDir);
  if (o.only !== "inprocess") red = await nodeRed(o, profileDir);

  console.log(`\n================ SPC benchmark (seed ${o.seed}) ================`);
  if (inproc) reportInprocess(o, inproc);
  if (red) reportRed(o, red);

  const dir = join(ROOT, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `spc-${stamp}.json`);
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        benchmark: "spc",
        startedAt: startedAt.toISOString(),
        machine: { ...machine, loadAverageAtEnd: os.loadavg() },
        options: { ...o, stream: streamOptions(o) },
        inprocess: inproc,
        nodeRed: red,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nwritten ${file}${profileDir ? `\nCPU profiles in ${profileDir}` : ""}`);
  let failed = 0;
  if (inproc && (!inproc.verify.crossCheck.identical || !inproc.countsAgree)) {
    console.error(
      "\nFAILED: ours and the naive chart do not flag the same (seq, rule) pairs or limits: the comparison is not fair",
    );
    failed = 1;
  }
  if (red?.consistent === false) {
    console.error("\nFAILED: ours through Node-RED flagged other rule counts than the naive chart");
    failed = 1;
  }
  return failed;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
