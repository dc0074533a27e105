/**
 * Subgroup statistics, sigma estimators, the process estimate and the Shewhart limits of one point
 * (STANDARDS.md 3.2; qcc R/qcc.R semantics, luca-scr/qcc 3.0).
 *
 * Everything works on SubgroupStats (n, mean, range, sd, ss, sum per point), never on the single
 * values, so phase I and the capability window keep constant-size records whatever n.
 */
import type { SpcChart } from "../types";
import { c4, d2, d3 } from "./constants";
import type { ConstantsTable, PointLimits, ProcessEstimate, SigmaEstimator, SubgroupStats } from "./types";

/**
 * Statistics of one subgroup of single values: mean, range (max − min), sample SD (n − 1
 * denominator), ss = Σ(x − mean)² by the corrected two-pass algorithm (Chan, Golub & LeVeque 1983:
 * Σd² − (Σd)²/n with d = x − mean), sum = Σx. n = 1 (the I-MR hot path): range, sd and ss are 0,
 * no loop and no allocation beyond the result. `key` is set on the result only when given.
 * RangeError for an empty subgroup (the caller drops or rejects it).
 */
export function subgroupStats(
  values: readonly number[],
  seq: number,
  ts: number,
  key?: string,
): SubgroupStats {
  const n = values.length;
  if (n === 1) {
    const v = values[0]!;
    return key === undefined
      ? { seq, ts, n: 1, mean: v, range: 0, sd: 0, ss: 0, sum: v }
      : { seq, ts, n: 1, mean: v, range: 0, sd: 0, ss: 0, sum: v, key };
  }
  if (n === 0) throw new RangeError("subgroupStats: empty subgroup");
  let sum = 0;
  let min = values[0]!;
  let max = min;
  for (let i = 0; i < n; i++) {
    const x = values[i]!;
    sum += x;
    if (x < min) min = x;
    else if (x > max) max = x;
  }
  const mean = sum / n;
  let ss = 0;
  let comp = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean;
    ss += d * d;
    comp += d;
  }
  ss -= (comp * comp) / n;
  if (ss < 0) ss = 0;
  const sd = Math.sqrt(ss / (n - 1));
  const range = max - min;
  return key === undefined
    ? { seq, ts, n, mean, range, sd, ss, sum }
    : { seq, ts, n, mean, range, sd, ss, sum, key };
}

/**
 * One attribute sample: `count` nonconforming units (p, np) or nonconformities (c, u) in `size`
 * units. sum = count, n = size, mean/range/sd/ss 0 (SubgroupStats contract).
 */
export function countStats(count: number, size: number, seq: number, ts: number): SubgroupStats {
  return { seq, ts, n: size, mean: 0, range: 0, sd: 0, ss: 0, sum: count };
}

/**
 * The statistic a chart plots for one point (STANDARDS.md 3.2): the subgroup mean for xbar-r,
 * xbar-s, i-mr, ewma and cusum (EWMA and CUSUM smooth or accumulate it in spc.ts); the fraction
 * sum/n for p, the count per unit sum/n for u; the count itself for np and c.
 */
export function plotted(chart: SpcChart, s: SubgroupStats): number {
  switch (chart) {
    case "p":
    case "u":
      return s.sum / s.n;
    case "np":
    case "c":
      return s.sum;
    default:
      return s.mean;
  }
}

/**
 * Sigma of single values from the phase-I points that are kept, in order (STANDARDS.md 3.2,
 * qcc R/qcc.R sd.xbar / sd.xbar.one):
 * - "rbar-d2": mean of R_i/d2(n_i) over the points with n_i >= 2 (qcc "UWAVE-R"; = R̄/d2 for
 *   constant n). d2 throws RangeError for n_i > 25.
 * - "sbar-c4": mean of s_i/c4(n_i) over the points with n_i >= 2 (qcc "UWAVE-SD").
 * - "mrbar-d2": MR̄/d2(2), MR_i = |mean_i − mean_{i−1}| between consecutive points of `points`:
 *   with points left out the moving ranges join the points either side of the gap (qcc recomputes
 *   them on the data left after exclusion; spc-vectors viscosity_I_MR_revised_excl_batch4).
 * - "sd-c4": sample SD (n − 1) of the point means / c4(m), m points (qcc individuals "SD").
 * null when there is not enough data (no point with n >= 2; fewer than 2 points for mrbar-d2 and
 * sd-c4). A sigma of 0 (all values equal) is returned as 0: the reducer decides what it means.
 */
export function estimateSigma(
  estimator: SigmaEstimator,
  points: readonly SubgroupStats[],
  table: ConstantsTable,
): number | null {
  const m = points.length;
  switch (estimator) {
    case "rbar-d2": {
      let sum = 0;
      let k = 0;
      for (let i = 0; i < m; i++) {
        const p = points[i]!;
        if (p.n >= 2) {
          sum += p.range / d2(p.n, table);
          k++;
        }
      }
      return k === 0 ? null : sum / k;
    }
    case "sbar-c4": {
      let sum = 0;
      let k = 0;
      for (let i = 0; i < m; i++) {
        const p = points[i]!;
        if (p.n >= 2) {
          sum += p.sd / c4(p.n);
          k++;
        }
      }
      return k === 0 ? null : sum / k;
    }
    case "mrbar-d2": {
      if (m < 2) return null;
      let sum = 0;
      let prev = points[0]!.mean;
      for (let i = 1; i < m; i++) {
        const x = points[i]!.mean;
        sum += Math.abs(x - prev);
        prev = x;
      }
      return sum / (m - 1) / d2(2, table);
    }
    case "sd-c4": {
      if (m < 2) return null;
      let sum = 0;
      for (let i = 0; i < m; i++) sum += points[i]!.mean;
      const mean = sum / m;
      let ss = 0;
      let comp = 0;
      for (let i = 0; i < m; i++) {
        const d = points[i]!.mean - mean;
        ss += d * d;
        comp += d;
      }
      ss -= (comp * comp) / m;
      return Math.sqrt(Math.max(0, ss) / (m - 1)) / c4(m);
    }
  }
}

function isAttribute(chart: SpcChart): boolean {
  return chart === "p" || chart === "np" || chart === "c" || chart === "u";
}

/**
 * Process level and sigma from the phase-I points (STANDARDS.md 3.2): variables charts
 * center = Σsum/Σn (grand mean weighted by n; = mean of the means for constant n) and
 * sigma = estimateSigma; p and np: p̄ = Σcount/Σn; c: c̄ = mean count per point; u: ū = Σcount/Σn;
 * attributes have sigma null. null when there are no points.
 */
export function estimateProcess(
  chart: SpcChart,
  estimator: SigmaEstimator,
  points: readonly SubgroupStats[],
  table: ConstantsTable,
): ProcessEstimate | null {
  const m = points.length;
  if (m === 0) return null;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < m; i++) {
    const p = points[i]!;
    sum += p.sum;
    n += p.n;
  }
  if (chart === "c") return { center: sum / m, sigma: null };
  if (isAttribute(chart)) return { center: sum / n, sigma: null };
  return { center: sum / n, sigma: estimateSigma(estimator, points, table) };
}

function rChart(sigma: number, n: number, nsigmas: number, table: ConstantsTable) {
  // R chart from σ: cl = d2σ, limits d2σ ± L·d3σ (qcc; = D3·R̄, D4·R̄ for constant n).
  const cl = d2(n, table) * sigma;
  const w = nsigmas * d3(n, table) * sigma;
  return { cl, ucl: cl + w, lcl: Math.max(0, cl - w) };
}

function sChart(sigma: number, n: number, nsigmas: number) {
  // S chart from σ: cl = c4σ, limits c4σ ± L·σ√(1 − c4²) (= B3·s̄, B4·s̄ for constant n).
  const c = c4(n);
  const cl = c * sigma;
  const w = nsigmas * sigma * Math.sqrt(1 - c * c);
  return { cl, ucl: cl + w, lcl: Math.max(0, cl - w) };
}

/**
 * Shewhart limits of one point at its own n (STANDARDS.md 3.2 table, unequal sizes):
 * - xbar-r, xbar-s, i-mr, ewma and cusum (the raw statistic): cl = center,
 *   sigma = σ/√n, cl ± L·sigma (σ = est.sigma, RangeError when it is null);
 *   companion `dispersion`: xbar-r the R chart at n (cl d2σ, d2σ ± L·d3σ, lcl floored at 0),
 *   xbar-s the S chart at n (cl c4σ, c4σ ± L·σ√(1−c4²), floored at 0), i-mr the MR chart (the R
 *   chart at n = 2); none for ewma, cusum, or xbar-r/xbar-s points with n < 2;
 * - p: cl p̄, sigma √(p̄(1−p̄)/n); np: cl n·p̄, sigma √(n·p̄(1−p̄)); c: cl c̄, sigma √c̄;
 *   u: cl ū, sigma √(ū/n); cl ± L·sigma with the lcl floored at 0.
 * An attribute point whose sigma is 0 (p̄ = 0 or 1, c̄ = 0, ū = 0) gets sigma 0 and
 * ucl = lcl = cl: the reducer treats sigma 0 specially.
 */
export function pointLimits(
  chart: SpcChart,
  est: ProcessEstimate,
  n: number,
  nsigmas: number,
  table: ConstantsTable,
): PointLimits {
  const center = est.center;
  let sigma: number;
  switch (chart) {
    case "p":
      sigma = Math.sqrt((center * (1 - center)) / n);
      break;
    case "np": {
      const cl = n * center;
      sigma = Math.sqrt(cl * (1 - center));
      return { cl, ucl: cl + nsigmas * sigma, lcl: Math.max(0, cl - nsigmas * sigma), sigma };
    }
    case "c":
      sigma = Math.sqrt(center);
      break;
    case "u":
      sigma = Math.sqrt(center / n);
      break;
    default: {
      const s = est.sigma;
      if (s === null) throw new RangeError(`pointLimits: a ${chart} chart needs a sigma`);
      sigma = s / Math.sqrt(n);
      const w = nsigmas * sigma;
      const lim: PointLimits = { cl: center, ucl: center + w, lcl: center - w, sigma };
      if (chart === "i-mr") lim.dispersion = rChart(s, 2, nsigmas, table);
      else if (n >= 2) {
        if (chart === "xbar-r") lim.dispersion = rChart(s, n, nsigmas, table);
        else if (chart === "xbar-s") lim.dispersion = sChart(s, n, nsigmas);
      }
      return lim;
    }
  }
  return { cl: center, ucl: center + nsigmas * sigma, lcl: Math.max(0, center - nsigmas * sigma), sigma };
}

/**
 * Sample SD (n − 1) of all the single values of the points, from their n, mean and ss:
 * total SS = Σ[ss_i + n_i(mean_i − m)²], m = Σn_i·mean_i/Σn_i: the "overall" sigma of Pp/Ppk
 * (STANDARDS.md 3.4; qcc applies no c4). null for fewer than 2 values.
 */
export function overallSd(points: readonly SubgroupStats[]): number | null {
  const m = points.length;
  let total = 0;
  let wsum = 0;
  for (let i = 0; i < m; i++) {
    const p = points[i]!;
    total += p.n;
    wsum += p.n * p.mean;
  }
  if (total < 2) return null;
  const mean = wsum / total;
  let ss = 0;
  for (let i = 0; i < m; i++) {
    const p = points[i]!;
    const d = p.mean - mean;
    ss += p.ss + p.n * d * d;
  }
  return Math.sqrt(ss / (total - 1));
}
