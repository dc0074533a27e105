/**
 * Control-chart constants d2, d3, c4 and the factors derived from them (STANDARDS.md 3.1).
 *
 * Exact tables, to double precision (17 significant digits, i.e. the nearest double):
 * - d2(n) = E[W]/σ = ∫[1 − (1−Φ(x))ⁿ − Φ(x)ⁿ]dx over the real line (the expected range W of n
 *   standard normal values);
 * - d3(n) = √(E[W²] − d2²), with E[W²] from Tippett's (1925) double integral
 *   E[W²] = 2∬_{x<y}[1 − Φ(y)ⁿ − (1−Φ(x))ⁿ + (Φ(y)−Φ(x))ⁿ] dy dx;
 * - c4(n) = √(2/(n−1))·Γ(n/2)/Γ((n−1)/2), the closed form with gamma functions;
 * all three evaluated with mpmath at 20 significant digits (adaptive quadrature for d2 and d3), then
 * rounded to the nearest double. Checked in test/lib/spc-constants.test.ts against the closed forms
 * d2(2) = 2/√π, d3(2) = √(2 − 4/π), d2(3) = 3/√π, d3(3) = √(2 + (3√3 − 9)/π), c4(2) = √(2/π),
 * spc-vectors.json constants.exact, and an independent quadrature of d2 written in the test.
 *
 * qcc tables (qcc 3.0 .qcc.options exp.R.unscaled / se.R.unscaled, luca-scr/qcc R/qcc.options.R):
 * d2 to 3 decimals (n = 2..25) and d3 to 7 decimals (n = 2..50, off from the exact d3 in the 6th
 * decimal). qcc computes c4 from the gamma function, so c4 is exact with both tables.
 *
 * Lookups are array indexing by n: no Map, no allocation.
 */
import type { ConstantsTable } from "./types";

/** d2(n), index n = 2..25 (0 and 1 unused). mpmath, 20 digits; see the header. */
const D2_EXACT: readonly number[] = [
  Number.NaN,
  Number.NaN,
  1.1283791670955126,
  1.6925687506432689,
  2.0587507460079282,
  2.3259289472810392,
  2.5344127212229428,
  2.7043567512138087,
  2.8472006120905555,
  2.9700263244184741,
  3.0775054616703459,
  3.1728727038160005,
  3.258455279743826,
  3.3359803540982549,
  3.4067631081999532,
  3.4718268898820748,
  3.5319827861095758,
  3.5878839617653817,
  3.6400637579374444,
  3.6889630232076493,
  3.734950119596641,
  3.7783358298426211,
  3.8193846433628327,
  3.858323423285007,
  3.8953481484513564,
  3.9306292195071131,
];

/** d3(n), index n = 2..25. mpmath, Tippett's double integral, 20 digits; see the header. */
const D3_EXACT: readonly number[] = [
  Number.NaN,
  Number.NaN,
  0.85250246642742178,
  0.88836800404520433,
  0.87980820282498329,
  0.86408194109950409,
  0.84803968611749525,
  0.83320533562229371,
  0.81983148979194398,
  0.80783427455332246,
  0.79705067351941128,
  0.78731462055032819,
  0.77847834120338433,
  0.77041620206375483,
  0.76302309562479032,
  0.75621142972794397,
  0.74990808940991593,
  0.74405178396073146,
  0.73859085337817787,
  0.73348149551886843,
  0.72868634570730528,
  0.72417334071749906,
  0.7199148084342234,
  0.71588673549181447,
  0.71206817514793719,
  0.70844076588865501,
];

/** c4(n), index n = 2..100. mpmath, √(2/(n−1))·Γ(n/2)/Γ((n−1)/2) at 20 digits. */
const C4_TABLE: readonly number[] = [
  Number.NaN,
  Number.NaN,
  0.79788456080286541,
  0.88622692545275805,
  0.92131773192356126,
  0.93998560298662515,
  0.95153286194814457,
  0.959368788699833,
  0.96503045614737193,
  0.96931069971395412,
  0.97265927412158826,
  0.97535007714522926,
  0.97755935185477216,
  0.97940560431421775,
  0.98097143675551624,
  0.98231617716265052,
  0.98348353161584123,
  0.98450640547183155,
  0.98541004380807895,
  0.98621413686019355,
  0.9869342675246553,
  0.98758292882615639,
  0.98817025331583097,
  0.9887045452339992,
  0.98919267495850471,
  0.98964037558570306,
  0.99005246884091047,
  0.99043303920944792,
  0.99078556962173225,
  0.99111304824198421,
  0.99141805329267296,
  0.99170282100958529,
  0.99196930051530141,
  0.99221919845723494,
  0.99245401557013335,
  0.99267507681735845,
  0.99288355638901982,
  0.99308049855238145,
  0.99326683513573688,
  0.99344340026321654,
  0.99361094283188578,
  0.99377013712462892,
  0.99392159187584672,
  0.9940658580468491,
  0.99420343552021173,
  0.99433477888446087,
  0.99446030245009409,
  0.99458038461350851,
  0.9946953716656336,
  0.9948055811259866,
  0.99491130466973288,
  0.99501281070455483,
  0.99511034664525022,
  0.9952041409266299,
  0.99529440478917985,
  0.99538133386686189,
  0.99546510960216472,
  0.99554590050994174,
  0.99562386330855668,
  0.99569914393430969,
  0.99577187845295712,
  0.99584219388030093,
  0.99591020892225723,
  0.9959760346434724,
  0.99603977507240826,
  0.99610152774982863,
  0.99616138422676803,
  0.99621943051733031,
  0.99627574751102377,
  0.99633041134879119,
  0.99638349376640944,
  0.99643506240851454,
  0.99648518111614259,
  0.99653391019035675,
  0.99658130663424749,
  0.99662742437535023,
  0.99667231447030169,
  0.99671602529337,
  0.99675860271032057,
  0.99680009023893279,
  0.99684052919734589,
  0.99687995884129965,
  0.99691841649122559,
  0.99695593765005608,
  0.99699255611253002,
  0.99702830406670495,
  0.99706321218831495,
  0.99709730972855637,
  0.99713062459582846,
  0.99716318343191024,
  0.99719501168300984,
  0.99722613366608381,
  0.99725657263079104,
  0.99728635081741224,
  0.99731548951103799,
  0.99734400909230314,
  0.99737192908492156,
  0.99739926820025437,
  0.99742604437912519,
  0.99745227483107868,
  0.99747797607126354,
];

/** qcc 3.0 .qcc.options exp.R.unscaled (d2), n = 2..25. */
const D2_QCC: readonly number[] = [
  Number.NaN,
  Number.NaN,
  1.128,
  1.693,
  2.059,
  2.326,
  2.534,
  2.704,
  2.847,
  2.97,
  3.078,
  3.173,
  3.258,
  3.336,
  3.407,
  3.472,
  3.532,
  3.588,
  3.64,
  3.689,
  3.735,
  3.778,
  3.819,
  3.858,
  3.895,
  3.931,
];

/** qcc 3.0 .qcc.options se.R.unscaled (d3), n = 2..50. */
const D3_QCC: readonly number[] = [
  Number.NaN,
  Number.NaN,
  0.8525033,
  0.8883697,
  0.8798108,
  0.8640855,
  0.8480442,
  0.8332108,
  0.8198378,
  0.8078413,
  0.7970584,
  0.787323,
  0.7784873,
  0.7704257,
  0.763033,
  0.7562217,
  0.7499188,
  0.7440627,
  0.7386021,
  0.7334929,
  0.728698,
  0.7241851,
  0.7199267,
  0.7158987,
  0.7120802,
  0.7084528,
  0.7050004,
  0.7017086,
  0.6985648,
  0.6955576,
  0.692677,
  0.6899137,
  0.6872596,
  0.6847074,
  0.6822502,
  0.6798821,
  0.6775973,
  0.675391,
  0.6732584,
  0.6711952,
  0.6691976,
  0.6672619,
  0.6653848,
  0.6635632,
  0.6617943,
  0.6600754,
  0.6584041,
  0.656778,
  0.655195,
  0.6536532,
  0.6521506,
];

/** Largest n of each table. */
export const D2_MAX_N = 25;
export const D3_MAX_N_EXACT = 25;
export const D3_MAX_N_QCC = 50;
export const C4_TABLE_MAX_N = 100;

function isIntegerIn(n: number, lo: number, hi: number): boolean {
  return n >= lo && n <= hi && Math.floor(n) === n;
}

function outOfRange(what: string, n: number, hi: number): RangeError {
  return new RangeError(`${what}: subgroup size ${n} is not an integer in 2..${hi}`);
}

/** d2(n) = E[range]/σ of n normal values; n = 2..25 (RangeError outside). */
export function d2(n: number, table: ConstantsTable = "exact"): number {
  if (!isIntegerIn(n, 2, D2_MAX_N)) throw outOfRange("d2", n, D2_MAX_N);
  return table === "qcc" ? D2_QCC[n]! : D2_EXACT[n]!;
}

/** d3(n) = SD[range]/σ of n normal values; n = 2..25, or 2..50 with the "qcc" table (RangeError outside). */
export function d3(n: number, table: ConstantsTable = "exact"): number {
  if (table === "qcc") {
    if (!isIntegerIn(n, 2, D3_MAX_N_QCC)) throw outOfRange("d3 (qcc)", n, D3_MAX_N_QCC);
    return D3_QCC[n]!;
  }
  if (!isIntegerIn(n, 2, D3_MAX_N_EXACT)) throw outOfRange("d3", n, D3_MAX_N_EXACT);
  return D3_EXACT[n]!;
}

// ln c4 as a series in y = 1/x, x = (n − 1)/2: ln[Γ(x + ½)/(√x·Γ(x))] =
// Σ_k (−1)^(k+1)·(B_{k+1}(½) − B_{k+1}(0))/(k(k+1)·x^k) (Bernoulli polynomials; the even-k terms
// vanish) = −y/8 + y³/192 − y⁵/640 + 17y⁷/14336 − 31y⁹/18432 − …; for n > 100 (x ≥ 50) the first
// omitted term is below 1e-21 relative (checked against mpmath for n = 101..100000 in the test).
const C4_S1 = -1 / 8;
const C4_S3 = 1 / 192;
const C4_S5 = -1 / 640;
const C4_S7 = 17 / 14336;
const C4_S9 = -31 / 18432;

/**
 * c4(n) = E[s]/σ for n normal values (s with the n − 1 denominator); any integer n >= 2
 * (RangeError otherwise). n <= 100: the table; beyond: the asymptotic series of ln c4 above.
 * The same in both tables (qcc computes it from the gamma function).
 */
export function c4(n: number): number {
  if (n <= C4_TABLE_MAX_N) {
    if (!isIntegerIn(n, 2, C4_TABLE_MAX_N)) throw outOfRange("c4", n, Number.MAX_SAFE_INTEGER);
    return C4_TABLE[n]!;
  }
  if (!Number.isSafeInteger(n)) throw outOfRange("c4", n, Number.MAX_SAFE_INTEGER);
  const y = 2 / (n - 1);
  const y2 = y * y;
  return Math.exp(y * (C4_S1 + y2 * (C4_S3 + y2 * (C4_S5 + y2 * (C4_S7 + y2 * C4_S9)))));
}

/** The control-chart factors of subgroup size n (3σ limits), STANDARDS.md 3.1. */
export interface ControlChartConstants {
  n: number;
  /** 3/√n: X̄ limits from a given σ. */
  A: number;
  /** 3/(d2·√n): X̄ limits from R̄. */
  A2: number;
  /** 3/(c4·√n): X̄ limits from s̄. */
  A3: number;
  c4: number;
  /** max(0, 1 − 3√(1−c4²)/c4), 1 + 3√(1−c4²)/c4: S limits from s̄. */
  B3: number;
  B4: number;
  /** max(0, c4 − 3√(1−c4²)), c4 + 3√(1−c4²): S limits from a given σ. */
  B5: number;
  B6: number;
  d2: number;
  d3: number;
  /** max(0, d2 − 3d3), d2 + 3d3: R limits from a given σ. */
  D1: number;
  D2: number;
  /** max(0, 1 − 3d3/d2), 1 + 3d3/d2: R limits from R̄. */
  D3: number;
  D4: number;
  /** 3/d2: individuals limits from MR̄ (n = 2: 2.660). */
  E2: number;
}

/**
 * All factors of subgroup size n = 2..25 with the formulas of STANDARDS.md 3.1
 * (spc-vectors.json constants.note); d2 and d3 from `table`, c4 exact.
 */
export function controlChartConstants(n: number, table: ConstantsTable = "exact"): ControlChartConstants {
  const D2v = d2(n, table);
  const D3v = d3(n, table);
  const C4v = c4(n);
  const sqrtN = Math.sqrt(n);
  const s = Math.sqrt(1 - C4v * C4v);
  return {
    n,
    A: 3 / sqrtN,
    A2: 3 / (D2v * sqrtN),
    A3: 3 / (C4v * sqrtN),
    c4: C4v,
    B3: Math.max(0, 1 - (3 * s) / C4v),
    B4: 1 + (3 * s) / C4v,
    B5: Math.max(0, C4v - 3 * s),
    B6: C4v + 3 * s,
    d2: D2v,
    d3: D3v,
    D1: Math.max(0, D2v - 3 * D3v),
    D2: D2v + 3 * D3v,
    D3: Math.max(0, 1 - (3 * D3v) / D2v),
    D4: 1 + (3 * D3v) / D2v,
    E2: 3 / D2v,
  };
}
