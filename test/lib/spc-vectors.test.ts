// lib/spc/spc.ts against every vector of spc-vectors.json (qcc 3.0 on Montgomery's piston-ring
// and viscosity data, recomputed independently; STANDARDS.md 3.5), all through `step`.
// Tolerances as the file advises (meta.conventions.tolerance_advice): 1e-9 relative with qcc's
// constants (constants "qcc"), 1e-4 relative with the exact d2/d3, 1e-3 against values computed from
// a published 3-decimal table (A2 0.577, D4 3.267).
// Phase-I points are known after the replay at the end of phase I: their violations are compared
// through SpcLimits.outOfControl, the phase-II points' through their SpcResult.violations.
import assert from "node:assert/strict";
import { RULE_IDS, type RuleId, type SpcConfig } from "../../lib/spc/types";
import type { SpcLimits, SpcResult, SpcViolation } from "../../lib/types";
import {
  close,
  closeAll,
  command,
  feed,
  type Json,
  lowestRuleBySeq,
  newRun,
  PISTON,
  preset,
  type Run,
  rulesOn,
  spcConfig,
  VECTORS,
  VISCOSITY,
  values,
  vector,
  viscosityConfig,
} from "./spc-support";

const TIGHT = 1e-9;
const EXACT = 1e-4;
const TABLE = 1e-3;
// The file's "exact d2" values (sigma_exact_d2, within_if_exact_d2) were computed with d2(5) rounded
// to 7 decimals, 2.3259289 (R̄/2.3259289 = 0.00978533780632766), 2.0e-8 relative from the double
// 2.3259289472810392 that constants.ts uses: compared at 1e-7.
const D2_7DP = 1e-7;

/** Piston rings: 25 phase-I subgroups of 5, then the 15 phase-II subgroups. */
function piston(over: Partial<SpcConfig> = {}, subgroups = 40): Run {
  const run = newRun(spcConfig(over));
  for (const sg of PISTON.slice(0, subgroups)) feed(run, values(...sg));
  return run;
}

function onlyLimits(run: Run, what: string): SpcLimits {
  assert.equal(run.limits.length, 1, `${what}: one SpcLimits`);
  return run.limits[0]!;
}

/** qcc's violation vector (lowest rule per point, null = none) over the given seqs. */
function violationVector(phase1: SpcViolation[], results: SpcResult[], seqs: number[]): Array<number | null> {
  const all = [...phase1];
  for (const r of results) if (r.phase === "II") all.push(...r.violations);
  const lowest = lowestRuleBySeq(all);
  return seqs.map((s) => lowest.get(s) ?? null);
}

/** EWMA results against a vector's z, LCL and UCL from its index `from` on (TIGHT). */
function closeEwma(results: SpcResult[], e: { z: number[]; LCL: number[]; UCL: number[] }, from = 0): void {
  const at = from === 0 ? "" : ` from point ${from + 1}`;
  closeAll(
    results.map((r) => r.value),
    e.z.slice(from),
    TIGHT,
    `z${at}`,
  );
  closeAll(
    results.map((r) => r.lcl),
    e.LCL.slice(from),
    TIGHT,
    `LCL${at}`,
  );
  closeAll(
    results.map((r) => r.ucl),
    e.UCL.slice(from),
    TIGHT,
    `UCL${at}`,
  );
}

/** CUSUM results against a vector's C+ and C− (as negative) from its index `from` on (TIGHT). */
function closeCusum(
  results: SpcResult[],
  e: { C_plus: number[]; C_minus_as_negative: number[] },
  from = 0,
): void {
  const at = from === 0 ? "" : ` from point ${from + 1}`;
  closeAll(
    results.map((r) => r.cusum?.upper),
    e.C_plus.slice(from),
    TIGHT,
    `C+${at}`,
  );
  closeAll(
    results.map((r) => r.cusum?.lower),
    e.C_minus_as_negative.slice(from),
    TIGHT,
    `C−${at}`,
  );
}

/** The rule ids of one family ("we-", "nelson-"), in RULE_IDS order. */
const ruleFamily = (prefix: string): RuleId[] => RULE_IDS.filter((id) => id.startsWith(prefix));

const seqRange = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("lib/spc reducer: spc-vectors.json through step", () => {
  const covered = new Set<string>();
  const covers = (id: string) => {
    covered.add(id);
    return vector(id);
  };

  describe("piston_xbar_R_phase1 and piston_R_chart (X̄-R, n = 5, 25 phase-I subgroups)", () => {
    const v = covers("piston_xbar_R_phase1");
    const rv = covers("piston_R_chart");
    const e = v.expected;

    it("estimates X̿, σ̂ = R̄/d2 and the X̄ and R limits as qcc (qcc constants, 1e-9)", () => {
      const run = piston();
      const l = onlyLimits(run, "X̄-R");
      assert.equal(l.reason, "estimated", "reason");
      assert.equal(l.phase, "II", "phase");
      assert.equal(l.revision, 0, "first limits");
      assert.equal(l.points, 25, "25 phase-I points");
      assert.equal(l.fromSeq, 1, "from seq 1");
      assert.equal(l.toSeq, 25, "to seq 25");
      assert.equal(l.n, 5, "nominal n");
      assert.equal(l.estimator, "rbar-d2", "estimator");
      assert.equal(l.ts, run.results[24]!.ts, "dated by the point that ended phase I");
      close(l.center, e.center, TIGHT, "center");
      close(l.sigma, e.sigma, TIGHT, "sigma");
      close(l.cl, e.center, TIGHT, "cl");
      close(l.lcl, e.LCL, TIGHT, "LCL");
      close(l.ucl, e.UCL, TIGHT, "UCL");
      close(l.dispersion?.cl, rv.expected.center, TIGHT, "R̄");
      close(l.dispersion?.ucl, rv.expected.UCL, TIGHT, "R chart UCL (qcc: R̄ + 3·d3·σ̂)");
      assert.equal(l.dispersion?.lcl, rv.expected.LCL, "R chart LCL floored at 0");
      close(l.dispersion?.ucl, rv.expected.UCL_textbook_D4, TABLE, "R chart UCL vs D4·R̄ (published D4)");
      close(l.lcl, e.textbook_A2_limits.LCL, 1e-6, "LCL vs X̿ − A2·R̄ (A2 = 0.577)");
      close(l.ucl, e.textbook_A2_limits.UCL, 1e-6, "UCL vs X̿ + A2·R̄ (A2 = 0.577)");
    });

    it("charts every subgroup mean and range, phase I then phase II", () => {
      const run = piston();
      assert.deepEqual(
        run.results.map((r) => r.seq),
        seqRange(1, 40),
        "seq 1..40",
      );
      assert.deepEqual(
        run.results.map((r) => r.phase),
        [...Array(25).fill("I"), ...Array(15).fill("II")],
        "phases",
      );
      closeAll(
        run.results.map((r) => r.value),
        [...e.xbar_phase1, ...e.xbar_phase2],
        TIGHT,
        "X̄",
      );
      closeAll(
        run.results.map((r) => r.dispersion?.value),
        [...rv.expected.ranges_phase1, ...rv.expected.ranges_phase2],
        TIGHT,
        "R",
      );
      for (const r of run.results.slice(24)) {
        close(r.cl, e.center, TIGHT, `cl of ${r.seq}`);
        close(r.ucl, e.UCL, TIGHT, `UCL of ${r.seq}`);
        close(r.lcl, e.LCL, TIGHT, `LCL of ${r.seq}`);
        close(r.sigma, e.sigma / Math.sqrt(5), TIGHT, `sigma of X̄ at ${r.seq}`);
        close(r.dispersion?.ucl, rv.expected.UCL, TIGHT, `R UCL of ${r.seq}`);
        assert.equal(r.n, 5, "n");
      }
    });

    it("with the exact d2/d3: σ̂ = R̄/d2(5) (sigma_exact_d2, 1e-7), the qcc values within 1e-4", () => {
      const run = piston({ constants: "exact" });
      const l = onlyLimits(run, "exact");
      close(l.sigma, e.sigma_exact_d2, D2_7DP, "sigma_exact_d2");
      close(l.sigma, rv.expected.center / 2.3259289472810392, TIGHT, "R̄/d2(5) with the double d2");
      close(l.sigma, e.sigma, EXACT, "sigma vs qcc");
      close(l.ucl, e.UCL, EXACT, "UCL vs qcc");
      close(l.lcl, e.LCL, EXACT, "LCL vs qcc");
      close(l.dispersion?.ucl, rv.expected.UCL, EXACT, "R UCL vs qcc");
      close(l.center, e.center, TIGHT, "center (no constant involved)");
    });

    const vectorCases: Array<[string, SpcConfig["rules"], Array<number | null>]> = [
      ["Western Electric 1-4", rulesOn(...ruleFamily("we-")), e.we_rules_1to4],
      ["Nelson 1-8", rulesOn(...ruleFamily("nelson-")), e.nelson_rules_1to8],
      ["qcc's default (WE 1 and 4)", rulesOn("we-1", "we-4"), e.violations_qcc_default_rules_1_and_4],
    ];
    for (const [name, rules, expected] of vectorCases) {
      it(`flags the points of qcc's violation vector with ${name}`, () => {
        const run = piston({ rules });
        const l = onlyLimits(run, name);
        assert.deepEqual(
          violationVector(l.outOfControl, run.results, seqRange(1, 40)),
          expected,
          "violations",
        );
      });
    }

    it("the presets (with dispersion-1) flag the same points: no range is beyond the R limits", () => {
      for (const [name, expected] of [
        ["western-electric", e.we_rules_1to4],
        ["nelson", e.nelson_rules_1to8],
      ] as const) {
        const run = piston({ rules: preset(name) });
        const l = onlyLimits(run, name);
        assert.deepEqual(violationVector(l.outOfControl, run.results, seqRange(1, 40)), expected, name);
      }
    });
  });

  describe("piston_S_chart (X̄-S, σ̂ = s̄/c4)", () => {
    const v = covers("piston_S_chart");
    const e = v.expected;
    it("estimates s̄, σ̂ and the S limits; charts every subgroup SD", () => {
      const run = piston({ chart: "xbar-s", estimator: "sbar-c4" });
      const l = onlyLimits(run, "X̄-S");
      close(l.sigma, e.sigma, TIGHT, "sigma");
      close(l.dispersion?.cl, e.center_sbar, TIGHT, "s̄");
      close(l.dispersion?.ucl, e.UCL, TIGHT, "S UCL");
      close(l.dispersion?.ucl, e.UCL_textbook_B4, TABLE, "S UCL vs B4·s̄ (published B4 2.089)");
      assert.equal(l.dispersion?.lcl, e.LCL, "S LCL");
      close(l.center, vector("piston_xbar_R_phase1").expected.center, TIGHT, "X̿");
      close(l.ucl, (l.center as number) + (3 * e.sigma) / Math.sqrt(5), TIGHT, "X̄ UCL = X̿ + 3σ̂/√n");
      closeAll(
        run.results.map((r) => r.dispersion?.value),
        [...e.s_phase1, ...e.s_phase2],
        TIGHT,
        "s",
      );
      // c4 is exact in both tables (qcc computes it from the gamma function).
      const exact = onlyLimits(
        piston({ chart: "xbar-s", estimator: "sbar-c4", constants: "exact" }),
        "exact",
      );
      close(exact.sigma, e.sigma, TIGHT, "sigma with the exact table");
    });
  });

  describe("piston_capability_* (SpcLimits.capability of phase I)", () => {
    for (const id of [
      "piston_capability_73.95_74.05",
      "piston_capability_target_74.02",
      "piston_capability_73.99_74.01",
      "piston_capability_73.99_74.1",
    ]) {
      const v = covers(id);
      const spec = { lsl: v.inputs.LSL, usl: v.inputs.USL, target: v.inputs.target };
      const check = (cap: Json, w: Json, what: string, rel: number) => {
        close(cap.cp, w.Cp, rel, `${what} Cp`);
        close(cap.cpl, w.Cp_l, rel, `${what} Cpl`);
        close(cap.cpu, w.Cp_u, rel, `${what} Cpu`);
        close(cap.cpk, w.Cp_k, rel, `${what} Cpk`);
        close(cap.cpm, w.Cpm, rel, `${what} Cpm`);
      };
      it(`${id}: within (R̄/d2, qcc), overall and expected fractions`, () => {
        const l = onlyLimits(piston({ ...spec }, 25), id);
        const cap = l.capability as Json;
        assert.ok(cap, "capability is there");
        assert.equal(cap.estimator, "rbar-d2", "estimator stated");
        assert.equal(cap.values, 125, "125 single values");
        close(cap.mean, v.inputs.mean, TIGHT, "mean");
        close(cap.sigmaWithin, 0.0097850386930353, TIGHT, "sigma within");
        close(cap.sigmaOverall, 0.0100699681262914, TIGHT, "sigma overall");
        check(cap, v.expected.within, "within", TIGHT);
        const o = v.expected.overall;
        close(cap.pp, o.Pp, TIGHT, "Pp");
        close(cap.ppl, o.Pp_l, TIGHT, "Ppl");
        close(cap.ppu, o.Pp_u, TIGHT, "Ppu");
        close(cap.ppk, o.Pp_k, TIGHT, "Ppk");
        close(cap.ppm, o.Ppm, TIGHT, "Ppm");
        close(cap.expectedBelowLsl, v.expected.expected_pct_below_LSL / 100, 1e-6, "expected below LSL");
        close(cap.expectedAboveUsl, v.expected.expected_pct_above_USL / 100, 1e-6, "expected above USL");
      });
      it(`${id}: with the exact d2 and with s̄/c4`, () => {
        const exact = onlyLimits(piston({ ...spec, constants: "exact" }, 25), id).capability as Json;
        check(exact, v.expected.within_if_exact_d2, "exact d2", D2_7DP);
        const s = onlyLimits(piston({ ...spec, chart: "xbar-s", estimator: "sbar-c4" }, 25), id)
          .capability as Json;
        assert.equal(s.estimator, "sbar-c4", "estimator stated");
        check(s, v.expected.within_if_sbar_over_c4, "s̄/c4", TIGHT);
      });
    }
  });

  describe("piston EWMA (λ = 0.2)", () => {
    const v3 = covers("piston_ewma_lambda0.2_L3");
    const v27 = covers("piston_ewma_lambda0.2_L2.7_phase1and2");
    const center = v3.inputs.center;
    const sigma = v3.inputs.sigma;

    it("L = 3 over 1–25 with the phase-I center and sigma given: z and the time-varying limits (1e-9)", () => {
      const run = piston(
        { chart: "ewma", ewmaL: 3, limits: "given", givenMean: center, givenSigma: sigma, rules: [] },
        25,
      );
      assert.equal(run.limits.length, 1, "the given limits are announced once");
      assert.equal(run.limits[0]!.reason, "given", "reason given");
      closeEwma(run.results, v3.expected);
      closeAll(
        run.results.map((r) => r.raw),
        vector("piston_xbar_R_phase1").expected.xbar_phase1,
        TIGHT,
        "raw = subgroup mean",
      );
    });

    it("L = 3 estimated from phase I: the last phase-I point carries z_25 and its limits", () => {
      const run = piston({ chart: "ewma", ewmaL: 3, rules: [] }, 25);
      const l = onlyLimits(run, "EWMA");
      close(l.center, center, TIGHT, "center");
      close(l.sigma, sigma, TIGHT, "sigma");
      const last = run.results[24]!;
      assert.equal(last.phase, "I", "a phase-I point");
      close(last.value, v3.expected.z[24], TIGHT, "z_25");
      close(last.lcl, v3.expected.LCL[24], TIGHT, "LCL_25");
      close(last.ucl, v3.expected.UCL[24], TIGHT, "UCL_25");
      assert.deepEqual(l.outOfControl, [], "no EWMA signal in phase I");
    });

    it("L = 3 with the exact d2: the limit half-widths within 1e-4", () => {
      const run = piston({ chart: "ewma", ewmaL: 3, rules: [], constants: "exact" }, 26);
      const last = run.results[25]!;
      // Half-width at i = 26 from the vector's L = 2.7 limits, scaled to L = 3.
      const half27 = v27.expected.UCL[25] - center;
      close((last.ucl as number) - (last.cl as number), (half27 / 2.7) * 3, EXACT, "UCL − cl");
      const phase1 = run.results[24]!;
      close(
        (phase1.ucl as number) - (phase1.cl as number),
        v3.expected.UCL[24] - center,
        EXACT,
        "UCL_25 − cl",
      );
      close(
        (phase1.cl as number) - (phase1.lcl as number),
        center - v3.expected.LCL[24],
        EXACT,
        "cl − LCL_25",
      );
    });

    it("L = 2.7 over 1–40 (phase I estimated, then phase II): z, limits and signals", () => {
      const run = piston({ chart: "ewma", ewmaL: 2.7, rules: [] });
      const l = onlyLimits(run, "EWMA");
      const tail = run.results.slice(24);
      closeEwma(tail, v27.expected, 24);
      const signals = [
        ...l.outOfControl,
        ...tail.filter((r) => r.phase === "II").flatMap((r) => r.violations),
      ];
      assert.ok(
        signals.every((s) => s.rule === "ewma"),
        "only EWMA signals on an EWMA chart",
      );
      assert.deepEqual(
        signals.map((s) => s.points[0]),
        v27.expected.signals_1based,
        "signals",
      );
    });

    it("L = 2.7 over 1–40 with the center and sigma given: every z, limit and signal", () => {
      const run = piston({
        chart: "ewma",
        ewmaL: 2.7,
        limits: "given",
        givenMean: center,
        givenSigma: sigma,
        rules: [],
      });
      closeEwma(run.results, v27.expected);
      assert.deepEqual(
        run.results.filter((r) => r.violations.length > 0).map((r) => r.seq),
        v27.expected.signals_1based,
        "signals",
      );
    });
  });

  describe("piston CUSUM (standardized, k = 0.5)", () => {
    const v5 = covers("piston_cusum_h5_k0.5_phase1and2");
    const v4 = covers("piston_cusum_h4_k0.5_phase1");
    const center = v5.inputs.center;
    const sigma = v5.inputs.sigma;

    it("h = 5 over 1–40 with the center and sigma given: C+, C− and the signals", () => {
      const run = piston({
        chart: "cusum",
        cusumH: 5,
        limits: "given",
        givenMean: center,
        givenSigma: sigma,
        rules: [],
      });
      closeCusum(run.results, v5.expected);
      closeAll(
        run.results.map((r) => r.value),
        v5.expected.C_plus,
        TIGHT,
        "value = C+",
      );
      const upper = run.results
        .filter((r) => r.violations.some((x) => x.rule === "cusum-upper"))
        .map((r) => r.seq);
      const lower = run.results
        .filter((r) => r.violations.some((x) => x.rule === "cusum-lower"))
        .map((r) => r.seq);
      assert.deepEqual(upper, v5.expected.upper_signals_1based, "upper signals");
      assert.deepEqual(lower, v5.expected.lower_signals_1based, "lower signals");
      for (const r of run.results) {
        assert.equal(r.cl, 0, "cl 0");
        assert.equal(r.ucl, 5, "ucl h");
        assert.equal(r.lcl, -5, "lcl −h");
      }
    });

    it("h = 5, phase I estimated: C+ and C− of 25..40 and the upper signals", () => {
      const run = piston({ chart: "cusum", cusumH: 5, rules: [] });
      const tail = run.results.slice(24);
      closeCusum(tail, v5.expected, 24);
      const upper = tail.filter((r) => r.violations.some((x) => x.rule === "cusum-upper")).map((r) => r.seq);
      assert.deepEqual(upper, v5.expected.upper_signals_1based, "upper signals");
      // The run of C+ > 0 that signals at 37 began at 31 (C+_30 = 0): N+ = 7 points.
      const at37 = tail.find((r) => r.seq === 37)!.violations.find((x) => x.rule === "cusum-upper")!;
      assert.deepEqual(at37.points, [31, 32, 33, 34, 35, 36, 37], "points of the shift");
      // New mean estimate (STANDARDS.md 3.2): center + (k + C+/N+)·σ/√n.
      const est = center + (0.5 + v5.expected.C_plus[36] / 7) * (sigma / Math.sqrt(5));
      assert.ok(
        at37.text.includes(String(Number(est.toPrecision(6)))),
        `text gives the new mean: ${at37.text}`,
      );
    });

    it("h = 4 over 1–25: C+ and C−", () => {
      const run = piston(
        { chart: "cusum", cusumH: 4, limits: "given", givenMean: center, givenSigma: sigma, rules: [] },
        25,
      );
      closeCusum(run.results, v4.expected);
      assert.ok(
        run.results.every((r) => r.violations.length === 0),
        "no signal with h = 4 in phase I (max C+ 1.99, C− 2.91)",
      );
    });
  });

  describe("viscosity individuals (20 phase-I batches)", () => {
    const imr = covers("viscosity_I_MR");
    const isd = covers("viscosity_I_SD");
    const rev = covers("viscosity_I_MR_revised_excl_batch4");
    const ew = covers("viscosity_ewma_lambda0.2_L2.7");
    const ind = (over: Partial<SpcConfig> = {}, n = 35): Run => {
      const run = newRun(viscosityConfig(over));
      for (const x of VISCOSITY.slice(0, n)) feed(run, values(x));
      return run;
    };

    it("I-MR: x̄, σ̂ = MR̄/1.128, the I limits and the MR chart", () => {
      const run = ind({}, 20);
      const l = onlyLimits(run, "I-MR");
      const e = imr.expected;
      close(l.center, e.center, TIGHT, "center");
      close(l.sigma, e.sigma, TIGHT, "sigma");
      close(l.lcl, e.LCL, TIGHT, "LCL");
      close(l.ucl, e.UCL, TIGHT, "UCL");
      close(l.dispersion?.cl, e.MRbar, TIGHT, "MR̄");
      close(l.dispersion?.ucl, e.MR_chart_UCL_D4, TABLE, "MR UCL vs 3.267·MR̄ (published D4)");
      assert.equal(l.dispersion?.lcl, e.MR_chart_LCL, "MR LCL");
      assert.equal(l.n, 1, "n = 1");
      assert.equal(run.results[0]!.dispersion?.value, null, "no moving range at the first value");
      close(run.results[1]!.dispersion?.value, Math.abs(VISCOSITY[1]! - VISCOSITY[0]!), TIGHT, "MR_2");
    });

    it("I with σ̂ = s/c4(m) (estimator sd-c4)", () => {
      const l = onlyLimits(ind({ estimator: "sd-c4" }, 20), "I-SD");
      const e = isd.expected;
      close(l.center, e.center, TIGHT, "center");
      close(l.sigma, e.sigma, TIGHT, "sigma");
      close(l.lcl, e.LCL, TIGHT, "LCL");
      close(l.ucl, e.UCL, TIGHT, "UCL");
    });

    // The vector indexes the 19 kept phase-I points then the 15 phase-II points.
    const keptThenII = [...seqRange(1, 3), ...seqRange(5, 20), ...seqRange(21, 35)];
    const checkRevised = (run: Run, l: SpcLimits, what: string) => {
      const e = rev.expected;
      close(l.center, e.center, TIGHT, `${what} center`);
      close(l.sigma, e.sigma, TIGHT, `${what} sigma`);
      close(l.lcl, e.LCL, TIGHT, `${what} LCL`);
      close(l.ucl, e.UCL, TIGHT, `${what} UCL`);
      assert.deepEqual(l.excluded, [4], `${what}: batch 4 left out`);
      assert.equal(l.points, 19, `${what}: 19 points`);
      assert.equal(l.fromSeq, 1, "from 1");
      assert.equal(l.toSeq, 20, "to 20");
      const phase2 = run.results.filter((r) => r.seq > 20);
      assert.equal(phase2.length, 15, "15 phase-II points");
      for (const r of phase2) close(r.ucl, e.UCL, TIGHT, `${what} UCL at ${r.seq}`);
      assert.deepEqual(
        violationVector(l.outOfControl, phase2, keptThenII),
        e.violations_phaseI_then_II,
        `${what} violations`,
      );
    };

    it('revised without batch 4 by an "exclude" command after phase I (WE 1-4)', () => {
      const run = ind({}, 20);
      feed(run, command("exclude", { points: [4] }));
      assert.equal(run.limits.length, 2, "estimated, then excluded");
      const l = run.limits[1]!;
      assert.equal(l.reason, "excluded", "reason");
      assert.equal(l.revision, 1, "revision 1");
      for (const x of VISCOSITY.slice(20)) feed(run, values(x));
      checkRevised(run, l, "exclude");
    });

    it('the same by one "revise" round (batch 4 is beyond the phase-I UCL)', () => {
      const run = ind({}, 20);
      assert.ok(run.results[3]!.value > (run.limits[0]!.ucl as number), "batch 4 beyond the UCL");
      feed(run, command("revise"));
      const l = run.limits[1]!;
      assert.equal(l.reason, "revised", "reason");
      for (const x of VISCOSITY.slice(20)) feed(run, values(x));
      checkRevised(run, l, "revise");
    });

    it("the same with autoRevise at the end of phase I", () => {
      const run = ind({ autoRevise: true });
      const l = onlyLimits(run, "auto");
      assert.equal(l.reason, "estimated", "reason");
      checkRevised(run, l, "autoRevise");
    });

    it("EWMA λ = 0.2, L = 2.7 (σ̂ from MR̄): z and limits of 20..35, and all 35 with given limits", () => {
      const e = ew.expected;
      const run = ind({ chart: "ewma", ewmaL: 2.7, rules: [] });
      const tail = run.results.slice(19);
      closeEwma(tail, e, 19);
      const l = onlyLimits(run, "EWMA");
      const given = ind({
        chart: "ewma",
        ewmaL: 2.7,
        rules: [],
        limits: "given",
        givenMean: l.center,
        givenSigma: l.sigma,
      });
      closeEwma(given.results, e);
    });
  });

  it("covers every vector of spc-vectors.json", () => {
    const ids = (VECTORS.vectors as Json[]).map((v) => v.id as string);
    assert.deepEqual(
      ids.filter((id) => !covered.has(id)),
      [],
      "vectors not run through step",
    );
  });
});
