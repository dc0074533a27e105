/**
 * Deterministic individual measurements for the SPC benchmark (bench/spc.ts): a quality
 * characteristic (e.g. a fill volume, mean 10.000, sigma 0.050, read to 3 decimals like a gauge
 * with 1/50 sigma resolution) that is in control most of the time, with special-cause episodes
 * mixed in at random so that every Nelson rule fires at a realistic rate:
 *
 * - outlier:         one point 3.5..5 sigma away (rule 1);
 * - shift:           the mean moves 0.8..2.5 sigma for 15..120 points (rules 2, 5, 6, 1);
 * - trend:           the mean drifts 0.15..0.4 sigma per point for 8..30 points, then jumps back (rule 3);
 * - stratification:  the spread falls to a quarter for 20..50 points (rule 7);
 * - mixture:         points alternate between two levels 1.6..2.4 sigma either side (rule 8, also 4);
 * - overadjustment:  a saw-tooth of 0.6..1.2 sigma around the mean for 16..30 points (rule 4).
 *
 * Between episodes the process is in control for 30 + an exponential (mean 570) points; the first
 * `inControl` points (at least phase I) are always in control. From a seeded PRNG
 * (oee-samples.ts `mulberry32`), so every contender of a run sees exactly the same values.
 */
import { mulberry32 } from "./oee-samples";

export interface StreamOptions {
  seed: number;
  mean: number;
  sigma: number;
  /** Decimals the values are rounded to (the gauge's resolution). */
  decimals: number;
  /** The first values are in control (phase I must be). */
  inControl: number;
}

export const EPISODES = ["outlier", "shift", "trend", "stratification", "mixture", "overadjustment"] as const;
export type Episode = (typeof EPISODES)[number];

/** Cumulative probabilities of the episode kinds, in EPISODES order. */
const EPISODE_CDF = [0.25, 0.55, 0.7, 0.8, 0.9, 1];

export interface StreamTruth {
  values: number;
  /** Episodes begun, by kind, and points inside an episode. */
  episodes: Record<Episode, number>;
  specialPoints: number;
}

export class ValueStream {
  readonly truth: StreamTruth = {
    values: 0,
    episodes: { outlier: 0, shift: 0, trend: 0, stratification: 0, mixture: 0, overadjustment: 0 },
    specialPoints: 0,
  };
  private readonly rand: () => number;
  private readonly scale: number;
  private spare: number | null = null;
  /** Points left in the current stretch; the stretch's kind ("in-control" between episodes). */
  private left: number;
  private kind: Episode | "in-control" = "in-control";
  private offset = 0;
  private step = 0;
  private spread = 1;
  private sign = 1;

  constructor(private readonly o: StreamOptions) {
    this.rand = mulberry32(o.seed);
    this.scale = 10 ** o.decimals;
    this.left = Math.max(o.inControl, this.quietLength());
  }

  private between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.rand();
  }

  private int(lo: number, hi: number): number {
    return Math.floor(this.between(lo, hi + 1));
  }

  /** A standard normal deviate (Box-Muller, both values used). */
  private normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = this.rand();
    while (u <= 0) u = this.rand();
    const r = Math.sqrt(-2 * Math.log(u));
    const t = 2 * Math.PI * this.rand();
    this.spare = r * Math.sin(t);
    return r * Math.cos(t);
  }

  private quietLength(): number {
    return 30 + Math.round(-Math.log(1 - this.rand()) * 570);
  }

  private begin(): void {
    if (this.kind !== "in-control") {
      this.kind = "in-control";
      this.left = this.quietLength();
      this.offset = 0;
      this.step = 0;
      this.spread = 1;
      return;
    }
    const u = this.rand();
    const kind = EPISODES[EPISODE_CDF.findIndex((p) => u < p)] ?? "shift";
    this.kind = kind;
    this.truth.episodes[kind]++;
    this.sign = this.rand() < 0.5 ? -1 : 1;
    this.offset = 0;
    this.step = 0;
    this.spread = 1;
    switch (kind) {
      case "outlier":
        this.left = 1;
        this.offset = this.sign * this.between(3.5, 5);
        this.spread = 0.2;
        break;
      case "shift":
        this.left = this.int(15, 120);
        this.offset = this.sign * this.between(0.8, 2.5);
        break;
      case "trend":
        this.left = this.int(8, 30);
        this.step = this.sign * this.between(0.15, 0.4);
        break;
      case "stratification":
        this.left = this.int(20, 50);
        this.spread = 0.25;
        break;
      case "mixture":
        this.left = this.int(10, 25);
        this.offset = this.between(1.6, 2.4);
        this.spread = 0.3;
        break;
      case "overadjustment":
        this.left = this.int(16, 30);
        this.offset = this.between(0.6, 1.2);
        this.spread = 0.2;
        break;
    }
  }

  /** The next value. */
  next(): number {
    while (this.left <= 0) this.begin();
    this.left--;
    let z: number;
    switch (this.kind) {
      case "trend":
        this.offset += this.step;
        z = this.offset + this.normal() * 0.3;
        break;
      case "mixture":
      case "overadjustment":
        this.sign = -this.sign;
        z = this.sign * this.offset + this.normal() * this.spread;
        break;
      default:
        z = this.offset + this.normal() * this.spread;
    }
    if (this.kind !== "in-control") this.truth.specialPoints++;
    this.truth.values++;
    const x = this.o.mean + z * this.o.sigma;
    return Math.round(x * this.scale) / this.scale;
  }
}

/** `count` values of a fresh stream, and what it made. */
export function generateValues(
  o: StreamOptions,
  count: number,
): { values: Float64Array; truth: StreamTruth } {
  const stream = new ValueStream(o);
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) values[i] = stream.next();
  return { values, truth: stream.truth };
}
