/**
 * Process capability and performance indices (STANDARDS.md 3.4, AIAG SPC / ISO 22514-2 as in qcc
 * processCapability), the standard normal CDF, and the rolling capability window of SpcResult.
 */
import type { SpcCapability } from "../types";
import { c4, D2_MAX_N, d2 } from "./constants";
import type { ConstantsTable, SigmaEstimator, SubgroupStats } from "./types";

// ---------------------------------------------------------------------------------------------
// The standard normal CDF.

const INV_SQRT_2PI = 0.3989422804014327; // 1/√(2π), nearest double

/**
 * φ(x) = exp(−x²/2)/√(2π) without the rounding error of x² in the exponent: x = xs + d with
 * xs = trunc(16x)/16 (xs² exact in double), x² = xs² + d(x + xs) (the splitting of W. J. Cody's
 * CALERF, Math. Comp. 1969 / ACM TOMS 715).
 */
function normalPdf(x: number): number {
  const xs = Math.trunc(x * 16) / 16;
  const d = x - xs;
  return INV_SQRT_2PI * Math.exp(-0.5 * xs * xs) * Math.exp(-0.5 * d * (x + xs));
}

/**
 * Φ(x), the standard normal CDF, accurate to a few units in the last place in both tails:
 * - |x| < 1: Φ(x) = ½ + φ(x)·Σ_k x^(2k+1)/(1·3·5···(2k+1)) (the series of Marsaglia, "Evaluating
 *   the normal distribution", J. Stat. Softw. 11(4), 2004; all terms of one sign, the cancellation
 *   against ½ for x < 0 costs less than half a digit here);
 * - |x| >= 1: the upper tail Q(t) = Φ(−t) = φ(t)·R(t), t = |x|, with Mills' ratio R from
 *   Laplace's continued fraction R(t) = 1/(t + 1/(t + 2/(t + 3/(t + …)))) evaluated backwards with
 *   N = 10 + 500/t² terms (at least 20% more than the number that reaches 1.2e-16 relative against
 *   mpmath, checked for t = 0.8..30); Φ(x) = Q(−x) for x < 0 and 1 − Q(x) for x > 0.
 * Measured against mpmath (30 digits) at 4,600 points of step 0.01 in [−37, 9]: at most 7.3e-16 relative.
 * Underflows to 0 below x ≈ −38.5. NaN for NaN.
 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const t = x < 0 ? -x : x;
  if (t < 1) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let k = 3; term !== 0 && Math.abs(term) > 1e-17 * Math.abs(sum); k += 2) {
      term *= x2 / k;
      sum += term;
    }
    return 0.5 + normalPdf(x) * sum;
  }
  let q: number;
  if (t > 40) q = 0;
  else {
    const nTerms = Math.ceil(10 + 500 / (t * t));
    let r = t;
    for (let k = nTerms; k >= 1; k--) r = t + k / r;
    q = normalPdf(t) / r;
  }
  return x < 0 ? q : 1 - q;
}

// ---------------------------------------------------------------------------------------------
// Capability indices.

export interface CapabilityInput {
  /** Grand mean of the single values. */
  mean: number;
  /** Within sigma (the estimator's); null or <= 0: the within indices are null. */
  sigmaWithin: number | null;
  /** Overall sigma (sample SD, no c4); null or <= 0: the performance indices are null. */
  sigmaOverall: number | null;
  /** Number of single values. */
  values: number;
  lsl: number | null;
  usl: number | null;
  /** Target for Cpm/Ppm; null = (LSL + USL)/2 when both limits are set. */
  target: number | null;
  estimator: SigmaEstimator;
}

function usable(sigma: number | null): sigma is number {
  return sigma !== null && sigma > 0 && Number.isFinite(sigma);
}

/**
 * Capability (within sigma) and performance (overall sigma) indices, STANDARDS.md 3.4 and qcc
 * processCapability:
 * Cp = (USL − LSL)/6σw; Cpu = (USL − mean)/3σw; Cpl = (mean − LSL)/3σw; Cpk = min(Cpu, Cpl);
 * Cpm = Cp/√(1 + ((mean − T)/σw)²) with T = target, default (LSL + USL)/2; Pp, Ppu, Ppl, Ppk, Ppm the
 * same with σo. One-sided specification: Cp, Cpm, Pp, Ppm null and Cpk/Ppk the available side.
 * Expected fractions (0..1) from the normal model with the WITHIN sigma, as qcc processCapability
 * (spc-vectors.json piston_capability_73.99_74.01: expected_pct_below_LSL 12.6695 % =
 * 100·Φ((LSL − mean)/σw); with σo it would be 13.35 %): Φ((LSL − mean)/σw) and
 * Φ(−(USL − mean)/σw) (not 1 − Φ, for accuracy in the tail). An unusable sigma (null, 0, negative)
 * makes every index that needs it null.
 */
export function capability(input: CapabilityInput): SpcCapability {
  const { mean, lsl, usl } = input;
  const sw = usable(input.sigmaWithin) ? input.sigmaWithin : null;
  const so = usable(input.sigmaOverall) ? input.sigmaOverall : null;
  const target = input.target !== null ? input.target : lsl !== null && usl !== null ? (lsl + usl) / 2 : null;
  const both = lsl !== null && usl !== null;

  const cp = both && sw !== null ? (usl - lsl) / (6 * sw) : null;
  const cpu = usl !== null && sw !== null ? (usl - mean) / (3 * sw) : null;
  const cpl = lsl !== null && sw !== null ? (mean - lsl) / (3 * sw) : null;
  const cpk = minOf(cpu, cpl);
  const cpm =
    cp !== null && target !== null && sw !== null ? cp / Math.sqrt(1 + ((mean - target) / sw) ** 2) : null;

  const pp = both && so !== null ? (usl - lsl) / (6 * so) : null;
  const ppu = usl !== null && so !== null ? (usl - mean) / (3 * so) : null;
  const ppl = lsl !== null && so !== null ? (mean - lsl) / (3 * so) : null;
  const ppk = minOf(ppu, ppl);
  const ppm =
    pp !== null && target !== null && so !== null ? pp / Math.sqrt(1 + ((mean - target) / so) ** 2) : null;

  return {
    cp,
    cpk,
    cpm,
    pp,
    ppk,
    sigmaWithin: input.sigmaWithin,
    sigmaOverall: input.sigmaOverall,
    estimator: input.estimator,
    cpu,
    cpl,
    ppu,
    ppl,
    ppm,
    mean,
    values: input.values,
    lsl,
    usl,
    target,
    expectedBelowLsl: lsl !== null && sw !== null ? normalCdf((lsl - mean) / sw) : null,
    expectedAboveUsl: usl !== null && sw !== null ? normalCdf(-(usl - mean) / sw) : null,
  };
}

function minOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return a < b ? a : b;
}

// ---------------------------------------------------------------------------------------------
// The rolling capability window.

/**
 * The last `size` points (subgroups) for the capability of each SpcResult: a ring buffer of the
 * points' n, mean, ss, range and sd, plus running sums, so adding a point is O(1) (amortised:
 * every `size` additions all sums are recomputed from the ring so rounding drift never
 * accumulates, and the reference K is re-chosen as the window's grand mean). Plain JSON (it is
 * persisted in the Node-RED context store); memory = 5·size numbers.
 */
export interface CapabilityWindow {
  /** Capacity in points. */
  size: number;
  /** Points in the ring (<= size). */
  count: number;
  /** Ring index where the next point goes (the oldest point when the ring is full). */
  head: number;
  /** Additions since the sums were last recomputed from the ring. */
  sinceRecompute: number;
  /** The d2 table the R/d2 sums were built with. */
  table: ConstantsTable;
  /** The ring: per point n, mean, ss, range, sd. */
  n: number[];
  mean: number[];
  ss: number[];
  range: number[];
  sd: number[];
  /** Reference of the shifted sums (about the window's grand mean at the last recompute). */
  ref: number;
  /** Σn (single values). */
  sumN: number;
  /** Σn·(mean − ref). */
  sumDev: number;
  /** Σ[ss + n·(mean − ref)²]. */
  sumSq: number;
  /** Σ(mean − ref) and Σ(mean − ref)² over the points (unweighted: the sd-c4 estimator). */
  sumM: number;
  sumM2: number;
  /** Σ R/d2(n) and the number of points with n >= 2 (rbar-d2). */
  sumRd2: number;
  countR: number;
  /** Σ s/c4(n) over the points with n >= 2 (sbar-c4; same count as countR). */
  sumSc4: number;
  /** Σ|mean_i − mean_(i−1)| over consecutive points in the window (mrbar-d2). */
  sumMr: number;
}

/** An empty window of `size` points (integer >= 1, RangeError otherwise). */
export function newCapabilityWindow(size: number): CapabilityWindow {
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new RangeError(`capability window: size ${size} is not an integer >= 1`);
  }
  return {
    size,
    count: 0,
    head: 0,
    sinceRecompute: 0,
    table: "exact",
    n: new Array<number>(size).fill(0),
    mean: new Array<number>(size).fill(0),
    ss: new Array<number>(size).fill(0),
    range: new Array<number>(size).fill(0),
    sd: new Array<number>(size).fill(0),
    ref: 0,
    sumN: 0,
    sumDev: 0,
    sumSq: 0,
    sumM: 0,
    sumM2: 0,
    sumRd2: 0,
    countR: 0,
    sumSc4: 0,
    sumMr: 0,
  };
}

/** Ring index of the i-th oldest point (i = 0 the oldest). */
function ringIndex(win: CapabilityWindow, i: number): number {
  const k = win.head - win.count + i;
  return k < 0 ? k + win.size : k;
}

/** Recompute every sum from the ring (chronological order), K = the window's grand mean. */
function recompute(win: CapabilityWindow, table: ConstantsTable): void {
  win.table = table;
  win.sinceRecompute = 0;
  let sumN = 0;
  let wsum = 0;
  for (let i = 0; i < win.count; i++) {
    const j = ringIndex(win, i);
    sumN += win.n[j]!;
    wsum += win.n[j]! * win.mean[j]!;
  }
  const ref = sumN > 0 ? wsum / sumN : 0;
  let sumDev = 0;
  let sumSq = 0;
  let sumM = 0;
  let sumM2 = 0;
  let sumRd2 = 0;
  let countR = 0;
  let sumSc4 = 0;
  let sumMr = 0;
  let prev = 0;
  for (let i = 0; i < win.count; i++) {
    const j = ringIndex(win, i);
    const n = win.n[j]!;
    const mean = win.mean[j]!;
    const dev = mean - ref;
    sumDev += n * dev;
    sumSq += win.ss[j]! + n * dev * dev;
    sumM += dev;
    sumM2 += dev * dev;
    if (n >= 2) {
      sumRd2 += rOverD2(win.range[j]!, n, table);
      sumSc4 += win.sd[j]! / c4(n);
      countR++;
    }
    if (i > 0) sumMr += Math.abs(mean - prev);
    prev = mean;
  }
  win.ref = ref;
  win.sumN = sumN;
  win.sumDev = sumDev;
  win.sumSq = sumSq;
  win.sumM = sumM;
  win.sumM2 = sumM2;
  win.sumRd2 = sumRd2;
  win.countR = countR;
  win.sumSc4 = sumSc4;
  win.sumMr = sumMr;
}

/**
 * Add one point to the window (the oldest leaves when it is full). `table` is the d2 table of the
 * rbar-d2 sums (points with n > 25 add 0 to them); a different table from the
 * last call rebuilds the sums. O(1), except the recompute every `size` additions (O(size)).
 */
export function addToWindow(win: CapabilityWindow, s: SubgroupStats, table: ConstantsTable): void {
  const size = win.size;
  if (win.count === 0) {
    // Empty window: start the sums afresh about this point's mean.
    win.ref = s.mean;
    win.sumN = win.sumDev = win.sumSq = win.sumM = win.sumM2 = win.sumRd2 = win.sumSc4 = win.sumMr = 0;
    win.countR = 0;
    win.sinceRecompute = 0;
  }
  const ref = win.ref;
  if (win.count === size) {
    // Evict the oldest point (at head) and the moving range between it and the next one.
    const j = win.head;
    const n = win.n[j]!;
    const mean = win.mean[j]!;
    const dev = mean - ref;
    win.sumN -= n;
    win.sumDev -= n * dev;
    win.sumSq -= win.ss[j]! + n * dev * dev;
    win.sumM -= dev;
    win.sumM2 -= dev * dev;
    if (n >= 2) {
      win.sumRd2 -= rOverD2(win.range[j]!, n, win.table);
      win.sumSc4 -= win.sd[j]! / c4(n);
      win.countR--;
    }
    if (size > 1) {
      const next = j + 1 === size ? 0 : j + 1;
      win.sumMr -= Math.abs(win.mean[next]! - mean);
    }
    win.count--;
  }
  const j = win.head;
  const n = s.n;
  const mean = s.mean;
  if (win.count > 0) {
    const last = j === 0 ? size - 1 : j - 1;
    win.sumMr += Math.abs(mean - win.mean[last]!);
  }
  win.n[j] = n;
  win.mean[j] = mean;
  win.ss[j] = s.ss;
  win.range[j] = s.range;
  win.sd[j] = s.sd;
  win.head = j + 1 === size ? 0 : j + 1;
  win.count++;
  const dev = mean - ref;
  win.sumN += n;
  win.sumDev += n * dev;
  win.sumSq += s.ss + n * dev * dev;
  win.sumM += dev;
  win.sumM2 += dev * dev;
  if (n >= 2) {
    win.sumRd2 += rOverD2(s.range, n, win.table);
    win.sumSc4 += s.sd / c4(n);
    win.countR++;
  }
  win.sinceRecompute++;
  if (win.sinceRecompute >= size || table !== win.table) recompute(win, table);
}

/**
 * Capability of the points in the window (STANDARDS.md 3.4) with the within sigma of `estimator`
 * over those points, exactly as estimateSigma would compute it over the same points (rbar-d2:
 * mean of R/d2(n); sbar-c4: mean of s/c4(n); mrbar-d2: mean moving range between consecutive
 * window points / d2(2, table); sd-c4: SD of the point means / c4(count)), the overall sigma as
 * overallSd and the grand mean weighted by n. null with fewer than 2 single values or when the
 * estimator has no data (no point with n >= 2, or fewer than 2 points for mrbar-d2 and sd-c4).
 */
export function windowCapability(
  win: CapabilityWindow,
  estimator: SigmaEstimator,
  spec: { lsl: number | null; usl: number | null; target: number | null },
  table: ConstantsTable,
): SpcCapability | null {
  const total = win.sumN;
  if (win.count === 0 || total < 2) return null;
  let sigmaWithin: number | null;
  switch (estimator) {
    case "rbar-d2":
      if (win.countR === 0) return null;
      sigmaWithin = win.table === table ? win.sumRd2 / win.countR : sumRd2Over(win, table) / win.countR;
      break;
    case "sbar-c4":
      if (win.countR === 0) return null;
      sigmaWithin = win.sumSc4 / win.countR;
      break;
    case "mrbar-d2":
      if (win.count < 2) return null;
      sigmaWithin = win.sumMr / (win.count - 1) / d2(2, table);
      break;
    case "sd-c4": {
      const m = win.count;
      if (m < 2) return null;
      const ssm = win.sumM2 - (win.sumM * win.sumM) / m;
      sigmaWithin = Math.sqrt(Math.max(0, ssm) / (m - 1)) / c4(m);
      break;
    }
  }
  const tss = win.sumSq - (win.sumDev * win.sumDev) / total;
  const sigmaOverall = Math.sqrt(Math.max(0, tss) / (total - 1));
  return capability({
    mean: win.ref + win.sumDev / total,
    sigmaWithin,
    sigmaOverall,
    values: total,
    lsl: spec.lsl,
    usl: spec.usl,
    target: spec.target,
    estimator,
  });
}

/**
 * R/d2(n) of one point for the rbar-d2 sums. d2 is tabulated to n = 25 (an R chart's largest
 * subgroup, checked by the configuration); a larger subgroup (an S chart's) adds 0: its window is
 * never asked for rbar-d2.
 */
function rOverD2(range: number, n: number, table: ConstantsTable): number {
  return n <= D2_MAX_N ? range / d2(n, table) : 0;
}

/** Σ R/d2(n) with another table than the window's sums (a one-off O(size) pass). */
function sumRd2Over(win: CapabilityWindow, table: ConstantsTable): number {
  let sum = 0;
  for (let i = 0; i < win.count; i++) {
    const j = ringIndex(win, i);
    const n = win.n[j]!;
    if (n >= 2) sum += rOverD2(win.range[j]!, n, table);
  }
  return sum;
}
