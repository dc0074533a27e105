/**
 * The rule ("simple") model: ordered structured conditions on tags, no eval of user text. The
 * first rule whose conditions all hold decides the state, else the default state.
 *
 * Tags whose value is not known (never received, or last received with Bad quality or stale)
 * make a condition undecided; the rules are read with three-valued logic: a rule with a false
 * condition fails whatever else is unknown, a rule with no false but an undecided condition
 * leaves the state undecided (the classifier keeps its state and warns), because a later rule
 * or the default must not win just because an earlier one could not be read.
 */
import type { TagScalar } from "../types";
import type { Condition, ElementChoice, Rule, SimpleState } from "./types";

/**
 * Default time element of the simple states (ISO 22400-2 as in STANDARDS.md 1.1): run APT;
 * setup AUST (preparing an order); down (failure), starved and blocked (minor stoppages caused
 * by the line): ADET; idle (available, no order executing): ADOT; planned (planned stop, e.g.
 * planned maintenance): PDOT.
 */
export const SIMPLE_ELEMENTS: Readonly<Record<SimpleState, ElementChoice>> = {
  run: "APT",
  idle: "ADOT",
  down: "ADET",
  setup: "AUST",
  starved: "ADET",
  blocked: "ADET",
  planned: "PDOT",
};

/** Operators that compare with a value, and those that take none. */
export const VALUE_OPS = ["==", "!=", ">", ">=", "<", "<="] as const;
export const NUMERIC_OPS = [">", ">=", "<", "<="] as const;

/** A number from a number or numeric text; undefined otherwise (booleans included). */
export function numberOf(v: TagScalar | undefined): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (typeof v === "string" && v.trim() !== "") {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** true/false of a boolean, a number (0 = false), or the text true/false/1/0/on/off/yes/no; else undefined. */
export function truthOf(v: TagScalar | undefined): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return Number.isFinite(v) ? v !== 0 : undefined;
  if (typeof v === "string") {
    const t = v.trim().toLowerCase();
    if (["true", "1", "on", "yes"].includes(t)) return true;
    if (["false", "0", "off", "no"].includes(t)) return false;
  }
  return undefined;
}

/** Equality of a tag value with a configured value: booleans by truth, numbers numerically, text exactly. */
export function equals(v: TagScalar, expected: number | string | boolean | undefined): boolean {
  if (v === null || expected === undefined) return false;
  if (typeof expected === "boolean" || typeof v === "boolean") {
    const a = typeof v === "boolean" ? v : truthOf(v);
    const b = typeof expected === "boolean" ? expected : truthOf(expected);
    return a !== undefined && a === b;
  }
  if (typeof expected === "number" || typeof v === "number") {
    const a = numberOf(v);
    return a !== undefined && a === numberOf(expected);
  }
  return v === expected;
}

/** Whether a known value satisfies a condition. */
export function holds(c: Condition, v: TagScalar): boolean {
  switch (c.op) {
    case "==":
      return equals(v, c.value);
    case "!=":
      return !equals(v, c.value);
    case ">":
    case ">=":
    case "<":
    case "<=": {
      const a = numberOf(v);
      const b = typeof c.value === "number" ? c.value : undefined;
      if (a === undefined || b === undefined) return false;
      if (c.op === ">") return a > b;
      if (c.op === ">=") return a >= b;
      if (c.op === "<") return a < b;
      return a <= b;
    }
    case "true":
      return truthOf(v) === true;
    case "false":
      return truthOf(v) === false;
    case "empty":
      return v === null || (typeof v === "string" && v.trim() === "");
    case "notEmpty":
      return !(v === null || (typeof v === "string" && v.trim() === ""));
  }
}

export type RuleOutcome =
  | { decided: true; state: SimpleState; rule: number | null; reason?: string }
  | { decided: false; unknownTags: string[] };

/**
 * The state the rules give for the known tag values (`values` has an entry only for tags whose
 * value is known). `rule` is the index of the matching rule, null for the default state.
 */
export function evaluateRules(
  rules: readonly Rule[],
  defaultState: SimpleState,
  values: Readonly<Record<string, TagScalar>>,
): RuleOutcome {
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i] as Rule;
    let failed = false;
    const unknown: string[] = [];
    for (const c of rule.when) {
      if (!Object.hasOwn(values, c.tag)) {
        unknown.push(c.tag);
        continue;
      }
      if (!holds(c, values[c.tag] as TagScalar)) {
        failed = true;
        break;
      }
    }
    if (failed) continue;
    if (unknown.length > 0) return { decided: false, unknownTags: [...new Set(unknown)] };
    const out: RuleOutcome = { decided: true, state: rule.state, rule: i };
    if (rule.reason !== undefined && rule.reason.trim() !== "") out.reason = rule.reason.trim();
    return out;
  }
  return { decided: true, state: defaultState, rule: null };
}
