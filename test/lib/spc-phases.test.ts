// lib/spc/spc.ts: phase I (provisional limits, no rules), the end of phase I (estimate, automatic
// revision, replay), phase II, the commands, subgrouping, alarm episodes, restarts (the state as
// JSON), refusals that change nothing, and memory bounded by the configuration.
// Expected values come from hand arithmetic on the data (STANDARDS.md 3.2 formulas), not from the
// code under test.
import assert from "node:assert/strict";
import {
  checkSpcConfig,
  clearedAlarmsOf,
  compileSpc,
  restoreSpcState,
  SpcRefused,
  type SpcState,
  step,
  usualEstimator,
} from "../../lib/spc/spc";
import type { SpcConfig, SpcInput } from "../../lib/spc/types";
import type { Alarm, SpcLimits, SpcResult } from "../../lib/types";
import { validate } from "../../lib/validate";
import {
  assertFinite,
  close,
  command,
  count,
  feed,
  keyed,
  NOW,
  newRun,
  PISTON,
  preset,
  prng,
  type Run,
  roundTrip,
  rulesOn,
  spcConfig,
  VISCOSITY,
  values,
  viscosityConfig,
} from "./spc-support";

const D2_QCC_5 = 2.326;
const D2_QCC_2 = 1.128;

function individuals(over: Partial<SpcConfig> = {}): Run {
  return newRun(viscosityConfig(over));
}

function refused(run: Run, input: SpcInput, field: string, what: string): SpcRefused {
  const before = structuredClone(run.state);
  let caught: unknown;
  try {
    step(run.setup, run.state, input, Date.now());
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof SpcRefused, `${what}: refused with SpcRefused, got ${String(caught)}`);
  assert.equal(caught.errors[0]?.field, field, `${what}: names "${field}" (${caught.message})`);
  assert.deepEqual(run.state, before, `${what}: the state is unchanged`);
  return caught;
}

describe("lib/spc reducer: phases, commands, subgroups, alarms, state", () => {
  describe("phase I", () => {
    it("X̄-R: every phase-I point has provisional limits from the points so far, no rules, no alarms", () => {
      const run = newRun(spcConfig({ rules: preset("nelson") }));
      for (const sg of PISTON.slice(0, 24)) feed(run, values(...sg));
      assert.equal(run.limits.length, 0, "no limits before the 25th point");
      assert.equal(run.alarms.length, 0, "no alarms in phase I");
      let sum = 0;
      let rsum = 0;
      run.results.forEach((r, i) => {
        const sg = PISTON[i]!;
        sum += sg.reduce((a, b) => a + b, 0);
        rsum += Math.max(...sg) - Math.min(...sg);
        const k = i + 1;
        const center = sum / (5 * k);
        const sigma = rsum / k / D2_QCC_5;
        assert.equal(r.phase, "I", "phase I");
        assert.deepEqual(r.violations, [], "no violations against provisional limits");
        close(r.cl, center, 1e-12, `cl of ${k}`);
        close(r.ucl, center + (3 * sigma) / Math.sqrt(5), 1e-12, `UCL of ${k}`);
        close(r.sigma, sigma / Math.sqrt(5), 1e-12, `sigma of ${k}`);
        close(r.dispersion?.cl, rsum / k, 1e-12, `R̄ of ${k}`);
      });
    });

    it("I-MR: no limits at the first value, MR̄/1.128 from the second", () => {
      const run = individuals();
      feed(run, values(10), values(12), values(11));
      const [a, b, c] = run.results;
      assert.equal(a!.cl, null, "no cl yet");
      assert.equal(a!.ucl, null, "no UCL yet");
      assert.equal(a!.dispersion?.value, null, "no moving range yet");
      close(b!.cl, 11, 1e-15, "x̄ of 2");
      close(b!.sigma, 2 / D2_QCC_2, 1e-12, "σ̂ = MR/1.128");
      close(c!.sigma, 1.5 / D2_QCC_2, 1e-12, "σ̂ = (2 + 1)/2/1.128");
      close(c!.ucl, 11 + (3 * 1.5) / D2_QCC_2, 1e-12, "UCL of 3");
      assert.equal(c!.dispersion?.value, 1, "MR_3");
    });

    it("EWMA and CUSUM charts show the raw statistic against provisional X̄ limits in phase I", () => {
      for (const chart of ["ewma", "cusum"] as const) {
        const run = newRun(spcConfig({ chart, rules: [] }));
        for (const sg of PISTON.slice(0, 3)) feed(run, values(...sg));
        const r = run.results[2]!;
        const mean = PISTON[2]!.reduce((a, b) => a + b, 0) / 5;
        close(r.value, mean, 1e-12, `${chart}: value = subgroup mean`);
        assert.equal(r.raw, r.value, `${chart}: raw`);
        assert.ok(r.ucl !== null && r.cl !== null && r.ucl > r.cl, `${chart}: provisional X̄ limits`);
      }
    });

    it("autoRevise leaves out the points beyond either chart, round after round", () => {
      // 18 values alternating 10/11 (MR 1), then 16 and 13.6. Round 1: x̄ 10.93, MR̄ 1.2842,
      // σ̂ 1.1385, UCL 14.35: 16 beyond (13.6 within). Round 2 without 16: x̄ 10.6632, MR̄ 1.0889,
      // σ̂ 0.9653, UCL 13.56: 13.6 beyond. Round 3: x̄ 10.5, σ̂ 1/1.128, UCL 13.16: none beyond.
      const xs = [...Array.from({ length: 18 }, (_, i) => (i % 2 === 0 ? 10 : 11)), 16, 13.6];
      const run = individuals({ autoRevise: true, rules: rulesOn("we-1") });
      for (const x of xs) feed(run, values(x));
      // Hand arithmetic of the rounds, as STANDARDS.md 3.2 (x̄, MR̄/1.128, x̄ ± 3σ̂, MR UCL d2σ̂ + 3d3σ̂).
      const limits = (ys: number[]) => {
        const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
        let mr = 0;
        for (let i = 1; i < ys.length; i++) mr += Math.abs(ys[i]! - ys[i - 1]!);
        const sigma = mr / (ys.length - 1) / D2_QCC_2;
        return {
          mean,
          sigma,
          ucl: mean + 3 * sigma,
          lcl: mean - 3 * sigma,
          mrUcl: (1.128 + 3 * 0.8525033) * sigma,
        };
      };
      const r1 = limits(xs);
      assert.ok(16 > r1.ucl && 13.6 < r1.ucl, "round 1 drops 16 only (by the I chart)");
      const xs2 = xs.filter((x) => x !== 16);
      const r2 = limits(xs2);
      assert.ok(13.6 > r2.ucl || Math.abs(13.6 - 11) > r2.mrUcl, "round 2 drops 13.6");
      const xs3 = xs2.filter((x) => x !== 13.6);
      const r3 = limits(xs3);
      const l = run.limits[0]!;
      assert.deepEqual(l.excluded, [19, 20], "two rounds");
      close(l.center, r3.mean, 1e-12, "center of the kept points");
      close(l.sigma, r3.sigma, 1e-12, "sigma of the kept points");
      assert.equal(l.points, 18, "18 kept");
      const last = run.results[19]!;
      assert.equal(last.seq, 20, "the last phase-I point is reported");
      assert.deepEqual(last.violations, [], "a point left out is not checked by the rules");
      close(last.ucl, r3.ucl, 1e-12, "against the final limits");
    });
  });

  describe("commands", () => {
    it("revise and exclude are refused before the limits are estimated and when limits are given", () => {
      const run = individuals();
      feed(run, values(1), values(2));
      refused(run, command("revise"), "command", "revise in phase I");
      refused(run, command("exclude", { points: [1] }), "command", "exclude in phase I");
      const given = individuals({ limits: "given", givenMean: 0, givenSigma: 1 });
      feed(given, values(1));
      refused(given, command("revise"), "command", "revise with given limits");
    });

    it("exclude names unknown points and refuses to leave too few", () => {
      const run = individuals({ phase1Points: 3 });
      feed(run, values(1), values(2), values(4), values(3));
      refused(run, command("exclude", { points: [4] }), "points", "a phase-II seq");
      refused(run, command("exclude", { points: [99] }), "points", "an unknown seq");
      refused(run, command("exclude", { points: [1, 2] }), "points", "1 value left");
      refused(run, command("exclude", { points: [] }), "points", "no points");
      feed(run, command("exclude", { points: [3] }));
      const l = run.limits[1]!;
      assert.equal(l.reason, "excluded", "reason");
      assert.deepEqual(l.excluded, [3], "3 left out");
      assert.equal(l.center, 1.5, "x̄ of 1 and 2");
      close(l.sigma, 1 / D2_QCC_2, 1e-12, "MR 1");
      feed(run, command("exclude", { points: [3] }));
      assert.deepEqual(run.limits[2]!.excluded, [3], "excluding again changes nothing but the revision");
      assert.equal(run.limits[2]!.revision, 2, "revision 2");
    });

    it("freeze ends phase I early (at least 2 values for individuals); refused after", () => {
      const run = individuals();
      feed(run, values(5));
      refused(run, command("freeze"), "command", "one value");
      feed(run, values(7), values(6), command("freeze"));
      assert.equal(run.limits.length, 1, "frozen limits");
      const l = run.limits[0]!;
      assert.equal(l.reason, "frozen", "reason");
      assert.equal(l.points, 3, "3 points");
      assert.equal(l.toSeq, 3, "to 3");
      close(l.center, 6, 1e-15, "x̄");
      close(l.sigma, 1.5 / D2_QCC_2, 1e-12, "σ̂");
      feed(run, values(6.5));
      assert.equal(run.results[3]!.phase, "II", "phase II from the next point");
      refused(run, command("freeze"), "command", "freeze in phase II");
    });

    it("rebaseline: limits cleared, phase I again with the next point, seq continues, MR restarts", () => {
      const run = individuals({ phase1Points: 3 });
      feed(run, values(1), values(2), values(3), values(2));
      feed(run, command("rebaseline"));
      const rb = run.limits[1]!;
      assert.equal(rb.reason, "rebaseline", "reason");
      assert.equal(rb.phase, "I", "phase I");
      for (const k of ["center", "sigma", "cl", "ucl", "lcl"] as const)
        assert.equal(rb[k], null, `${k} null`);
      assert.equal(rb.points, 0, "no points");
      assert.equal(rb.revision, 1, "revision 1");
      assert.ok(validate("SpcLimits", structuredClone(rb)).ok, "a valid SpcLimits");
      feed(run, values(10), values(12), values(14));
      const [a, , c] = run.results.slice(4);
      assert.equal(a!.seq, 5, "seq continues");
      assert.equal(a!.phase, "I", "phase I again");
      assert.equal(a!.dispersion?.value, null, "no moving range across the rebaseline");
      assert.equal(c!.phase, "I", "the last point of the new phase I");
      const l = run.limits[2]!;
      assert.equal(l.reason, "estimated", "estimated again");
      assert.equal(l.fromSeq, 5, "from 5");
      assert.equal(l.toSeq, 7, "to 7");
      assert.equal(l.center, 12, "x̄ of the new phase I");
      assert.equal(l.revision, 2, "revision 2");
    });

    it("limits: given mean and sigma from now on; refused without them", () => {
      const run = individuals();
      feed(run, values(1));
      refused(run, command("limits", { sigma: 1 }), "mean", "no mean");
      refused(run, command("limits", { mean: 1 }), "sigma", "no sigma");
      refused(run, command("limits", { mean: 1, sigma: 0 }), "sigma", "sigma 0");
      feed(run, command("limits", { mean: 100, sigma: 2 }), values(105), values(107), values(105));
      const l = run.limits[0]!;
      assert.equal(l.reason, "given", "reason");
      assert.equal(l.center, 100, "center");
      assert.equal(l.sigma, 2, "sigma");
      assert.equal(l.ucl, 106, "UCL 100 + 3·2");
      const [a, b, c] = run.results.slice(1);
      assert.equal(a!.phase, "II", "phase II");
      assert.deepEqual(a!.violations, [], "105 within");
      // The rules start afresh with given limits: a 2-of-3 window needs 3 points (qcc).
      assert.deepEqual(
        b!.violations.map((v) => v.rule),
        ["we-1"],
        "107 beyond UCL 106",
      );
      assert.deepEqual(
        c!.violations.map((v) => v.rule),
        ["we-2"],
        "105, 107, 105: 3 of 3 beyond 2σ (104)",
      );
      refused(run, command("revise"), "command", "revise after given limits");
    });

    it("flush charts the open subgroup, a one-value subgroup is dropped with a notice", () => {
      const run = newRun(spcConfig({ phase1Points: 5 }));
      feed(run, command("flush"));
      assert.equal(run.results.length, 0, "nothing open: no-op");
      feed(run, values(1, 2, 3), command("flush"));
      assert.equal(run.results.length, 1, "a subgroup of 3");
      assert.equal(run.results[0]!.n, 3, "n = 3");
      assert.equal(run.results[0]!.dispersion?.value, 2, "range 2");
      feed(run, values(4), command("flush"));
      assert.equal(run.results.length, 1, "one value is not a subgroup");
      assert.equal(run.notices.length, 1, "a notice");
      assert.equal(run.notices[0]!.type, "subgroup-too-small", "notice type");
      assert.equal(run.state.open, null, "the value is gone");
    });
  });

  describe("subgroups", () => {
    it('"count": values in any chunks form the same subgroups of subgroupSize', () => {
      const whole = newRun(spcConfig());
      const chunked = newRun(spcConfig());
      const flat = PISTON.slice(0, 30).flat();
      for (const sg of PISTON.slice(0, 30)) feed(whole, values(...sg));
      for (let i = 0; i < flat.length; i += 7) feed(chunked, values(...flat.slice(i, i + 7)));
      assert.equal(chunked.results.length, 30, "30 subgroups");
      assert.deepEqual(
        chunked.results.map((r) => r.value),
        whole.results.map((r) => r.value),
        "same means",
      );
      assert.deepEqual(chunked.limits[0]!.center, whole.limits[0]!.center, "same limits");
    });

    it('"array": each array is one subgroup of its own length; shorter than 2 or longer than 25 refused', () => {
      const run = newRun(spcConfig({ subgroupBy: "array", phase1Points: 3 }));
      feed(run, values(1, 2), values(1, 2, 3, 4), values(2, 3, 4));
      assert.deepEqual(
        run.results.map((r) => r.n),
        [2, 4, 3],
        "n per subgroup",
      );
      // UWAVE-R (qcc): σ̂ = mean of Rᵢ/d2(nᵢ); X̿ = Σx/Σn.
      const l = run.limits[0]!;
      close(l.sigma, (1 / 1.128 + 3 / 2.059 + 2 / 1.693) / 3, 1e-12, "σ̂ = mean of R/d2(n)");
      close(l.center, 22 / 9, 1e-12, "X̿ weighted by n");
      feed(run, values(5, 6));
      const r = run.results[3]!;
      close(r.ucl, 22 / 9 + (3 * (l.sigma as number)) / Math.sqrt(2), 1e-12, "limits at the point's n = 2");
      close(
        r.dispersion?.ucl,
        (1.128 + 3 * 0.8525033) * (l.sigma as number),
        1e-9,
        "R UCL at n = 2 (qcc d3)",
      );
      refused(run, values(1), "value", "one value");
      refused(run, values(...Array.from({ length: 26 }, (_, i) => i)), "value", "26 values");
    });

    it('"key": a new key closes the subgroup, so does reaching subgroupSize; one value is dropped', () => {
      const run = newRun(spcConfig({ subgroupBy: "key", subgroupSize: 4, phase1Points: 10 }));
      refused(run, values(1, 2), "key", "no key");
      feed(run, keyed("A", 1, 2), keyed("A", 3));
      assert.equal(run.results.length, 0, "A still open");
      feed(run, keyed("B", 5));
      assert.equal(run.results.length, 1, "A closed by B");
      assert.equal(run.results[0]!.key, "A", "key A");
      assert.equal(run.results[0]!.n, 3, "3 values");
      assert.equal(run.results[0]!.ts, run.state.open!.ts - 1000, "dated by the last value of A");
      feed(run, keyed("B", 6, 7, 8, 9));
      assert.equal(run.results.length, 2, "B closed at 4 values");
      assert.deepEqual(run.results[1]!.n, 4, "n = 4");
      assert.equal(run.state.open?.key, "B", "the 5th B value opens a new B subgroup");
      feed(run, keyed("C", 1));
      assert.equal(run.notices.length, 1, "the one-value B subgroup is dropped");
      assert.equal(run.notices[0]!.key, "B", "notice names the key");
      feed(run, command("flush"));
      assert.equal(run.notices.length, 2, "flushing a one-value C drops it too");
      assert.equal(run.results.length, 2, "nothing charted");
    });

    it("a MachineSample value sent again (same sourceTs) is skipped", () => {
      const run = individuals();
      const at = (x: number, sourceTs: number): SpcInput => ({
        type: "values",
        values: [x],
        ts: sourceTs,
        sourceTs,
      });
      feed(run, at(1, 1000), at(1, 1000), at(2, 2000), at(2, 2000), at(2, 3000));
      assert.deepEqual(
        run.results.map((r) => r.value),
        [1, 2, 2],
        "three measurements",
      );
    });
  });

  describe("alarms (phase II)", () => {
    it("one alarm per rule episode: active at its first point, cleared at the first point without it", () => {
      const run = individuals({
        limits: "given",
        givenMean: 0,
        givenSigma: 1,
        rules: rulesOn("we-1", "we-2"),
        asset: "plant/area/line/mixer",
      });
      // σ = 1: UCL 3, 2σ at 2. we-2 (2 of 3 beyond 2σ) needs 3 points and the point itself beyond.
      feed(run, values(0), values(4), values(4), values(0), values(4));
      const brief = run.alarms.map((a) => `${a.state} ${a.id}`);
      assert.deepEqual(
        brief,
        [
          "active spc:Viscosity:we-1:2",
          "active spc:Viscosity:we-2:3",
          "cleared spc:Viscosity:we-1:2",
          "cleared spc:Viscosity:we-2:3",
          "active spc:Viscosity:we-1:5",
          "active spc:Viscosity:we-2:5",
        ],
        "episodes",
      );
      const first = run.alarms[0]!;
      assert.equal(first.severity, "high", "limit rule: limitSeverity");
      assert.equal(run.alarms[1]!.severity, "medium", "run rule: runSeverity");
      assert.equal(first.text, "Viscosity: 1 point beyond the control limits at point 2", "text");
      assert.equal(first.asset, "plant/area/line/mixer", "asset");
      assert.equal(first.level, 0, "level 0");
      assert.equal(first.acknowledged, false, "not acknowledged");
      assert.equal(first.source, "spc:Viscosity", "source");
      assert.deepEqual(
        first.data,
        {
          rule: "we-1",
          chart: "i-mr",
          characteristic: "Viscosity",
          seq: 2,
          value: 4,
          cl: 0,
          ucl: 3,
          lcl: -3,
          points: [2],
        },
        "data",
      );
      assert.equal(run.alarms[2]!.ts, run.results[3]!.ts, "cleared at the ts of point 4");
      for (const a of run.alarms) assert.ok(validate("Alarm", structuredClone(a)).ok, `valid Alarm ${a.id}`);
    });

    it("a command that changes the limits clears the active alarms", () => {
      const run = individuals({ limits: "given", givenMean: 0, givenSigma: 1, rules: rulesOn("we-1") });
      feed(run, values(5), command("limits", { mean: 5, sigma: 1 }));
      assert.deepEqual(
        run.alarms.map((a) => `${a.state} ${a.id}`),
        ["active spc:Viscosity:we-1:1", "cleared spc:Viscosity:we-1:1"],
        "cleared by the command",
      );
      feed(run, values(5));
      assert.equal(run.alarms.length, 2, "nothing new");
    });

    it("the EWMA and CUSUM signals are alarms with the limit severity", () => {
      const run = newRun(
        spcConfig({
          chart: "cusum",
          subgroupSize: 1,
          estimator: "mrbar-d2",
          limits: "given",
          givenMean: 0,
          givenSigma: 1,
        }),
      );
      for (let i = 0; i < 10; i++) feed(run, values(2));
      // z = 2 each point: C+ = 1.5·i > 5 from i = 4.
      assert.deepEqual(
        run.alarms.map((a) => `${a.state} ${a.id} ${a.severity}`),
        ["active spc:Diameter:cusum-upper:4 high"],
        "one episode",
      );
      assert.deepEqual(run.alarms[0]!.data?.points, [1, 2, 3, 4], "the points of the shift");
    });
  });

  describe("the state", () => {
    /** Outputs of a script run in place, or with the state through JSON after every step. */
    function script(config: SpcConfig, inputs: SpcInput[], trip: boolean): unknown[] {
      const run = newRun(config);
      let state: SpcState = run.state;
      const out: unknown[] = [];
      for (const input of inputs) {
        try {
          const r = step(run.setup, state, input, input.ts);
          out.push({ results: r.results, limits: r.limits, alarms: r.alarms, notices: r.notices });
        } catch (e) {
          assert.ok(e instanceof SpcRefused, "only refusals");
          out.push({ refused: e.errors });
        }
        if (trip) {
          const restored = restoreSpcState(run.setup, roundTrip(state));
          assert.ok(restored, "the restored state fits the setup");
          state = restored;
        }
      }
      assertFinite(state);
      return out;
    }

    const inputsOf = (xs: Array<number | number[] | SpcInput>): SpcInput[] =>
      xs.map((x) => (typeof x === "number" ? values(x) : Array.isArray(x) ? values(...x) : x));

    it("continues identically after a JSON round trip at every step (every chart and command)", () => {
      const gauss = prng(7).normal;
      const shifted = (n: number, shift: number) => Array.from({ length: n }, () => 10 + shift + gauss());
      const individualsScript = inputsOf([
        ...shifted(20, 0),
        ...shifted(15, 0),
        ...shifted(12, 2.5),
        command("revise"),
        ...shifted(5, 0),
        command("exclude", { points: [3, 4] }),
        ...shifted(10, -3),
        command("freeze"),
        command("rebaseline"),
        ...shifted(8, 0),
        command("freeze"),
        ...shifted(10, 1),
        command("limits", { mean: 10, sigma: 1 }),
        ...shifted(20, 0.5),
      ]);
      const subgroupScript = inputsOf([
        ...Array.from({ length: 60 }, (_, i) => shifted(i % 4 === 0 ? 3 : 5, i > 40 ? 1.5 : 0)),
        command("revise"),
        values(1),
        command("flush"),
        values(10, 11),
        command("flush"),
        ...Array.from({ length: 20 }, () => shifted(5, 0)),
      ]);
      const spec = { lsl: 6, usl: 14, capabilityWindow: 15 };
      const configs: Array<[SpcConfig, SpcInput[]]> = [
        [
          spcConfig({
            chart: "i-mr",
            subgroupSize: 1,
            estimator: "mrbar-d2",
            phase1Points: 20,
            rules: preset("nelson"),
            ...spec,
          }),
          individualsScript,
        ],
        [
          spcConfig({
            chart: "i-mr",
            subgroupSize: 1,
            estimator: "sd-c4",
            phase1Points: 20,
            autoRevise: true,
            ...spec,
          }),
          individualsScript,
        ],
        [spcConfig({ phase1Points: 20, rules: preset("western-electric"), ...spec }), subgroupScript],
        [
          spcConfig({ chart: "xbar-s", estimator: "sbar-c4", phase1Points: 20, autoRevise: true, ...spec }),
          subgroupScript,
        ],
        [
          spcConfig({ chart: "ewma", subgroupSize: 1, estimator: "mrbar-d2", phase1Points: 20, ...spec }),
          individualsScript,
        ],
        [
          spcConfig({
            chart: "cusum",
            subgroupSize: 1,
            estimator: "mrbar-d2",
            phase1Points: 20,
            cusumHeadStart: 2.5,
            ...spec,
          }),
          individualsScript,
        ],
        [spcConfig({ chart: "ewma", phase1Points: 20, ewmaLambda: 0.1, ewmaL: 2.7 }), subgroupScript],
      ];
      for (const [config, inputs] of configs) {
        const inPlace = script(config, inputs, false);
        const restored = script(config, inputs, true);
        assert.deepEqual(restored, inPlace, `${config.chart} (${config.estimator}): same outputs`);
        const results = inPlace.flatMap((o) => (o as { results?: SpcResult[] }).results ?? []);
        assert.ok(results.length > 50, "points were charted");
        for (const r of results) {
          const v = validate("SpcResult", structuredClone(r));
          assert.ok(v.ok, `valid SpcResult ${r.seq}: ${JSON.stringify(v.ok ? "" : v.errors)}`);
        }
        const steps = inPlace as Array<{ limits?: SpcLimits[]; alarms?: Alarm[] }>;
        for (const l of steps.flatMap((o) => o.limits ?? [])) {
          const v = validate("SpcLimits", structuredClone(l));
          assert.ok(v.ok, `valid SpcLimits ${l.reason}: ${JSON.stringify(v.ok ? "" : v.errors)}`);
        }
        for (const a of steps.flatMap((o) => o.alarms ?? [])) {
          const v = validate("Alarm", structuredClone(a));
          assert.ok(v.ok, `valid Alarm ${a.id}: ${JSON.stringify(v.ok ? "" : v.errors)}`);
        }
      }
      const attributes = inputsOf([]).concat(
        Array.from(
          { length: 40 },
          (_, i) =>
            ({ type: "count", count: i === 25 ? 30 : (i * 7) % 11, size: 100, ts: 1000 + i }) as SpcInput,
        ),
        [command("revise"), command("rebaseline")],
        Array.from(
          { length: 30 },
          (_, i) => ({ type: "count", count: (i * 5) % 9, size: 80 + i, ts: 5000 + i }) as SpcInput,
        ),
      );
      for (const chart of ["p", "np", "u"] as const) {
        const config = spcConfig({ chart, phase1Points: 25, rules: preset("nelson") });
        assert.deepEqual(
          script(config, attributes, true),
          script(config, attributes, false),
          `${chart}: same outputs`,
        );
      }
    });

    it("a refused input leaves the state deep-equal to before", () => {
      const run = newRun(spcConfig({ subgroupBy: "key", subgroupSize: 5, phase1Points: 3 }));
      feed(run, keyed("A", 1, 2, 3));
      refused(run, { type: "values", values: [1, Number.NaN], ts: 1, key: "A" }, "value[1]", "NaN");
      refused(run, { type: "values", values: [], ts: 1, key: "A" }, "value", "empty");
      refused(run, { type: "count", count: 1, size: 10, ts: 1 }, "count", "a count to an X̄ chart");
      refused(run, command("freeze"), "command", "no subgroup yet");
      refused(run, { type: "command", command: "bogus" as "flush", ts: 1 }, "command", "unknown command");
      assert.deepEqual(run.state.open?.values, [1, 2, 3], "the open subgroup is intact");
    });

    it("memory is bounded by the configuration: the state is as large after 100,000 points as after 10,000", () => {
      const gauss = prng(42).normal;
      const run = individuals({
        rules: preset("nelson"),
        phase1Points: 100,
        lsl: 4,
        usl: 16,
        capabilityWindow: 200,
      });
      const setup = run.setup;
      const state = run.state;
      let size10k = 0;
      let alarms = 0;
      for (let i = 1; i <= 100_000; i++) {
        const r = step(setup, state, { type: "values", values: [10 + gauss()], ts: i }, i);
        alarms += r.alarms.length;
        if (i === 10_000) size10k = JSON.stringify(state).length;
      }
      const size100k = JSON.stringify(state).length;
      assert.ok(alarms > 0, "some rules fired along the way");
      assert.ok(
        Math.abs(size100k - size10k) < 400,
        `state JSON ${size10k} bytes at 10k points, ${size100k} at 100k`,
      );
      assert.equal(state.phase1.length, 100, "phase-I points kept: phase1Points");
      assert.equal(state.seq, 100_000, "seq");
    });

    it("the capability window over phase I equals the phase-I capability of the SpcLimits", () => {
      const xbar = newRun(spcConfig({ lsl: 73.95, usl: 74.05, capabilityWindow: 25 }));
      for (const sg of PISTON.slice(0, 25)) feed(xbar, values(...sg));
      const imr = individuals({ lsl: 33, usl: 35.5, capabilityWindow: 20 });
      for (const x of VISCOSITY.slice(0, 20)) feed(imr, values(x));
      const isd = individuals({ estimator: "sd-c4", lsl: 33, usl: 35.5, target: 34, capabilityWindow: 20 });
      for (const x of VISCOSITY.slice(0, 20)) feed(isd, values(x));
      const cases: Array<[string, Run]> = [
        ["X̄-R", xbar],
        ["I-MR", imr],
        ["I-SD", isd],
      ];
      for (const [name, run] of cases) {
        const fromLimits = run.limits[0]!.capability!;
        const fromWindow = run.results[run.results.length - 1]!.capability!;
        assert.ok(fromLimits && fromWindow, `${name}: both present`);
        for (const k of ["cp", "cpk", "cpm", "pp", "ppk", "sigmaWithin", "sigmaOverall", "mean"] as const)
          close(fromWindow[k] as number, fromLimits[k] as number, 1e-12, `${name} ${k}`);
        assert.equal(fromWindow.values, fromLimits.values, `${name}: values`);
        assert.equal(fromWindow.estimator, fromLimits.estimator, `${name}: estimator`);
      }
    });
  });

  describe("a stored state after the configuration changed (restoreSpcState)", () => {
    // Phase II of the viscosity I-MR chart (20 phase-I batches), stored as JSON.
    const phase2 = (over: Partial<SpcConfig> = {}) => {
      const run = newRun(
        spcConfig({ chart: "i-mr", subgroupSize: 1, estimator: "mrbar-d2", phase1Points: 20, ...over }),
      );
      feed(run, ...VISCOSITY.slice(0, 20).map((x) => values(x)));
      return { run, stored: roundTrip(run.state) };
    };

    it("keeps the limits and the phase when only the rules changed; the run rules start afresh", () => {
      const { run, stored } = phase2({ rules: preset("western-electric") });
      const nelson = compileSpc({ ...run.setup.config, rules: preset("nelson") });
      const restored = restoreSpcState(nelson, stored);
      assert.ok(restored, "a change of rules keeps the chart");
      const r = step(nelson, restored, values(VISCOSITY[20]!), NOW).results[0]!;
      assert.equal(r.phase, "II", "still phase II");
      assert.equal(r.seq, 21, "seq continues");
      // Centre 34.088 (mean of batches 1-20, STANDARDS.md 3.5 viscosity): the limits were kept.
      close(r.cl, 34.088, 1e-12, "centre line kept");
    });

    it("keeps the limits and the phase when spec limits or the capability window are added or changed; the window restarts", () => {
      const { run, stored } = phase2();
      const base = run.setup.config;
      // Spec limits and a window added to a running chart (issue 5 review finding 2).
      const withSpec = compileSpc({ ...base, lsl: 33, usl: 35.5, capabilityWindow: 5 });
      const restored = restoreSpcState(withSpec, roundTrip(stored));
      assert.ok(restored, "adding LSL/USL and a window keeps the chart");
      assert.equal(restored.phase, "II", "still phase II");
      assert.equal(restored.window?.size, 5, "a window of the configured size");
      assert.equal(restored.window?.count, 0, "the window starts empty");
      const r = step(withSpec, restored, values(VISCOSITY[20]!), NOW).results[0]!;
      assert.equal(r.seq, 21, "seq continues");
      close(r.cl, 34.088, 1e-12, "centre line kept (mean of batches 1-20)");
      assert.equal(restored.window?.count, 1, "the window holds the one point since the restart");
      // A window of another size restarts empty; the same size keeps its points.
      const more = roundTrip(restored);
      const same = restoreSpcState(
        compileSpc({ ...base, lsl: 33, usl: 36, capabilityWindow: 5 }),
        roundTrip(more),
      );
      assert.equal(same?.window?.count, 1, "same window size, other USL: the window keeps its point");
      const bigger = restoreSpcState(
        compileSpc({ ...base, lsl: 33, usl: 35.5, capabilityWindow: 8 }),
        roundTrip(more),
      );
      assert.ok(bigger, "a changed window keeps the chart");
      assert.equal(bigger.window?.size, 8, "new size");
      assert.equal(bigger.window?.count, 0, "restarts empty");
      assert.equal(bigger.seq, 21, "seq kept");
      const none = restoreSpcState(
        compileSpc({ ...base, lsl: null, usl: null, capabilityWindow: 5 }),
        roundTrip(more),
      );
      assert.ok(none, "spec limits removed: the chart is kept");
      assert.equal(none.window, null, "no window without spec limits");
    });

    it("starts afresh when the chart, the phase I length or the given limits changed", () => {
      const { run, stored } = phase2();
      const base = run.setup.config;
      for (const over of [
        { phase1Points: 25 },
        { chart: "ewma" as const },
        { constants: base.constants === "qcc" ? ("exact" as const) : ("qcc" as const) },
      ]) {
        assert.equal(
          restoreSpcState(compileSpc({ ...base, ...over }), roundTrip(stored)),
          null,
          JSON.stringify(over),
        );
      }
      const given = { ...base, limits: "given" as const, givenMean: 34, givenSigma: 0.5 };
      const givenRun = newRun(given);
      feed(givenRun, values(34.1));
      const storedGiven = roundTrip(givenRun.state);
      assert.ok(restoreSpcState(compileSpc(given), roundTrip(storedGiven)), "same given limits: continued");
      assert.equal(
        restoreSpcState(compileSpc({ ...given, givenMean: 35 }), storedGiven),
        null,
        "an edited given mean takes effect",
      );
      assert.equal(restoreSpcState(compileSpc(base), { version: 0 }), null, "another shape");
      // An overflow stored as JSON (Infinity → null) is not continued: it would refuse every point.
      const broken = roundTrip(stored) as unknown as { est: { center: unknown }; ewmaZ: unknown };
      broken.est.center = null;
      assert.equal(restoreSpcState(compileSpc(base), broken), null, "a centre that is not a number");
      const noZ = roundTrip(stored) as unknown as { ewmaZ: unknown };
      noZ.ewmaZ = null;
      assert.equal(restoreSpcState(compileSpc(base), noZ), null, "an EWMA z that is not a number");
      assert.equal(restoreSpcState(compileSpc(base), "junk"), null, "not an object");
    });
  });

  // Review finding 1: a finite but huge number is refused where it enters (|x| <= 1e100, counts and
  // n safe integers, a u chart's n >= 1e-9), with SpcRefused and the state unchanged.
  describe("bounds: numbers the charts cannot compute with are refused before any change", () => {
    it("values up to 1e100 in magnitude give finite limits; beyond, SpcRefused", () => {
      const run = individuals({ phase1Points: 2 });
      refused(run, values(1e308), "value", "1e308");
      refused(run, values(1, -1e101), "value[1]", "-1e101 in an array");
      feed(run, values(1e100), values(-1e100));
      // x̄ = 0, MR̄ = 2e100, σ̂ = MR̄/d2(2) with qcc's d2(2) = 1.128, UCL = x̄ + 3σ̂.
      const l = run.limits[0]!;
      assert.equal(l.center, 0, "x̄");
      close(l.sigma, 2e100 / D2_QCC_2, 1e-12, "σ̂");
      close(l.ucl, (3 * 2e100) / D2_QCC_2, 1e-12, "UCL");
      assert.equal(run.state.phase1.length, 2, "phase I holds its 2 points");
      refused(run, values(-1e308), "value", "-1e308 in phase II");
      feed(run, values(1));
      assert.equal(run.results[2]!.phase, "II", "the chart goes on");
    });

    it("counts are safe integers; a c chart's n is 1; a u chart's n is at least 1e-9", () => {
      const max = Number.MAX_SAFE_INTEGER;
      const c = newRun(spcConfig({ chart: "c", phase1Points: 2, rules: rulesOn("we-1") }));
      refused(c, count(1e308), "count", "1e308");
      refused(c, count(2 ** 53), "count", "2^53");
      refused(c, count(3, 10), "n", "a c chart with n = 10 (a u chart takes sizes)");
      feed(c, count(max), count(max));
      // c̄ = 2^53 − 1, UCL = c̄ + 3√c̄ (Montgomery ch. 7).
      close(c.limits[0]!.center, max, 1e-15, "c̄");
      close(c.limits[0]!.ucl, max + 3 * Math.sqrt(max), 1e-15, "UCL");
      const u = newRun(spcConfig({ chart: "u", limits: "given", givenMean: 2, rules: rulesOn("we-1") }));
      refused(u, count(1, 5e-324), "n", "a denormal n");
      feed(u, count(max, 1e-9));
      // u = c/n = (2^53 − 1)/1e-9; UCL = ū + 3√(ū/n) = 2 + 3√(2e9).
      const r = u.results[0]!;
      close(r.value, max / 1e-9, 1e-15, "u");
      close(r.ucl, 2 + 3 * Math.sqrt(2 / 1e-9), 1e-12, "UCL");
      assert.deepEqual(
        r.violations.map((v) => v.rule),
        ["we-1"],
        "beyond the UCL",
      );
    });

    it("a limits command takes a mean and a sigma at most 1e100 in magnitude", () => {
      const run = individuals();
      feed(run, values(1));
      refused(run, command("limits", { mean: 0, sigma: 1e308 }), "sigma", "sigma 1e308");
      refused(run, command("limits", { mean: 1e101, sigma: 1 }), "mean", "mean 1e101");
      feed(run, command("limits", { mean: 0, sigma: 1e100 }), values(-1e100));
      close(run.limits[0]!.ucl, 3e100, 1e-15, "UCL 3σ");
      assert.deepEqual(run.results[1]!.violations, [], "−1e100 is within ±3e100");
    });

    it("the end of phase I estimates before anything changes: no usable estimate, SpcRefused", () => {
      const run = individuals({ phase1Points: 3 });
      feed(run, values(1), values(2));
      // A state stored before the input bounds, with a phase-I value of 1e300: x̄ ≈ 3.3e299.
      run.state.phase1[0]!.mean = 1e300;
      run.state.phase1[0]!.sum = 1e300;
      const e = refused(run, values(3), "value", "the third value would end phase I");
      assert.match(e.message, /limits that are not finite numbers/, "names the problem");
      assert.equal(run.state.phase1.length, 2, "phase I did not grow");
      assert.equal(run.state.phase, "I", "still phase I");
    });
  });

  // Review finding 2: no Infinity in outputs or state (it would become null in the JSON store).
  describe("finite outputs and state at the bounds", () => {
    const finiteRun = (run: Run, what: string) => {
      assertFinite([run.results, run.limits, run.alarms], `${what}: outputs`);
      assertFinite(run.state, `${what}: state`);
      assert.deepEqual(roundTrip(run.state), run.state, `${what}: a JSON round trip equals the live state`);
    };

    it("EWMA of subgroups of ±1e100: z = λx̄ + (1 − λ)z₀ stays finite", () => {
      const run = newRun(
        spcConfig({
          chart: "ewma",
          limits: "given",
          givenMean: 10,
          givenSigma: 1,
          rules: [],
          subgroupSize: 2,
        }),
      );
      feed(run, values(1e100, 1e100), values(-1e100, -1e100), values(10, 10));
      close(run.results[0]!.value, 0.2 * 1e100 + 0.8 * 10, 1e-15, "z₁");
      close(run.results[1]!.value, 0.2 * -1e100 + 0.8 * (0.2 * 1e100), 1e-15, "z₂");
      finiteRun(run, "EWMA");
    });

    it("CUSUM with σ̂ = 1e-300 and a value of 1e100: z saturates at 1e250, the sums at 1e300", () => {
      const run = individuals({
        chart: "cusum",
        limits: "given",
        givenMean: 0,
        givenSigma: 1e-300,
        rules: [],
      });
      feed(run, values(1e100), values(1e100));
      // z = 1e100/1e-300 overflows: it is taken as 1e250; C+ = 1e250 − k, then 2e250 − 2k.
      assert.equal(run.results[0]!.value, 1e250, "C+₁");
      assert.equal(run.results[1]!.value, 2e250, "C+₂");
      run.state.cusumHi = 1e300;
      feed(run, values(1e100));
      assert.equal(run.results[2]!.value, 1e300, "a sum at 1e300 stays there");
      assert.deepEqual(
        run.results[2]!.violations.map((v) => v.rule),
        ["cusum-upper"],
        "and signals",
      );
      finiteRun(run, "CUSUM");
    });

    it("attribute charts at the bounds of counts and n, and given limits of 1e100", () => {
      const max = Number.MAX_SAFE_INTEGER;
      const c = newRun(spcConfig({ chart: "c", phase1Points: 2, rules: rulesOn("we-1") }));
      feed(c, count(max), count(max), count(0));
      finiteRun(c, "c chart");
      const u = newRun(spcConfig({ chart: "u", phase1Points: 2, rules: rulesOn("we-1") }));
      feed(u, count(max, 1e-9), count(0, 1e-9), count(max, 1e-9));
      finiteRun(u, "u chart");
      const i = individuals({ lsl: -1e100, usl: 1e100, capabilityWindow: 5 });
      feed(i, command("limits", { mean: 0, sigma: 1e100 }), values(1e100), values(-1e100), values(0));
      finiteRun(i, "I chart with given limits 0 ± 3e100");
    });
  });

  // Review finding 3: a revise or exclude after phase-II points replays phase I for its
  // outOfControl, then the rules, the EWMA and the CUSUM start afresh after the new limits.
  describe("revise and exclude in phase II start the charts afresh", () => {
    it("no phase-I run joins the next phase-II point (we-4)", () => {
      const run = individuals({ phase1Points: 10, rules: rulesOn("we-4") });
      feed(run, ...[-2, -2.5, -2, 1, 1.2, 1, 1.2, 1, 1.2, 1].map((x) => values(x)));
      // x̄ = 1.1/10 = 0.11: points 4..10 above (a run of 7); 11..15 below.
      feed(run, ...[0, 1, 2, 3, 4].map(() => values(-0.5)), command("exclude", { points: [1] }));
      const l = run.limits[1]!;
      close(l.center, 3.1 / 9, 1e-12, "x̄ of points 2..10");
      assert.deepEqual(l.outOfControl, [], "the replay of 2..10 has no 8-run");
      feed(run, ...[0, 1, 2, 3, 4, 5, 6, 7].map(() => values(1)));
      const after = run.results.slice(15);
      assert.deepEqual(
        after.map((r) => r.violations.length),
        [0, 0, 0, 0, 0, 0, 0, 1],
        "points 16..23 above: the run is complete at the 8th",
      );
      assert.deepEqual(after[7]!.violations[0]!.points, [16, 17, 18, 19, 20, 21, 22, 23], "the run 16..23");
    });

    // Phase I 10, 12, 10, …, 12; without point 1: x̄ = (5·12 + 4·10)/9 = 100/9, MR̄ = 2, σ̂ = 2/1.128.
    const ALTERNATING = [10, 12, 10, 12, 10, 12, 10, 12, 10, 12];
    const CENTER = 100 / 9;
    const SIGMA = 2 / D2_QCC_2;

    it("EWMA: after phase-II points, z₀ = x̄ and i = 1 again; at the end of phase I, i continues", () => {
      const ewma = () =>
        individuals({ chart: "ewma", phase1Points: 10, rules: [], ewmaLambda: 0.2, ewmaL: 3 });
      // i = 1: σ_z = σ̂·√(λ/(2 − λ)·[1 − (1 − λ)²]) = σ̂·λ.
      const afresh = ewma();
      feed(afresh, ...ALTERNATING.map((x) => values(x)), values(11), values(11), values(11));
      feed(afresh, command("exclude", { points: [1] }), values(11));
      const r = afresh.results[13]!;
      close(r.value, 0.2 * 11 + 0.8 * CENTER, 1e-12, "z₁ = λx + (1 − λ)x̄");
      close(r.sigma, SIGMA * 0.2, 1e-12, "σ_z at i = 1");
      close(r.ucl, CENTER + 3 * SIGMA * 0.2, 1e-12, "UCL at i = 1");
      // No phase-II point yet (qcc: one series): z runs on from the 9 replayed points, i = 10.
      const carried = ewma();
      feed(carried, ...ALTERNATING.map((x) => values(x)), command("exclude", { points: [1] }), values(11));
      let z = CENTER;
      for (const x of ALTERNATING.slice(1)) z = 0.2 * x + 0.8 * z;
      const c = carried.results[10]!;
      close(c.value, 0.2 * 11 + 0.8 * z, 1e-12, "z₁₀");
      close(c.sigma, SIGMA * Math.sqrt((0.2 / 1.8) * (1 - 0.8 ** 20)), 1e-12, "σ_z at i = 10");
    });

    it("CUSUM: after phase-II points the sums start again at the head start", () => {
      const run = individuals({ chart: "cusum", phase1Points: 10, rules: [], cusumHeadStart: 2.5 });
      feed(run, ...ALTERNATING.map((x) => values(x)), values(20), values(20));
      feed(run, command("exclude", { points: [1] }), values(11));
      // z = (11 − x̄)/σ̂; C+ = max(0, 2.5 + z − 0.5), C− = max(0, 2.5 − z − 0.5).
      const z = (11 - CENTER) / SIGMA;
      const r = run.results[12]!;
      close(r.cusum?.upper, 2 + z, 1e-12, "C+");
      close(r.cusum?.lower, -(2 - z), 1e-12, "C− (as negative)");
      assert.deepEqual(r.violations, [], "no signal carried over from the points of 20");
    });
  });

  // Review finding 4: values of the old process never join the first subgroup of the new one.
  it("rebaseline drops the open subgroup with a subgroup-dropped notice", () => {
    const run = newRun(spcConfig({ phase1Points: 3, rules: [] }));
    feed(run, ...[0, 1, 2].map(() => values(100, 101, 99, 100, 100)), values(100, 101, 100));
    feed(run, command("rebaseline"));
    assert.equal(run.state.open, null, "nothing open");
    assert.equal(run.notices.length, 1, "one notice");
    const notice = run.notices[0]!;
    assert.equal(notice.type, "subgroup-dropped", "type");
    assert.equal(notice.values, 3, "3 values dropped");
    assert.match(notice.text, /the 3 values of the open subgroup were dropped/, "text");
    feed(run, values(10, 10.5), values(9.5, 10, 10));
    const r = run.results[3]!;
    assert.equal(r.seq, 4, "the first point of the new phase I");
    assert.equal(r.n, 5, "of 5 new values");
    close(r.value, 10, 1e-15, "mean of 10, 10.5, 9.5, 10, 10");
    close(r.dispersion?.value, 1, 1e-15, "range 10.5 − 9.5");
  });

  // Review finding 5: a stored state that is discarded leaves no alarm episode active.
  it("clearedAlarmsOf: the cleared alarms of a stored state's active list, [] for junk", () => {
    const given = viscosityConfig({ limits: "given", givenMean: 0, givenSigma: 1, rules: rulesOn("we-1") });
    const run = newRun(given);
    feed(run, values(5));
    const active = run.alarms[0]!;
    assert.equal(active.state, "active", "we-1 at point 1");
    const other = compileSpc({ ...given, phase1Points: 25, limits: "estimate" });
    const stored = roundTrip(run.state);
    assert.equal(restoreSpcState(other, roundTrip(stored)), null, "discarded under the new configuration");
    const cleared = clearedAlarmsOf(other, stored, NOW);
    assert.equal(cleared.length, 1, "one cleared alarm");
    const c = cleared[0]!;
    assert.ok(validate("Alarm", structuredClone(c)).ok, "a valid Alarm");
    assert.deepEqual(
      [c.id, c.state, c.ts, c.severity, c.source],
      [active.id, "cleared", NOW, active.severity, active.source],
      "the active alarm's id, cleared now",
    );
    for (const junk of [null, "junk", [], { active: 5 }, { active: [null, 3, { id: 3 }] }])
      assert.deepEqual(clearedAlarmsOf(other, junk, NOW), [], `nothing for ${JSON.stringify(junk)}`);
    const partial = clearedAlarmsOf(
      other,
      {
        active: [
          { id: "a", rule: "we-1" },
          { id: "a", rule: "we-1" },
          { id: "b", rule: "x", severity: "low" },
        ],
      },
      NOW,
    );
    assert.deepEqual(
      partial.map((a) => [a.id, a.severity]),
      [
        ["a", "high"],
        ["b", "low"],
      ],
      "each id once; a missing severity is the rule's",
    );
  });

  describe("the usual within sigma estimator of a chart (STANDARDS.md 3.2 table)", () => {
    const table: Array<[SpcConfig["chart"], number, SpcConfig["estimator"]]> = [
      ["xbar-r", 5, "rbar-d2"], // σ̂ = R̄/d2
      ["xbar-s", 10, "sbar-c4"], // σ̂ = s̄/c4
      ["i-mr", 1, "mrbar-d2"], // σ̂ = MR̄/d2(2)
      ["ewma", 1, "mrbar-d2"],
      ["ewma", 5, "rbar-d2"],
      ["cusum", 1, "mrbar-d2"],
      ["cusum", 4, "rbar-d2"],
    ];
    for (const [chart, n, expected] of table) {
      it(`${chart} with n = ${n}: ${expected}, a configuration checkSpcConfig accepts`, () => {
        const estimator = usualEstimator(chart, n);
        assert.equal(estimator, expected);
        const config = spcConfig({ chart, subgroupSize: n, estimator, subgroupBy: "count" });
        assert.deepEqual(checkSpcConfig(config), [], "accepted");
      });
    }
  });
});
