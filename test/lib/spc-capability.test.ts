/**
 * Capability indices, the normal CDF and the rolling capability window (lib/spc/capability.ts)
 * against spc-vectors.json piston_capability_* (qcc 3.0 processCapability on Montgomery's piston
 * rings, relative 1e-9 with the same constants), mpmath values of Φ, hand arithmetic for one-sided
 * specifications, and — for the window — the batch functions of lib/spc/estimate.ts over the same
 * last points.
 */
import assert from "node:assert/strict";
import {
  addToWindow,
  type CapabilityWindow,
  capability,
  newCapabilityWindow,
  normalCdf,
  windowCapability,
} from "../../lib/spc/capability";
import { estimateProcess, estimateSigma, overallSd, subgroupStats } from "../../lib/spc/estimate";
import type { ConstantsTable, SigmaEstimator, SubgroupStats } from "../../lib/spc/types";
import type { SpcCapability } from "../../lib/types";
import { prng, VECTORS } from "./spc-support";

const SPC = VECTORS as {
  datasets: { pistonrings: { subgroups: number[][] } };
  vectors: Array<{ id: string; inputs: Record<string, unknown>; expected: Record<string, unknown> }>;
};

function closeRel(actual: number | null | undefined, expected: number, rel: number, what: string): void {
  assert.ok(typeof actual === "number", `${what} is a number (got ${actual})`);
  const diff = expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);
  assert.ok(diff <= rel, `${what}: ${actual} vs ${expected} (relative ${diff} > ${rel})`);
}

/** SpcCapability's index names and the vectors' (qcc processCapability). */
type IndexNames = Array<[keyof SpcCapability, string]>;
const WITHIN: IndexNames = [
  ["cp", "Cp"],
  ["cpl", "Cp_l"],
  ["cpu", "Cp_u"],
  ["cpk", "Cp_k"],
  ["cpm", "Cpm"],
];
const OVERALL: IndexNames = [
  ["pp", "Pp"],
  ["ppl", "Pp_l"],
  ["ppu", "Pp_u"],
  ["ppk", "Pp_k"],
  ["ppm", "Ppm"],
];

function closeIndices(
  c: SpcCapability,
  expected: Record<string, number>,
  names: IndexNames,
  rel: number,
): void {
  for (const [ours, theirs] of names) closeRel(c[ours] as number | null, expected[theirs]!, rel, theirs);
}

const PISTON_1 = SPC.datasets.pistonrings.subgroups.slice(0, 25).map((g, i) => subgroupStats(g, i + 1, i));

describe("lib/spc/capability", () => {
  describe("normalCdf", () => {
    it("matches known values at 1e-14 relative in both tails", () => {
      // Values from the brief and from mpmath ncdf at 30 digits (strings: up to 20 digits).
      const known: Array<[number, string]> = [
        [-1, "0.15865525393145705"],
        [-3, "0.0013498980316300946"],
        [-5, "2.8665157187919333e-7"],
        [-10, "7.6198530241604696e-24"],
        [1.5, "0.9331927987311419"],
        [-0.5, "0.30853753872598689636"],
        [-1.4999, "0.066820153999833604897"],
        [-1.5, "0.066807201268858066004"],
        [-2, "0.0227501319481792072"],
        [-3.7, "0.00010779973347738833694"],
        [-8, "6.2209605742717841235e-16"],
        [-20, "2.7536241186062336951e-89"],
        [-37, "5.7255712225245768227e-300"],
        [0.3, "0.61791142218895263731"],
        [1.49, "0.93188788203327454613"],
        [2.5, "0.99379033467422386483"],
        [6, "0.99999999901341235496"],
        // Either side of the switches between Cody's approximations (|x| = 0.66291, √32).
        [-0.66, "0.25462691467133614761"],
        [-0.67, "0.25142889509531011429"],
        [0.66, "0.74537308532866385239"],
        [-5.65, "8.0223918506635141792e-9"],
        [-5.66, "7.5686497519977199817e-9"],
        [5.7, "0.99999999400962859894"],
        [-30, "4.9067139271481870595e-198"],
        [-37.5, "4.6053530095819548438e-308"],
      ];
      for (const [x, p] of known) closeRel(normalCdf(x), Number(p), 1e-14, `Φ(${x})`);
      assert.equal(normalCdf(0), 0.5, "Φ(0)");
    });

    it("is monotone, symmetric and handles the extremes", () => {
      let prev = 0;
      for (let x = -38; x <= 9; x += 0.01) {
        const p = normalCdf(x);
        assert.ok(p >= prev, `Φ non-decreasing at ${x}`);
        prev = p;
        if (Math.abs(x) < 8) assert.ok(Math.abs(p + normalCdf(-x) - 1) < 2e-16, `Φ(${x}) + Φ(${-x}) = 1`);
      }
      assert.equal(normalCdf(Number.NEGATIVE_INFINITY), 0, "Φ(−∞)");
      assert.equal(normalCdf(Number.POSITIVE_INFINITY), 1, "Φ(∞)");
      assert.equal(normalCdf(-50), 0, "underflow");
      assert.ok(Number.isNaN(normalCdf(Number.NaN)), "Φ(NaN)");
    });
  });

  describe("capability: piston rings 1–25 (spc-vectors piston_capability_*)", () => {
    const mean = estimateProcess("xbar-r", "rbar-d2", PISTON_1, "qcc")!.center;
    const sigmaQcc = estimateSigma("rbar-d2", PISTON_1, "qcc")!;
    const sigmaExact = estimateSigma("rbar-d2", PISTON_1, "exact")!;
    const sigmaS = estimateSigma("sbar-c4", PISTON_1, "qcc")!;
    const sigmaOverall = overallSd(PISTON_1)!;
    const cases = SPC.vectors.filter((v) => v.id.startsWith("piston_capability_"));

    it("has the four vectors and their inputs", () => {
      assert.equal(cases.length, 4, "four vectors");
      closeRel(mean, 74.001176, 1e-12, "mean");
      closeRel(sigmaQcc, 0.0097850386930353, 1e-12, "sigma within (qcc)");
      closeRel(sigmaOverall, 0.0100699681262914, 1e-12, "sigma overall");
    });

    for (const v of SPC.vectors.filter((x) => x.id.startsWith("piston_capability_"))) {
      const inp = v.inputs as { LSL: number; USL: number; target: number };
      const exp = v.expected as Record<string, Record<string, number>> & Record<string, number>;
      const run = (sigmaWithin: number, estimator: SigmaEstimator): SpcCapability =>
        capability({
          mean,
          sigmaWithin,
          sigmaOverall,
          values: 125,
          lsl: inp.LSL,
          usl: inp.USL,
          target: inp.target,
          estimator,
        });

      it(`${v.id}: within (qcc d2) and overall at 1e-9`, () => {
        const c = run(sigmaQcc, "rbar-d2");
        closeIndices(c, exp.within!, WITHIN, 1e-9);
        closeIndices(c, exp.overall!, OVERALL, 1e-9);
        assert.deepEqual(
          [c.lsl, c.usl, c.target, c.mean, c.values, c.estimator, c.sigmaWithin, c.sigmaOverall],
          [inp.LSL, inp.USL, inp.target, mean, 125, "rbar-d2", sigmaQcc, sigmaOverall],
          "echoed inputs",
        );
      });

      it(`${v.id}: within with exact d2 (vector used d2 = 2.3259289: 5e-8) and s̄/c4 (1e-9)`, () => {
        // See spc-estimate.test.ts: the vector's "exact" d2(5) is the 7-decimal 2.3259289.
        closeIndices(run(sigmaExact, "rbar-d2"), exp.within_if_exact_d2!, WITHIN, 5e-8);
        closeIndices(run(sigmaS, "sbar-c4"), exp.within_if_sbar_over_c4!, WITHIN, 1e-9);
      });

      it(`${v.id}: expected fractions use the WITHIN sigma (qcc), at 1e-9`, () => {
        const c = run(sigmaQcc, "rbar-d2");
        const below = exp.expected_pct_below_LSL! / 100;
        const above = exp.expected_pct_above_USL! / 100;
        closeRel(c.expectedBelowLsl, below, 1e-9, "expected below LSL");
        closeRel(c.expectedAboveUsl, above, 1e-9, "expected above USL");
        // The vector decides within vs overall: with the overall sigma it would be off by > 5 %.
        const withOverall = normalCdf((inp.LSL - mean) / sigmaOverall);
        assert.ok(
          Math.abs(withOverall / below - 1) > 0.05,
          `overall sigma would give ${withOverall}, not ${below}`,
        );
      });
    }
  });

  describe("capability: one-sided and degenerate cases (by hand)", () => {
    it("USL only: Cpk = Cpu, the two-sided indices null", () => {
      // mean 10, σw 1, σo 2, USL 13: Cpu = 3/3 = 1, Ppu = 3/6 = 0.5, above USL Φ(−3).
      const c = capability({
        mean: 10,
        sigmaWithin: 1,
        sigmaOverall: 2,
        values: 50,
        lsl: null,
        usl: 13,
        target: null,
        estimator: "mrbar-d2",
      });
      assert.deepEqual(
        c,
        {
          cp: null,
          cpk: 1,
          cpm: null,
          pp: null,
          ppk: 0.5,
          sigmaWithin: 1,
          sigmaOverall: 2,
          estimator: "mrbar-d2",
          cpu: 1,
          cpl: null,
          ppu: 0.5,
          ppl: null,
          ppm: null,
          mean: 10,
          values: 50,
          lsl: null,
          usl: 13,
          target: null,
          expectedBelowLsl: null,
          expectedAboveUsl: normalCdf(-3),
        },
        "USL only",
      );
      closeRel(c.expectedAboveUsl, 0.0013498980316300946, 1e-14, "Φ(−3)");
    });

    it("LSL only with a target: Cpk = Cpl, Cpm still null (it needs Cp)", () => {
      // mean 10, σw 0.5, σo 1, LSL 8.5: Cpl = 1.5/1.5 = 1, Ppl = 1.5/3 = 0.5, below LSL Φ(−3).
      const c = capability({
        mean: 10,
        sigmaWithin: 0.5,
        sigmaOverall: 1,
        values: 20,
        lsl: 8.5,
        usl: null,
        target: 10,
        estimator: "sd-c4",
      });
      assert.equal(c.cpk, 1, "Cpk = Cpl");
      assert.equal(c.cpl, 1, "Cpl");
      assert.equal(c.ppk, 0.5, "Ppk = Ppl");
      assert.deepEqual(
        [c.cp, c.cpm, c.pp, c.ppm, c.cpu, c.ppu],
        [null, null, null, null, null, null],
        "nulls",
      );
      assert.equal(c.target, 10, "target echoed");
      closeRel(c.expectedBelowLsl, 0.0013498980316300946, 1e-14, "Φ(−3)");
      assert.equal(c.expectedAboveUsl, null, "no USL");
    });

    it("two-sided by hand with the default target (LSL + USL)/2", () => {
      // LSL 4, USL 16, mean 11, σw 2, σo 2.5: Cp = 12/12 = 1, Cpu = 5/6, Cpl = 7/6, Cpk = 5/6,
      // T = 10, Cpm = 1/√(1 + (1/2)²) = 2/√5; Pp = 12/15 = 0.8, Ppk = 5/7.5, Ppm = 0.8/√(1 + 0.16).
      const c = capability({
        mean: 11,
        sigmaWithin: 2,
        sigmaOverall: 2.5,
        values: 100,
        lsl: 4,
        usl: 16,
        target: null,
        estimator: "rbar-d2",
      });
      closeRel(c.cp, 1, 1e-15, "Cp");
      closeRel(c.cpu, 5 / 6, 1e-15, "Cpu");
      closeRel(c.cpl, 7 / 6, 1e-15, "Cpl");
      closeRel(c.cpk, 5 / 6, 1e-15, "Cpk");
      closeRel(c.cpm, 2 / Math.sqrt(5), 1e-15, "Cpm");
      closeRel(c.pp, 0.8, 1e-15, "Pp");
      closeRel(c.ppk, 5 / 7.5, 1e-15, "Ppk");
      closeRel(c.ppm, 0.8 / Math.sqrt(1.16), 1e-15, "Ppm");
      assert.equal(c.target, 10, "default target");
      closeRel(c.expectedBelowLsl, normalCdf(-3.5), 1e-15, "Φ((4 − 11)/2)");
      closeRel(c.expectedAboveUsl, normalCdf(-2.5), 1e-15, "Φ(−(16 − 11)/2)");
    });

    it("sigma null, 0 or negative: the indices that need it are null", () => {
      for (const bad of [null, 0, -1]) {
        const c = capability({
          mean: 10,
          sigmaWithin: bad,
          sigmaOverall: 1,
          values: 10,
          lsl: 7,
          usl: 13,
          target: null,
          estimator: "rbar-d2",
        });
        assert.deepEqual(
          [c.cp, c.cpk, c.cpm, c.cpu, c.cpl, c.expectedBelowLsl, c.expectedAboveUsl],
          [null, null, null, null, null, null, null],
          `within ${bad}`,
        );
        assert.equal(c.pp, 1, `Pp still computed (within ${bad})`);
        assert.equal(c.sigmaWithin, bad, "sigma echoed as given");
      }
      const none = capability({
        mean: 10,
        sigmaWithin: 1,
        sigmaOverall: null,
        values: 1,
        lsl: null,
        usl: null,
        target: null,
        estimator: "rbar-d2",
      });
      assert.deepEqual(
        [none.cp, none.cpk, none.cpm, none.pp, none.ppk, none.ppm, none.target],
        [null, null, null, null, null, null, null],
        "no specification: all null",
      );
    });
  });

  describe("rolling capability window", () => {
    const SPEC = { lsl: 40, usl: 62, target: 50 };

    /** The same capability from the batch functions over the last `size` points. */
    function batch(
      points: readonly SubgroupStats[],
      estimator: SigmaEstimator,
      table: ConstantsTable,
      spec = SPEC,
    ): SpcCapability | null {
      const total = points.reduce((a, p) => a + p.n, 0);
      if (total < 2) return null;
      const sigmaWithin = estimateSigma(estimator, points, table);
      if (sigmaWithin === null) return null;
      return capability({
        mean: estimateProcess("xbar-r", estimator, points, table)!.center,
        sigmaWithin,
        sigmaOverall: overallSd(points),
        values: total,
        ...spec,
        estimator,
      });
    }

    function same(actual: SpcCapability | null, expected: SpcCapability | null, what: string): void {
      if (expected === null) {
        assert.equal(actual, null, `${what}: null`);
        return;
      }
      assert.ok(actual !== null, `${what}: not null`);
      for (const [key, e] of Object.entries(expected)) {
        const a: unknown = (actual as unknown as Record<string, unknown>)[key];
        if (typeof e === "number" && e !== 0) {
          // Expected fractions: Φ amplifies a relative error δ of its argument z to about z²·δ.
          closeRel(a as number, e, key.startsWith("expected") ? 1e-10 : 1e-12, `${what} ${key}`);
        } else assert.equal(a, e, `${what} ${key}`);
      }
    }

    function run(opts: {
      size: number;
      points: number;
      estimator: SigmaEstimator;
      table: ConstantsTable;
      seed: number;
      sizeOf: (i: number) => number;
      level: (i: number) => number;
      checkEvery: number;
    }): number {
      const rng = prng(opts.seed);
      let win: CapabilityWindow = newCapabilityWindow(opts.size);
      const all: SubgroupStats[] = [];
      let checks = 0;
      for (let i = 0; i < opts.points; i++) {
        const n = opts.sizeOf(i);
        const values: number[] = [];
        for (let k = 0; k < n; k++) values.push(opts.level(i) + 2 * rng.normal());
        const s = subgroupStats(values, i + 1, i * 1000);
        all.push(s);
        addToWindow(win, s, opts.table);
        if (i % 1013 === 500) win = JSON.parse(JSON.stringify(win)) as CapabilityWindow; // persisted
        if (i < 3 * opts.size || i % opts.checkEvery === 0 || i === opts.points - 1) {
          const last = all.slice(Math.max(0, all.length - opts.size));
          same(
            windowCapability(win, opts.estimator, SPEC, opts.table),
            batch(last, opts.estimator, opts.table),
            `${opts.estimator} point ${i + 1}`,
          );
          checks++;
        }
      }
      assert.equal(win.count, Math.min(opts.size, opts.points), "points in the window");
      return checks;
    }

    it("equals the batch estimate over the last 25 of 10,000 subgroups (n = 5, rbar-d2 and sbar-c4)", () => {
      for (const estimator of ["rbar-d2", "sbar-c4"] as const) {
        for (const table of ["exact", "qcc"] as const) {
          const checks = run({
            size: 25,
            points: 10_000,
            estimator,
            table,
            seed: 11,
            sizeOf: () => 5,
            level: (i) => 50 + Math.sin(i / 300),
            checkEvery: 37,
          });
          assert.ok(checks > 300, `${estimator}/${table}: ${checks} checks`);
        }
      }
    });

    it("equals the batch estimate for individuals (mrbar-d2, sd-c4) with a drifting level", () => {
      for (const estimator of ["mrbar-d2", "sd-c4"] as const) {
        run({
          size: 25,
          points: 10_000,
          estimator,
          table: "qcc",
          seed: 5,
          sizeOf: () => 1,
          level: (i) => 48 + i / 2000 + (i % 700 < 30 ? 6 : 0),
          checkEvery: 13,
        });
      }
    });

    it("equals the batch estimate with varying subgroup sizes 1..8 (n = 1 points skip R and s)", () => {
      for (const estimator of ["rbar-d2", "sbar-c4", "mrbar-d2", "sd-c4"] as const) {
        const rng = prng(99);
        const sizes = Array.from({ length: 3000 }, () => 1 + Math.floor(rng.uniform() * 8));
        run({
          size: 40,
          points: 3000,
          estimator,
          table: "exact",
          seed: 3,
          sizeOf: (i) => sizes[i]!,
          level: () => 51,
          checkEvery: 7,
        });
      }
    });

    it("returns null without enough data and follows a change of table", () => {
      const win = newCapabilityWindow(3);
      assert.equal(windowCapability(win, "rbar-d2", SPEC, "exact"), null, "empty");
      addToWindow(win, subgroupStats([50], 1, 0), "exact");
      assert.equal(windowCapability(win, "mrbar-d2", SPEC, "exact"), null, "one value");
      addToWindow(win, subgroupStats([51], 2, 1), "exact");
      assert.equal(windowCapability(win, "rbar-d2", SPEC, "exact"), null, "no subgroup with n >= 2");
      assert.equal(windowCapability(win, "sbar-c4", SPEC, "exact"), null, "no subgroup with n >= 2 (s)");
      const mr = windowCapability(win, "mrbar-d2", SPEC, "qcc");
      closeRel(mr?.sigmaWithin, 1 / 1.128, 1e-15, "MR̄/1.128 of 50, 51");
      addToWindow(win, subgroupStats([49, 52], 3, 2), "exact");
      const pts = [subgroupStats([50], 1, 0), subgroupStats([51], 2, 1), subgroupStats([49, 52], 3, 2)];
      same(windowCapability(win, "rbar-d2", SPEC, "qcc"), batch(pts, "rbar-d2", "qcc"), "asked with qcc");
      addToWindow(win, subgroupStats([47, 50, 52], 4, 3), "qcc");
      same(
        windowCapability(win, "rbar-d2", SPEC, "qcc"),
        batch(pts.slice(1).concat(subgroupStats([47, 50, 52], 4, 3)), "rbar-d2", "qcc"),
        "after the switch",
      );
      assert.equal(win.table, "qcc", "sums rebuilt with the new table");
      assert.throws(() => newCapabilityWindow(0), RangeError, "size 0");
      assert.throws(() => newCapabilityWindow(2.5), RangeError, "size 2.5");
    });

    it("works with a window of one subgroup", () => {
      const win = newCapabilityWindow(1);
      const rng = prng(1);
      for (let i = 0; i < 50; i++) {
        const s = subgroupStats([50 + rng.normal(), 50 + rng.normal(), 50 + rng.normal()], i, i);
        addToWindow(win, s, "exact");
        same(windowCapability(win, "sbar-c4", SPEC, "exact"), batch([s], "sbar-c4", "exact"), `point ${i}`);
      }
    });
  });
});
