/**
 * Process capability and performance indices (STANDARDS.md 3.4, AIAG SPC / ISO 22514-2 as in qcc
 * processCapability), the standard normal CDF, and the rolling capability window of SpcResult.
 */
import type { SpcCapability } from "../types";
import { c4, D2_MAX_N, d2 } from "./constants";
import type { ConstantsTable, SigmaEstimator, SubgroupStats } from "./types";

// ---------------------------------------------------------------------------------------------
// The standard normal CDF.

// W. J. Cody, "Algorithm 715: SPECFUN", ACM TOMS 19(1), 1993, function ANORM (netlib specfun,
// latest modification March 15, 1992): rational Chebyshev approximations of Φ (W. J. Cody,
// "Rational Chebyshev approximations for the error function", Math. Comp. 23, 1969, 631–637,
// rescaled for the normal distribution), at least 18 significant digits in each interval. The
// coefficients are ANORM's (20 digits) written as the doubles they read as (the shortest literal).
const A0 = 2.2352520354606837;
const A1 = 161.02823106855587;
const A2 = 1067.6894854603709;
const A3 = 18154.98125334356;
const A4 = 0.06568233791820745;
const B0 = 47.202581904688245;
const B1 = 976.0985517377767;
const B2 = 10260.932208618979;
const B3 = 45507.78933502673;
const C0 = 0.39894151208813466;
const C1 = 8.883149794388377;
const C2 = 93.50665613217785;
const C3 = 597.2702763948002;
const C4 = 2494.5375852903726;
const C5 = 6848.190450536283;
const C6 = 11602.65143764735;
const C7 = 9842.714838383978;
const C8 = 1.0765576773720192e-8;
const D0 = 22.266688044328117;
const D1 = 235.387901782625;
const D2 = 1519.3775994075547;
const D3 = 6485.558298266761;
const D4 = 18615.571640885097;
const D5 = 34900.95272114598;
const D6 = 38912.00328609327;
const D7 = 19685.429676859992;
const P0 = 0.215898534057957;
const P1 = 0.12740116116024736;
const P2 = 0.022235277870649807;
const P3 = 0.0014216191932278934;
const P4 = 0.000029112874951168793;
const P5 = 0.023073441764940174;
const Q0 = 1.284260096144911;
const Q1 = 0.4682382124808651;
const Q2 = 0.06598813786892856;
const Q3 = 0.0037823963320275824;
const Q4 = 0.00007297515550839662;
/** 1/√(2π), √32 as ANORM has it (the switch between two valid approximations), THRSH (Φ ≈ 0.75). */
const SQRPI = 0.3989422804014327;
const ROOT32 = 5.656854248;
const THRSH = 0.66291;
/** Below XLOW Φ underflows to 0 (ANORM's IEEE double constant). */
const XLOW = -37.519;

/**
 * exp(−y²/2) without the rounding error of y² in the exponent: y = ys + d with ys = trunc(16y)/16
 * (ys² exact in double), y² = ys² + d(y + ys) (ANORM's splitting).
 */
function gaussTail(y: number): number {
  const ys = Math.trunc(y * 16) / 16;
  const del = (y - ys) * (y + ys);
  return Math.exp(-ys * ys * 0.5) * Math.exp(-del * 0.5);
}

/**
 * Φ(x), the standard normal CDF, at fixed cost (no loop that depends on x): W. J. Cody's ANORM
 * (ACM TOMS 715), the sibling of CALERF for the normal distribution: a rational function of x²
 * for |x| <= 0.66291, of |x| for |x| <= √32 and of 1/x² beyond, times exp(−x²/2) computed as
 * above; the smaller tail is computed directly, Φ(x) = 1 − Q(x) for x > 0 (Φ(x) for x < 0 keeps
 * its full relative accuracy down to the underflow). Measured against mpmath (30 digits) on
 * [−37.5, 8.5]: a few units in the last place (test/lib/spc-capability.test.ts). 0 below
 * x = −37.519, 1 above 8.572, NaN for NaN.
 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const y = x < 0 ? -x : x;
  if (y <= THRSH) {
    const xsq = x * x;
    const num = (((A4 * xsq + A0) * xsq + A1) * xsq + A2) * xsq + A3;
    const den = (((xsq + B0) * xsq + B1) * xsq + B2) * xsq + B3;
    return 0.5 + (x * num) / den;
  }
  let q: number;
  if (y <= ROOT32) {
    const num = (((((((C8 * y + C0) * y + C1) * y + C2) * y + C3) * y + C4) * y + C5) * y + C6) * y + C7;
    const den = (((((((y + D0) * y + D1) * y + D2) * y + D3) * y + D4) * y + D5) * y + D6) * y + D7;
    q = gaussTail(y) * (num / den);
  } else if (-y < XLOW) q = 0;
  else {
    const xsq = 1 / (x * x);
    const num = ((((P5 * xsq + P0) * xsq + P1) * xsq + P2) * xsq + P3) * xsq + P4;
    const den = ((((xsq + Q0) * xsq + Q1) * xsq + Q2) * xsq + Q3) * xsq + Q4;
    q = gaussTail(y) * ((SQRPI - (xsq * num) / den) / y);
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

/** An index that overflowed (a sigma many orders of magnitude below the spec width) is null. */
function index(x: number | null): number | null {
  return x !== null && Number.isFinite(x) ? x : null;
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
 * makes every index that needs it null, and so does an index that is not a finite number.
 */
export function capability(input: CapabilityInput): SpcCapability {
  return capabilityOf(
    input.mean,
    input.sigmaWithin,
    input.sigmaOverall,
    input.values,
    input.lsl,
    input.usl,
    input.target,
    input.estimator,
  );
}

/** capability() with its inputs as arguments (the rolling window's per-point path: no input object). */
export function capabilityOf(
  mean: number,
  sigmaWithin: number | null,
  sigmaOverall: number | null,
  values: number,
  lsl: number | null,
  usl: number | null,
  specTarget: number | null,
  estimator: SigmaEstimator,
): SpcCapability {
  const sw = usable(sigmaWithin) ? sigmaWithin : null;
  const so = usable(sigmaOverall) ? sigmaOverall : null;
  const target = specTarget !== null ? specTarget : lsl !== null && usl !== null ? (lsl + usl) / 2 : null;
  const both = lsl !== null && usl !== null;

  const cp = index(both && sw !== null ? (usl - lsl) / (6 * sw) : null);
  const cpu = index(usl !== null && sw !== null ? (usl - mean) / (3 * sw) : null);
  const cpl = index(lsl !== null && sw !== null ? (mean - lsl) / (3 * sw) : null);
  const cpk = minOf(cpu, cpl);
  const cpm = index(
    cp !== null && target !== null && sw !== null ? cp / Math.sqrt(1 + ((mean - target) / sw) ** 2) : null,
  );

  const pp = index(both && so !== null ? (usl - lsl) / (6 * so) : null);
  const ppu = index(usl !== null && so !== null ? (usl - mean) / (3 * so) : null);
  const ppl = index(lsl !== null && so !== null ? (mean - lsl) / (3 * so) : null);
  const ppk = minOf(ppu, ppl);
  const ppm = index(
    pp !== null && target !== null && so !== null ? pp / Math.sqrt(1 + ((mean - target) / so) ** 2) : null,
  );

  return {
    cp,
    cpk,
    cpm,
    pp,
    ppk,
    sigmaWithin,
    sigmaOverall,
    estimator,
    cpu,
    cpl,
    ppu,
    ppl,
    ppm,
    mean,
    values,
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
  return capabilityOf(
    win.ref + win.sumDev / total,
    sigmaWithin,
    sigmaOverall,
    total,
    spec.lsl,
    spec.usl,
    spec.target,
    estimator,
  );
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
