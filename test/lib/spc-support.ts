/**
 * Helpers for the lib/spc reducer tests: a full configuration with overrides, a runner that feeds
 * inputs through `step` and collects everything, float comparison with a stated tolerance, the
 * spc-vectors.json reference file.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RULE_PRESETS } from "../../lib/spc/rules";
import {
  checkSpcConfig,
  compileSpc,
  initialSpcState,
  type SpcSetup,
  type SpcState,
  step,
} from "../../lib/spc/spc";
import type { RuleId, RuleSetting, SpcConfig, SpcInput, SpcNotice } from "../../lib/spc/types";
import type { Alarm, SpcLimits, SpcResult, SpcViolation } from "../../lib/types";

/** The fixed clock of the tests. */
export const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

// biome-ignore lint/suspicious/noExplicitAny: the reference file is plain JSON read at run time
export type Json = any;

export const VECTORS: Json = JSON.parse(
  readFileSync(join(__dirname, "..", "..", "..", "shared", "reference", "spc-vectors.json"), "utf8"),
);

export function vector(id: string): Json {
  const v = (VECTORS.vectors as Json[]).find((x) => x.id === id);
  assert.ok(v, `vector ${id} is in spc-vectors.json`);
  return v;
}

export const PISTON: number[][] = VECTORS.datasets.pistonrings.subgroups;
export const VISCOSITY: number[] = VECTORS.datasets.viscosity.viscosity;

/** Rule settings with exactly these rules on (default parameters). */
export function rulesOn(...ids: RuleId[]): RuleSetting[] {
  return ids.map((id) => ({ id, enabled: true }));
}

export function preset(name: keyof typeof RULE_PRESETS): RuleSetting[] {
  return structuredClone(RULE_PRESETS[name]);
}

/** A complete configuration: an X̄-R chart of 5, qcc constants, 25 phase-I points, WE rules 1-4. */
export function spcConfig(over: Partial<SpcConfig> = {}): SpcConfig {
  return {
    characteristic: "Diameter",
    chart: "xbar-r",
    subgroupBy: "count",
    subgroupSize: 5,
    estimator: "rbar-d2",
    constants: "qcc",
    nsigmas: 3,
    limits: "estimate",
    givenMean: null,
    givenSigma: null,
    phase1Points: 25,
    autoRevise: false,
    sampleSize: null,
    ewmaLambda: 0.2,
    ewmaL: 3,
    cusumK: 0.5,
    cusumH: 5,
    cusumHeadStart: 0,
    rules: rulesOn("we-1", "we-2", "we-3", "we-4"),
    lsl: null,
    usl: null,
    target: null,
    capabilityWindow: 0,
    limitSeverity: "high",
    runSeverity: "medium",
    asset: null,
    source: "spc:Diameter",
    ...over,
  };
}

/** An individuals (I-MR) chart of the viscosity data: σ̂ = MR̄/d2, 20 phase-I points. */
export function viscosityConfig(over: Partial<SpcConfig> = {}): SpcConfig {
  return spcConfig({
    characteristic: "Viscosity",
    chart: "i-mr",
    subgroupSize: 1,
    estimator: "mrbar-d2",
    phase1Points: 20,
    source: "spc:Viscosity",
    ...over,
  });
}

export interface Run {
  setup: SpcSetup;
  state: SpcState;
  results: SpcResult[];
  limits: SpcLimits[];
  alarms: Alarm[];
  notices: SpcNotice[];
}

/** A chart for a configuration that must pass checkSpcConfig. */
export function newRun(config: SpcConfig): Run {
  assert.deepEqual(checkSpcConfig(config), [], "the configuration is valid");
  const setup = compileSpc(config);
  return { setup, state: initialSpcState(setup), results: [], limits: [], alarms: [], notices: [] };
}

let clock = NOW - 86_400_000;

/** Feeds inputs through step, collecting the outputs; ts defaults to a clock that advances 1 s. */
export function feed(run: Run, ...inputs: SpcInput[]): Run {
  for (const input of inputs) {
    clock += 1000;
    const r = step(run.setup, run.state, input, clock);
    assert.equal(r.state, run.state, "the state is updated in place");
    run.results.push(...r.results);
    run.limits.push(...r.limits);
    run.alarms.push(...r.alarms);
    run.notices.push(...r.notices);
  }
  return run;
}

let tsClock = NOW - 3_600_000;

export function values(...xs: number[]): SpcInput {
  tsClock += 1000;
  return { type: "values", values: xs, ts: tsClock };
}

export function keyed(key: string, ...xs: number[]): SpcInput {
  tsClock += 1000;
  return { type: "values", values: xs, ts: tsClock, key };
}

export function count(c: number, size: number | null = null): SpcInput {
  tsClock += 1000;
  return { type: "count", count: c, size, ts: tsClock };
}

export function command(
  name: "revise" | "exclude" | "freeze" | "rebaseline" | "limits" | "flush",
  extra: { points?: number[]; mean?: number; sigma?: number } = {},
): SpcInput {
  tsClock += 1000;
  return { type: "command", command: name, ts: tsClock, ...extra };
}

/** |actual − expected| <= rel·|expected| (or <= rel when expected is 0). */
export function close(actual: number | null | undefined, expected: number, rel: number, what: string): void {
  assert.ok(typeof actual === "number" && Number.isFinite(actual), `${what}: a finite number, got ${actual}`);
  const tol = expected === 0 ? rel : rel * Math.abs(expected);
  assert.ok(
    Math.abs((actual as number) - expected) <= tol,
    `${what}: ${actual} differs from ${expected} by more than ${rel} relative`,
  );
}

export function closeAll(
  actual: Array<number | null | undefined>,
  expected: number[],
  rel: number,
  what: string,
): void {
  assert.equal(actual.length, expected.length, `${what}: ${expected.length} values`);
  for (let i = 0; i < expected.length; i++) close(actual[i], expected[i]!, rel, `${what}[${i}]`);
}

/** Rule number of a rule id as qcc numbers them: "we-2" → 2, "nelson-5" → 5. */
export function ruleNumber(rule: string): number {
  const n = Number(rule.slice(rule.lastIndexOf("-") + 1));
  assert.ok(Number.isInteger(n), `rule ${rule} has a number`);
  return n;
}

/**
 * The lowest-numbered rule firing at each seq (qcc's violation vector), from violations whose
 * last point is the point they fired at.
 */
export function lowestRuleBySeq(violations: SpcViolation[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const v of violations) {
    const seq = v.points[v.points.length - 1]!;
    const n = ruleNumber(v.rule);
    const had = out.get(seq);
    if (had === undefined || n < had) out.set(seq, n);
  }
  return out;
}

/** JSON round trip, as the Node-RED context store does. */
export function roundTrip<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

/** Every number in a value (walked recursively) is finite: no NaN or Infinity hides in the state. */
export function assertFinite(value: unknown, path = "state"): void {
  if (typeof value === "number") assert.ok(Number.isFinite(value), `${path} is finite, got ${value}`);
  else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) assertFinite(value[i], `${path}[${i}]`);
  } else if (typeof value === "object" && value !== null)
    for (const [k, v] of Object.entries(value)) assertFinite(v, `${path}.${k}`);
}

/**
 * A seeded generator: uniform [0, 1) (mulberry32) and standard normal (Box–Muller), the same
 * numbers on every run.
 */
export function prng(seed: number): { uniform: () => number; normal: () => number } {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  // 1 − u is in (0, 1]: the logarithm is finite.
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}
