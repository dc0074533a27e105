/**
 * Validation of suite messages against the contract (`lib/schemas`), compiled once with ajv.
 * A failed validation names the field and the expected form; a successful one returns the
 * typed value with ISO 8601 times converted to epoch milliseconds.
 */
import Ajv, { type ErrorObject, type SchemaObject, type ValidateFunction } from "ajv";
import { ASSET_PATH_PATTERN, schemas } from "./schemas";
import { MESSAGE_KINDS, type MessageByKind, type MessageKind, type SuiteMessage } from "./types";

export interface FieldError {
  /** Dotted path of the offending field, e.g. "values.speed.quality" ("" = the value itself). */
  field: string;
  /** The expected form, e.g. "must be a number". */
  message: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

// ISO 8601 date-time with a zone offset: a time without one would be read in the host's zone.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
export const TIME_EXPECTED =
  "must be epoch milliseconds (a finite number) or an ISO 8601 date-time with a zone offset";

/** Epoch ms from a number or an ISO 8601 string with offset; undefined when neither. */
export function parseTime(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string" && ISO_DATE_TIME.test(value)) {
    const ms = Date.parse(value);
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}

/** How far an input's time may lie before the clock: older data would make a reducer catch up for long. */
export const INPUT_MAX_AGE_MS = 7 * 86_400_000;
/** How far an input's time may lie after the clock (clock skew between a PLC and Node-RED). */
export const INPUT_MAX_AHEAD_MS = 5 * 60_000;

/**
 * An input's time against the clock `nowMs`: null when it lies within INPUT_MAX_AGE_MS before
 * and INPUT_MAX_AHEAD_MS after it, else the error naming `field` (seconds given as milliseconds,
 * a clock that is years off, a bogus date would otherwise freeze or wedge a reducer).
 */
export function checkInputTime(ts: number, nowMs: number, field = "ts"): FieldError | null {
  if (Number.isFinite(ts) && ts >= nowMs - INPUT_MAX_AGE_MS && ts <= nowMs + INPUT_MAX_AHEAD_MS) return null;
  const d = new Date(ts);
  const shown = Number.isFinite(d.getTime()) ? d.toISOString() : String(ts);
  return {
    field,
    message: `must be within 7 days before and 5 minutes after now (epoch ms or ISO 8601), got ${shown}`,
  };
}

// Conversions of ISO strings found during one validation; applied only when it succeeds, so a
// rejected input is left exactly as it came.
let pendingTimes: Array<{ parent: Record<string | number, unknown>; key: string | number; ms: number }> = [];

function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true, verbose: true });
  ajv.addKeyword({
    keyword: "epochMs",
    schemaType: "boolean",
    errors: false,
    validate: (_schema: boolean, data: unknown, _parentSchema?: SchemaObject, cxt?: DataCxt): boolean => {
      const ms = parseTime(data);
      if (ms === undefined) return false;
      if (typeof data === "string" && cxt)
        pendingTimes.push({ parent: cxt.parentData, key: cxt.parentDataProperty, ms });
      return true;
    },
  });
  return ajv;
}

interface DataCxt {
  parentData: Record<string | number, unknown>;
  parentDataProperty: string | number;
}

const ajv = createAjv();
const compiled = Object.fromEntries(
  MESSAGE_KINDS.map((kind) => [kind, ajv.compile(schemas[kind])]),
) as Record<MessageKind, ValidateFunction>;

function describe(error: ErrorObject): FieldError {
  const path = error.instancePath
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return { field: [...path, String(params.missingProperty)].join("."), message: "is required" };
    case "additionalProperties":
      return {
        field: [...path, String(params.additionalProperty)].join("."),
        message: "is not a field of this message kind",
      };
    case "epochMs":
      return { field: path.join("."), message: `${TIME_EXPECTED}${got(error.data)}` };
    case "enum":
      return {
        field: path.join("."),
        message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`,
      };
    case "pattern":
      if (params.pattern === ASSET_PATH_PATTERN) {
        return {
          field: path.join("."),
          message: `must be an asset path site/area/line[/cell]/machine without "#" or "+"${got(error.data)}`,
        };
      }
      return { field: path.join("."), message: `must match ${String(params.pattern)}${got(error.data)}` };
    case "const":
      return { field: path.join("."), message: `must be ${JSON.stringify(params.allowedValue)}` };
    case "type":
      return { field: path.join("."), message: `must be ${typeNames(params.type)}${got(error.data)}` };
    default:
      return { field: path.join("."), message: `${error.message ?? "is invalid"}${got(error.data)}` };
  }
}

const TYPE_NAMES: Record<string, string> = {
  number: "a finite number",
  integer: "an integer",
  string: "a string",
  boolean: "a boolean",
  null: "null",
  object: "an object",
  array: "an array",
};

function typeNames(type: unknown): string {
  const types = Array.isArray(type) ? type : String(type).split(",");
  return types.map((t) => TYPE_NAMES[String(t)] ?? String(t)).join(" or ");
}

/** ", got <value>" for an error message, short; NaN and Infinity are shown as such. */
export function got(value: unknown): string {
  let text: string;
  if (typeof value === "number" && !Number.isFinite(value)) text = String(value);
  else if (value === undefined) return "";
  else if (typeof value === "object" && value !== null)
    text = Array.isArray(value) ? "an array" : "an object";
  else text = JSON.stringify(value);
  return `, got ${text.length > 40 ? `${text.slice(0, 37)}...` : text}`;
}

/** Validate `value` as a message of `kind`. */
export function validate<K extends MessageKind>(kind: K, value: unknown): ValidationResult<MessageByKind[K]> {
  const check = compiled[kind];
  if (!check) {
    return { ok: false, errors: [{ field: "kind", message: `must be one of ${MESSAGE_KINDS.join(", ")}` }] };
  }
  const given = (value as { kind?: unknown } | null)?.kind;
  if (given !== kind) {
    return { ok: false, errors: [{ field: "kind", message: `must be "${kind}"${got(given)}` }] };
  }
  pendingTimes = [];
  const valid = check(value);
  const times = pendingTimes;
  pendingTimes = [];
  if (!valid) return { ok: false, errors: (check.errors ?? []).map(describe) };
  for (const t of times) t.parent[t.key] = t.ms;
  return { ok: true, value: value as MessageByKind[K] };
}

/** Validate a message whose kind is given by its own `kind` field. */
export function validateMessage(value: unknown): ValidationResult<SuiteMessage> {
  const kind = (value as { kind?: unknown } | null)?.kind;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, errors: [{ field: "", message: "must be an object" }] };
  }
  if (typeof kind !== "string" || !(MESSAGE_KINDS as readonly string[]).includes(kind)) {
    return { ok: false, errors: [{ field: "kind", message: `must be one of ${MESSAGE_KINDS.join(", ")}` }] };
  }
  return validate(kind as MessageKind, value);
}

/**
 * One line naming the field and the expected form, e.g. "payload.ts must be ...", or
 * "payload[3] must be ..." for an element of an array payload (field "[3]").
 */
export function formatErrors(errors: FieldError[], prefix = "payload"): string {
  return errors.map((e) => `${fieldPath(prefix, e.field)} ${e.message}`).join("; ");
}

function fieldPath(prefix: string, field: string): string {
  if (prefix === "" || field === "") return prefix || field;
  return field.startsWith("[") ? `${prefix}${field}` : `${prefix}.${field}`;
}

const configAjv = new Ajv({
  allErrors: false,
  strict: true,
  allowUnionTypes: true,
  verbose: true,
  coerceTypes: true,
  useDefaults: true,
});

/**
 * Compile a schema once into a validator with the same error form as `validate`. For node
 * configuration: the editor stores numbers and booleans typed into a form as strings, so types
 * are coerced and defaults filled in.
 */
export function makeConfigValidator<T>(schema: SchemaObject): (value: unknown) => ValidationResult<T> {
  const check = configAjv.compile(schema);
  return (value) => {
    if (check(value)) return { ok: true, value: value as T };
    return { ok: false, errors: (check.errors ?? []).map(describe) };
  };
}
