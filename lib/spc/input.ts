/**
 * What a message means to the SPC reducer (lib/spc/spc.ts):
 * - a number, an array of numbers, `{value: number | number[], ts?, key?}` or
 *   `{values: number[], ts?, key?}`: measured values (variables charts);
 * - a MachineSample: the value of one tag (`options.tag`), Good quality only; a sample or tag that
 *   is stale, of another quality, missing or null is nothing to chart (input null, not an error);
 * - attribute charts (p, np, c, u): `{count, n?, ts?}` or a plain number (the count, with n from
 *   the configured sample size); a MachineSample tag is a count too, when the sample size is known
 *   (a c chart, or `sampleSize` configured): a tag carries no n;
 * - commands `{command: "revise"|"exclude"|"freeze"|"rebaseline"|"limits"|"flush", points?, mean?,
 *   sigma?, ts?}`.
 * `ts`: epoch ms or ISO 8601 with a zone offset, within 7 days before and 5 minutes after the
 * clock (checkInputTime); the arrival time `nowMs` when absent. Pure: the clock comes in as nowMs.
 * Errors name the field relative to the payload ("value[2]", "[3]" for an element of a bare array,
 * "values.<tag>.value", "count", "ts"; a key read from a message property by its name,
 * `options.keyField`) and the expected form. Bounds (lib/spc/types.ts): measured values, means and
 * sigmas at most MAX_MAGNITUDE (1e100) in magnitude, counts and the n of p, np and c safe integers,
 * the n of a u chart from MIN_U_SIZE (1e-9) to 2^53 − 1, so every statistic the chart computes is
 * finite.
 */
import type { MachineSample, SpcChart } from "../types";
import { checkInputTime, type FieldError, got, parseTime, TIME_EXPECTED, validate } from "../validate";
import { MAX_PHASE1_POINTS } from "./spc";
import {
  ATTRIBUTE_CHARTS,
  MAX_MAGNITUDE,
  MIN_U_SIZE,
  SPC_COMMANDS,
  type SpcCommand,
  type SpcInput,
} from "./types";

export interface SpcInputOptions {
  chart: SpcChart;
  /** The MachineSample tag of the characteristic. */
  tag: string;
  /** The subgroup key the node read from a message property (wins over payload.key); undefined = none. */
  key?: unknown;
  /** Where `key` was read, for the errors (e.g. "msg.batch"); default "key". */
  keyField?: string;
  /** The configured sample size of an attribute chart; null = each count gives its n. */
  sampleSize: number | null;
}

export type SpcInputResult = { ok: true; input: SpcInput | null } | { ok: false; errors: FieldError[] };

/** Refusal of an input, naming the fields (internal: spcInputOf returns it as errors). */
class Refused extends Error {
  constructor(readonly errors: FieldError[]) {
    super("refused");
  }
}

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
/** A number the charts take: finite, |v| <= MAX_MAGNITUDE. */
const bounded = (v: unknown): v is number => finite(v) && Math.abs(v) <= MAX_MAGNITUDE;
const MAGNITUDE = "at most 1e100 in magnitude";
const FINITE = `must be a finite number, ${MAGNITUDE}`;
const isAttribute = (chart: SpcChart): boolean => (ATTRIBUTE_CHARTS as readonly string[]).includes(chart);

const VALUE_FORMS =
  "a number, an array of numbers, {value, ts?, key?}, {values: [...], ts?} or a MachineSample";
const COUNT_FORMS = "a count {count, n?, ts?} or a plain count";
const COMMAND_FORM = `{command: ${SPC_COMMANDS.map((c) => `"${c}"`).join("|")}, points?, mean?, sigma?, ts?}`;

function unknownFields(payload: Obj, known: readonly string[], what: string): FieldError[] {
  return Object.keys(payload)
    .filter((k) => !known.includes(k))
    .map((k) => ({ field: k, message: `is not a field of ${what}` }));
}

/** `ts` of the payload: epoch ms or ISO 8601 with offset; nowMs when absent. */
function timeOf(payload: Obj, errors: FieldError[], nowMs: number): number {
  if (payload.ts === undefined) return nowMs;
  const ts = parseTime(payload.ts);
  if (ts === undefined) {
    errors.push({ field: "ts", message: `${TIME_EXPECTED}${got(payload.ts)}` });
    return nowMs;
  }
  return ts;
}

/**
 * The subgroup key: a non-empty string or a finite number (as a string); undefined when none.
 * `field` names where it was read (payload "key", or the node's message property).
 */
function keyOf(value: unknown, errors: FieldError[], field = "key"): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string" && value !== "") return value;
  if (finite(value)) return String(value);
  errors.push({
    field,
    message: `must be the subgroup key, a non-empty string or a finite number${got(value)}`,
  });
  return undefined;
}

/** The key of the node's message property (options.key, named options.keyField), else `payloadKey`. */
function keyFrom(options: SpcInputOptions, payloadKey: unknown, errors: FieldError[]): string | undefined {
  if (options.key !== undefined) return keyOf(options.key, errors, options.keyField ?? "key");
  return keyOf(payloadKey, errors);
}

/**
 * Bounded numbers of an array, or errors naming each bad element (`${field}[i]`). `single`: the
 * field may also be one number (payload.value), so the message names both forms.
 */
function numbers(value: unknown, field: string, errors: FieldError[], single: boolean): number[] {
  if (!Array.isArray(value)) {
    errors.push({
      field,
      message: `must be ${single ? "a finite number or " : ""}a non-empty array of finite numbers${got(value)}`,
    });
    return [];
  }
  if (value.length === 0) {
    errors.push({ field, message: "must be a non-empty array of finite numbers, got an empty array" });
    return [];
  }
  for (let i = 0; i < value.length; i++)
    if (!bounded(value[i])) errors.push({ field: `${field}[${i}]`, message: `${FINITE}${got(value[i])}` });
  return value as number[];
}

function valuesInput(
  values: number[],
  ts: number,
  key: string | undefined,
  errors: FieldError[],
  sourceTs?: number,
): SpcInput {
  if (errors.length > 0) throw new Refused(errors);
  const input: SpcInput = { type: "values", values, ts };
  if (key !== undefined) input.key = key;
  if (sourceTs !== undefined) input.sourceTs = sourceTs;
  return input;
}

/** Checks a count and its sample size for the chart; `countField` names the count. */
function countInput(
  count: unknown,
  n: unknown,
  ts: number,
  options: SpcInputOptions,
  errors: FieldError[],
  countField: string,
  nField: string,
): SpcInput {
  const chart = options.chart;
  if (!(Number.isSafeInteger(count) && (count as number) >= 0))
    errors.push({
      field: countField,
      message: `must be a whole number from 0 to 2^53 − 1 (${chart === "p" || chart === "np" ? "nonconforming units" : "nonconformities"})${got(count)}`,
    });
  let size: number | null = null;
  if (n !== undefined && n !== null) {
    const ok =
      chart === "u"
        ? finite(n) && n >= MIN_U_SIZE && n <= Number.MAX_SAFE_INTEGER
        : Number.isSafeInteger(n) && (n as number) >= 1;
    if (!ok)
      errors.push({
        field: nField,
        message: `${chart === "u" ? `must be a number of units inspected from ${MIN_U_SIZE} to 2^53 − 1` : "must be a whole number of units inspected from 1 to 2^53 − 1"}${got(n)}`,
      });
    else {
      size = n as number;
      if (options.sampleSize !== null && size !== options.sampleSize)
        errors.push({
          field: nField,
          message: `must be the configured sample size ${options.sampleSize} (or left out)${got(n)}`,
        });
      else if (chart === "c" && options.sampleSize === null && size !== 1)
        errors.push({
          field: nField,
          message: `must be 1 or left out: a c chart counts nonconformities in one inspection unit of constant size (a u chart takes varying sizes)${got(n)}`,
        });
    }
  } else if (options.sampleSize === null && chart !== "c")
    errors.push({
      field: nField,
      message: `is required: no sample size is configured, so each count needs its n (units inspected)`,
    });
  const effective = size ?? options.sampleSize;
  if (
    (chart === "p" || chart === "np") &&
    effective !== null &&
    typeof count === "number" &&
    Number.isInteger(count) &&
    count > effective
  )
    errors.push({
      field: countField,
      message: `must not exceed the sample size ${effective} (nonconforming units of ${effective} inspected)${got(count)}`,
    });
  if (errors.length > 0) throw new Refused(errors);
  return { type: "count", count: count as number, size, ts };
}

function command(payload: Obj, options: SpcInputOptions, nowMs: number): SpcInput {
  const errors = unknownFields(payload, ["command", "points", "mean", "sigma", "ts"], "an SPC command");
  const cmd = payload.command;
  if (!(SPC_COMMANDS as readonly unknown[]).includes(cmd)) {
    errors.push({ field: "command", message: `must be one of ${SPC_COMMANDS.join(", ")}${got(cmd)}` });
    throw new Refused(errors);
  }
  const name = cmd as SpcCommand;
  const { points, mean, sigma } = payload;
  if (name === "exclude") {
    if (!Array.isArray(points) || points.length === 0 || points.length > MAX_PHASE1_POINTS)
      errors.push({
        field: "points",
        message: `must be a non-empty array of at most ${MAX_PHASE1_POINTS} phase-I point numbers (seq) to leave out${Array.isArray(points) && points.length > 0 ? `, got ${points.length}` : got(points)}`,
      });
    else
      for (let i = 0; i < points.length; i++) {
        const p = points[i];
        if (!(typeof p === "number" && Number.isInteger(p) && p >= 1))
          errors.push({
            field: `points[${i}]`,
            message: `must be a point number (seq), a whole number >= 1${got(p)}`,
          });
      }
  } else if (points !== undefined)
    errors.push({ field: "points", message: `is only for the exclude command${got(points)}` });
  if (name === "limits") {
    const chart = options.chart;
    const attribute = isAttribute(chart);
    if (!bounded(mean))
      errors.push({
        field: "mean",
        message: `is required: the process level to use from now on (${attribute ? "p̄, c̄ or ū" : "mean of single values"}), ${MAGNITUDE}${got(mean)}`,
      });
    else if ((chart === "p" || chart === "np") && !(mean > 0 && mean < 1))
      errors.push({
        field: "mean",
        message: `must be the fraction nonconforming p̄, between 0 and 1 (exclusive)${got(mean)}`,
      });
    else if ((chart === "c" || chart === "u") && !(mean > 0))
      errors.push({ field: "mean", message: `must be a count > 0 (c̄ or ū)${got(mean)}` });
    if (!attribute && !(bounded(sigma) && sigma > 0))
      errors.push({
        field: "sigma",
        message: `is required: the sigma of single values, a number > 0, ${MAGNITUDE}${got(sigma)}`,
      });
    else if (attribute && sigma !== undefined)
      errors.push({
        field: "sigma",
        message: `is not used by a ${options.chart} chart (its sigma follows from the mean)`,
      });
  } else {
    if (mean !== undefined)
      errors.push({ field: "mean", message: `is only for the limits command${got(mean)}` });
    if (sigma !== undefined)
      errors.push({ field: "sigma", message: `is only for the limits command${got(sigma)}` });
  }
  const ts = timeOf(payload, errors, nowMs);
  if (errors.length > 0) throw new Refused(errors);
  const input: SpcInput = { type: "command", command: name, ts };
  if (name === "exclude") input.points = (points as number[]).slice();
  if (name === "limits") {
    input.mean = mean as number;
    if (!isAttribute(options.chart)) input.sigma = sigma as number;
  }
  return input;
}

/** The value of the characteristic's tag of a MachineSample; null when there is nothing to chart. */
function fromSample(payload: Obj, options: SpcInputOptions): SpcInput | null {
  const r = validate("MachineSample", payload);
  if (!r.ok) throw new Refused(r.errors);
  const sample: MachineSample = r.value;
  if (sample.stale) return null;
  const tv = Object.hasOwn(sample.values, options.tag) ? sample.values[options.tag] : undefined;
  if (tv === undefined || tv.quality !== "Good" || tv.stale === true || tv.value === null) return null;
  const field = `values.${options.tag}.value`;
  const errors: FieldError[] = [];
  if (isAttribute(options.chart)) {
    // A tag is a count only when the sample size is known: it carries no n.
    if (options.sampleSize === null && options.chart !== "c")
      throw new Refused([
        {
          field,
          message: `is a count from a MachineSample tag, which gives no sample size: a ${options.chart} chart takes {count, n} (or configure its sampleSize to chart a tag)`,
        },
      ]);
    return countInput(tv.value, undefined, sample.ts, options, errors, field, "n");
  }
  const key = keyFrom(options, undefined, errors);
  if (!bounded(tv.value)) {
    errors.push({
      field,
      message: `${FINITE} (the measured ${options.tag})${got(tv.value)}`,
    });
    throw new Refused(errors);
  }
  return valuesInput([tv.value], sample.ts, key, errors, tv.sourceTs);
}

function inputOf(payload: unknown, options: SpcInputOptions, nowMs: number): SpcInput | null {
  const attribute = isAttribute(options.chart);
  const forms = attribute ? COUNT_FORMS : VALUE_FORMS;
  if (typeof payload === "number") {
    if (!attribute && !bounded(payload))
      throw new Refused([{ field: "", message: `${FINITE}${got(payload)}` }]);
    const errors: FieldError[] = [];
    if (attribute) return countInput(payload, undefined, nowMs, options, errors, "", "n");
    return valuesInput([payload], nowMs, keyFrom(options, undefined, errors), errors);
  }
  if (Array.isArray(payload)) {
    if (attribute)
      throw new Refused([
        { field: "", message: `must be ${forms} for a ${options.chart} chart, got an array` },
      ]);
    const errors: FieldError[] = [];
    const values = numbers(payload, "", errors, false);
    return valuesInput(values, nowMs, keyFrom(options, undefined, errors), errors);
  }
  if (!isObject(payload))
    throw new Refused([{ field: "", message: `must be ${forms} or ${COMMAND_FORM}${got(payload)}` }]);
  if ("kind" in payload) {
    if (payload.kind === "MachineSample") return fromSample(payload, options);
    throw new Refused([
      {
        field: "kind",
        message: `must be "MachineSample" (values, counts and commands have no kind)${got(payload.kind)}`,
      },
    ]);
  }
  if ("command" in payload) return command(payload, options, nowMs);
  if ("count" in payload) {
    if (!attribute)
      throw new Refused([
        {
          field: "count",
          message: `is for attribute charts (p, np, c, u); a ${options.chart} chart takes measured values: ${VALUE_FORMS}`,
        },
      ]);
    const errors = unknownFields(payload, ["count", "n", "ts"], "a count");
    const ts = timeOf(payload, errors, nowMs);
    return countInput(payload.count, payload.n, ts, options, errors, "count", "n");
  }
  if ("value" in payload || "values" in payload) {
    const field = "value" in payload ? "value" : "values";
    if (attribute)
      throw new Refused([
        { field, message: `is a measured value, but a ${options.chart} chart takes ${COUNT_FORMS}` },
      ]);
    const errors = unknownFields(payload, [field, "ts", "key"], "measured values");
    const raw = payload[field];
    let values: number[];
    if (field === "value" && typeof raw === "number") {
      if (!bounded(raw)) errors.push({ field, message: `${FINITE}${got(raw)}` });
      values = [raw];
    } else values = numbers(raw, field, errors, field === "value");
    const ts = timeOf(payload, errors, nowMs);
    const key = keyFrom(options, payload.key, errors);
    return valuesInput(values, ts, key, errors);
  }
  throw new Refused([{ field: "", message: `must be ${forms} or ${COMMAND_FORM}` }]);
}

function timeOfInput(input: SpcInput): number {
  return input.ts;
}

/**
 * The reducer input of a message (payload), or null when there is nothing to chart (a
 * MachineSample whose tag is missing, not of Good quality, stale or null). Errors name the field
 * and the expected form; inputs dated more than 7 days before or 5 minutes after `nowMs` are
 * refused (checkInputTime).
 */
export function spcInputOf(payload: unknown, options: SpcInputOptions, nowMs: number): SpcInputResult {
  try {
    const input = inputOf(payload, options, nowMs);
    if (input !== null) {
      const error = checkInputTime(timeOfInput(input), nowMs);
      if (error) return { ok: false, errors: [error] };
    }
    return { ok: true, input };
  } catch (err) {
    if (err instanceof Refused) return { ok: false, errors: err.errors };
    throw err;
  }
}
