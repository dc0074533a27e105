// Attribute charts p, np, c, u through the reducer (STANDARDS.md 3.2), against Montgomery,
// Introduction to Statistical Quality Control: Example 7.1 (orange juice cans, p chart, n = 50),
// Example 7.3 (printed circuit boards, c chart) and the dyed cloth u chart with unequal sizes (data
// as in qcc's data folder: orangejuice, circuit, dyedcloth). Printed values are compared at their
// printed digits; everything else with hand arithmetic in the test.
import assert from "node:assert/strict";
import { SpcRefused, step } from "../../lib/spc/spc";
import type { SpcConfig } from "../../lib/spc/types";
import type { SpcLimits, SpcResult } from "../../lib/types";
import { validate } from "../../lib/validate";
import {
  assertFinite,
  close,
  command,
  count,
  feed,
  lowestRuleBySeq,
  newRun,
  type Run,
  rulesOn,
  spcConfig,
  values,
} from "./spc-support";

const JUICE = [
  12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22, 8, 10, 5, 13, 11, 20, 18, 24, 15, 9, 12, 7, 13, 9, 6,
];
const JUICE_II = [9, 6, 12, 5, 6, 4, 6, 3, 7, 6, 2, 4, 3, 6, 5, 4, 8, 5, 6, 7, 5, 6, 3, 5];
const CIRCUIT = [
  21, 24, 16, 12, 15, 5, 28, 20, 31, 25, 20, 24, 16, 19, 10, 17, 13, 22, 18, 39, 30, 24, 16, 19, 17, 15,
];
const CIRCUIT_II = [16, 18, 12, 15, 24, 21, 28, 20, 25, 19, 18, 21, 16, 22, 19, 12, 14, 9, 16, 21];
const CLOTH = [14, 12, 20, 11, 7, 10, 21, 16, 19, 23];
const CLOTH_N = [10, 8, 13, 10, 9.5, 10, 12, 10.5, 12, 12.5];

/** |actual − printed| within half a unit of the last printed digit (plus rounding of inputs). */
function printed(actual: number | null | undefined, shown: number, digits: number, what: string): void {
  assert.ok(typeof actual === "number", `${what}: a number`);
  const tol = 0.5 * 10 ** -digits + 1e-12;
  assert.ok(Math.abs((actual as number) - shown) <= tol, `${what}: ${actual} does not print as ${shown}`);
}

function attr(over: Partial<SpcConfig>): Run {
  return newRun(spcConfig({ characteristic: "Nonconforming", chart: "p", rules: rulesOn("we-1"), ...over }));
}

function beyondSeqs(l: SpcLimits, results: SpcResult[] = []): number[] {
  const all = [...l.outOfControl, ...results.filter((r) => r.phase === "II").flatMap((r) => r.violations)];
  return [...lowestRuleBySeq(all.filter((v) => v.rule === "we-1")).keys()].sort((a, b) => a - b);
}

describe("lib/spc reducer: attribute charts", () => {
  describe("p chart, orange juice cans (Montgomery Example 7.1, n = 50, 30 phase-I samples)", () => {
    const juice = (over: Partial<SpcConfig> = {}) => {
      const run = attr({ chart: "p", sampleSize: 50, phase1Points: 30, ...over });
      for (const d of JUICE) feed(run, count(d));
      return run;
    };

    it("p̄ = 347/1500 = 0.2313, UCL 0.4102, LCL 0.0524; samples 15 and 23 beyond", () => {
      const run = juice();
      assert.equal(run.limits.length, 1, "one SpcLimits");
      const l = run.limits[0]!;
      const pbar = 347 / 1500;
      close(l.center, pbar, 1e-12, "p̄ = ΣD/Σn");
      assert.equal(l.sigma, null, "no sigma of single values on a p chart");
      assert.equal(l.estimator, undefined, "no estimator on a p chart");
      printed(l.center, 0.2313, 4, "p̄");
      printed(l.ucl, 0.4102, 4, "UCL");
      printed(l.lcl, 0.0524, 4, "LCL");
      close(l.ucl, pbar + 3 * Math.sqrt((pbar * (1 - pbar)) / 50), 1e-12, "UCL = p̄ + 3√(p̄(1−p̄)/n)");
      assert.equal(l.n, 50, "n");
      assert.deepEqual(beyondSeqs(l), [15, 23], "samples 15 (0.44) and 23 (0.48) beyond the UCL");
      close(run.results[14]!.value, 22 / 50, 1e-15, "p_15 = D/n");
    });

    it("revise: samples 15 and 23 left out, p̄ 0.2150, UCL 0.3893, LCL 0.0407; sample 21 now beyond but kept", () => {
      const run = juice();
      feed(run, command("revise"));
      assert.equal(run.limits.length, 2, "revised limits");
      const l = run.limits[1]!;
      assert.equal(l.reason, "revised", "reason");
      assert.equal(l.revision, 1, "revision");
      assert.deepEqual(l.excluded, [15, 23], "left out");
      assert.equal(l.points, 28, "28 samples kept");
      close(l.center, 301 / 1400, 1e-12, "p̄ = 301/1400");
      printed(l.center, 0.215, 4, "p̄");
      printed(l.ucl, 0.3893, 4, "UCL");
      printed(l.lcl, 0.0407, 4, "LCL");
      // Montgomery keeps sample 21 (p = 0.40 > 0.3893): one round only.
      assert.deepEqual(beyondSeqs(l), [21], "sample 21 beyond the revised UCL");
    });

    it("autoRevise goes on until none is beyond: sample 21 is left out in a second round", () => {
      const run = juice({ autoRevise: true });
      const l = run.limits[0]!;
      assert.deepEqual(l.excluded, [15, 21, 23], "left out in two rounds");
      close(l.center, 281 / 1350, 1e-12, "p̄ = 281/1350");
      assert.deepEqual(beyondSeqs(l), [], "none beyond");
    });

    it("phase II with the revised limits: sample 41 (0.04) below the LCL, 8 in a row below p̄ from 41 on", () => {
      const run = juice({ rules: rulesOn("we-1", "we-4") });
      feed(run, command("revise"));
      for (const d of JUICE_II) feed(run, count(d));
      const phase2 = run.results.filter((r) => r.phase === "II");
      assert.equal(phase2.length, 24, "24 phase-II samples");
      const lcl = 301 / 1400 - 3 * Math.sqrt(((301 / 1400) * (1 - 301 / 1400)) / 50);
      for (const r of phase2) close(r.lcl, lcl, 1e-12, `LCL of ${r.seq}`);
      const fired = (rule: string) =>
        phase2.filter((r) => r.violations.some((v) => v.rule === rule)).map((r) => r.seq);
      assert.deepEqual(fired("we-1"), [41], "we-1 at 41 (2/50 = 0.04 < 0.0407)");
      // 34..54 are all below p̄ = 0.215 (the largest is 8/50 = 0.16); 33 is above (0.24).
      assert.deepEqual(
        fired("we-4"),
        Array.from({ length: 14 }, (_, i) => 41 + i),
        "we-4 from the 8th point below (41) to 54",
      );
      const ids = run.alarms.filter((a) => a.state === "active").map((a) => a.id);
      assert.deepEqual(ids, ["spc:Diameter:we-1:41", "spc:Diameter:we-4:41"], "two alarms");
      const cleared = run.alarms.filter((a) => a.state === "cleared").map((a) => a.id);
      assert.deepEqual(cleared, ["spc:Diameter:we-1:41"], "we-1 clears at 42; we-4 still active at the end");
    });

    it("np chart of the same data: n·p̄ ± 3√(n·p̄(1 − p̄)), the same samples beyond", () => {
      const run = juice({ chart: "np" });
      const l = run.limits[0]!;
      const pbar = 347 / 1500;
      close(l.center, pbar, 1e-12, "center = p̄");
      close(l.cl, 50 * pbar, 1e-12, "cl = n·p̄");
      close(l.ucl, 50 * pbar + 3 * Math.sqrt(50 * pbar * (1 - pbar)), 1e-12, "UCL");
      close(l.lcl, 50 * pbar - 3 * Math.sqrt(50 * pbar * (1 - pbar)), 1e-12, "LCL");
      assert.deepEqual(beyondSeqs(l), [15, 23], "15 and 23");
      assert.equal(run.results[14]!.value, 22, "np plots the count");
    });
  });

  describe("c chart, printed circuit boards (Montgomery Example 7.3, 26 samples)", () => {
    const circuit = (over: Partial<SpcConfig> = {}) => {
      const run = attr({ chart: "c", phase1Points: 26, ...over });
      for (const c of CIRCUIT) feed(run, count(c));
      return run;
    };

    it("c̄ = 516/26 = 19.85, UCL 33.22, LCL 6.48; samples 6 and 20 beyond", () => {
      const run = circuit();
      const l = run.limits[0]!;
      close(l.center, 516 / 26, 1e-12, "c̄");
      printed(l.center, 19.85, 2, "c̄");
      // Montgomery prints 33.22 and 6.48 from the rounded c̄ = 19.85 (19.85 ± 3√19.85).
      close(l.ucl, 516 / 26 + 3 * Math.sqrt(516 / 26), 1e-12, "UCL = c̄ + 3√c̄");
      assert.ok(Math.abs((l.ucl as number) - 33.22) < 0.01, `UCL ${l.ucl} ≈ 33.22`);
      assert.ok(Math.abs((l.lcl as number) - 6.48) < 0.01, `LCL ${l.lcl} ≈ 6.48`);
      assert.deepEqual(beyondSeqs(l), [6, 20], "samples 6 (5) and 20 (39)");
    });

    it("revise: c̄ 19.67, UCL 32.97, LCL 6.36; phase II all within", () => {
      const run = circuit();
      feed(run, command("revise"));
      const l = run.limits[1]!;
      assert.deepEqual(l.excluded, [6, 20], "6 and 20 left out");
      close(l.center, 472 / 24, 1e-12, "c̄ = 472/24");
      printed(l.center, 19.67, 2, "c̄");
      printed(l.ucl, 32.97, 2, "UCL");
      printed(l.lcl, 6.36, 2, "LCL");
      for (const c of CIRCUIT_II) feed(run, count(c));
      const phase2 = run.results.filter((r) => r.phase === "II");
      assert.equal(phase2.length, 20, "20 new samples");
      assert.deepEqual(
        phase2.flatMap((r) => r.violations),
        [],
        "no new sample beyond the limits",
      );
      assert.equal(phase2[0]!.n, 1, "one inspection unit when no size is given");
    });
  });

  describe("u chart, dyed cloth with unequal sizes (Montgomery; qcc dyedcloth)", () => {
    it("ū = 153/107.5 and limits ū ± 3√(ū/nᵢ) per point", () => {
      const run = attr({ chart: "u", phase1Points: 10 });
      for (let i = 0; i < CLOTH.length; i++) feed(run, count(CLOTH[i]!, CLOTH_N[i]!));
      const l = run.limits[0]!;
      const u = 153 / 107.5;
      close(l.center, u, 1e-12, "ū = Σc/Σn");
      assert.equal(l.cl, u, "cl = ū");
      assert.equal(l.ucl, null, "no single UCL: the limits vary with n");
      assert.equal(l.n, undefined, "no nominal n");
      assert.deepEqual(l.outOfControl, [], "in control (Montgomery)");
      const last = run.results[9]!;
      close(last.value, 23 / 12.5, 1e-15, "u = c/n");
      close(last.ucl, u + 3 * Math.sqrt(u / 12.5), 1e-12, "UCL at n = 12.5");
      close(last.lcl, u - 3 * Math.sqrt(u / 12.5), 1e-12, "LCL at n = 12.5");
      close(last.sigma, Math.sqrt(u / 12.5), 1e-12, "sigma at n = 12.5");
      feed(run, count(30, 8));
      const next = run.results[10]!;
      close(next.ucl, u + 3 * Math.sqrt(u / 8), 1e-12, "UCL at n = 8");
      close(next.value, 30 / 8, 1e-15, "u = 3.75");
      assert.deepEqual(
        next.violations.map((v) => v.rule),
        ["we-1"],
        "3.75 > UCL 2.69",
      );
      assert.ok(validate("SpcResult", structuredClone(last)).ok, "a fractional n is a valid SpcResult");
    });
  });

  describe("p chart with sample sizes per input", () => {
    it("p̄ = ΣD/Σn, limits at each n", () => {
      const run = attr({ chart: "p", phase1Points: 4 });
      const data: Array<[number, number]> = [
        [3, 100],
        [5, 120],
        [2, 80],
        [4, 100],
      ];
      for (const [d, n] of data) feed(run, count(d, n));
      const l = run.limits[0]!;
      const pbar = 14 / 400;
      close(l.center, pbar, 1e-12, "p̄");
      assert.equal(l.ucl, null, "limits vary per point");
      feed(run, count(9, 80), count(1, 200));
      const [a, b] = run.results.slice(4);
      close(a!.ucl, pbar + 3 * Math.sqrt((pbar * (1 - pbar)) / 80), 1e-12, "UCL at 80");
      close(b!.ucl, pbar + 3 * Math.sqrt((pbar * (1 - pbar)) / 200), 1e-12, "UCL at 200");
      assert.equal(b!.lcl, 0, "LCL floored at 0");
      assert.deepEqual(
        a!.violations.map((v) => v.rule),
        ["we-1"],
        "9/80 = 0.1125 > UCL 0.0967",
      );
    });

    it("np with varying n uses each point's n", () => {
      const run = attr({ chart: "np", phase1Points: 2 });
      feed(run, count(5, 100), count(15, 300), count(8, 200));
      const pbar = 20 / 400;
      const r = run.results[2]!;
      close(r.cl, 200 * pbar, 1e-12, "cl = n·p̄ at 200");
      close(r.ucl, 200 * pbar + 3 * Math.sqrt(200 * pbar * (1 - pbar)), 1e-12, "UCL at 200");
    });

    it("refuses a missing n, an n other than the configured one, a count above n, a value", () => {
      const free = attr({ chart: "p", phase1Points: 4 });
      const fixed = attr({ chart: "p", sampleSize: 50, phase1Points: 4 });
      const cases: Array<[Run, ReturnType<typeof count>, string]> = [
        [free, count(3), "n"],
        [fixed, count(3, 40), "n"],
        [fixed, count(51), "count"],
        [free, count(-1, 10), "count"],
        [free, count(1.5, 10), "count"],
        [fixed, values(0.2), ""],
      ];
      for (const [run, input, field] of cases) {
        const before = structuredClone(run.state);
        assert.throws(
          () => step(run.setup, run.state, input, Date.now()),
          (e: unknown) => e instanceof SpcRefused && e.errors[0]?.field === field,
          `refused naming "${field}"`,
        );
        assert.deepEqual(run.state, before, "state unchanged");
      }
    });
  });

  describe("given limits and degenerate estimates", () => {
    it("given p̄ = 0.1, n = 100: phase II from the first sample, SpcLimits 'given' once", () => {
      const run = attr({ chart: "p", sampleSize: 100, limits: "given", givenMean: 0.1 });
      feed(run, count(10), count(20));
      assert.equal(run.limits.length, 1, "one SpcLimits");
      const l = run.limits[0]!;
      assert.equal(l.reason, "given", "reason");
      assert.equal(l.phase, "II", "phase II");
      close(l.ucl, 0.19, 1e-12, "UCL 0.1 + 3·0.03");
      close(l.lcl, 0.01, 1e-12, "LCL");
      assert.equal(run.results[0]!.phase, "II", "the first point is phase II");
      assert.deepEqual(
        run.results[1]!.violations.map((v) => v.rule),
        ["we-1"],
        "0.20 > 0.19",
      );
      assert.equal(run.alarms.length, 1, "an alarm");
      assert.equal(run.alarms[0]!.severity, "high", "limit severity");
    });

    it("p̄ = 0 in phase I: limits collapse on 0, no NaN, a later defect is beyond", () => {
      const run = attr({
        chart: "p",
        sampleSize: 20,
        phase1Points: 5,
        rules: rulesOn("nelson-1", "nelson-7"),
      });
      for (let i = 0; i < 5; i++) feed(run, count(0));
      const l = run.limits[0]!;
      assert.equal(l.center, 0, "p̄ 0");
      assert.equal(l.ucl, 0, "UCL = cl");
      assert.equal(l.lcl, 0, "LCL = cl");
      assert.deepEqual(l.outOfControl, [], "nothing beyond");
      for (let i = 0; i < 20; i++) feed(run, count(0));
      assert.ok(
        run.results.every((r) => r.violations.length === 0),
        "20 zero samples: no violation (nelson-7 is not checked without a sigma)",
      );
      feed(run, count(1));
      const r = run.results[run.results.length - 1]!;
      assert.deepEqual(
        r.violations.map((v) => v.rule),
        ["nelson-1"],
        "a defect is beyond the collapsed limits",
      );
      assertFinite(run.state);
      for (const x of run.results)
        assert.ok(Number.isFinite(x.value) && Number.isFinite(x.ucl as number), "finite");
    });
  });
});
