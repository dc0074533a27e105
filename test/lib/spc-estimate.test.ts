/**
 * Subgroup statistics, sigma estimators, process estimates and point limits (lib/spc/estimate.ts)
 * against spc-vectors.json (qcc 3.0 on Montgomery's piston-ring and viscosity data; relative 1e-9
 * with the same constants) and Montgomery's attribute examples, worked out by hand below.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { c4, d2, d3 } from "../../lib/spc/constants";
import {
  countStats,
  estimateProcess,
  estimateSigma,
  overallSd,
  plotted,
  pointLimits,
  subgroupStats,
} from "../../lib/spc/estimate";
import type { PointLimits, ProcessEstimate, SigmaEstimator, SubgroupStats } from "../../lib/spc/types";
import type { SpcChart } from "../../lib/types";

interface Vector {
  id: string;
  expected: Record<string, unknown>;
}
const SPC = JSON.parse(
  readFileSync(join(__dirname, "..", "..", "..", "shared", "reference", "spc-vectors.json"), "utf8"),
) as {
  datasets: { pistonrings: { subgroups: number[][] }; viscosity: { viscosity: number[]; trial: boolean[] } };
  vectors: Vector[];
};

function vector(id: string): Record<string, number> {
  const v = SPC.vectors.find((x) => x.id === id);
  assert.ok(v, `vector ${id} exists`);
  return v.expected as Record<string, number>;
}
function list(id: string, key: string): number[] {
  return vector(id)[key] as unknown as number[];
}

function closeRel(actual: number, expected: number, rel: number, what: string): void {
  const diff = expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);
  assert.ok(diff <= rel, `${what}: ${actual} vs ${expected} (relative ${diff} > ${rel})`);
}
function close(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected} (|diff| > ${tol})`);
}
function num(v: number | null | undefined, what: string): number {
  assert.ok(typeof v === "number", `${what} is a number (got ${v})`);
  return v;
}

/**
 * The estimate from `points` with the qcc constants and its limits at n (3σ), against a qcc vector's
 * center, sigma, LCL and UCL at 1e-9.
 */
function asVector(
  chart: SpcChart,
  estimator: SigmaEstimator,
  points: readonly SubgroupStats[],
  n: number,
  v: Record<string, number>,
): { est: ProcessEstimate; lim: PointLimits } {
  const est = estimateProcess(chart, estimator, points, "qcc");
  assert.ok(est, "estimate");
  closeRel(est.center, v.center!, 1e-9, "center");
  closeRel(num(est.sigma, "sigma"), v.sigma!, 1e-9, "sigma");
  const lim = pointLimits(chart, est, n, 3, "qcc");
  closeRel(lim.lcl, v.LCL!, 1e-9, "LCL");
  closeRel(lim.ucl, v.UCL!, 1e-9, "UCL");
  return { est, lim };
}

const PISTON = SPC.datasets.pistonrings.subgroups;
const PISTON_1 = PISTON.slice(0, 25).map((g, i) => subgroupStats(g, i + 1, 1000 * i));
const PISTON_2 = PISTON.slice(25).map((g, i) => subgroupStats(g, 26 + i, 1000 * (25 + i)));
const VISC = SPC.datasets.viscosity.viscosity;
const VISC_1 = VISC.slice(0, 20).map((v, i) => subgroupStats([v], i + 1, 1000 * i));

describe("lib/spc/estimate", () => {
  describe("subgroupStats", () => {
    it("gives the piston-ring means, ranges and SDs of spc-vectors (phase I and II) at 1e-9", () => {
      const xbar = [
        ...list("piston_xbar_R_phase1", "xbar_phase1"),
        ...list("piston_xbar_R_phase1", "xbar_phase2"),
      ];
      const r = [...list("piston_R_chart", "ranges_phase1"), ...list("piston_R_chart", "ranges_phase2")];
      const s = [...list("piston_S_chart", "s_phase1"), ...list("piston_S_chart", "s_phase2")];
      const all = [...PISTON_1, ...PISTON_2];
      assert.equal(all.length, 40, "40 subgroups");
      all.forEach((g, i) => {
        assert.equal(g.n, 5, `subgroup ${i + 1} n`);
        closeRel(g.mean, xbar[i]!, 1e-9, `x̄ ${i + 1}`);
        closeRel(g.range, r[i]!, 1e-9, `R ${i + 1}`);
        closeRel(g.sd, s[i]!, 1e-9, `s ${i + 1}`);
        closeRel(g.ss, 4 * s[i]! ** 2, 1e-9, `ss ${i + 1} = (n − 1)s²`);
        closeRel(g.sum, 5 * xbar[i]!, 1e-12, `sum ${i + 1}`);
      });
    });

    it("computes ss stably far from zero", () => {
      // x = 1e9 + {4, 7, 13, 16}: mean 1e9 + 10, ss = 36 + 9 + 9 + 36 = 90, sd = √30.
      const g = subgroupStats([1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16], 7, 70);
      assert.equal(g.mean, 1e9 + 10, "mean");
      assert.equal(g.ss, 90, "ss");
      close(g.sd, Math.sqrt(30), 1e-15, "sd");
      assert.equal(g.range, 12, "range");
      assert.deepEqual([g.seq, g.ts, g.n], [7, 70, 4], "seq, ts, n");
    });

    it("gives zeros for one value and carries the key only when given", () => {
      assert.deepEqual(
        subgroupStats([2.5], 3, 30),
        { seq: 3, ts: 30, n: 1, mean: 2.5, range: 0, sd: 0, ss: 0, sum: 2.5 },
        "n = 1",
      );
      assert.deepEqual(
        subgroupStats([2.5], 3, 30, "B1"),
        { seq: 3, ts: 30, n: 1, mean: 2.5, range: 0, sd: 0, ss: 0, sum: 2.5, key: "B1" },
        "n = 1 with key",
      );
      assert.equal(subgroupStats([1, 3], 1, 0, "K").key, "K", "n = 2 with key");
      assert.ok(!("key" in subgroupStats([1, 3], 1, 0)), "no key property without a key");
      assert.throws(() => subgroupStats([], 1, 0), RangeError, "empty subgroup");
    });
  });

  describe("countStats and plotted", () => {
    it("stores attribute counts and plots the chart's statistic", () => {
      const s = countStats(12, 50, 4, 40);
      assert.deepEqual(s, { seq: 4, ts: 40, n: 50, mean: 0, range: 0, sd: 0, ss: 0, sum: 12 }, "countStats");
      assert.equal(plotted("p", s), 0.24, "p = 12/50");
      assert.equal(plotted("u", countStats(14, 10, 1, 0)), 1.4, "u = 14/10");
      assert.equal(plotted("np", s), 12, "np = count");
      assert.equal(plotted("c", countStats(21, 1, 1, 0)), 21, "c = count");
      const g = subgroupStats([1, 2, 6], 1, 0);
      for (const chart of ["xbar-r", "xbar-s", "i-mr", "ewma", "cusum"] as const) {
        assert.equal(plotted(chart, g), 3, `${chart} plots the mean`);
      }
    });
  });

  describe("X̄–R (piston rings 1–25, n = 5)", () => {
    const v = vector("piston_xbar_R_phase1");
    const vr = vector("piston_R_chart");

    it("center, sigma and X̄ limits as qcc (d2 = 2.326) at 1e-9", () => {
      // σ̂ = R̄/2.326.
      const { lim } = asVector("xbar-r", "rbar-d2", PISTON_1, 5, v);
      closeRel(lim.cl, v.center!, 1e-9, "CL");
      closeRel(lim.sigma, v.sigma! / Math.sqrt(5), 1e-9, "sigma of x̄");
    });

    it("sigma with the exact d2 (sigma_exact_d2) at 5e-8: the vector used d2(5) = 2.3259289", () => {
      // spc-vectors' "exact" d2 is the 7-decimal 2.3259289 (sigma_exact_d2·2.3259289 = R̄ to 1e-15),
      // 2.0e-8 relative from the double-precision d2(5) = 2.32592894728…; so 1e-9 cannot hold here.
      const rbar = PISTON_1.reduce((a, g) => a + g.range, 0) / 25;
      closeRel(v.sigma_exact_d2! * 2.3259289, rbar, 1e-14, "the vector's d2 is 2.3259289");
      const sigma = num(estimateSigma("rbar-d2", PISTON_1, "exact"), "sigma");
      closeRel(sigma, v.sigma_exact_d2!, 5e-8, "R̄/d2(5) vs the vector");
      closeRel(sigma, rbar / 2.3259289472810392, 1e-14, "R̄/d2(5), d2 to double precision");
    });

    it("exact limits are the textbook X̿ ± A2·R̄ within the rounding of A2 = 0.577", () => {
      const t = v.textbook_A2_limits as unknown as { A2: number; Rbar: number; LCL: number; UCL: number };
      const est = estimateProcess("xbar-r", "rbar-d2", PISTON_1, "exact")!;
      const rbar = PISTON_1.reduce((a, g) => a + g.range, 0) / 25;
      closeRel(rbar, t.Rbar, 1e-12, "R̄");
      close(est.center - t.A2 * rbar, t.LCL, 1e-6, "X̿ − 0.577·R̄");
      close(est.center + t.A2 * rbar, t.UCL, 1e-6, "X̿ + 0.577·R̄");
      const lim = pointLimits("xbar-r", est, 5, 3, "exact");
      // A2 = 0.577 is rounded to 3 decimals: the limits may differ by up to 0.0005·R̄.
      close(lim.lcl, t.LCL, 0.0005 * rbar, "exact LCL vs textbook");
      close(lim.ucl, t.UCL, 0.0005 * rbar, "exact UCL vs textbook");
    });

    it("R chart: qcc limits at 1e-9, textbook D4·R̄ with exact constants at 1e-3", () => {
      const est = estimateProcess("xbar-r", "rbar-d2", PISTON_1, "qcc")!;
      const r = pointLimits("xbar-r", est, 5, 3, "qcc").dispersion;
      assert.ok(r, "R chart limits");
      closeRel(r.cl, vr.center!, 1e-9, "R̄");
      closeRel(r.ucl, vr.UCL!, 1e-9, "UCL R̄ + 3·d3·σ");
      assert.equal(r.lcl, vr.LCL, "LCL 0");
      const ex = pointLimits(
        "xbar-r",
        estimateProcess("xbar-r", "rbar-d2", PISTON_1, "exact")!,
        5,
        3,
        "exact",
      );
      closeRel(ex.dispersion!.ucl, vr.UCL_textbook_D4!, 1e-3, "exact UCL vs D4·R̄");
      // With exact constants the R chart is exactly D3·R̄, D4·R̄.
      closeRel(ex.dispersion!.ucl, (1 + (3 * d3(5)) / d2(5)) * vr.center!, 1e-12, "D4(exact)·R̄");
    });
  });

  describe("X̄–S (piston rings 1–25)", () => {
    const v = vector("piston_S_chart");

    it("s̄, sigma = s̄/c4 and the S chart limits at 1e-9", () => {
      const est = estimateProcess("xbar-s", "sbar-c4", PISTON_1, "qcc");
      assert.ok(est, "estimate");
      closeRel(num(est.sigma, "sigma"), v.sigma!, 1e-9, "s̄/c4(5)");
      const s = pointLimits("xbar-s", est, 5, 3, "qcc").dispersion;
      assert.ok(s, "S chart limits");
      closeRel(s.cl, v.center_sbar!, 1e-9, "s̄");
      closeRel(s.ucl, v.UCL!, 1e-9, "UCL");
      assert.equal(s.lcl, v.LCL, "LCL 0");
      // B4 = 2.089 from the 3-decimal table: within half a unit of its last decimal.
      closeRel(s.ucl, v.UCL_textbook_B4!, 0.0005 / 2.089, "UCL vs textbook B4·s̄");
      const x = pointLimits("xbar-s", est, 5, 3, "exact");
      const a3 = 3 / (c4(5) * Math.sqrt(5));
      closeRel(x.ucl, est.center + a3 * v.center_sbar!, 1e-12, "X̄ UCL = X̿ + A3·s̄");
    });
  });

  describe("I–MR (viscosity 1–20)", () => {
    it("center, MR̄, sigma and limits as qcc (d2(2) = 1.128) at 1e-9", () => {
      const v = vector("viscosity_I_MR");
      // σ̂ = MR̄/1.128.
      const { lim } = asVector("i-mr", "mrbar-d2", VISC_1, 1, v);
      const mr = lim.dispersion;
      assert.ok(mr, "MR chart");
      closeRel(mr.cl, v.MRbar!, 1e-9, "MR̄");
      closeRel(mr.ucl, v.MR_chart_UCL_D4!, 1e-3, "MR UCL vs 3.267·MR̄");
      assert.equal(mr.lcl, v.MR_chart_LCL, "MR LCL 0");
    });

    it("the SD variant s/c4(20) at 1e-9", () => {
      const v = vector("viscosity_I_SD");
      const est = estimateProcess("i-mr", "sd-c4", VISC_1, "qcc")!;
      closeRel(num(est.sigma, "sigma"), v.sigma!, 1e-9, "s/c4(20)");
      const lim = pointLimits("i-mr", est, 1, 3, "qcc");
      closeRel(lim.lcl, v.LCL!, 1e-9, "LCL");
      closeRel(lim.ucl, v.UCL!, 1e-9, "UCL");
    });

    it("moving ranges join the kept points when batch 4 is left out (19 values) at 1e-9", () => {
      const v = vector("viscosity_I_MR_revised_excl_batch4");
      const kept = VISC_1.filter((p) => p.seq !== 4);
      assert.equal(kept.length, 19, "19 kept values");
      const est = estimateProcess("i-mr", "mrbar-d2", kept, "qcc")!;
      closeRel(est.center, v.center!, 1e-9, "center");
      closeRel(num(est.sigma, "sigma"), v.sigma!, 1e-9, "sigma");
      const lim = pointLimits("i-mr", est, 1, 3, "qcc");
      closeRel(lim.lcl, v.LCL!, 1e-9, "LCL");
      closeRel(lim.ucl, v.UCL!, 1e-9, "UCL");
    });
  });

  describe("attribute charts (Montgomery, Introduction to SQC: Example 7.1 orange-juice cans, 7.3 circuit boards, dyed cloth; data as in qcc data/)", () => {
    const OJ = [
      12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22, 8, 10, 5, 13, 11, 20, 18, 24, 15, 9, 12, 7, 13, 9,
      6,
    ];
    const oj = OJ.map((d, i) => countStats(d, 50, i + 1, i));

    it("p chart: p̄ = 347/1500, UCL 0.4102, LCL 0.0524 (printed, 1e-4)", () => {
      const est = estimateProcess("p", "rbar-d2", oj, "exact")!;
      assert.equal(est.sigma, null, "no sigma for attributes");
      close(est.center, 347 / 1500, 1e-15, "p̄");
      const lim = pointLimits("p", est, 50, 3, "exact");
      close(lim.ucl, 0.4102, 1e-4, "UCL");
      close(lim.lcl, 0.0524, 1e-4, "LCL");
      close(lim.sigma, Math.sqrt(((347 / 1500) * (1153 / 1500)) / 50), 1e-15, "σ_p = √(p̄(1−p̄)/n)");
    });

    it("np chart of the same data: n·p̄ ± 3√(n·p̄(1−p̄))", () => {
      const est = estimateProcess("np", "rbar-d2", oj, "exact")!;
      close(est.center, 347 / 1500, 1e-15, "p̄ is the center estimate");
      const lim = pointLimits("np", est, 50, 3, "exact");
      close(lim.cl, 347 / 30, 1e-12, "CL = 50·p̄ = 11.5667");
      // 50 × the p-chart limits: 50 × 0.41024 = 20.512, 50 × 0.05243 = 2.621.
      close(lim.ucl, 20.512, 1e-3, "UCL");
      close(lim.lcl, 2.621, 1e-3, "LCL");
      close(lim.sigma, Math.sqrt(50 * (347 / 1500) * (1153 / 1500)), 1e-12, "σ_np");
    });

    const CIRCUIT = [
      21, 24, 16, 12, 15, 5, 28, 20, 31, 25, 20, 24, 16, 19, 10, 17, 13, 22, 18, 39, 30, 24, 16, 19, 17, 15,
    ];
    const circuit = CIRCUIT.map((c, i) => countStats(c, 1, i + 1, i));

    it("c chart: c̄ = 516/26 = 19.85, UCL 33.22, LCL 6.48", () => {
      const est = estimateProcess("c", "rbar-d2", circuit, "exact")!;
      close(est.center, 516 / 26, 1e-13, "c̄");
      const lim = pointLimits("c", est, 1, 3, "exact");
      // The textbook rounds c̄ to 19.85 before 19.85 + 3√19.85 = 33.22; unrounded 33.211.
      close(lim.ucl, 33.22, 1e-2, "UCL");
      close(lim.ucl, 516 / 26 + 3 * Math.sqrt(516 / 26), 1e-12, "UCL by hand");
      close(lim.lcl, 6.48, 5e-3, "LCL");
    });

    // Revised limits with the points beyond left out (Montgomery's values, rounded in the book).
    const revisedCases = [
      {
        chart: "p",
        data: oj,
        drop: [15, 23],
        n: 50,
        center: [301, 1400],
        ucl: 0.3893,
        lcl: 0.0407,
        tol: 1e-4,
      },
      { chart: "c", data: circuit, drop: [6, 20], n: 1, center: [472, 24], ucl: 32.97, lcl: 6.36, tol: 5e-3 },
    ] as const;
    for (const c of revisedCases) {
      const [sum, total] = c.center;
      it(`${c.chart} chart without samples ${c.drop.join(" and ")}: centre ${sum}/${total}, UCL ${c.ucl}, LCL ${c.lcl}`, () => {
        const kept = c.data.filter((s) => !(c.drop as readonly number[]).includes(s.seq));
        const est = estimateProcess(c.chart, "rbar-d2", kept, "exact")!;
        close(est.center, sum / total, 1e-13, `centre = ${sum}/${total}`);
        const lim = pointLimits(c.chart, est, c.n, 3, "exact");
        close(lim.ucl, c.ucl, c.tol, "UCL");
        close(lim.lcl, c.lcl, c.tol, "LCL");
      });
    }

    it("u chart with variable sizes (dyed cloth): ū = 153/107.5, limits per point", () => {
      const x = [14, 12, 20, 11, 7, 10, 21, 16, 19, 23];
      const size = [10, 8, 13, 10, 9.5, 10, 12, 10.5, 12, 12.5];
      const pts = x.map((c, i) => countStats(c, size[i]!, i + 1, i));
      const est = estimateProcess("u", "rbar-d2", pts, "exact")!;
      const ubar = 153 / 107.5;
      close(est.center, ubar, 1e-15, "ū");
      size.forEach((n, i) => {
        const lim = pointLimits("u", est, n, 3, "exact");
        const w = 3 * Math.sqrt(ubar / n);
        close(lim.ucl, ubar + w, 1e-13, `UCL at n = ${n}`);
        close(lim.lcl, Math.max(0, ubar - w), 1e-13, `LCL at n = ${n}`);
        close(lim.sigma, Math.sqrt(ubar / n), 1e-15, `σ_u at n = ${n}`);
        assert.equal(plotted("u", pts[i]!), x[i]! / n, `u ${i + 1}`);
      });
      // n = 10: 1.4233 ± 3·√0.14233 = 2.555 / 0.291 (Montgomery prints 2.55 and 0.29).
      const l10 = pointLimits("u", est, 10, 3, "exact");
      close(l10.ucl, 2.555, 1e-3, "UCL n = 10");
      close(l10.lcl, 0.291, 1e-3, "LCL n = 10");
    });

    it("floors the LCL at 0 and returns sigma 0 with ucl = lcl = cl when p̄ = 0 or 1, c̄ = 0", () => {
      const low = pointLimits("p", { center: 0.02, sigma: null }, 20, 3, "exact");
      assert.equal(low.lcl, 0, "p LCL floored at 0");
      for (const chart of ["p", "np", "u", "c"] as const) {
        const z = pointLimits(chart, { center: 0, sigma: null }, 10, 3, "exact");
        assert.deepEqual(z, { cl: 0, ucl: 0, lcl: 0, sigma: 0 }, `${chart} with center 0`);
      }
      const one = pointLimits("p", { center: 1, sigma: null }, 10, 3, "exact");
      assert.deepEqual(one, { cl: 1, ucl: 1, lcl: 1, sigma: 0 }, "p̄ = 1");
      const np1 = pointLimits("np", { center: 1, sigma: null }, 10, 3, "exact");
      assert.deepEqual(np1, { cl: 10, ucl: 10, lcl: 10, sigma: 0 }, "np with p̄ = 1");
    });
  });

  describe("estimators in general", () => {
    it("rbar-d2 and sbar-c4 average R_i/d2(n_i), s_i/c4(n_i) over the points with n >= 2 (UWAVE)", () => {
      const pts: SubgroupStats[] = [
        { seq: 1, ts: 0, n: 2, mean: 1, range: 1, sd: 0.5, ss: 0.25, sum: 2 },
        { seq: 2, ts: 1, n: 5, mean: 2, range: 2.326, sd: 0.9, ss: 3.24, sum: 10 },
        { seq: 3, ts: 2, n: 1, mean: 3, range: 0, sd: 0, ss: 0, sum: 3 },
      ];
      close(estimateSigma("rbar-d2", pts, "qcc")!, (1 / 1.128 + 2.326 / 2.326) / 2, 1e-15, "rbar-d2");
      close(estimateSigma("sbar-c4", pts, "qcc")!, (0.5 / c4(2) + 0.9 / c4(5)) / 2, 1e-15, "sbar-c4");
      // Center weighted by n: (2 + 10 + 3)/(2 + 5 + 1).
      close(estimateProcess("xbar-r", "rbar-d2", pts, "qcc")!.center, 15 / 8, 1e-15, "grand mean");
    });

    it("returns null without enough data, and 0 for constant data", () => {
      const one = [subgroupStats([5], 1, 0)];
      for (const e of ["rbar-d2", "sbar-c4", "mrbar-d2", "sd-c4"] as const) {
        assert.equal(estimateSigma(e, one, "exact"), null, `${e} with one value`);
        assert.equal(estimateSigma(e, [], "exact"), null, `${e} with no points`);
      }
      assert.equal(estimateProcess("i-mr", "mrbar-d2", [], "exact"), null, "no points: null");
      assert.deepEqual(
        estimateProcess("i-mr", "mrbar-d2", one, "exact"),
        { center: 5, sigma: null },
        "one point: center, sigma null",
      );
      const flat = [1, 2, 3].map((i) => subgroupStats([4, 4], i, i));
      assert.equal(estimateSigma("rbar-d2", flat, "exact"), 0, "constant data: 0");
      assert.equal(estimateSigma("mrbar-d2", flat, "exact"), 0, "constant means: 0");
    });

    it("pointLimits of a variables chart needs a sigma; ewma and cusum have no companion chart", () => {
      const est: ProcessEstimate = { center: 10, sigma: null };
      assert.throws(() => pointLimits("i-mr", est, 1, 3, "exact"), RangeError, "sigma null");
      const e: ProcessEstimate = { center: 10, sigma: 2 };
      for (const chart of ["ewma", "cusum"] as const) {
        const lim = pointLimits(chart, e, 4, 3, "exact");
        assert.deepEqual(lim, { cl: 10, ucl: 13, lcl: 7, sigma: 1 }, `${chart}: 10 ± 3·2/√4`);
      }
      const lim = pointLimits("xbar-r", e, 4, 2, "exact");
      assert.deepEqual(
        lim.dispersion,
        { cl: 2 * d2(4), ucl: 2 * d2(4) + 2 * 2 * d3(4), lcl: Math.max(0, 2 * d2(4) - 4 * d3(4)) },
        "R chart at L = 2",
      );
    });
  });

  describe("overallSd", () => {
    it("is the sample SD of the 125 piston-ring values (capability vectors' sigma_overall) at 1e-9", () => {
      closeRel(num(overallSd(PISTON_1), "overall"), 0.0100699681262914, 1e-9, "sd of 125 values");
      const flat = PISTON.slice(0, 25).flat();
      const m = flat.reduce((a, x) => a + x, 0) / flat.length;
      const direct = Math.sqrt(flat.reduce((a, x) => a + (x - m) ** 2, 0) / (flat.length - 1));
      closeRel(overallSd(PISTON_1)!, direct, 1e-12, "vs the direct two-pass SD");
    });

    it("mixes subgroup sizes and needs 2 values", () => {
      // Values 1, 3 | 5 | 7, 9, 11: mean 6, SS = 25 + 9 + 1 + 1 + 9 + 25 = 70, sd = √(70/5) = √14.
      const pts = [subgroupStats([1, 3], 1, 0), subgroupStats([5], 2, 1), subgroupStats([7, 9, 11], 3, 2)];
      close(overallSd(pts)!, Math.sqrt(14), 1e-15, "√14");
      assert.equal(overallSd([subgroupStats([5], 1, 0)]), null, "one value");
      assert.equal(overallSd([]), null, "no values");
    });
  });
});
