/**
 * Western Electric and Nelson run rules, one point at a time (STANDARDS.md 3.3).
 *
 * Semantics are those of the reference software, qcc 3.0 `R/rules.R` (as resolved in STANDARDS.md
 * 3.3 and spc-vectors.json meta.conventions.rules_qcc):
 * - "beyond" is strict (>, <); beyond-limits compares with the point's own UCL/LCL (which may be
 *   floored at 0); zones are in sigmas of the plotted statistic (RulePoint.sigma, per point);
 * - a k-of-m window is checked at its last point, only once m points have been seen, and flags
 *   that point only if the point itself is beyond, on the same side as the `count` counted;
 * - run rules flag every point from the one completing the run to the end of the run;
 * - run-same-side: strictly above / below the centre line (a point on it breaks the run);
 * - trend: strict increases / decreases (a tie breaks the run); `length` counts points;
 * - alternating: consecutive differences alternate in sign (a zero difference breaks the run);
 *   `length` points = length − 1 differences = length − 2 sign changes;
 * - run-within (Nelson 7): |value − cl| <= sigmas·σ, inclusive;
 * - run-outside (Nelson 8): `length` points in a row each strictly beyond sigmas·σ, at least one
 *   above and one below among those `length` points (qcc's reading of "on both sides").
 *
 * Deliberate difference from qcc: with limits varying per point (p and u charts with unequal
 * sample sizes) qcc compares every point of a k-of-m window with the zone of the window's last
 * point; here each point is compared with its own zone, the zone it was plotted against.
 *
 * A point whose sigma is not a finite number > 0 (a degenerate attribute chart, e.g. p̄ = 0), or
 * whose value or centre line is not finite, is checked by the beyond-limits rules only (we-1,
 * nelson-1, dispersion-1); for every other rule it breaks the run (same side, trend, alternation,
 * within, outside all start again after it) and counts as "not beyond" in k-of-m windows.
 *
 * Work per point is constant: the shared runs are counters, each k-of-m rule keeps the count of
 * points above and below its zone in its window (the point leaving the window is subtracted), and
 * a ring of the last `size` points (size = the longest window or run) keeps the sequence numbers
 * and zone bits needed to name the points of a violation. Nothing is allocated for a point that
 * fires no rule.
 */
import type { SpcViolation } from "../types";
import { type FieldError, got } from "../validate";
import { RULE_IDS, type RuleId, type RulePoint, type RuleSetting, type RuleTest } from "./types";

// ---------------------------------------------------------------------------------------------
// The rules and their defaults.

export interface RuleDefinition {
  test: RuleTest;
  /** Points in the window (k-of-m) or in the run. */
  length?: number;
  /** k-of-m: points of the window beyond the zone. */
  count?: number;
  /** Zone boundary in sigmas of the plotted statistic. */
  sigmas?: number;
  /** A limit rule (alarm severity `limitSeverity`), else a run rule (`runSeverity`). */
  limitRule: boolean;
  /** Where the rule comes from. */
  source: string;
}

/** Every rule with its default parameters (STANDARDS.md 3.3). */
export const RULES: Readonly<Record<RuleId, Readonly<RuleDefinition>>> = Object.freeze({
  "we-1": { test: "beyond-limits", limitRule: true, source: "Western Electric 1956 rule 1; qcc WER1" },
  "we-2": {
    test: "k-of-m-beyond",
    count: 2,
    length: 3,
    sigmas: 2,
    limitRule: false,
    source: "Western Electric 1956 rule 2; qcc WER2",
  },
  "we-3": {
    test: "k-of-m-beyond",
    count: 4,
    length: 5,
    sigmas: 1,
    limitRule: false,
    source: "Western Electric 1956 rule 3; qcc WER3",
  },
  "we-4": {
    test: "run-same-side",
    length: 8,
    limitRule: false,
    source: "Western Electric 1956 rule 4; qcc WER4",
  },
  "nelson-1": {
    test: "beyond-limits",
    limitRule: true,
    source: "Nelson 1984 rule 1 (Minitab test 1); qcc NEL1",
  },
  "nelson-2": {
    test: "run-same-side",
    length: 9,
    limitRule: false,
    source: "Nelson 1984 rule 2 (Minitab test 2); qcc NEL2",
  },
  "nelson-3": {
    test: "trend",
    length: 6,
    limitRule: false,
    source: "Nelson 1984 rule 3 (Minitab test 3); qcc NEL3",
  },
  "nelson-4": {
    test: "alternating",
    length: 14,
    limitRule: false,
    source: "Nelson 1984 rule 4 (Minitab test 4); qcc NEL4",
  },
  "nelson-5": {
    test: "k-of-m-beyond",
    count: 2,
    length: 3,
    sigmas: 2,
    limitRule: false,
    source: "Nelson 1984 rule 5 (Minitab test 5); qcc NEL5",
  },
  "nelson-6": {
    test: "k-of-m-beyond",
    count: 4,
    length: 5,
    sigmas: 1,
    limitRule: false,
    source: "Nelson 1984 rule 6 (Minitab test 6); qcc NEL6",
  },
  "nelson-7": {
    test: "run-within",
    length: 15,
    sigmas: 1,
    limitRule: false,
    source: "Nelson 1984 rule 7 (Minitab test 7); qcc NEL7",
  },
  "nelson-8": {
    test: "run-outside",
    length: 8,
    sigmas: 1,
    limitRule: false,
    source: "Nelson 1984 rule 8 (Minitab test 8); qcc NEL8",
  },
  "dispersion-1": {
    test: "beyond-limits",
    limitRule: true,
    source: "R, S or MR chart beyond its limits (STANDARDS.md 3.2)",
  },
});

/** Longest window or run a rule may be configured with. */
export const MAX_RULE_LENGTH = 50;
/** Widest zone, in sigmas. */
export const MAX_RULE_SIGMAS = 6;

const usesLength = (t: RuleTest): boolean => t !== "beyond-limits";
const usesCount = (t: RuleTest): boolean => t === "k-of-m-beyond";
const usesSigmas = (t: RuleTest): boolean =>
  t === "k-of-m-beyond" || t === "run-within" || t === "run-outside";
const minLength = (t: RuleTest): number => (t === "trend" || t === "alternating" ? 3 : 2);

/** A parameter as set, or undefined when not set (undefined or null). */
function given(v: number | null | undefined): number | undefined {
  return v === undefined || v === null ? undefined : v;
}

/** One line in plain English with the actual parameters, e.g. "2 of 3 points beyond 2σ on one side". */
export function ruleText(id: RuleId, setting?: RuleSetting): string {
  const def = RULES[id];
  const length = given(setting?.length) ?? def.length ?? 0;
  const count = given(setting?.count) ?? def.count ?? 0;
  const sigmas = given(setting?.sigmas) ?? def.sigmas ?? 0;
  switch (def.test) {
    case "beyond-limits":
      return id === "dispersion-1"
        ? "1 point beyond the limits of the dispersion chart (R, S or MR)"
        : "1 point beyond the control limits";
    case "k-of-m-beyond":
      return `${count} of ${length} points beyond ${sigmas}σ on one side`;
    case "run-same-side":
      return `${length} points in a row on one side of the centre line`;
    case "trend":
      return `${length} points in a row all increasing or all decreasing`;
    case "alternating":
      return `${length} points in a row alternating up and down`;
    case "run-within":
      return `${length} points in a row within ${sigmas}σ of the centre line`;
    case "run-outside":
      return `${length} points in a row beyond ${sigmas}σ of the centre line, on both sides`;
  }
}

/** The rule ids of one family ("we-" Western Electric 1-4, "nelson-" Nelson 1-8), in RULE_IDS order. */
function family(prefix: string): RuleId[] {
  return RULE_IDS.filter((id) => id.startsWith(prefix));
}

function preset(enabled: readonly RuleId[]): RuleSetting[] {
  return Object.freeze(
    RULE_IDS.map((id) => Object.freeze({ id, enabled: enabled.includes(id) })),
  ) as RuleSetting[];
}

/**
 * The rule sets: every id, with default parameters, switched on per set. Frozen: copy them
 * (e.g. `structuredClone`) before changing anything.
 */
export const RULE_PRESETS: {
  "western-electric": RuleSetting[];
  nelson: RuleSetting[];
  "limits-only": RuleSetting[];
} = Object.freeze({
  "western-electric": preset([...family("we-"), "dispersion-1"]),
  nelson: preset([...family("nelson-"), "dispersion-1"]),
  "limits-only": preset(["we-1", "dispersion-1"]),
});

// ---------------------------------------------------------------------------------------------
// Configuration check.

const isInteger = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);

/**
 * Errors of a rule list (config field `rules`), each naming its field, e.g. "rules[2].length".
 * A rule not in the list is off. A parameter set to undefined or null takes the rule's default;
 * a parameter the rule's test does not use is ignored when it is a number.
 */
export function checkRules(settings: readonly RuleSetting[]): FieldError[] {
  const errors: FieldError[] = [];
  if (!Array.isArray(settings))
    return [{ field: "rules", message: `must be an array of rules${got(settings)}` }];
  const seen = new Set<string>();
  settings.forEach((s: unknown, i) => {
    const at = `rules[${i}]`;
    if (typeof s !== "object" || s === null || Array.isArray(s)) {
      errors.push({
        field: at,
        message: `must be an object { id, enabled, length?, count?, sigmas? }${got(s)}`,
      });
      return;
    }
    const r = s as Record<string, unknown>;
    const id = r.id;
    const known = typeof id === "string" && Object.hasOwn(RULES, id);
    if (!known)
      errors.push({ field: `${at}.id`, message: `must be one of ${RULE_IDS.join(", ")}${got(id)}` });
    else if (seen.has(id))
      errors.push({ field: `${at}.id`, message: `must not repeat a rule, got "${id}" again` });
    else seen.add(id);
    if (typeof r.enabled !== "boolean")
      errors.push({ field: `${at}.enabled`, message: `must be true or false${got(r.enabled)}` });
    const test = known ? RULES[id as RuleId].test : undefined;
    const notNumber = (k: string): boolean => {
      const v = r[k];
      if (v === undefined || v === null || typeof v === "number") return false;
      errors.push({ field: `${at}.${k}`, message: `must be a number${got(v)}` });
      return true;
    };
    const lengthBad = notNumber("length");
    const countBad = notNumber("count");
    const sigmasBad = notNumber("sigmas");
    if (test === undefined) return;
    const def = RULES[id as RuleId];
    let length = def.length ?? 0;
    if (usesLength(test) && !lengthBad && given(r.length as number | null | undefined) !== undefined) {
      const min = minLength(test);
      if (!isInteger(r.length) || r.length < min || r.length > MAX_RULE_LENGTH) {
        errors.push({
          field: `${at}.length`,
          message: `must be a whole number of points from ${min} to ${MAX_RULE_LENGTH}${got(r.length)}`,
        });
        length = Number.NaN;
      } else length = r.length;
    }
    if (usesCount(test) && !countBad && given(r.count as number | null | undefined) !== undefined) {
      const c = r.count;
      const max = Number.isNaN(length) ? MAX_RULE_LENGTH : length;
      if (!isInteger(c) || c < 1 || c > max)
        errors.push({
          field: `${at}.count`,
          message: `must be a whole number of points from 1 to the window length (${max})${got(c)}`,
        });
    }
    if (usesSigmas(test) && !sigmasBad && given(r.sigmas as number | null | undefined) !== undefined) {
      const v = r.sigmas as number;
      if (!Number.isFinite(v) || v <= 0 || v > MAX_RULE_SIGMAS)
        errors.push({
          field: `${at}.sigmas`,
          message: `must be a number of sigmas > 0 and <= ${MAX_RULE_SIGMAS}${got(v)}`,
        });
    }
  });
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Compiled rules.

// What checkPoint does for a rule (RuleTest, with beyond-limits split by chart).
const K_BEYOND = 0;
const K_DISPERSION = 1;
const K_KOFM = 2;
const K_SIDE = 3;
const K_TREND = 4;
const K_ALTERNATING = 5;
const K_WITHIN = 6;
const K_OUTSIDE = 7;

export interface CompiledRule {
  id: RuleId;
  test: RuleTest;
  /** Points in the window or run (0 for beyond-limits). */
  length: number;
  /** k-of-m: points of the window beyond the zone (0 otherwise). */
  count: number;
  /** Zone boundary in sigmas (0 when the test has no zone). */
  sigmas: number;
  limitRule: boolean;
  /** ruleText with these parameters: the violation text. */
  text: string;
  /** Internal: what checkPoint does. */
  kind: number;
}

/** The enabled rules with their parameters, in RULE_IDS order, ready for checkPoint. */
export interface CompiledRules {
  rules: readonly CompiledRule[];
  /** Ring size of the state: the longest window or run (at least 1). */
  size: number;
  /** The rules and parameters as text; equal keys = interchangeable states (ruleStateMatches). */
  key: string;
}

const KINDS: Record<RuleTest, number> = {
  "beyond-limits": K_BEYOND,
  "k-of-m-beyond": K_KOFM,
  "run-same-side": K_SIDE,
  trend: K_TREND,
  alternating: K_ALTERNATING,
  "run-within": K_WITHIN,
  "run-outside": K_OUTSIDE,
};

/**
 * Compile a rule list (checked by checkRules): defaults filled in, disabled, unknown and repeated
 * rules dropped, in RULE_IDS order, texts made.
 */
export function compileRules(settings: readonly RuleSetting[]): CompiledRules {
  const byId = new Map<RuleId, RuleSetting>();
  for (const s of settings) if (s && Object.hasOwn(RULES, s.id) && !byId.has(s.id)) byId.set(s.id, s);
  const rules: CompiledRule[] = [];
  let size = 1;
  for (const id of RULE_IDS) {
    const s = byId.get(id);
    if (s?.enabled !== true) continue;
    const def = RULES[id];
    const length = usesLength(def.test) ? (given(s.length) ?? def.length ?? 0) : 0;
    const count = usesCount(def.test) ? (given(s.count) ?? def.count ?? 0) : 0;
    const sigmas = usesSigmas(def.test) ? (given(s.sigmas) ?? def.sigmas ?? 0) : 0;
    const kind = id === "dispersion-1" ? K_DISPERSION : KINDS[def.test];
    rules.push(
      Object.freeze({
        id,
        test: def.test,
        length,
        count,
        sigmas,
        limitRule: def.limitRule,
        text: ruleText(id, { id, enabled: true, length, count, sigmas }),
        kind,
      }),
    );
    if (length > size) size = length;
  }
  const key = `${size}|${rules.map((r) => `${r.id}:${r.length}:${r.count}:${r.sigmas}`).join(",")}`;
  return Object.freeze({ rules: Object.freeze(rules), size, key });
}

// ---------------------------------------------------------------------------------------------
// State.

/**
 * What the rules remember between points: plain JSON (persisted, restored with JSON.parse),
 * bounded by the longest rule window or run. Arrays `hi`, `lo`, `run` have one entry per compiled
 * rule (same index as CompiledRules.rules).
 */
export interface RuleState {
  /** CompiledRules.key of the rules this state belongs to. */
  key: string;
  /** Points seen (the index of the next point). */
  n: number;
  /** Ring (slot = index mod size): sequence numbers of the last `size` points. */
  seq: number[];
  /** Ring: zone bits of the last points, bit 2i = above, 2i + 1 = below the zone of k-of-m rule i. */
  zone: number[];
  /** k-of-m: points above the zone in the window; run-outside: index of the last point above (−1 none). */
  hi: number[];
  /** k-of-m: points below the zone in the window; run-outside: index of the last point below (−1 none). */
  lo: number[];
  /** run-within, run-outside: points in the current run. */
  run: number[];
  /** Points in a row strictly above (> 0) or below (< 0) the centre line. */
  side: number;
  /** The previous value (trend, alternating); null at the start and after a break. */
  prev: number | null;
  /** Strict increases (> 0) or decreases (< 0) in a row. */
  trend: number;
  /** Sign of the last difference: 1, −1, 0 (none or zero). */
  dir: number;
  /** Sign changes in a row of consecutive differences. */
  alt: number;
}

export function initialRuleState(rules: CompiledRules): RuleState {
  const m = rules.rules.length;
  const lastNone = rules.rules.map((r) => (r.kind === K_OUTSIDE ? -1 : 0));
  return {
    key: rules.key,
    n: 0,
    seq: new Array<number>(rules.size).fill(0),
    zone: new Array<number>(rules.size).fill(0),
    hi: lastNone.slice(),
    lo: lastNone,
    run: new Array<number>(m).fill(0),
    side: 0,
    prev: null,
    trend: 0,
    dir: 0,
    alt: 0,
  };
}

/** Whether a (restored) state was made for these rules; if not, start with initialRuleState. */
export function ruleStateMatches(rules: CompiledRules, state: RuleState): boolean {
  return (
    state !== null &&
    typeof state === "object" &&
    state.key === rules.key &&
    Array.isArray(state.seq) &&
    state.seq.length === rules.size &&
    Array.isArray(state.zone) &&
    state.zone.length === rules.size &&
    Array.isArray(state.hi) &&
    state.hi.length === rules.rules.length &&
    Array.isArray(state.lo) &&
    state.lo.length === rules.rules.length &&
    Array.isArray(state.run) &&
    state.run.length === rules.rules.length &&
    Number.isInteger(state.n) &&
    state.n >= 0
  );
}

// ---------------------------------------------------------------------------------------------
// One point.

/**
 * The result of every point that fires no rule: one shared frozen empty array. Callers must not
 * push into it (copy first).
 */
export const NO_VIOLATIONS: SpcViolation[] = Object.freeze([]) as unknown as SpcViolation[];

/** Sequence numbers of points index − length + 1 .. index, oldest first. */
function lastSeqs(state: RuleState, size: number, index: number, length: number): number[] {
  const out = new Array<number>(length);
  const seq = state.seq;
  for (let k = 0; k < length; k++) out[k] = seq[(index - length + 1 + k) % size]!;
  return out;
}

/** Sequence numbers of the points of the window ending at `index` with zone bit `bit` set. */
function windowSeqs(
  state: RuleState,
  size: number,
  index: number,
  length: number,
  bit: number,
  current: number,
  found: number,
): number[] {
  const out = new Array<number>(found);
  const seq = state.seq;
  const zone = state.zone;
  let o = 0;
  for (let j = index - length + 1; j < index; j++) {
    const slot = j % size;
    if ((zone[slot]! & bit) !== 0) out[o++] = seq[slot]!;
  }
  if ((current & bit) !== 0) out[o++] = seq[index % size]!;
  out.length = o;
  return out;
}

/**
 * Check one point against the compiled rules, updating `state` in place (state made by
 * initialRuleState for these rules). Returns the violations in RULE_IDS order, each with the
 * sequence numbers of the points involved, oldest first: beyond-limits [seq]; k-of-m the points
 * of the window beyond the zone on the flagged side; runs the last `length` points of the run
 * (the current point last). When no rule fires: NO_VIOLATIONS, shared and frozen.
 */
export function checkPoint(rules: CompiledRules, state: RuleState, point: RulePoint): SpcViolation[] {
  const size = rules.size;
  const list = rules.rules;
  const index = state.n;
  const pos = index % size;
  const value = point.value;
  const cl = point.cl;
  const sigma = point.sigma;
  // Degenerate point: beyond-limits rules only, every other run breaks (module comment).
  const ok = sigma > 0 && sigma < Number.POSITIVE_INFINITY && Number.isFinite(value) && Number.isFinite(cl);
  state.seq[pos] = point.seq;
  state.n = index + 1;

  // Shared runs: same side of the centre line, trend, alternation (qcc NEL2, NEL3, NEL4).
  if (ok) {
    const side = state.side;
    state.side = value > cl ? (side > 0 ? side + 1 : 1) : value < cl ? (side < 0 ? side - 1 : -1) : 0;
    const prev = state.prev;
    if (prev !== null) {
      const d = value > prev ? 1 : value < prev ? -1 : 0;
      const trend = state.trend;
      state.trend = d > 0 ? (trend > 0 ? trend + 1 : 1) : d < 0 ? (trend < 0 ? trend - 1 : -1) : 0;
      state.alt = d !== 0 && state.dir === -d ? state.alt + 1 : 0;
      state.dir = d;
    }
    state.prev = value;
  } else {
    state.side = 0;
    state.prev = null;
    state.trend = 0;
    state.dir = 0;
    state.alt = 0;
  }

  let out: SpcViolation[] | null = null;
  let bits = 0;
  const zone = state.zone;
  for (let i = 0; i < list.length; i++) {
    const rule = list[i]!;
    const length = rule.length;
    let points: number[] | null = null;
    switch (rule.kind) {
      case K_BEYOND: {
        // Strictly outside the point's own limits (qcc WER1).
        const ucl = point.ucl;
        const lcl = point.lcl;
        if ((ucl !== null && value > ucl) || (lcl !== null && value < lcl)) points = [point.seq];
        break;
      }
      case K_DISPERSION: {
        const d = point.dispersion;
        if (d && ((d.ucl !== null && d.value > d.ucl) || (d.lcl !== null && d.value < d.lcl)))
          points = [point.seq];
        break;
      }
      case K_KOFM: {
        // count of the last `length` points beyond sigmas·σ on one side, the point itself beyond
        // (qcc WER2/WER3); counts kept per window, the point leaving it subtracted.
        const up = 1 << (2 * i);
        const down = up << 1;
        if (index >= length) {
          const leaving = zone[(index - length) % size]!;
          if ((leaving & up) !== 0) state.hi[i]!--;
          if ((leaving & down) !== 0) state.lo[i]!--;
        }
        if (!ok) break;
        const half = rule.sigmas * sigma;
        if (value > cl + half) {
          bits |= up;
          const hi = ++state.hi[i]!;
          if (hi >= rule.count && index + 1 >= length)
            points = windowSeqs(state, size, index, length, up, bits, hi);
        } else if (value < cl - half) {
          bits |= down;
          const lo = ++state.lo[i]!;
          if (lo >= rule.count && index + 1 >= length)
            points = windowSeqs(state, size, index, length, down, bits, lo);
        }
        break;
      }
      case K_SIDE: {
        const side = state.side;
        if (side >= length || -side >= length) points = lastSeqs(state, size, index, length);
        break;
      }
      case K_TREND: {
        // `length` points = length − 1 strict differences of one sign (qcc NEL3).
        const trend = state.trend;
        if (trend >= length - 1 || -trend >= length - 1) points = lastSeqs(state, size, index, length);
        break;
      }
      case K_ALTERNATING: {
        // `length` points = length − 2 sign changes in a row (qcc NEL4).
        if (state.alt >= length - 2) points = lastSeqs(state, size, index, length);
        break;
      }
      case K_WITHIN: {
        // Inclusive: cl − sigmas·σ <= value <= cl + sigmas·σ (qcc NEL7).
        const half = rule.sigmas * sigma;
        const run = ok && value >= cl - half && value <= cl + half ? state.run[i]! + 1 : 0;
        state.run[i] = run;
        if (run >= length) points = lastSeqs(state, size, index, length);
        break;
      }
      case K_OUTSIDE: {
        // Every point strictly beyond sigmas·σ, one above and one below among the last `length`
        // (qcc NEL8).
        const half = rule.sigmas * sigma;
        let run = 0;
        if (ok) {
          if (value > cl + half) {
            state.hi[i] = index;
            run = state.run[i]! + 1;
          } else if (value < cl - half) {
            state.lo[i] = index;
            run = state.run[i]! + 1;
          }
        }
        state.run[i] = run;
        const first = index - length;
        if (run >= length && state.hi[i]! > first && state.lo[i]! > first)
          points = lastSeqs(state, size, index, length);
        break;
      }
    }
    if (points !== null) {
      if (out === null) out = [];
      out.push({ rule: rule.id, text: rule.text, points });
    }
  }
  zone[pos] = bits;
  return out ?? NO_VIOLATIONS;
}
