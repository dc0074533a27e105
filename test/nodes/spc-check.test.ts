/**
 * mfg-spc-check in Node-RED 4.1 (compiled node): the piston-ring and viscosity vectors of
 * spc-vectors.json through the node (limits at 1e-9 relative with the qcc constants, rule flags
 * and alarms where the vectors flag them), bad input at a Catch node with the chart unchanged,
 * commands, MachineSample and key-grouped input, a bad configuration, phase I to phase II across a
 * restart with the file context store, and the editor's copy of the rule table.
 *
 * Expected values come from spc-vectors.json (qcc 3.0, recomputed independently) and from
 * STANDARDS.md 3.3: the vectors give the lowest-numbered rule that fires at each point, so the
 * tests compare that with the lowest Western Electric rule among the node's violations.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import type { Node, NodeMessage } from "node-red";
import { RULE_PRESETS, RULES, ruleText } from "../../lib/spc/rules";
import { checkSpcConfig } from "../../lib/spc/spc";
import { RULE_IDS, type RuleId, type RuleSetting } from "../../lib/spc/types";
import type { Alarm, MachineSample, SpcLimits, SpcResult } from "../../lib/types";
import { makeConfigValidator, validate } from "../../lib/validate";
import { configSchema, type SpcCheckConfig, spcConfigOf } from "../../nodes/spc-check/config";
import {
  assetNode,
  catchNode,
  collect,
  contextStores,
  fileContextStore,
  helper,
  spcCheckNode,
} from "../support/node-red";
import { until } from "../support/wait";

type Msg = NodeMessage & Record<string, unknown>;
type Receiver = Node & { receive(msg: Record<string, unknown>): void };

interface Vector {
  id: string;
  expected: Record<string, unknown>;
}
const vectors = JSON.parse(
  readFileSync(join(__dirname, "..", "..", "..", "shared", "reference", "spc-vectors.json"), "utf8"),
) as {
  datasets: {
    pistonrings: { subgroups: number[][] };
    viscosity: { viscosity: number[]; trial: boolean[] };
  };
  vectors: Vector[];
};
const vector = (id: string): Record<string, unknown> => {
  const v = vectors.vectors.find((x) => x.id === id);
  assert.ok(v, `vector ${id}`);
  return v.expected;
};
const PISTON = vectors.datasets.pistonrings.subgroups;
const VISCOSITY = vectors.datasets.viscosity.viscosity;

const ASSET = "plant-berlin/machining/line-2/ring-grinder";
const asset = {
  id: "a1",
  type: "mfg-asset",
  site: "plant-berlin",
  area: "machining",
  line: "line-2",
  cell: "",
  machine: "ring-grinder",
  description: "",
};
/** Inputs are dated in the recent past, one second apart (within the 7-day input window). */
const T0 = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;

/** Relative tolerance of comparisons with the vectors computed with the same (qcc) constants. */
const REL = 1e-9;
function near(actual: unknown, expected: unknown, what: string, rel = REL): void {
  assert.equal(typeof actual, "number", `${what} is a number, got ${JSON.stringify(actual)}`);
  assert.equal(typeof expected, "number", `${what}: expected value is a number`);
  const a = actual as number;
  const e = expected as number;
  assert.ok(
    Math.abs(a - e) <= rel * Math.max(Math.abs(e), 1e-300),
    `${what}: ${a} = ${e} within ${rel} relative`,
  );
}

/** The node's defaults (the editor's), with the given fields. */
function spcNode(id: string, config: Record<string, unknown>, wires: string[][]): Record<string, unknown> {
  return {
    id,
    z: "f1",
    type: "mfg-spc-check",
    name: "",
    asset: "",
    characteristic: "diameter",
    unit: "mm",
    chart: "xbar-r",
    subgroupBy: "count",
    subgroupSize: 5,
    keyProperty: "batch",
    tag: "QualityValue",
    estimator: "auto",
    constants: "exact",
    nsigmas: 3,
    limits: "estimate",
    givenMean: "",
    givenSigma: "",
    phase1Points: 25,
    autoRevise: false,
    sampleSize: "",
    ewmaLambda: 0.2,
    ewmaL: 3,
    cusumK: 0.5,
    cusumH: 5,
    cusumHeadStart: 0,
    rules: RULE_PRESETS["western-electric"].map((r) => ({ ...r })),
    lsl: "",
    usl: "",
    target: "",
    capabilityWindow: 50,
    limitSeverity: "high",
    runSeverity: "medium",
    store: "",
    ...config,
    wires,
  };
}

function flow(config: Record<string, unknown> = {}): Array<Record<string, unknown>> {
  return [
    { id: "f1", type: "tab", label: "t" },
    asset,
    spcNode("spc", config, [["results"], ["alarms"]]),
    { id: "results", z: "f1", type: "helper" },
    { id: "alarms", z: "f1", type: "helper" },
    { id: "c-err", z: "f1", type: "catch", scope: null, uncaught: false, wires: [["caught"]] },
    { id: "caught", z: "f1", type: "helper" },
  ];
}

const nodes = [assetNode, spcCheckNode, catchNode];

interface Wired {
  spc: Receiver;
  out: Msg[];
  alarms: Msg[];
  caught: Msg[];
}
function wired(id = "spc", out = "results", alarms = "alarms"): Wired {
  return {
    spc: helper.getNode(id) as Receiver,
    out: collect(helper.getNode(out) as Node),
    alarms: collect(helper.getNode(alarms) as Node),
    caught: collect(helper.getNode("caught") as Node),
  };
}

const resultsOf = (msgs: Msg[]): SpcResult[] =>
  msgs.map((m) => m.payload as SpcResult).filter((p) => p.kind === "SpcResult");
const limitsOf = (msgs: Msg[]): SpcLimits[] =>
  msgs.map((m) => m.payload as SpcLimits).filter((p) => p.kind === "SpcLimits");
const alarmsOf = (msgs: Msg[]): Alarm[] => msgs.map((m) => m.payload as Alarm);
const caughtText = (w: Wired) => () =>
  `caught: ${JSON.stringify(w.caught.map((c) => (c.error as { message: string }).message))}`;

async function results(w: Wired, count: number, what: string): Promise<SpcResult[]> {
  return until(
    () => {
      const r = resultsOf(w.out);
      return r.length >= count ? r : undefined;
    },
    5000,
    `${count} results (${what})`,
    caughtText(w),
  );
}

/** The statuses a node has shown so far (the helper spies on Node.prototype.status). */
function statuses(node: Node): Array<{ fill?: string; shape?: string; text?: string }> {
  const spy = node.status as unknown as {
    getCalls(): Array<{ thisValue: unknown; args: [{ fill?: string; shape?: string; text?: string }] }>;
  };
  return spy
    .getCalls()
    .filter((c) => c.thisValue === node)
    .map((c) => c.args[0]);
}

/** The lowest-numbered Western Electric rule among a point's violations (qcc reports that one), or null. */
function lowestWe(r: SpcResult): number | null {
  const ids = r.violations
    .map((v) => /^we-(\d)$/.exec(v.rule)?.[1])
    .filter((x): x is string => x !== undefined)
    .map(Number);
  return ids.length === 0 ? null : Math.min(...ids);
}

function assertValid(kind: "SpcResult" | "SpcLimits" | "Alarm", value: unknown, what: string): void {
  const v = validate(kind, structuredClone(value));
  assert.ok(v.ok, `${what} is a valid ${kind}: ${v.ok ? "" : JSON.stringify(v.errors)}`);
}

describe("mfg-spc-check (Node-RED 4.1, compiled node)", () => {
  afterEach(async () => {
    await helper.unload();
  });

  it("charts the piston rings as qcc does: X̄-R limits, phase-II rule violations and alarms", async () => {
    await helper.load(nodes, flow({ asset: "a1", subgroupBy: "array", constants: "qcc", phase1Points: 25 }));
    const w = wired();
    PISTON.forEach((subgroup, i) => {
      w.spc.receive({ payload: { values: subgroup, ts: T0 + i * 1000 }, batch: "ignored", _msgid: `p${i}` });
    });
    const all = await results(w, 40, "40 subgroups");
    assert.equal(w.caught.length, 0, "no input refused");
    assert.deepEqual(
      all.map((r) => r.seq),
      PISTON.map((_, i) => i + 1),
      "one point per subgroup, numbered 1..40",
    );

    // The limits at the end of phase I (spc-vectors piston_xbar_R_phase1, piston_R_chart).
    const xbar = vector("piston_xbar_R_phase1");
    const rChart = vector("piston_R_chart");
    const limits = limitsOf(w.out);
    assert.equal(limits.length, 1, "one SpcLimits: the estimate at the end of phase I");
    const l = limits[0] as SpcLimits;
    assertValid("SpcLimits", l, "the limits");
    assert.equal(l.reason, "estimated");
    assert.equal(l.phase, "II");
    assert.equal(l.asset, ASSET);
    assert.equal(l.estimator, "rbar-d2", "auto: R̄/d2 for an X̄-R chart");
    assert.deepEqual([l.fromSeq, l.toSeq, l.points, l.excluded], [1, 25, 25, []]);
    near(l.center, xbar.center, "X̿");
    near(l.cl, xbar.center, "CL");
    near(l.sigma, xbar.sigma, "σ̂ = R̄/d2 (qcc d2 = 2.326)");
    near(l.ucl, xbar.UCL, "UCL");
    near(l.lcl, xbar.LCL, "LCL");
    near(l.dispersion?.cl, rChart.center, "R̄");
    near(l.dispersion?.ucl, rChart.UCL, "R chart UCL = R̄ + 3·d3·σ̂ (qcc d3)");
    assert.equal(l.dispersion?.lcl, 0, "R chart LCL floored at 0");
    const limitsMsg = w.out.find((m) => (m.payload as SpcLimits).kind === "SpcLimits");
    assert.equal(limitsMsg?.topic, ASSET, "limits topic is the asset path");

    // Every point: a valid SpcResult, the subgroup mean, phase I for 1..25.
    const means = [...(xbar.xbar_phase1 as number[]), ...(xbar.xbar_phase2 as number[])];
    for (const r of all) {
      assertValid("SpcResult", r, `point ${r.seq}`);
      near(r.value, means[r.seq - 1], `X̄ of subgroup ${r.seq}`);
      assert.equal(r.n, 5, `n of ${r.seq}`);
      assert.equal(r.phase, r.seq <= 25 ? "I" : "II", `phase of ${r.seq}`);
      assert.equal(r.characteristic, "diameter");
    }
    for (const r of all.filter((p) => p.phase === "II")) {
      near(r.cl, xbar.center, `CL at ${r.seq}`);
      near(r.ucl, xbar.UCL, `UCL at ${r.seq}`);
      near(r.lcl, xbar.LCL, `LCL at ${r.seq}`);
    }
    // A result keeps nothing of the request.
    const first = w.out[0] as Msg;
    assert.equal(first.topic, ASSET, "result topic is the asset path");
    assert.equal(first.batch, undefined, "no property of the request");
    // Every result carries its own violations array, which the flow may change.
    assert.ok(
      all.every((r) => !Object.isFrozen(r.violations)),
      "no frozen (shared) violations array leaves the node",
    );

    // Rule flags: we_rules_1to4 (lowest rule per point, 1-based) = the lowest WE rule among ours.
    const flags = xbar.we_rules_1to4 as Array<number | null>;
    assert.deepEqual(
      all.map(lowestWe),
      flags,
      "lowest Western Electric rule per point: 35 rule 2, 37-39 rule 1, 40 rule 2",
    );

    // Alarms: rule episodes in phase II, only at the points the vector flags.
    const alarms = alarmsOf(w.alarms);
    for (const a of alarms) assertValid("Alarm", a, a.id);
    const active = alarms.filter((a) => a.state === "active");
    const flagged = flags.map((f, i) => (f === null ? null : i + 1)).filter((s) => s !== null);
    assert.ok(active.length > 0, "alarms were raised");
    for (const a of active) {
      assert.ok(flagged.includes(a.data?.seq as number), `${a.id} starts at a flagged point`);
      assert.equal(a.source, "spc:diameter");
      assert.equal(a.asset, ASSET);
      assert.equal(a.severity, a.data?.rule === "we-1" ? "high" : "medium", `${a.id} severity`);
    }
    const firstAlarm = active[0] as Alarm;
    assert.deepEqual(
      [firstAlarm.data?.rule, firstAlarm.data?.seq],
      ["we-2", 35],
      "the first alarm: 2 of 3 beyond 2σ at point 35",
    );
    const beyond = alarms.filter((a) => a.data?.rule === "we-1");
    assert.deepEqual(
      beyond.map((a) => [a.state, a.data?.seq, a.id]),
      [
        ["active", 37, "spc:diameter:we-1:37"],
        ["cleared", 40, "spc:diameter:we-1:37"],
      ],
      "one episode beyond the UCL: points 37-39, cleared at 40",
    );
    assert.equal(
      w.alarms.every((m) => m.topic === ASSET),
      true,
      "alarm topic is the asset path",
    );

    // The status shows the last point and the rules it broke.
    await until(
      () => statuses(w.spc).some((s) => s.fill === "yellow" && s.text === "74.0128 mm · we-2, we-3"),
      3000,
      "the violation in the status",
      () => JSON.stringify(statuses(w.spc).slice(-3)),
    );
  });

  it("sends bad input to a Catch node naming the field, and leaves the chart unchanged", async () => {
    // Two equal charts: "spc" gets bad input between the good, "ref" the good input only.
    const xbar = { subgroupBy: "array", phase1Points: 4 };
    const p = { chart: "p", phase1Points: 4, characteristic: "leaks" };
    await helper.load(
      [...nodes, require("@node-red/nodes/core/function/10-function.js")],
      [
        ...flow(xbar),
        spcNode("ref", xbar, [["ref-out"], ["ref-alarms"]]),
        { id: "ref-out", z: "f1", type: "helper" },
        { id: "ref-alarms", z: "f1", type: "helper" },
        spcNode("pc", p, [["p-out"], ["p-alarms"]]),
        spcNode("pc-ref", p, [["p-ref-out"], ["p-ref-alarms"]]),
        ...["p-out", "p-alarms", "p-ref-out", "p-ref-alarms"].map((id) => ({ id, z: "f1", type: "helper" })),
        {
          id: "nan",
          z: "f1",
          type: "function",
          func: "msg.payload = Number.NaN; return msg;",
          outputs: 1,
          wires: [["spc"]],
        },
      ],
    );
    const w = wired();
    const ref = wired("ref", "ref-out", "ref-alarms");
    const pw = wired("pc", "p-out", "p-alarms");
    const pref = wired("pc-ref", "p-ref-out", "p-ref-alarms");
    const good = PISTON.slice(0, 6).map((values, i) => ({ values, ts: T0 + i * 1000 }));
    const counts = [
      { count: 3, n: 50 },
      { count: 5, n: 80 },
      { count: 2, n: 40 },
      { count: 4, n: 60 },
      { count: 1, n: 55 },
      { count: 9, n: 50 },
    ].map((c, i) => ({ ...c, ts: T0 + i * 1000 }));

    const bad: Array<{ what: string; to: Receiver | "nan"; payload?: unknown; error: RegExp }> = [
      {
        what: "NaN as a string",
        to: w.spc,
        payload: "NaN",
        error: /^InputError: payload must be a number.*got "NaN"$/,
      },
      {
        what: "NaN from a function node",
        to: "nan",
        error: /^InputError: payload must be a finite number, at most 1e100 in magnitude, got NaN$/,
      },
      {
        what: "a string",
        to: w.spc,
        payload: "74.01 mm",
        error: /^InputError: payload must be .*got "74\.01 mm"$/,
      },
      {
        what: "a string in a subgroup",
        to: w.spc,
        payload: { values: [74.01, "74.02", 74.0] },
        error:
          /^InputError: payload\.values\[1\] must be a finite number, at most 1e100 in magnitude, got "74\.02"$/,
      },
      {
        what: "an empty subgroup",
        to: w.spc,
        payload: [],
        error: /^InputError: payload must be a non-empty array of finite numbers, got an empty array$/,
      },
      {
        what: "an empty subgroup in values",
        to: w.spc,
        payload: { values: [] },
        error:
          /^InputError: payload\.values must be a non-empty array of finite numbers, got an empty array$/,
      },
      {
        what: "a subgroup of one value",
        to: w.spc,
        payload: [74.01],
        error: /^InputError: payload\.value must be an array of at least 2 values/,
      },
      {
        what: "a negative count",
        to: pw.spc,
        payload: { count: -1, n: 50 },
        error: /^InputError: payload\.count must be a whole number from 0 to 2\^53 − 1 .*got -1$/,
      },
      {
        what: "a count larger than n",
        to: pw.spc,
        payload: { count: 51, n: 50 },
        error: /^InputError: payload\.count must not exceed the sample size 50 .*got 51$/,
      },
      {
        what: "a count without n",
        to: pw.spc,
        payload: { count: 3 },
        error: /^InputError: payload\.n is required/,
      },
      {
        what: "a count of NaN",
        to: pw.spc,
        payload: { count: Number.NaN, n: 50 },
        error: /^InputError: payload\.count must be a whole number from 0 to 2\^53 − 1 .*got NaN$/,
      },
      {
        what: "values for a p chart",
        to: pw.spc,
        payload: [0.1, 0.2],
        error: /^InputError: payload must be a count .* for a p chart, got an array$/,
      },
    ];
    const sendBad = (b: (typeof bad)[number], i: number) => {
      if (b.to === "nan") (helper.getNode("nan") as Receiver).receive({ payload: 1, _msgid: `bad-${i}` });
      else b.to.receive({ payload: b.payload, _msgid: `bad-${i}` });
    };
    // Good and bad interleaved: every bad input after the 2nd and after the 5th good one.
    for (let k = 0; k < good.length; k++) {
      w.spc.receive({ payload: good[k] });
      ref.spc.receive({ payload: good[k] });
      pw.spc.receive({ payload: counts[k] });
      pref.spc.receive({ payload: counts[k] });
      if (k === 1 || k === 4) bad.forEach(sendBad);
    }
    for (const [i, b] of bad.entries()) {
      const c = await until(
        () => {
          const got = w.caught.filter((m) => m._msgid === `bad-${i}`);
          return got.length >= 2 ? got : undefined;
        },
        3000,
        `${b.what} at Catch`,
        caughtText(w),
      );
      assert.equal(c.length, 2, `${b.what}: caught each time`);
      const error = (c[0] as Msg).error as { message: string; source: { id: string } };
      assert.match(error.message, b.error, b.what);
      assert.equal(error.source.id, b.to === "nan" ? "spc" : (b.to as Receiver).id, `${b.what}: the source`);
    }
    assert.equal(w.caught.length, bad.length * 2, "nothing else refused");

    // The same points, limits and alarms as the charts that saw only the good input.
    const strip = (msgs: Msg[]) => msgs.map((m) => ({ topic: m.topic, payload: m.payload }));
    await results(ref, 6, "reference X̄ chart");
    await results(pref, 6, "reference p chart");
    await results(w, 6, "X̄ chart");
    await results(pw, 6, "p chart");
    assert.deepEqual(strip(w.out), strip(ref.out), "X̄ chart unchanged by the bad input");
    assert.deepEqual(strip(pw.out), strip(pref.out), "p chart unchanged by the bad input");
    assert.deepEqual(
      resultsOf(w.out).map((r) => r.seq),
      [1, 2, 3, 4, 5, 6],
      "no seq taken by bad input",
    );
    assert.ok(limitsOf(pw.out).length === 1, "the p chart's phase I ended after 4 good counts");
    // p̄ = ΣD/Σn over phase I; the limits vary with each point's n (STANDARDS.md 3.2).
    const pbar = (3 + 5 + 2 + 4) / (50 + 80 + 40 + 60);
    const p5 = resultsOf(pw.out)[4] as SpcResult;
    near(p5.cl, pbar, "p̄");
    near(p5.ucl, pbar + 3 * Math.sqrt((pbar * (1 - pbar)) / 55), "p UCL at n = 55");
    near(p5.value, 1 / 55, "p of point 5");
    assert.equal(p5.n, 55);
    // A red status naming the field (updates of one kind are coalesced: the last one shows).
    const red = (node: Node) => statuses(node).filter((st) => st.fill === "red" && st.shape === "dot");
    assert.ok(
      red(w.spc).some((st) => st.text === "invalid payload"),
      `red status of the X̄ chart: ${JSON.stringify(red(w.spc))}`,
    );
    assert.ok(
      red(pw.spc).some((st) => st.text === "invalid payload.count"),
      `red status of the p chart: ${JSON.stringify(red(pw.spc))}`,
    );
  });

  it("follows commands: revise leaves out the points beyond the limits, rebaseline starts phase I", async () => {
    // viscosity: I-MR, phase I = batches 1-20; batch 4 (35.96) is beyond the UCL (qcc vignette).
    await helper.load(nodes, flow({ chart: "i-mr", constants: "qcc", phase1Points: 20, unit: "" }));
    const w = wired();
    VISCOSITY.slice(0, 20).forEach((x, i) => {
      w.spc.receive({ payload: { value: x, ts: T0 + i * 1000 } });
    });
    const phase1 = await results(w, 20, "phase I");
    const first = vector("viscosity_I_MR");
    const estimated = limitsOf(w.out)[0] as SpcLimits;
    assert.equal(estimated.reason, "estimated");
    assert.equal(estimated.estimator, "mrbar-d2", "auto: MR̄/d2 for individuals");
    near(estimated.center, first.center, "x̄");
    near(estimated.sigma, first.sigma, "σ̂ = MR̄/1.128");
    near(estimated.ucl, first.UCL, "UCL");
    near(estimated.lcl, first.LCL, "LCL");
    assert.deepEqual(
      estimated.outOfControl.filter((v) => v.rule === "we-1"),
      [{ rule: "we-1", text: ruleText("we-1"), points: [4] }],
      "phase I against the limits: batch 4 beyond the UCL",
    );
    assert.deepEqual(
      phase1.map((r) => r.phase),
      new Array(20).fill("I"),
      "20 phase-I points",
    );
    assert.equal(w.alarms.length, 0, "no alarms in phase I");

    w.spc.receive({ payload: { command: "revise" } });
    const revised = await until(
      () => limitsOf(w.out).find((l) => l.reason === "revised"),
      3000,
      "the revised limits",
      caughtText(w),
    );
    const rev = vector("viscosity_I_MR_revised_excl_batch4");
    assertValid("SpcLimits", revised, "revised limits");
    assert.deepEqual(revised.excluded, [4], "batch 4 left out");
    assert.equal(revised.revision, 1);
    near(revised.center, rev.center, "revised x̄");
    near(revised.sigma, rev.sigma, "revised σ̂");
    near(revised.ucl, rev.UCL, "revised UCL");
    near(revised.lcl, rev.LCL, "revised LCL");

    // Phase II: batches 21-35 against the revised limits, WE rules (vector: phase I then II).
    VISCOSITY.slice(20).forEach((x, i) => {
      w.spc.receive({ payload: { value: x, ts: T0 + (20 + i) * 1000 } });
    });
    const all = await results(w, 35, "phase II");
    const phase2 = all.slice(20);
    assert.deepEqual(
      phase2.map((r) => r.seq),
      [21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35],
      "seq continues",
    );
    const flags = (rev.violations_phaseI_then_II as Array<number | null>).slice(19);
    assert.deepEqual(phase2.map(lowestWe), flags, "lowest WE rule per phase-II point");
    for (const r of phase2) near(r.ucl, rev.UCL, `UCL at ${r.seq}`);
    const beyond = alarmsOf(w.alarms).find((a) => a.data?.rule === "we-1");
    assert.deepEqual([beyond?.state, beyond?.data?.seq], ["active", 28], "batch 28 beyond the UCL");

    // rebaseline: limits cleared (phase I again), active alarms cleared, seq goes on.
    const before = w.alarms.length;
    w.spc.receive({ payload: { command: "rebaseline" } });
    const rebase = await until(
      () => limitsOf(w.out).find((l) => l.reason === "rebaseline"),
      3000,
      "the rebaseline",
    );
    assertValid("SpcLimits", rebase, "rebaseline");
    assert.deepEqual([rebase.phase, rebase.center, rebase.ucl], ["I", null, null]);
    const cleared = alarmsOf(w.alarms.slice(before));
    assert.ok(cleared.length > 0, "the active alarms are cleared");
    assert.ok(
      cleared.every((a) => a.state === "cleared"),
      "cleared, all of them",
    );
    // The status is built at most once per interval (help: Status), then shows the command.
    await until(
      () => {
        const last = statuses(w.spc).at(-1);
        return last?.fill === "blue" && last.text === "phase I 0/20 · –" ? last : undefined;
      },
      3000,
      "the status says phase I",
      () => JSON.stringify(statuses(w.spc).at(-1)),
    );
    w.spc.receive({ payload: 34.1 });
    const next = await results(w, 36, "the first point of the new phase I");
    assert.deepEqual([next[35]?.seq, next[35]?.phase], [36, "I"]);
    await until(
      () => statuses(w.spc).some((s) => s.fill === "blue" && s.text === "phase I 1/20 · 34.1"),
      3000,
      "phase I in the status",
      () => JSON.stringify(statuses(w.spc).slice(-3)),
    );
    // A command that does not fit the phase is refused and changes nothing.
    w.spc.receive({ payload: { command: "revise" }, _msgid: "early-revise" });
    const c = await until(() => w.caught.find((m) => m._msgid === "early-revise"), 3000, "refused revise");
    assert.match(
      (c.error as { message: string }).message,
      /^InputError: payload\.command revise needs limits/,
    );
  });

  it("charts a MachineSample tag of Good quality and skips Bad ones", async () => {
    await helper.load(nodes, flow({ chart: "i-mr", tag: "Diameter", phase1Points: 3, asset: "a1" }));
    const w = wired();
    const sample = (ts: number, value: unknown, quality: string, sourceTs?: number): MachineSample => ({
      kind: "MachineSample",
      asset: ASSET,
      ts,
      stale: false,
      values: {
        Diameter: { value: value as number, quality, ...(sourceTs === undefined ? {} : { sourceTs }) },
        Speed: { value: 120, quality: "Good" },
      },
    });
    const inputs: MachineSample[] = [
      sample(T0, 74.01, "Good", T0),
      sample(T0 + 1000, 99.9, "BadSensorFailure", T0 + 1000),
      sample(T0 + 2000, 74.0, "Good", T0 + 2000),
      sample(T0 + 3000, 74.0, "Good", T0 + 2000), // the same measurement again (snapshot)
      { ...sample(T0 + 4000, 74.03, "Good", T0 + 4000), values: { Speed: { value: 1, quality: "Good" } } },
      sample(T0 + 5000, 73.99, "Good", T0 + 5000),
      sample(T0 + 6000, 74.02, "Good", T0 + 6000),
    ];
    for (const [i, s] of inputs.entries()) w.spc.receive({ payload: s, _msgid: `s${i}` });
    const r = await results(w, 4, "the Good values");
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(
      resultsOf(w.out).map((x) => [x.seq, x.value, x.ts]),
      [
        [1, 74.01, T0],
        [2, 74.0, T0 + 2000],
        [3, 73.99, T0 + 5000],
        [4, 74.02, T0 + 6000],
      ],
      "Good values only, each measurement once, at the sample's time",
    );
    assert.equal(w.caught.length, 0, "Bad quality and a missing tag are not errors");
    assert.equal((r[3] as SpcResult).phase, "II");
    // MR̄ = (0.01 + 0.01)/2 over the 3 phase-I values, σ̂ = MR̄/d2(2) (exact d2(2) = 2/√π).
    const limits = limitsOf(w.out)[0] as SpcLimits;
    near(limits.center, (74.01 + 74.0 + 73.99) / 3, "x̄", 1e-12);
    near(limits.sigma, (0.01 + 0.01) / 2 / (2 / Math.sqrt(Math.PI)), "σ̂", 1e-6);
    // A sample whose tag is not a number is refused, naming the tag.
    w.spc.receive({ payload: sample(T0 + 7000, "high", "Good"), _msgid: "text" });
    const c = await until(() => w.caught.find((m) => m._msgid === "text"), 3000, "a text value at Catch");
    assert.match(
      (c.error as { message: string }).message,
      /payload\.values\.Diameter\.value must be a finite number/,
    );
  });

  it("forms subgroups by msg.batch and sends several results of one input at once", async () => {
    await helper.load(nodes, flow({ subgroupBy: "key", subgroupSize: 4, phase1Points: 10 }));
    const w = wired();
    const send = (value: number, batch: string, i: number) =>
      w.spc.receive({ payload: { value, ts: T0 + i * 1000 }, batch, _msgid: `k${i}` });
    send(10, "A", 0);
    send(12, "A", 1);
    send(11, "A", 2);
    send(20, "B", 3); // closes A (3 values)
    send(22, "B", 4);
    w.spc.receive({ payload: { command: "flush" } }); // closes B (2 values)
    const r = await results(w, 2, "batches A and B");
    assert.deepEqual(
      r.map((x) => [x.seq, x.key, x.n, x.value]),
      [
        [1, "A", 3, 11],
        [2, "B", 2, 21],
      ],
      "one subgroup per batch",
    );
    // One message with values of several subgroups (count mode: 4 at a time) gives an array.
    await helper.unload();
    await helper.load(nodes, flow({ subgroupBy: "count", subgroupSize: 2, phase1Points: 10 }));
    const w2 = wired();
    const sends: unknown[] = [];
    const spc = w2.spc as unknown as { send(m: unknown): void };
    const original = spc.send.bind(spc);
    spc.send = (m: unknown) => {
      sends.push(m);
      original(m);
    };
    w2.spc.receive({ payload: [1, 2, 3, 4, 5, 6] });
    const three = await results(w2, 3, "three subgroups of 2");
    assert.deepEqual(
      three.map((x) => x.value),
      [1.5, 3.5, 5.5],
    );
    assert.equal(sends.length, 1, "one send call for one input");
    const [first] = sends as Array<[Msg[] | null, Msg[] | null]>;
    assert.ok(Array.isArray(first?.[0]) && first[0].length === 3, "output 1: an array of the three results");
    assert.equal(first?.[1], null, "output 2: nothing");
  });

  it("refuses to run with a configuration problem, naming the field", async () => {
    await helper.load(nodes, flow({ characteristic: " ", usl: "1", lsl: "2" }));
    const w = wired();
    w.spc.receive({ payload: 74 });
    const c = await until(() => w.caught[0], 3000, "the problem at Catch");
    assert.match((c.error as { message: string }).message, /config\.characteristic must be/);
    assert.match((c.error as { message: string }).message, /config\.usl must be greater than lsl/);
    assert.deepEqual(statuses(w.spc)[0], { fill: "red", shape: "dot", text: "configuration error" });
    await helper.unload();

    await helper.load(nodes, flow({ lsl: "seventy" }));
    const w2 = wired();
    w2.spc.receive({ payload: 74 });
    const c2 = await until(() => w2.caught[0], 3000, "the problem at Catch");
    assert.match(
      (c2.error as { message: string }).message,
      /^Error: config\.lsl must be a number or empty, got "seventy"$/,
    );
  });

  it("the editor's rule table, texts and presets are lib/spc/rules.ts's", () => {
    const html = readFileSync(join(__dirname, "..", "..", "nodes", "spc-check", "spc-check.html"), "utf8");
    const block = /\/\/ ---- rules:[\s\S]*?\/\/ ---- end of rules ----/.exec(html)?.[0];
    assert.ok(block, "the editor declares its rule table between the markers");
    const editor = runInNewContext(`${block}\n({ RULE_IDS, RULES, PRESET_RULES, ruleText, preset })`) as {
      RULE_IDS: string[];
      RULES: Record<string, { test: string; length?: number; count?: number; sigmas?: number }>;
      ruleText(id: string, s?: Partial<RuleSetting>): string;
      preset(name: string): RuleSetting[];
    };
    assert.deepEqual([...editor.RULE_IDS], [...RULE_IDS], "the 13 rules in order");
    for (const id of RULE_IDS) {
      const lib = RULES[id];
      const mine = editor.RULES[id];
      assert.deepEqual(
        JSON.parse(JSON.stringify(mine)),
        JSON.parse(
          JSON.stringify({ test: lib.test, count: lib.count, length: lib.length, sigmas: lib.sigmas }),
        ),
        `${id} test and default parameters`,
      );
      assert.equal(editor.ruleText(id), ruleText(id as RuleId), `${id} text`);
      const changed = { id: id as RuleId, enabled: true, length: 7, count: 3, sigmas: 1.5 };
      assert.equal(
        editor.ruleText(id, changed),
        ruleText(id as RuleId, changed),
        `${id} text with parameters`,
      );
    }
    for (const name of ["western-electric", "nelson", "limits-only"] as const)
      assert.deepEqual(
        JSON.parse(JSON.stringify(editor.preset(name))),
        JSON.parse(JSON.stringify(RULE_PRESETS[name])),
        `preset ${name}`,
      );
    // The editor's default rules are the Western Electric preset, as the config schema's default.
    const script = /<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? "";
    let defaults: Record<string, { value: unknown }> = {};
    runInNewContext(script, {
      RED: {
        nodes: {
          registerType: (_t: string, def: { defaults: Record<string, { value: unknown }> }) => {
            defaults = def.defaults;
          },
        },
      },
    });
    assert.deepEqual(
      JSON.parse(JSON.stringify(defaults.rules?.value)),
      JSON.parse(JSON.stringify(RULE_PRESETS["western-electric"])),
      "editor default rules",
    );
    assert.deepEqual(
      configSchema.properties.rules.default,
      JSON.parse(JSON.stringify(RULE_PRESETS["western-electric"])),
      "schema default rules",
    );
    // Every editor default equals the schema's default.
    for (const [key, d] of Object.entries(defaults)) {
      const schemaDefault = (configSchema.properties as Record<string, { default?: unknown }>)[key]?.default;
      assert.deepEqual(JSON.parse(JSON.stringify(d.value)), schemaDefault, `default of ${key}`);
    }
  });

  describe("context store", () => {
    const { openStores, stopRuntime } = contextStores;
    const store = fileContextStore("mfg-spc-ctx-");

    it("keeps the phase-II limits across a restart with the file context store", async () => {
      store.useStore();
      const config = { subgroupBy: "array", constants: "qcc", phase1Points: 25 };
      await helper.load([openStores, ...nodes], flow(config));
      let w = wired();
      PISTON.slice(0, 25).forEach((values, i) => {
        w.spc.receive({ payload: { values, ts: T0 + i * 1000 } });
      });
      await results(w, 25, "phase I");
      const estimated = limitsOf(w.out)[0] as SpcLimits;
      assert.equal(estimated.reason, "estimated", "phase I ended");

      await stopRuntime();
      const { names: files, texts: stored } = store.storedFiles();
      assert.ok(
        stored.some((text) => text.includes('"spc"')),
        `the chart is on disk: ${JSON.stringify(files)}`,
      );
      await helper.unload();

      // Node-RED starts again with the same flow and store: subgroup 26 is a phase-II point.
      await helper.load([openStores, ...nodes], flow(config));
      w = wired();
      w.spc.receive({ payload: { values: PISTON[25], ts: T0 + 25_000 } });
      const [r] = await results(w, 1, "the first point after the restart");
      const xbar = vector("piston_xbar_R_phase1");
      assert.equal(r?.seq, 26, "seq continues");
      assert.equal(r?.phase, "II", "phase II");
      assert.equal(r?.cl, estimated.cl, "the same centre line");
      assert.equal(r?.ucl, estimated.ucl, "the same UCL");
      assert.equal(r?.lcl, estimated.lcl, "the same LCL");
      near(r?.ucl, xbar.UCL, "UCL as qcc");
      assert.equal(limitsOf(w.out).length, 0, "no new limits");
      assert.equal(w.caught.length, 0, "no input refused");
      await until(
        () =>
          statuses(w.spc).some(
            (s) => s.fill === "green" && s.text === "74.0086 mm · UCL 74.0143 · LCL 73.988",
          ),
        3000,
        "the point against its limits in the status",
        () => JSON.stringify(statuses(w.spc).slice(-3)),
      );
    });

    // Review finding 5: a stored chart discarded after a configuration change leaves no alarm
    // episode active at the receiver: its active alarms are sent "cleared" on output 2.
    it("sends the cleared alarms of a stored chart it discards after a change of chart shape", async () => {
      store.useStore();
      // Given limits 74 ± 3·0.01/√5: the subgroup mean 75 is beyond the UCL (we-1) at point 1.
      const given = { subgroupBy: "array", limits: "given", givenMean: "74", givenSigma: "0.01" };
      await helper.load([openStores, ...nodes], flow(given));
      let w = wired();
      w.spc.receive({ payload: { values: [75, 75, 75, 75, 75], ts: T0 } });
      const active = await until(
        () => alarmsOf(w.alarms).find((a) => a.state === "active"),
        3000,
        "the we-1 alarm",
        caughtText(w),
      );
      assert.equal(active.id, "spc:diameter:we-1:1", "the episode of point 1");
      await stopRuntime();
      await helper.unload();

      // Restarted with another chart shape (X̄-S instead of X̄-R): the stored chart is not continued.
      await helper.load([openStores, ...nodes], flow({ ...given, chart: "xbar-s" }));
      w = wired();
      const cleared = await until(
        () => (w.alarms.length > 0 ? alarmsOf(w.alarms) : undefined),
        3000,
        "the cleared alarm",
        caughtText(w),
      );
      assert.equal(cleared.length, 1, "one alarm, on output 2");
      const [c] = cleared;
      assertValid("Alarm", c, "the cleared alarm");
      assert.equal(c?.id, active.id, "the same id as the active one");
      assert.equal(c?.state, "cleared", "cleared");
      assert.equal(c?.severity, active.severity, "its severity");
      assert.equal(c?.asset, undefined, "no asset configured");
      assert.equal(c?.data?.reason, "configuration changed", "data.reason");
      assert.equal(w.alarms[0]?.topic, "diameter", "topic: the characteristic");
      assert.equal(w.out.length, 0, "nothing on output 1");
    });
  });
});

// Review of issue 5 (mfg-spc-check): the status and the messages as the help describes them.
describe("mfg-spc-check status and messages (help: Status, Outputs)", () => {
  afterEach(async () => {
    await helper.unload();
  });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** An I-MR chart with given limits 0 ± 3 (mean 0, sigma 1), limit rules only. */
  const given = (over: Record<string, unknown> = {}) =>
    flow({
      chart: "i-mr",
      subgroupSize: 1,
      limits: "given",
      givenMean: "0",
      givenSigma: "1",
      rules: RULE_PRESETS["limits-only"].map((r) => ({ ...r })),
      capabilityWindow: 0,
      ...over,
    });

  it("keeps the red status of a refused input until the next accepted point", async () => {
    await helper.load(nodes, given());
    const w = wired();
    w.spc.receive({ payload: 0.1 });
    w.spc.receive({ payload: 0.2 });
    await results(w, 2, "two points");
    w.spc.receive({ payload: "0.3" });
    await until(() => w.caught.length >= 1 || undefined, 3000, "the refusal at Catch");
    await sleep(700); // longer than the status interval: nothing may replace the red status
    assert.equal(statuses(w.spc).at(-1)?.fill, "red", `still red: ${JSON.stringify(statuses(w.spc).at(-1))}`);
    w.spc.receive({ payload: 0.4 });
    await results(w, 3, "an accepted point");
    await until(() => statuses(w.spc).at(-1)?.fill === "green" || undefined, 3000, "green again");
    assert.match(String(statuses(w.spc).at(-1)?.text), /^0\.4 mm/, "the accepted point's value");
  });

  it("builds the status at most once per interval, also when the kind alternates", async () => {
    let translations = 0;
    const dist = join(__dirname, "..", "..", "dist", "nodes", "spc-check");
    const catalog = JSON.parse(readFileSync(join(dist, "locales", "en-US", "spc-check.json"), "utf8"));
    const counting = (red: object) => {
      const tr = (key: string, subs: Record<string, unknown> = {}) => {
        translations++;
        const found = key.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], catalog);
        return typeof found === "string"
          ? found.replace(/__(\w+)__/g, (_m, k: string) => String(subs[k]))
          : key;
      };
      const module = require(join(dist, "spc-check.js")) as (red: object) => unknown;
      return module(new Proxy(red, { get: (t, p, r) => (p === "_" ? tr : Reflect.get(t, p, r)) }));
    };
    await helper.load([assetNode, counting, catchNode], given());
    const w = wired();
    await sleep(50);
    const before = translations;
    const N = 2000;
    // 3.2 is beyond the UCL 3 (warning), 0 in control (ok; MR 3.2 < its UCL 3.69).
    for (let i = 0; i < N; i++) w.spc.receive({ payload: i % 2 === 0 ? 3.2 : 0 });
    await results(w, N, "all points");
    const calls = translations - before;
    assert.ok(calls < N / 10, `status texts built ${calls} times for ${N} inputs (not per message)`);
  });

  it("shows a CUSUM's sum that fired in sigma units, without the measurement unit", async () => {
    await helper.load(nodes, given({ chart: "cusum", givenMean: "10", givenSigma: "1" }));
    const w = wired();
    // z = −3 each point, k 0.5: C− = 2.5, 5, 7.5 (sigma units); h 5 is exceeded at the third.
    for (const v of [7, 7, 7]) w.spc.receive({ payload: v });
    await results(w, 3, "three points");
    const text = await until(
      () => {
        const t = statuses(w.spc).at(-1)?.text;
        return t?.startsWith("C− 7.5") ? t : undefined;
      },
      3000,
      "the CUSUM status",
      () => JSON.stringify(statuses(w.spc)),
    );
    assert.equal(text, "C− 7.5 · h 5 · cusum-lower", "C− in sigma units, h and the rule; no mm");
  });

  it("shows attribute counts without the measurement unit", async () => {
    await helper.load(nodes, given({ chart: "c", givenMean: "4", givenSigma: "" }));
    const w = wired();
    w.spc.receive({ payload: 3 });
    await results(w, 1, "a count");
    const text = await until(
      () => statuses(w.spc).at(-1)?.text?.startsWith("3 ·") || undefined,
      3000,
      "status",
    );
    assert.ok(text, "the count without the unit");
  });

  it("a c chart ignores the Sample n the editor hides for it (a count per constant area)", async () => {
    await helper.load(
      nodes,
      given({
        chart: "c",
        limits: "estimate",
        givenMean: "",
        givenSigma: "",
        sampleSize: "50",
        phase1Points: 5,
      }),
    );
    const w = wired();
    w.spc.receive({ payload: { count: 3, n: 1 } });
    w.spc.receive({ payload: 4 });
    const r = await results(w, 2, "two counts");
    assert.equal(w.caught.length, 0, caughtText(w)());
    assert.deepEqual(
      r.map((x) => x.value),
      [3, 4],
      "the counts charted",
    );
  });

  it("keeps the input's _msgid on the results and alarms", async () => {
    await helper.load(nodes, given());
    const w = wired();
    w.spc.receive({ payload: 5, _msgid: "request-1", topic: "other" });
    await results(w, 1, "a point beyond the UCL");
    await until(() => w.alarms.length >= 1 || undefined, 3000, "the alarm");
    assert.equal(w.out[0]?._msgid, "request-1", "result keeps _msgid");
    assert.equal(w.out[0]?.topic, "diameter", "topic: the characteristic, not the request's");
    assert.equal(w.alarms[0]?._msgid, "request-1", "alarm keeps _msgid");
  });

  describe("restarts", () => {
    const { openStores, stopRuntime } = contextStores;
    const store = fileContextStore("mfg-spc-spec-");

    it("does not overwrite a stored chart it could not load; it charts without storing", async () => {
      // A context store whose reads fail (e.g. briefly unavailable) and whose writes are recorded.
      const writes: string[] = [];
      const failingStore = () => ({
        open: () => Promise.resolve(),
        close: () => Promise.resolve(),
        get: (_scope: string, key: string, cb: (err: Error | null, value?: unknown) => void) =>
          cb(new Error(`store offline (${key})`)),
        set: (_scope: string, key: string, _value: unknown, cb?: (err: Error | null) => void) => {
          writes.push(key);
          cb?.(null);
        },
        keys: (_scope: string, cb: (err: Error | null, keys: string[]) => void) => cb(null, []),
        delete: () => Promise.resolve(),
        clean: () => Promise.resolve(),
      });
      helper.settings({ contextStorage: { default: { module: failingStore } } });
      await helper.load([openStores, ...nodes], flow({ chart: "i-mr", subgroupSize: 1, phase1Points: 5 }));
      const w = wired();
      for (let i = 0; i < 6; i++) w.spc.receive({ payload: { value: 10 + (i % 2) / 10, ts: T0 + i * 1000 } });
      const r = await results(w, 6, "charted although the stored chart was not loaded");
      assert.equal(r[5]?.phase, "II", "phase I ended as usual");
      const logged = helper
        .log()
        .args.map((a) => a[0] as { level: number; msg?: unknown })
        .filter((e) => e.level === 20 && String(e.msg).includes("could not load the stored chart"));
      assert.equal(logged.length, 1, "the failed load is logged once as an error");
      await new Promise((resolve) => setTimeout(resolve, 1200)); // past the 1 s save delay
      await stopRuntime(); // the close handler would flush a pending save
      assert.deepEqual(writes, [], "nothing written over the stored chart");
    });

    it("keeps the phase-II limits when spec limits are added to a stored chart (help: Restarts)", async () => {
      store.useStore();
      const est = { chart: "i-mr", subgroupSize: 1, phase1Points: 5, capabilityWindow: 0 };
      await helper.load([openStores, ...nodes], flow(est));
      let w = wired();
      for (let i = 0; i < 5; i++)
        w.spc.receive({ payload: { value: 10 + (i % 2) * 0.2, ts: T0 + i * 1000 } });
      const lim = await until(() => limitsOf(w.out)[0], 3000, "limits");
      await stopRuntime();
      await helper.unload();
      await helper.load([openStores, ...nodes], flow({ ...est, lsl: "9", usl: "11", capabilityWindow: 10 }));
      w = wired();
      w.spc.receive({ payload: { value: 10.1, ts: T0 + 10_000 } });
      const [r] = await results(w, 1, "a point after the restart");
      assert.equal(r?.phase, "II", "still phase II");
      assert.equal(r?.seq, 6, "seq continues");
      assert.equal(r?.ucl, lim.ucl, "the frozen UCL");
      assert.equal(limitsOf(w.out).length, 0, "no new limits");
    });
  });
});

// Review of issue 5, finding 6: a configuration the runtime refuses is flagged in the editor.
describe("mfg-spc-check editor validators (the runtime's bounds)", () => {
  const html = readFileSync(join(__dirname, "..", "..", "nodes", "spc-check", "spc-check.html"), "utf8");
  const script = /<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? "";
  type Defaults = Record<string, { value: unknown; validate?: (this: unknown, v: unknown) => boolean }>;
  let defaults: Defaults = {};
  runInNewContext(script, {
    RED: { nodes: { registerType: (_t: string, def: { defaults: Defaults }) => (defaults = def.defaults) } },
  });
  const base = (): Record<string, unknown> => ({
    ...Object.fromEntries(Object.entries(defaults).map(([k, d]) => [k, structuredClone(d.value)])),
    characteristic: "diameter",
  });
  /** The fields the editor marks invalid. */
  const invalid = (cfg: Record<string, unknown>): string[] =>
    Object.entries(defaults)
      .filter(([k, d]) => d.validate && !d.validate.call(cfg, cfg[k]))
      .map(([k]) => k);
  /** The fields checkSpcConfig (via the node's config) refuses. */
  const refusedBy = (cfg: Record<string, unknown>): string[] => {
    const parsed = makeConfigValidator<SpcCheckConfig>(configSchema)(structuredClone(cfg));
    if (!parsed.ok) return parsed.errors.map((e) => e.field.split(/[.[]/)[0] as string);
    const spc = spcConfigOf(parsed.value, null);
    if (!spc.ok) return spc.errors.map((e) => e.field);
    return checkSpcConfig(spc.value).map((e) => e.field.split(/[.[]/)[0] as string);
  };
  const we = (id: string, over: Partial<RuleSetting>) =>
    RULE_PRESETS["western-electric"].map((r) => (r.id === id ? { ...r, ...over } : { ...r }));
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ["X̄-R with n = 1 (left from I-MR)", { chart: "xbar-r", subgroupSize: 1 }, "subgroupSize"],
    ["X̄-R with n = 30", { chart: "xbar-r", subgroupSize: 30 }, "subgroupSize"],
    ["X̄-S with n = 101", { chart: "xbar-s", subgroupSize: 101 }, "subgroupSize"],
    ["X̄-R with MR̄/d2", { chart: "xbar-r", estimator: "mrbar-d2" }, "estimator"],
    ["I-MR with R̄/d2", { chart: "i-mr", subgroupSize: 1, estimator: "rbar-d2" }, "estimator"],
    ["capability window 1", { capabilityWindow: 1 }, "capabilityWindow"],
    ["capability window 10001", { capabilityWindow: 10001 }, "capabilityWindow"],
    ["width 7", { nsigmas: 7 }, "nsigmas"],
    ["width 0.5", { nsigmas: 0.5 }, "nsigmas"],
    [
      "head start above h",
      { chart: "cusum", subgroupSize: 1, cusumH: 4, cusumHeadStart: 5 },
      "cusumHeadStart",
    ],
    ["rule length 2.5", { rules: we("we-4", { length: 2.5 }) }, "rules"],
    ["rule count 5 of 3", { rules: we("we-2", { count: 5 }) }, "rules"],
    ["given limits without a mean", { limits: "given", givenSigma: "1" }, "givenMean"],
    ["given limits without a sigma", { limits: "given", givenMean: "10" }, "givenSigma"],
    ["USL below LSL", { lsl: "5", usl: "4" }, "usl"],
  ];
  for (const [what, patch, field] of cases)
    it(`flags ${what}, which the runtime refuses`, () => {
      const cfg = { ...base(), ...patch };
      assert.ok(
        refusedBy(cfg).includes(field),
        `runtime refuses ${field}: ${JSON.stringify(refusedBy(cfg))}`,
      );
      assert.deepEqual(invalid(cfg), [field], `editor marks ${field} only`);
    });
  it("accepts the defaults and the usual charts", () => {
    for (const patch of [
      {},
      { chart: "xbar-s", subgroupSize: 10 },
      { chart: "i-mr", subgroupSize: 1 },
      { chart: "ewma", subgroupSize: 1 },
      { chart: "cusum", subgroupSize: 4, cusumHeadStart: 2.5 },
      { chart: "p", sampleSize: "50", limits: "given", givenMean: "0.1" },
      { chart: "c", sampleSize: "50" },
      {
        limits: "given",
        givenMean: "74",
        givenSigma: "0.01",
        lsl: "73.95",
        usl: "74.05",
        capabilityWindow: 2,
      },
    ]) {
      const cfg = { ...base(), ...patch };
      assert.deepEqual(refusedBy(cfg), [], `runtime accepts ${JSON.stringify(patch)}`);
      assert.deepEqual(invalid(cfg), [], `editor accepts ${JSON.stringify(patch)}`);
    }
  });
});
