/**
 * The naive baselines of the SPC benchmark (bench/spc.ts): an individuals (I-MR) chart with the
 * Nelson rules written plainly, as a user would. Both keep the last `windowSize` values in an
 * array (push + shift) and evaluate every rule from scratch for every new value:
 *
 * - "rescan": the way a user ports qcc's `R/rules.R` to JavaScript: every rule over the whole
 *   window exactly as qcc does over the whole vector of statistics (condition vectors with map,
 *   run lengths by scanning, k-of-m windows by slicing), then whether the newest point is among
 *   the flagged ones;
 * - "tail": the more economical hand-written form: each rule looks only at the slice of the last
 *   points it needs (`w.slice(-9).every(...)` and the like).
 *
 * Limits: frozen after the first `phase1Points` values, x̄ ± 3·MR̄/d2(2) (STANDARDS.md 3.2), and
 * the MR chart's UCL = D4(2)·MR̄ = MR̄ + 3·d3(2)·MR̄/d2(2) for "dispersion-1". Rule semantics as
 * STANDARDS.md 3.3 / qcc: "beyond" strict, 1σ-"within" inclusive, runs flag every point from
 * the one completing the run to its end, a tie breaks a trend and an alternation, the window
 * spans phase I and phase II (qcc rules run over c(statistics, newstats)).
 * No rule evaluation for phase-I points (the benchmark compares phase II).
 */

/** d2(2) = 2/√π and d3(2) = √(2 − 4/π), exact (the range of two standard normals). */
export const D2_2 = 2 / Math.sqrt(Math.PI);
export const D3_2 = Math.sqrt(2 - 4 / Math.PI);

export interface NaiveLimits {
  cl: number;
  sigma: number;
  ucl: number;
  lcl: number;
  mrBar: number;
  mrUcl: number;
}

/** Indices flagged by a run rule (qcc qccRulesViolatingRun): every point from the run's `length`-th on. */
function runViolators(condition: boolean[], length: number): number[] {
  const out: number[] = [];
  let run = 0;
  for (let i = 0; i < condition.length; i++) {
    run = condition[i] ? run + 1 : 0;
    if (run >= length) out.push(i);
  }
  return out;
}

/** Indices flagged by a k-of-m rule (qcc WER2): `count` of `length` beyond, the last point itself beyond. */
function kOfMViolators(beyond: boolean[], count: number, length: number): number[] {
  const out: number[] = [];
  for (let end = length - 1; end < beyond.length; end++) {
    const window = beyond.slice(end - length + 1, end + 1);
    if (window[window.length - 1] && window.filter((b) => b).length >= count) out.push(end);
  }
  return out;
}

export class NaiveIndividualsChart {
  readonly window: number[] = [];
  readonly phase1: number[] = [];
  limits: NaiveLimits | null = null;
  /** Sequence number of the last value (1 = the first). */
  seq = 0;

  constructor(
    private readonly phase1Points: number,
    private readonly windowSize: number,
    /** Rule ids to evaluate: "nelson-1".."nelson-8", "dispersion-1". */
    private readonly rules: ReadonlySet<string>,
    private readonly mode: "rescan" | "tail" = "rescan",
  ) {
    if (windowSize < 15) throw new Error("the window must hold the longest rule, 15 points");
  }

  /** Adds a value; returns the rules the newest point violates (phase II), lowest first. */
  add(x: number): string[] {
    this.seq++;
    const w = this.window;
    w.push(x);
    if (w.length > this.windowSize) w.shift();
    if (this.limits === null) {
      this.phase1.push(x);
      if (this.phase1.length === this.phase1Points) this.limits = estimate(this.phase1);
      return [];
    }
    return this.mode === "rescan" ? this.rescan(this.limits) : this.tail(x, this.limits);
  }

  /** Every rule over the whole window, qcc-style; is the newest point flagged? */
  private rescan({ cl, sigma, ucl, lcl, mrUcl }: NaiveLimits): string[] {
    const w = this.window;
    const last = w.length - 1;
    const fired: string[] = [];
    const has = (id: string, flagged: number[]) => {
      if (flagged.includes(last)) fired.push(id);
    };
    // Nelson 1: beyond the control limits.
    if (this.rules.has("nelson-1")) {
      has(
        "nelson-1",
        w.map((v, i) => (v > ucl || v < lcl ? i : -1)).filter((i) => i >= 0),
      );
    }
    // Nelson 2: nine in a row on one side of the centre line.
    if (this.rules.has("nelson-2")) {
      has("nelson-2", [
        ...runViolators(
          w.map((v) => v > cl),
          9,
        ),
        ...runViolators(
          w.map((v) => v < cl),
          9,
        ),
      ]);
    }
    const diffs = w.slice(1).map((v, i) => v - (w[i] as number));
    // Nelson 3: six points in a row increasing or decreasing = five differences of one sign.
    if (this.rules.has("nelson-3")) {
      has(
        "nelson-3",
        [
          ...runViolators(
            diffs.map((d) => d > 0),
            5,
          ),
          ...runViolators(
            diffs.map((d) => d < 0),
            5,
          ),
        ].map((i) => i + 1),
      );
    }
    // Nelson 4: fourteen points alternating up and down = twelve sign changes of the differences.
    if (this.rules.has("nelson-4")) {
      const alternating = diffs.slice(1).map((d, i) => d * (diffs[i] as number) < 0);
      has(
        "nelson-4",
        runViolators(alternating, 12).map((i) => i + 2),
      );
    }
    // Nelson 5: two of three beyond 2σ on the same side; Nelson 6: four of five beyond 1σ.
    if (this.rules.has("nelson-5")) {
      has("nelson-5", [
        ...kOfMViolators(
          w.map((v) => v > cl + 2 * sigma),
          2,
          3,
        ),
        ...kOfMViolators(
          w.map((v) => v < cl - 2 * sigma),
          2,
          3,
        ),
      ]);
    }
    if (this.rules.has("nelson-6")) {
      has("nelson-6", [
        ...kOfMViolators(
          w.map((v) => v > cl + sigma),
          4,
          5,
        ),
        ...kOfMViolators(
          w.map((v) => v < cl - sigma),
          4,
          5,
        ),
      ]);
    }
    // Nelson 7: fifteen in a row within 1σ (inclusive).
    if (this.rules.has("nelson-7")) {
      has(
        "nelson-7",
        runViolators(
          w.map((v) => v >= cl - sigma && v <= cl + sigma),
          15,
        ),
      );
    }
    // Nelson 8: eight in a row beyond 1σ, with points on both sides.
    if (this.rules.has("nelson-8")) {
      const above = w.map((v) => v > cl + sigma);
      const below = w.map((v) => v < cl - sigma);
      const flagged: number[] = [];
      for (let end = 7; end < w.length; end++) {
        const a = above.slice(end - 7, end + 1);
        const b = below.slice(end - 7, end + 1);
        if (a.every((x, i) => x || b[i]) && a.some((x) => x) && b.some((x) => x)) flagged.push(end);
      }
      has("nelson-8", flagged);
    }
    // The moving range beyond the MR chart's UCL.
    if (this.rules.has("dispersion-1")) {
      const mr = diffs.map((d) => Math.abs(d));
      has(
        "dispersion-1",
        mr.map((r, i) => (r > mrUcl ? i + 1 : -1)).filter((i) => i >= 0),
      );
    }
    return fired;
  }

  /** Every rule over the slice of the last points it needs. */
  private tail(x: number, { cl, sigma, ucl, lcl, mrUcl }: NaiveLimits): string[] {
    const w = this.window;
    const fired: string[] = [];
    if (this.rules.has("nelson-1") && (x > ucl || x < lcl)) fired.push("nelson-1");
    if (this.rules.has("nelson-2")) {
      const last = w.slice(-9);
      if (last.length === 9 && (last.every((v) => v > cl) || last.every((v) => v < cl)))
        fired.push("nelson-2");
    }
    if (this.rules.has("nelson-3")) {
      const last = w.slice(-6);
      const up = last.every((v, i) => i === 0 || v > (last[i - 1] as number));
      const down = last.every((v, i) => i === 0 || v < (last[i - 1] as number));
      if (last.length === 6 && (up || down)) fired.push("nelson-3");
    }
    if (this.rules.has("nelson-4")) {
      const last = w.slice(-14);
      const d = last.slice(1).map((v, i) => v - (last[i] as number));
      if (last.length === 14 && d.every((v, i) => i === 0 || v * (d[i - 1] as number) < 0))
        fired.push("nelson-4");
    }
    if (this.rules.has("nelson-5")) {
      const last = w.slice(-3);
      const above = last.filter((v) => v > cl + 2 * sigma).length;
      const below = last.filter((v) => v < cl - 2 * sigma).length;
      if (last.length === 3 && ((x > cl + 2 * sigma && above >= 2) || (x < cl - 2 * sigma && below >= 2)))
        fired.push("nelson-5");
    }
    if (this.rules.has("nelson-6")) {
      const last = w.slice(-5);
      const above = last.filter((v) => v > cl + sigma).length;
      const below = last.filter((v) => v < cl - sigma).length;
      if (last.length === 5 && ((x > cl + sigma && above >= 4) || (x < cl - sigma && below >= 4)))
        fired.push("nelson-6");
    }
    if (this.rules.has("nelson-7")) {
      const last = w.slice(-15);
      if (last.length === 15 && last.every((v) => v >= cl - sigma && v <= cl + sigma)) fired.push("nelson-7");
    }
    if (this.rules.has("nelson-8")) {
      const last = w.slice(-8);
      if (
        last.length === 8 &&
        last.every((v) => v > cl + sigma || v < cl - sigma) &&
        last.some((v) => v > cl + sigma) &&
        last.some((v) => v < cl - sigma)
      )
        fired.push("nelson-8");
    }
    if (this.rules.has("dispersion-1") && w.length >= 2 && Math.abs(x - (w[w.length - 2] as number)) > mrUcl)
      fired.push("dispersion-1");
    return fired;
  }
}

/** Phase-I estimate of an individuals chart: x̄, MR̄/d2(2), limits at 3σ; MR chart UCL D4(2)·MR̄. */
export function estimate(values: readonly number[]): NaiveLimits {
  let sum = 0;
  for (const v of values) sum += v;
  const cl = sum / values.length;
  let mrSum = 0;
  for (let i = 1; i < values.length; i++)
    mrSum += Math.abs((values[i] as number) - (values[i - 1] as number));
  const mrBar = mrSum / (values.length - 1);
  const sigma = mrBar / D2_2;
  return {
    cl,
    sigma,
    ucl: cl + 3 * sigma,
    lcl: cl - 3 * sigma,
    mrBar,
    mrUcl: mrBar + 3 * D3_2 * sigma,
  };
}
